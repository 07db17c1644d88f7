"""Tests for minitwisted.web.server and minitwisted.web.http, over loopback with real clients.

Tests taking ``net`` run once on minitwisted and once on Twisted 26.10: the same tree,
served by each framework's Site, must give the same answers.
"""

import http.client
import socket
import subprocess
import sys
import textwrap

from tests.web.conftest import buildTree, curl, inThread, webModules


def rawExchange(port, data, timeout=5):
    """Send raw bytes, read until the server closes; return everything it sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, socket.timeout):
            pass
    return b"".join(chunks)


def tree(net):
    return buildTree(webModules(net.name), net.reactor)


def test_getReturnsTheResourceBody(net, serve):
    """A GET through curl gets the bytes the resource's render_GET returns."""
    port = serve(net, tree(net))
    assert curl(net, "http://127.0.0.1:%d/hello?name=bob" % port) == b"hello bob"


def test_responseHeadersMatchTwisted(net, serve):
    """The status line and main headers of a rendered answer are Twisted's, but for the Server name."""
    port = serve(net, tree(net))
    out = curl(net, "-i", "http://127.0.0.1:%d/hello" % port)
    head, body = out.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 200 OK"
    server = {"minitwisted": b"Server: minitwistedWeb/0.1.0", "twisted": b"Server: TwistedWeb/26.10.0"}
    assert server[net.name] in lines
    assert b"Content-Type: text/html" in lines
    assert b"Content-Length: 11" in lines
    assert body == b"hello world"


def test_postFormFillsArgs(net, serve):
    """A form-urlencoded POST puts both query and body fields in request.args."""
    port = serve(net, tree(net))
    out = curl(net, "-d", "a=1&b=2", "http://127.0.0.1:%d/form?q=x" % port)
    assert out == b"7 [(b'a', b'1'), (b'b', b'2'), (b'q', b'x')]"


def test_chunkedUploadIsDecoded(net, serve):
    """A chunked request body arrives decoded in request.content."""
    port = serve(net, tree(net))
    out = curl(net, "-H", "Transfer-Encoding: chunked", "-H", "Content-Type: text/plain",
               "--data-binary", "x" * 3000, "http://127.0.0.1:%d/form" % port)
    assert out == b"3000 []"


def test_headHasHeadersButNoBody(net, serve):
    """HEAD falls back to render_GET, keeps its Content-Length and sends no body."""
    port = serve(net, tree(net))
    out = curl(net, "-I", "http://127.0.0.1:%d/hello" % port)
    assert out.startswith(b"HTTP/1.1 200 OK")
    assert b"Content-Length: 11" in out
    assert out.endswith(b"\r\n\r\n")


def test_keepAliveServesTwoUrlsOnOneConnection(net, serve):
    """curl reuses one connection for two URLs given in one call."""
    port = serve(net, tree(net))
    base = "http://127.0.0.1:%d" % port
    done = inThread(net, subprocess.run, ["curl", "-sv", base + "/hello", base + "/later"],
                    capture_output=True)
    assert done.stdout == b"hello worldpart1 part2"
    assert b"Re-using existing connection" in done.stderr or b"Reusing existing" in done.stderr


def test_notDoneYetAnswerIsChunked(net, serve):
    """An answer written later without Content-Length goes out chunked to an HTTP/1.1 client."""
    port = serve(net, tree(net))
    reply = inThread(net, rawExchange, port, b"GET /later HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in reply
    assert reply.endswith(b"6\r\npart1 \r\n5\r\npart2\r\n0\r\n\r\n")


def test_unsupportedMethodIs405WithAllow(net, serve):
    """A POST to a GET-only resource gets 405 and an Allow header."""
    port = serve(net, tree(net))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    response = inThread(net, lambda: (conn.request("POST", "/hello", body=b""), conn.getresponse())[1])
    assert response.status == 405
    assert set(response.getheader("Allow").split(", ")) == {"GET", "HEAD"}
    conn.close()


def test_sameAnswersAsTwisted(net, serve):
    """Status and body for a set of paths are those of twisted.web for the same tree."""
    port = serve(net, tree(net))
    results = []
    for path in ["/nothing", "/path/a/%2e%2e/b", "/str", "/hello/x"]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        response = inThread(net, lambda: (conn.request("GET", path), conn.getresponse())[1])
        results.append((response.status, response.getheader("Content-Type"),
                        inThread(net, response.read)[:60]))
        conn.close()
    assert results[0][0] == 404
    assert results[1] == (200, "text/html", b"[b'path'] [b'a', b'..', b'b']")
    assert results[2][0] == 500
    assert results[2][2].startswith(b"\n<html>\n  <head><title>500 - Request did not return bytes")
    assert results[3][2] == b"hello world"


def test_exceptionGivesProcessingFailed(net, serve, logged):
    """A render that raises gets a 500 Processing Failed page; the error is logged."""
    port = serve(net, tree(net))
    reply = inThread(net, rawExchange, port, b"GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 500 Internal Server Error")
    assert b"Processing Failed" in reply
    assert any(e.get("isError") for e in logged)


def test_malformedRequestLineGets400AndClose(net, serve):
    """A request line that is not METHOD URI VERSION gets 400 and the connection closes."""
    port = serve(net, tree(net))
    reply = inThread(net, rawExchange, port, b"HELLO\r\n\r\n")
    assert reply == b"HTTP/1.1 400 Bad Request\r\n\r\n"


def test_tooManyHeaderBytesGet400(net, serve):
    """More than 16 KiB of header lines gets 400 Bad Request (not 431), as Twisted."""
    port = serve(net, tree(net))
    headers = b"".join(b"X-%d: %s\r\n" % (i, b"v" * 1000) for i in range(20))
    reply = inThread(net, rawExchange, port, b"GET /hello HTTP/1.1\r\n" + headers + b"\r\n")
    assert reply == b"HTTP/1.1 400 Bad Request\r\n\r\n"


def test_overlongLineClosesWithoutAnswer(net, serve):
    """A single line over 16 KiB closes the connection with no answer, as Twisted's LineReceiver."""
    port = serve(net, tree(net))
    reply = inThread(net, rawExchange, port, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n")
    assert reply == b""


def test_idleClientIsTimedOutOthersServed(net, serve):
    """A silent client is disconnected after the Site's timeout while another is served."""
    port = serve(net, tree(net), timeout=0.3)

    def clients():
        idle = socket.create_connection(("127.0.0.1", port), timeout=5)
        idle.sendall(b"GET /hel")  # trickles, then stops
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/hello")
        body = conn.getresponse().read()
        closedWith = idle.recv(100)
        idle.close()
        return body, closedWith

    assert inThread(net, clients) == (b"hello world", b"")


def test_notifyFinishFailsWhenClientGoes(net, serve):
    """notifyFinish's Deferred errbacks if the connection drops before finish."""
    web = webModules(net.name)
    seen = net.defer.Deferred()

    class Hang(web.resource.Resource):
        isLeaf = True

        def render_GET(self, request):
            request.notifyFinish().addBoth(lambda r: seen.callback([r]))
            return web.server.NOT_DONE_YET

    port = serve(net, Hang())

    def client():
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        s.close()

    inThread(net, client)
    [result] = net.spin(seen)
    assert isinstance(result, net.Failure)


def test_accessLogInCombinedFormat(net, serve, tmp_path):
    """Each finished request appends one combined-format line to logPath; HEAD logs '-'."""
    logPath = tmp_path / "access.log"
    port = serve(net, tree(net), logPath=str(logPath))
    curl(net, "-A", "agent/1", "http://127.0.0.1:%d/hello?name=bob" % port)
    curl(net, "-I", "http://127.0.0.1:%d/hello" % port)
    lines = logPath.read_text().splitlines()
    assert lines[0].startswith('"127.0.0.1" - - [')
    assert lines[0].endswith('] "GET /hello?name=bob HTTP/1.1" 200 9 "-" "agent/1"')
    assert lines[1].endswith('"HEAD /hello HTTP/1.1" 200 - "-" "curl/%s"'
                             % lines[1].rsplit("curl/", 1)[1][:-1])


AGENT_SCRIPT = textwrap.dedent("""
    import sys
    from twisted.internet import reactor, task
    from twisted.web.client import Agent, readBody

    async def main(reactor):
        agent = Agent(reactor)
        response = await agent.request(b"GET", sys.argv[1].encode())
        body = await readBody(response)
        print(response.code, body.decode())

    task.react(lambda r: __import__("twisted.internet.defer", fromlist=["x"]).ensureDeferred(main(r)))
""")


def test_twistedAgentGetsTheAnswer(mini, serve):
    """Twisted's Agent, in another process, gets the answer from our Site."""
    port = serve(mini, buildTree(webModules("minitwisted"), mini.reactor))
    done = inThread(mini, subprocess.run,
                    [sys.executable, "-c", AGENT_SCRIPT, "http://127.0.0.1:%d/later" % port],
                    capture_output=True, timeout=20)
    assert done.stdout == b"200 part1 part2\n", done.stderr


def test_bodyOverMaxBodySizeGets413AndOthersAreServed(mini, serve, monkeypatch):
    """Differs from Twisted: a body over maxBodySize (declared or chunked) gets 413 and a close."""
    from minitwisted.web import http as mhttp
    monkeypatch.setattr(mhttp.HTTPChannel, "maxBodySize", 1000)
    port = serve(mini, tree(mini))

    def clients():
        declared = rawExchange(port, b"POST /form HTTP/1.1\r\nHost: x\r\n"
                                     b"Content-Length: 5000\r\n\r\n")
        chunked = rawExchange(port, b"POST /form HTTP/1.1\r\nHost: x\r\n"
                                    b"Transfer-Encoding: chunked\r\n\r\n"
                                    + b"200\r\n" + b"x" * 512 + b"\r\n"
                                    + b"200\r\n" + b"x" * 512 + b"\r\n0\r\n\r\n")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/hello")
        return declared, chunked, conn.getresponse().read()

    tooLarge = b"HTTP/1.1 413 Request Entity Too Large\r\n\r\n"
    assert inThread(mini, clients) == (tooLarge, tooLarge, b"hello world")


def test_bodyIsKeptInMemory(mini, serve):
    """Differs from Twisted: request.content is an io.BytesIO even for a large body."""
    import io
    web = webModules("minitwisted")

    class Kind(web.resource.Resource):
        isLeaf = True

        def render_POST(self, request):
            return type(request.content).__name__.encode() + b" %d" % len(request.content.read())

    port = serve(mini, Kind())
    assert curl(mini, "--data-binary", "@-", "http://127.0.0.1:%d/" % port) in (b"BytesIO 0",)
    assert io.BytesIO


def test_noSessionsOrCookies():
    """Differs from Twisted: Request has no sessions or cookies, and Site none of their machinery."""
    from twisted.web import server as tserver

    from minitwisted.web import server as mserver

    for name in ("getSession", "addCookie", "getCookie"):
        assert hasattr(tserver.Request, name)
        assert not hasattr(mserver.Request, name)


def test_noResponseProducers():
    """Differs from Twisted: a Request cannot take a producer for its body (write it instead)."""
    from twisted.web import http as thttp

    from minitwisted.web import http as mhttp

    assert hasattr(thttp.Request, "registerProducer")
    assert not hasattr(mhttp.Request, "registerProducer")


def test_timedOutClientIsNotAbortedLater():
    """Differs from Twisted: a timed-out client is only closed; there is no abort 15 s later."""
    from twisted.web import http as thttp

    from minitwisted.web import http as mhttp

    assert thttp.HTTPChannel.abortTimeout == 15
    assert not hasattr(mhttp.HTTPChannel, "abortTimeout")


def test_reasonPhrasesAreTwisteds():
    """Every status code has Twisted's reason phrase (a 410 says Gone)."""
    from twisted.web import http as twistedHttp

    from minitwisted.web import http

    assert http.RESPONSES == twistedHttp.RESPONSES
