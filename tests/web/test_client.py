"""Tests for minitwisted.web.client: Agent, Response, readBody, FileBodyProducer.

Each scenario runs with ``net`` (minitwisted, then Twisted 26.10) against the same kind
of server: the standard library's ``http.server`` in a thread on 127.0.0.1, or the
framework's own ``Site``.  The results must be the same on both.  FileBodyProducer is
also stepped by hand with a Cooperator; the response parser is fed byte by byte on a
StringTransport (minitwisted only: Twisted's parser has a different internal API); the
``mini`` tests pin the deliberate differences named in the module's docstring.
"""

import http.server
import importlib
import io
import socket
import threading

import pytest

from tests.web.conftest import buildTree, webModules

# Twisted's own readBody warns about its own response transport; nothing to do with us.
pytestmark = pytest.mark.filterwarnings("ignore:Using readBody with a transport")


def clientModules(net):
    """The client-side web modules of ``net``'s framework."""
    names = {"client": "web.client", "http_headers": "web.http_headers", "iweb": "web.iweb"}
    mods = {key: importlib.import_module("%s.%s" % (net.name, path))
            for key, path in names.items()}
    if net.name == "twisted":
        newclient = importlib.import_module("twisted.web._newclient")
        mods["ResponseDone"] = newclient.ResponseDone
        mods["ResponseFailed"] = newclient.ResponseFailed
        mods["PotentialDataLoss"] = importlib.import_module("twisted.web.http").PotentialDataLoss
        mods["SchemeNotSupported"] = importlib.import_module(
            "twisted.web.error").SchemeNotSupported
    else:
        for name in ("ResponseDone", "ResponseFailed", "PotentialDataLoss",
                     "SchemeNotSupported"):
            mods[name] = getattr(mods["client"], name)
    return type("Modules", (), mods)


# --- A standard-library server ---------------------------------------------------------


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers a few paths; records each request's method, headers and body on the server."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass  # keep test output quiet

    def _record(self):
        body = b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().strip(), 16)
                chunk = self.rfile.read(size + 2)[:-2]
                if not size:
                    break
                body += chunk
        elif self.headers.get("Content-Length"):
            body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.seen.append((self.command, self.path, dict(self.headers), body))
        return body

    def _answer(self, code, body, headers=()):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._record()
        if self.path == "/hello?x=1":
            self._answer(200, b"hello there", [("X-Test", "yes")])
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in [b"first ", b"second ", b"third"]:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/close":
            # No length and no chunking: the body ends when the connection does.
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the end")
            self.close_connection = True
        elif self.path == "/cut":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"only some")
            self.close_connection = True
        elif self.path == "/hang":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"a start")
            self.wfile.flush()
            self.rfile.read()  # wait until the client hangs up
            self.close_connection = True
        elif self.path == "/silent":
            self.close_connection = True  # close without a byte of answer
        else:
            self._answer(404, b"nothing here")

    def do_POST(self):
        body = self._record()
        self._answer(201, b"got " + body)

    do_PUT = do_POST

    def do_HEAD(self):
        self._record()
        self.send_response(404)
        self.send_header("Content-Length", "12")  # what a GET would have sent
        self.end_headers()


@pytest.fixture
def stdlibServer():
    """A ThreadingHTTPServer on 127.0.0.1; ``seen`` lists what it received."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def urlOf(server, path):
    return b"http://127.0.0.1:%d%s" % (server.server_address[1], path)


def fetch(net, url, method=b"GET", headers=None, producer=None):
    """Request ``url`` with ``net``'s Agent; return (response, body)."""
    web = clientModules(net)
    agent = web.client.Agent(net.reactor)
    response = net.spin(agent.request(method, url, headers, producer))
    return response, net.spin(web.client.readBody(response))


# --- Against the standard library's server ---------------------------------------------


def test_getReturnsStatusHeadersAndBody(net, stdlibServer):
    """A GET gives the code, phrase, version, headers, length and body the server sent."""
    response, body = fetch(net, urlOf(stdlibServer, b"/hello?x=1"))
    assert (response.code, response.phrase, response.version) == (200, b"OK", (b"HTTP", 1, 1))
    assert response.headers.getRawHeaders(b"x-test") == [b"yes"]
    assert (response.length, body) == (11, b"hello there")


def test_getSendsHostAndConnectionClose(net, stdlibServer):
    """The request carries a Host header with the port and asks to close the connection."""
    fetch(net, urlOf(stdlibServer, b"/hello?x=1"))
    method, path, headers, body = stdlibServer.seen[0]
    assert (method, path, body) == ("GET", "/hello?x=1", b"")
    assert headers["Host"] == "127.0.0.1:%d" % stdlibServer.server_address[1]
    assert headers["Connection"] == "close"


def test_callersHeadersAreSent(net, stdlibServer):
    """Headers given to request reach the server."""
    web = clientModules(net)
    headers = web.http_headers.Headers({b"user-agent": [b"test-agent"]})
    fetch(net, urlOf(stdlibServer, b"/hello?x=1"), headers=headers)
    assert stdlibServer.seen[0][2]["User-Agent"] == "test-agent"


def test_notFoundIsAResponseNotAFailure(net, stdlibServer):
    """A 404 answer fires the Deferred with a Response whose code is 404."""
    response, body = fetch(net, urlOf(stdlibServer, b"/missing"))
    assert (response.code, response.phrase, body) == (404, b"Not Found", b"nothing here")


def test_postWithFileBodyProducerSendsContentLength(net, stdlibServer):
    """A FileBodyProducer over a seekable file knows its length, sent as Content-Length."""
    web = clientModules(net)
    producer = web.client.FileBodyProducer(io.BytesIO(b"name=bob&x=1"))
    assert producer.length == 12
    response, body = fetch(net, urlOf(stdlibServer, b"/form"), b"POST", producer=producer)
    assert (response.code, body) == (201, b"got name=bob&x=1")
    headers = stdlibServer.seen[0][2]
    assert headers["Content-Length"] == "12" and "Transfer-Encoding" not in headers


def test_largeBodyIsSentWhole(net, stdlibServer):
    """A body of several megabytes, more than the send buffer holds, arrives whole."""
    web = clientModules(net)
    data = bytes(range(256)) * 16384  # 4 MiB
    producer = web.client.FileBodyProducer(io.BytesIO(data))
    response, body = fetch(net, urlOf(stdlibServer, b"/big"), b"POST", producer=producer)
    assert body == b"got " + data


def test_fileBodyProducerLengthIsWhatIsLeftAfterThePosition(net):
    """The length counts from the file's current position to its end."""
    web = clientModules(net)
    data = io.BytesIO(b"0123456789")
    data.seek(4)
    assert web.client.FileBodyProducer(data).length == 6


def test_bodyOfUnknownLengthIsSentChunked(net, stdlibServer):
    """A producer whose length is UNKNOWN_LENGTH sends its body chunked, in several writes."""
    web = clientModules(net)
    producer = web.client.FileBodyProducer(io.BytesIO(b"abcdefghij"), readSize=3)
    producer.length = web.iweb.UNKNOWN_LENGTH
    response, body = fetch(net, urlOf(stdlibServer, b"/upload"), b"PUT", producer=producer)
    assert body == b"got abcdefghij"
    assert stdlibServer.seen[0][2]["Transfer-Encoding"] == "chunked"


def test_postWithoutABodySendsContentLengthZero(net, stdlibServer):
    """A POST with no producer still says Content-Length: 0."""
    response, body = fetch(net, urlOf(stdlibServer, b"/form"), b"POST")
    assert body == b"got "
    assert stdlibServer.seen[0][2]["Content-Length"] == "0"


def test_chunkedResponseIsReassembled(net, stdlibServer):
    """A chunked response has an unknown length and its chunks join into the body."""
    web = clientModules(net)
    response, body = fetch(net, urlOf(stdlibServer, b"/chunked"))
    assert response.length == web.iweb.UNKNOWN_LENGTH
    assert body == b"first second third"


class Recorder:
    """A body protocol that records what it is told."""

    def __init__(self, deferred):
        self.deferred = deferred
        self.data = []

    def makeConnection(self, transport):
        self.transport = transport

    def dataReceived(self, data):
        self.data.append(data)

    def connectionLost(self, reason):
        self.deferred.callback([reason])  # in a list: spin would raise a bare Failure


def deliver(net, response):
    """Give the body of ``response`` to a Recorder; return (bytes, the end reason)."""
    recorder = Recorder(net.defer.Deferred())
    response.deliverBody(recorder)
    [reason] = net.spin(recorder.deferred)
    return b"".join(recorder.data), reason


def test_deliverBodyEndsWithResponseDone(net, stdlibServer):
    """The body protocol gets the bytes, then connectionLost with ResponseDone."""
    web = clientModules(net)
    response = net.spin(web.client.Agent(net.reactor).request(
        b"GET", urlOf(stdlibServer, b"/chunked")))
    body, reason = deliver(net, response)
    assert body == b"first second third"
    assert reason.check(web.ResponseDone)


def test_bodyEndingAtCloseEndsWithPotentialDataLoss(net, stdlibServer):
    """A body without a length ends with PotentialDataLoss when the connection closes."""
    web = clientModules(net)
    response = net.spin(web.client.Agent(net.reactor).request(
        b"GET", urlOf(stdlibServer, b"/close")))
    assert response.length == web.iweb.UNKNOWN_LENGTH
    body, reason = deliver(net, response)
    assert body == b"until the end"
    assert reason.check(web.PotentialDataLoss)


def test_readBodyOfABodyEndingAtCloseFailsWithPartialDownloadError(net, stdlibServer):
    """readBody fails with PartialDownloadError, which holds the body and the status."""
    web = clientModules(net)
    response = net.spin(web.client.Agent(net.reactor).request(
        b"GET", urlOf(stdlibServer, b"/close")))
    with pytest.raises(web.client.PartialDownloadError) as caught:
        net.spin(web.client.readBody(response))
    assert caught.value.response == b"until the end"
    assert (caught.value.status, str(caught.value)) == (b"200", "200 OK")


def test_bodyCutShortFailsWithResponseFailed(net, stdlibServer):
    """A connection that closes before Content-Length bytes came makes readBody fail."""
    web = clientModules(net)
    response = net.spin(web.client.Agent(net.reactor).request(
        b"GET", urlOf(stdlibServer, b"/cut")))
    with pytest.raises(web.ResponseFailed):
        net.spin(web.client.readBody(response))


def test_connectionClosedWithoutAnswerFailsWithResponseNeverReceived(net, stdlibServer):
    """A server that closes without answering fails the request with ResponseNeverReceived."""
    web = clientModules(net)
    with pytest.raises(web.ResponseFailed) as caught:
        net.spin(web.client.Agent(net.reactor).request(b"GET", urlOf(stdlibServer, b"/silent")))
    assert type(caught.value).__name__ == "ResponseNeverReceived"


def test_cancellingReadBodyFailsWithCancelledError(net, stdlibServer, logged):
    """Cancelling readBody's Deferred fails it with CancelledError, and nothing fires it again."""
    web = clientModules(net)
    response = net.spin(web.client.Agent(net.reactor).request(
        b"GET", urlOf(stdlibServer, b"/hang")))
    d = web.client.readBody(response)
    d.cancel()
    with pytest.raises(net.defer.CancelledError):
        net.spin(d)
    # Let the connection close: the body's end must not fire the cancelled Deferred again.
    net.spin(net.task.deferLater(net.reactor, 0.1, lambda: None))
    assert [event for event in logged if event.get("isError")] == []


def test_cancellingReadBodyClosesTheConnection(mini, stdlibServer):
    """Differs from Twisted: cancelling readBody closes the connection (Twisted's stays open)."""
    from minitwisted.web import client
    response = mini.spin(client.Agent(mini.reactor).request(
        b"GET", urlOf(stdlibServer, b"/hang")))
    d = client.readBody(response)
    assert response._transport.connected
    d.cancel()
    d.addErrback(lambda reason: None)
    mini.spin(mini.task.deferLater(mini.reactor, 0.1, lambda: None))
    assert not response._transport.connected


def test_headRequestHasNoBody(net, stdlibServer):
    """A HEAD response has length 0 and an empty body, whatever Content-Length says."""
    response, body = fetch(net, urlOf(stdlibServer, b"/missing"), b"HEAD")
    assert (response.code, response.length, body) == (404, 0, b"")


def test_deliverBodyTwiceRaisesRuntimeError(net, stdlibServer):
    """A response's body can be delivered once only."""
    web = clientModules(net)
    response = net.spin(web.client.Agent(net.reactor).request(
        b"GET", urlOf(stdlibServer, b"/hello?x=1")))
    assert net.spin(web.client.readBody(response)) == b"hello there"
    with pytest.raises(RuntimeError):
        response.deliverBody(Recorder(net.defer.Deferred()))


# --- Failures before any response ------------------------------------------------------


def freePort():
    """A port on 127.0.0.1 that nothing listens on (just released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connectionRefusedFailsWithConnectionRefusedError(net):
    """A request to a port nobody listens on fails with ConnectionRefusedError."""
    web = clientModules(net)
    url = b"http://127.0.0.1:%d/" % freePort()
    with pytest.raises(net.error.ConnectionRefusedError):
        net.spin(web.client.Agent(net.reactor).request(b"GET", url))


def test_unknownSchemeFailsWithSchemeNotSupported(net):
    """A URI whose scheme is not http fails at once with SchemeNotSupported."""
    web = clientModules(net)
    d = web.client.Agent(net.reactor).request(b"GET", b"ftp://127.0.0.1/")
    with pytest.raises(web.SchemeNotSupported) as caught:
        net.spin(d)
    assert str(caught.value) == "Unsupported scheme: b'ftp'"


def test_httpsFailsWithSchemeNotSupported(mini):
    """Differs from Twisted: https fails with SchemeNotSupported (no TLS in minitwisted)."""
    from minitwisted.web import client
    with pytest.raises(client.SchemeNotSupported):
        mini.spin(client.Agent(mini.reactor).request(b"GET", b"https://127.0.0.1/"))


def test_eachRequestUsesItsOwnConnection(mini, stdlibServer):
    """Differs from Twisted: there is no pool, so two requests use two connections."""
    from minitwisted.web import client
    agent = client.Agent(mini.reactor, pool=object())
    ports = []
    for _ in range(2):
        response = mini.spin(agent.request(b"GET", urlOf(stdlibServer, b"/hello?x=1")))
        ports.append(response._transport.getHost().port)
        mini.spin(client.readBody(response))
    assert ports[0] != ports[1]
    assert [seen[2]["Connection"] for seen in stdlibServer.seen] == ["close", "close"]


def test_producerFailureFailsTheRequest(mini, stdlibServer):
    """A body producer whose Deferred fails makes the request fail with RequestGenerationFailed."""
    from minitwisted.web import client

    class Broken:
        length = 5

        def startProducing(self, consumer):
            return mini.defer.fail(ValueError("no body today"))

        def stopProducing(self):
            pass

    with pytest.raises(client.RequestGenerationFailed) as caught:
        mini.spin(client.Agent(mini.reactor).request(
            b"POST", urlOf(stdlibServer, b"/form"), None, Broken()))
    assert caught.value.reasons[0].check(ValueError)


def test_producerWritingTheWrongLengthFailsTheRequest(mini, stdlibServer):
    """A producer that writes fewer bytes than its length fails with WrongBodyLength inside."""
    from minitwisted.web import client

    class Short:
        length = 10

        def startProducing(self, consumer):
            consumer.write(b"abc")
            return mini.defer.succeed(None)

        def stopProducing(self):
            pass

    with pytest.raises(client.RequestGenerationFailed) as caught:
        mini.spin(client.Agent(mini.reactor).request(
            b"POST", urlOf(stdlibServer, b"/form"), None, Short()))
    assert caught.value.reasons[0].check(client.WrongBodyLength)


# --- Against the framework's own Site ----------------------------------------------------


def test_agentTalksToSite(net, serve):
    """The Agent fetches pages, a POST and a late answer from the framework's Site."""
    web = clientModules(net)
    port = serve(net, buildTree(webModules(net.name), net.reactor))
    base = b"http://127.0.0.1:%d" % port
    response, body = fetch(net, base + b"/hello?name=bob")
    assert (response.code, body) == (200, b"hello bob")
    assert response.headers.getRawHeaders(b"content-type") == [b"text/html"]
    producer = web.client.FileBodyProducer(io.BytesIO(b"a=1&b=2"))
    response, body = fetch(net, base + b"/form", b"POST", web.http_headers.Headers(
        {b"content-type": [b"application/x-www-form-urlencoded"]}), producer)
    assert body == b"7 [(b'a', b'1'), (b'b', b'2')]"
    assert fetch(net, base + b"/later")[1] == b"part1 part2"
    response, body = fetch(net, base + b"/nowhere")
    assert response.code == 404 and b"No Such Resource" in body


# --- FileBodyProducer on its own --------------------------------------------------------


class ListConsumer:
    """A consumer that keeps what is written to it."""

    def __init__(self):
        self.written = []

    def write(self, data):
        self.written.append(data)


def stepByStep(net):
    """A Cooperator that steps only when the test calls the returned ``step``."""
    calls = []
    cooperator = net.task.Cooperator(terminationPredicateFactory=lambda: lambda: True,
                                     scheduler=calls.append)

    def step():
        while calls:
            calls.pop(0)()

    return cooperator, step


def test_fileBodyProducerWritesTheFileInSlices(net):
    """The producer writes readSize bytes per step, closes the file and fires its Deferred."""
    web = clientModules(net)
    cooperator, step = stepByStep(net)
    data = io.BytesIO(b"abcdefg")
    producer = web.client.FileBodyProducer(data, cooperator=cooperator, readSize=3)
    consumer, results = ListConsumer(), []
    producer.startProducing(consumer).addCallback(results.append)
    step()
    assert (consumer.written, results, data.closed) == ([b"abc", b"def", b"g"], [None], True)


def test_fileBodyProducerPausesAndResumes(net):
    """Nothing is written while paused; resuming carries on where it stopped."""
    web = clientModules(net)
    cooperator, step = stepByStep(net)
    producer = web.client.FileBodyProducer(io.BytesIO(b"abcdef"), cooperator=cooperator,
                                           readSize=2)
    consumer = ListConsumer()
    producer.startProducing(consumer)
    producer.pauseProducing()
    step()
    assert consumer.written == []
    producer.resumeProducing()
    step()
    assert consumer.written == [b"ab", b"cd", b"ef"]


def test_fileBodyProducerStopClosesTheFileAndNeverFires(net):
    """stopProducing closes the file, and the Deferred of startProducing never fires."""
    web = clientModules(net)
    cooperator, step = stepByStep(net)
    data = io.BytesIO(b"abcdef")
    producer = web.client.FileBodyProducer(data, cooperator=cooperator, readSize=2)
    results = []
    producer.startProducing(ListConsumer()).addBoth(results.append)
    producer.stopProducing()
    step()
    assert (results, data.closed) == ([], True)


# --- Cancelling --------------------------------------------------------------------------


def test_cancellingWhileWaitingForTheAnswerFailsTheRequest(net):
    """Cancelling a request whose answer has not come closes the connection and fails it."""
    web = clientModules(net)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts connections (the kernel does) but never answers
        url = b"http://127.0.0.1:%d/" % listener.getsockname()[1]
        d = web.client.Agent(net.reactor).request(b"GET", url)
        net.spin(net.task.deferLater(net.reactor, 0.1, lambda: None))
        d.cancel()
        with pytest.raises(web.ResponseFailed) as caught:
            net.spin(d)
    assert type(caught.value).__name__ == "ResponseNeverReceived"
    assert caught.value.reasons[0].check(net.defer.CancelledError)


# --- The parser on a fake transport (minitwisted only: Twisted's parser has another API) --


def exchange(requestBody=None, method=b"GET"):
    """A protocol on a StringTransport with one request written; return (proto, transport, d)."""
    from minitwisted.internet.testing import StringTransport
    from minitwisted.web import client
    proto = client.HTTP11ClientProtocol()
    transport = StringTransport()
    proto.makeConnection(transport)
    request = client._Request(method, b"http://example.com/a?b=1", b"/a?b=1",
                              client.Headers({b"host": [b"example.com"]}), requestBody)
    return proto, transport, proto.request(request)


def feedByteByByte(proto, data):
    """Give ``data`` to ``proto`` in one-byte pieces, the worst split there is."""
    for i in range(len(data)):
        proto.dataReceived(data[i:i + 1])


def bodyOf(mini, response):
    """The body of ``response``, which must have arrived already."""
    from minitwisted.web import client
    results = []
    client.readBody(response).addBoth(results.append)
    return results[0]


def test_requestBytesOnTheWire(mini):
    """The request line, the caller's headers and Connection: close are written at once."""
    proto, transport, d = exchange()
    assert transport.value() == (b"GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\n"
                                 b"Connection: close\r\n\r\n")


@pytest.mark.parametrize("answer, body", [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", b"hello"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"3;name=value\r\nhel\r\n2\r\nlo\r\n0\r\nX-Trailer: yes\r\n\r\n", b"hello"),
    (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", b"ok"),
    (b"HTTP/1.1 204 No Content\r\nContent-Length: 99\r\n\r\n", b""),
])
def test_responseParsedWhenItArrivesOneByteAtATime(mini, answer, body):
    """Status, headers and each kind of body parse the same, however the bytes are split."""
    proto, transport, d = exchange()
    feedByteByByte(proto, answer)
    responses = []
    d.addCallback(responses.append)
    assert bodyOf(mini, responses[0]) == body
    assert transport.disconnecting  # one request per connection: closed when done


def test_bodyBeforeDeliverBodyIsKept(mini):
    """Body bytes that arrive before deliverBody are handed over when it is called."""
    proto, transport, d = exchange()
    responses = []
    d.addCallback(responses.append)
    proto.dataReceived(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")
    proto.dataReceived(b"abc")
    assert bodyOf(mini, responses[0]) == b"abc"


def test_garbageInsteadOfAStatusLineFailsWithResponseFailed(mini):
    """Bytes that are not an HTTP status line fail the request and close the connection."""
    from minitwisted.web import client
    proto, transport, d = exchange()
    proto.dataReceived(b"SSH-2.0-OpenSSH\r\n")
    failures = []
    d.addErrback(failures.append)
    assert failures[0].check(client.ResponseFailed)
    assert transport.disconnected


def test_answerBeforeTheBodyIsSentStopsTheProducer(mini):
    """A response that ends while the body is still being produced stops the producer."""
    stopped = []

    class Endless:
        length = 100

        def startProducing(self, consumer):
            consumer.write(b"a few bytes")
            return mini.defer.Deferred()  # never done

        def stopProducing(self):
            stopped.append(True)

        pauseProducing = resumeProducing = lambda self: None

    proto, transport, d = exchange(Endless(), b"POST")
    assert b"Content-Length: 100\r\n\r\na few bytes" in transport.value()
    proto.dataReceived(b"HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n")
    assert stopped == [True]
