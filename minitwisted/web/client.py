"""An HTTP/1.1 client: Agent sends a request and gives back a Response whose body streams in.

Mirrors the core of ``twisted.web.client`` (Twisted 26.10): ``Agent``, ``Response``,
``readBody``, ``FileBodyProducer`` and the exceptions a request can end with.  Tested
against the standard library's ``http.server``, against ``minitwisted.web.server.Site``
and side by side with ``twisted.web.client.Agent`` by ``tests/web/test_client.py``;
used by ``notebooks/A2_web_in_sixty_seconds.ipynb``.

Read it in this order:

1. ``Agent.request``: parse the URI, connect, hand the request to a fresh
   ``HTTP11ClientProtocol``;
2. ``HTTP11ClientProtocol``: writes the request (the body framed by Content-Length
   when the producer knows its length, chunked otherwise), then parses the status
   line and headers, fires the request's Deferred with a ``Response``, and feeds the
   body to it (framed by Content-Length, chunked, or running until the connection
   closes);
3. ``Response.deliverBody`` and ``readBody``: how the application gets the body;
4. ``FileBodyProducer``: a request body read from a file a slice at a time.

The body reaches the protocol given to ``deliverBody`` as ``dataReceived`` calls and
ends with ``connectionLost(reason)``: ``ResponseDone`` when it is complete,
``PotentialDataLoss`` when it had no length and ended with the connection (nobody can
tell whether it is whole), ``ResponseFailed`` when the connection broke first.

Differs from Twisted:

- One request per connection: there is no ``HTTPConnectionPool``, every request says
  ``Connection: close`` (as Twisted's default, non-persistent pool does) and its
  connection closes when the response ends.  ``pool`` is accepted and ignored.
- No TLS: an ``https`` URI fails with ``SchemeNotSupported``, like any other scheme.
  Twisted speaks TLS when pyOpenSSL is installed, and without it ``request`` raises
  ``NotImplementedError("SSL support unavailable")`` at once.
- The exceptions live here; Twisted spreads them over ``twisted.web._newclient``
  (``ResponseDone``, ``ResponseFailed``, ...), ``twisted.web.http``
  (``PotentialDataLoss``) and ``twisted.web.error`` (``SchemeNotSupported``).
- Cancelling ``readBody``'s Deferred closes the connection, as Twisted's docstring
  promises; Twisted 26.10 leaves it open (the transport its Response hands out has no
  ``abortConnection``, so it only warns with a ``DeprecationWarning``).
- No IPv6 host literals, no proxies, redirects, cookies or content decoding.
"""

from urllib.parse import urlsplit

from zope.interface import implementer

from minitwisted.internet import defer, protocol, task
from minitwisted.python.failure import Failure
from minitwisted.web.http_headers import Headers
from minitwisted.web.iweb import UNKNOWN_LENGTH, IBodyProducer, IResponse

__all__ = ["Agent", "Response", "readBody", "FileBodyProducer", "UNKNOWN_LENGTH",
           "ResponseDone", "ResponseFailed", "ResponseNeverReceived", "PotentialDataLoss",
           "PartialDownloadError", "RequestGenerationFailed", "SchemeNotSupported",
           "WrongBodyLength"]


# --- Exceptions ------------------------------------------------------------------------


class SchemeNotSupported(Exception):
    """The URI's scheme is not one the Agent can speak (only ``http`` here)."""


class ResponseDone(Exception):
    """Given to ``connectionLost`` of a body protocol: the whole body was delivered."""


class PotentialDataLoss(Exception):
    """Given to ``connectionLost`` of a body protocol: a body without a length ended at close."""


class WrongBodyLength(Exception):
    """A body producer wrote a different number of bytes than its ``length`` promised."""


class _WrapperException(Exception):
    """An exception whose causes are the Failures in ``reasons``."""

    def __init__(self, reasons):
        Exception.__init__(self, reasons)
        self.reasons = reasons


class RequestGenerationFailed(_WrapperException):
    """The request body could not be produced; ``reasons`` says why."""


class ResponseFailed(_WrapperException):
    """The response did not arrive whole; ``reasons`` says why, ``response`` is what came."""

    def __init__(self, reasons, response=None):
        _WrapperException.__init__(self, reasons)
        self.response = response


class ResponseNeverReceived(ResponseFailed):
    """The connection ended before a single byte of the response arrived."""


class PartialDownloadError(Exception):
    """``readBody`` got a body that may be cut short; ``response`` holds the bytes that came.

    ``status`` is the code as bytes (``b"200"``), ``message`` the reason phrase; ``str``
    is ``"200 OK"``, as Twisted's ``twisted.web.error.Error``.
    """

    def __init__(self, code, message=None, response=None):
        Exception.__init__(self, code, message, response)
        self.status = b"%d" % code if isinstance(code, int) else code
        self.message = message
        self.response = response

    def __str__(self):
        return "%s %s" % (self.status.decode("ascii"),
                          (self.message or b"").decode("ascii", "replace"))


# --- The Agent ---------------------------------------------------------------------------


class _Request:
    """What to send: method, target (path and query), headers, and an optional body producer."""

    def __init__(self, method, uri, target, headers, bodyProducer):
        self.method = method
        self.absoluteURI = uri
        self.target = target
        self.headers = headers
        self.bodyProducer = bodyProducer


class Agent:
    """Make HTTP requests: ``request(method, uri, headers, bodyProducer)`` -> Deferred[Response].

    ``connectTimeout`` is the seconds to wait for the TCP connection (``None``: the
    reactor's default of 30); ``bindAddress`` is the local ``(host, port)`` to connect
    from.  ``contextFactory`` and ``pool`` are accepted for Twisted's signature and unused.
    """

    def __init__(self, reactor, contextFactory=None, connectTimeout=None, bindAddress=None,
                 pool=None):
        self._reactor = reactor
        self._connectTimeout = connectTimeout
        self._bindAddress = bindAddress

    def request(self, method, uri, headers=None, bodyProducer=None):
        """Send one request; the Deferred fires with the Response once its headers arrive.

        It fails with ``SchemeNotSupported`` for a URI that is not ``http``, with the
        connection error (``ConnectionRefusedError``, ...) if the server cannot be
        reached, with ``ResponseNeverReceived``/``ResponseFailed`` if the connection
        ends before the headers, and with ``RequestGenerationFailed`` if the body
        producer fails.
        """
        parts = urlsplit(uri)
        if parts.scheme != b"http":
            return defer.fail(SchemeNotSupported("Unsupported scheme: %r" % (parts.scheme,)))
        host = parts.hostname
        port = parts.port or 80
        target = (parts.path or b"/") + (b"?" + parts.query if parts.query else b"")
        headers = Headers() if headers is None else headers.copy()
        if not headers.hasHeader(b"host"):
            # The default port is left out of Host, as browsers (and Twisted) do.
            headers.setRawHeaders(b"host", [host if port == 80 else b"%s:%d" % (host, port)])
        request = _Request(method, uri, target, headers, bodyProducer)

        kwargs = {"bindAddress": self._bindAddress}
        if self._connectTimeout is not None:
            kwargs["timeout"] = self._connectTimeout
        creator = protocol.ClientCreator(self._reactor, HTTP11ClientProtocol)
        connecting = creator.connectTCP(host.decode("ascii"), port, **kwargs)
        # The protocol's Deferred replaces the connection's: its result is the Response.
        return connecting.addCallback(lambda proto: proto.request(request))


# --- The protocol: writing the request ----------------------------------------------------


class _BodyConsumer:
    """The consumer a body producer writes to: frames each write and passes it to the transport.

    With ``chunked`` each write becomes one chunk; otherwise the bytes go out as they
    are and ``written`` counts them, to check them against the promised length.
    """

    def __init__(self, transport, chunked):
        self.transport = transport
        self.chunked = chunked
        self.written = 0

    def registerProducer(self, producer, streaming):
        self.transport.registerProducer(producer, streaming)

    def unregisterProducer(self):
        self.transport.unregisterProducer()

    def write(self, data):
        if not data:
            return  # an empty chunk would mean "end of body"
        self.written += len(data)
        if self.chunked:
            self.transport.write(b"%x\r\n%s\r\n" % (len(data), data))
        else:
            self.transport.write(data)


class _TransportProxy:
    """What a body protocol sees as its transport: flow control and closing, nothing more."""

    def __init__(self, transport):
        self._transport = transport

    def pauseProducing(self):
        self._transport.pauseProducing()

    def resumeProducing(self):
        self._transport.resumeProducing()

    def stopProducing(self):
        self._transport.loseConnection()

    def loseConnection(self):
        self._transport.loseConnection()


class HTTP11ClientProtocol(protocol.Protocol):
    """One HTTP/1.1 exchange on one connection: write the request, parse the response.

    Invariants:

    - ``_state`` is ``"STATUS"`` (waiting for the status line), ``"HEADERS"``,
      ``"BODY"`` or ``"DONE"``; ``_buffer`` holds bytes not yet parsed.
    - ``_finished`` is the Deferred of ``request`` until it fires (with the Response
      or a failure), then ``None``; ``_response`` exists from the end of the headers.
    - In ``"BODY"`` state, ``_bodyMode`` is ``"length"`` (``_remaining`` bytes to go),
      ``"chunked"`` (``_chunkRemaining`` bytes of the current chunk, ``None`` between
      chunks, ``"trailer"`` after the last one) or ``"close"`` (until the connection ends).
    """

    def __init__(self):
        self._state = "STATUS"
        self._buffer = b""
        self._finished = None
        self._response = None
        self._producing = None
        self._receivedAny = False

    # Writing ------------------------------------------------------------------------

    def request(self, request):
        """Write ``request``; return a Deferred that fires with its Response."""
        self._request = request
        self._finished = finished = defer.Deferred(self._cancel)
        producer = request.bodyProducer
        lines = [b"%s %s HTTP/1.1" % (request.method, request.target)]
        for name, values in request.headers.getAllRawHeaders():
            lines.extend(b"%s: %s" % (name, value) for value in values)
        lines.append(b"Connection: close")  # one request per connection (see the docstring)
        if producer is None:
            if request.method in (b"PUT", b"POST"):
                lines.append(b"Content-Length: 0")  # these methods expect a body, even empty
        elif producer.length is UNKNOWN_LENGTH:
            lines.append(b"Transfer-Encoding: chunked")
        else:
            lines.append(b"Content-Length: %d" % producer.length)
        self.transport.write(b"\r\n".join(lines) + b"\r\n\r\n")
        if producer is not None:
            self._writeBody(producer)
        return finished  # not self._finished: a producer that fails at once has cleared it

    def _cancel(self, d):
        """Give up waiting for the answer: fail with the CancelledError wrapped, as Twisted does."""
        self._finished = None  # so the lost connection does not fire it a second time
        exceptionClass = ResponseFailed if self._receivedAny else ResponseNeverReceived
        d.errback(Failure(exceptionClass([Failure(defer.CancelledError())])))
        self.transport.abortConnection()

    def _writeBody(self, producer):
        chunked = producer.length is UNKNOWN_LENGTH
        consumer = _BodyConsumer(self.transport, chunked)
        self._producing = producer
        # Registered as a push producer: a full send buffer pauses it, a drained one resumes it.
        self.transport.registerProducer(producer, True)

        def written(ignored):
            self._producing = None
            self.transport.unregisterProducer()
            if chunked:
                self.transport.write(b"0\r\n\r\n")
            elif consumer.written != producer.length:
                raise WrongBodyLength("wrote %d bytes, promised %d"
                                      % (consumer.written, producer.length))

        def failed(reason):
            self._producing = None
            self._fail(RequestGenerationFailed([reason]))
            self.transport.abortConnection()

        try:
            d = producer.startProducing(consumer)
        except Exception:
            d = defer.fail()
        d.addCallback(written).addErrback(failed)

    def _fail(self, exception):
        if self._finished is not None:
            finished, self._finished = self._finished, None
            finished.errback(Failure(exception))

    # Reading ------------------------------------------------------------------------

    def dataReceived(self, data):
        self._receivedAny = True
        self._buffer += data
        try:
            self._parse()
        except _BadResponse as e:
            self._fail(ResponseFailed([Failure(e)]))
            self.transport.abortConnection()

    def _parse(self):
        while self._buffer and self._state != "DONE":
            if self._state == "BODY":
                if not self._parseBody():
                    return
                continue
            line, sep, rest = self._buffer.partition(b"\r\n")
            if not sep:
                return  # wait for the end of the line
            self._buffer = rest
            if self._state == "STATUS":
                self._statusReceived(line)
            elif line:
                self._headerReceived(line)
            else:
                self._allHeadersReceived()

    def _statusReceived(self, line):
        parts = line.split(b" ", 2)
        try:
            protocolName, versionText = parts[0].split(b"/")
            major, minor = (int(n) for n in versionText.split(b"."))
            code = int(parts[1])
        except (ValueError, IndexError):
            raise _BadResponse("bad status line %r" % (line,)) from None
        self._version = (protocolName, major, minor)
        self._code = code
        self._phrase = parts[2] if len(parts) > 2 else b""
        self._headers = Headers()
        self._state = "HEADERS"

    def _headerReceived(self, line):
        name, sep, value = line.partition(b":")
        if not sep:
            raise _BadResponse("bad header line %r" % (line,))
        self._headers.addRawHeader(name.strip(), value.strip())

    def _allHeadersReceived(self):
        if 100 <= self._code < 200:
            self._state = "STATUS"  # an informational answer (100 Continue): the real one follows
            return
        response = self._response = Response(
            self._version, self._code, self._phrase, self._headers, self.transport)
        response.request = self._request
        self._state = "BODY"
        encodings = self._headers.getRawHeaders(b"transfer-encoding", [])
        lengths = self._headers.getRawHeaders(b"content-length")
        if self._request.method == b"HEAD" or self._code in (204, 304):
            response.length = 0  # no body, whatever the headers say
            self._bodyMode, self._remaining = "length", 0
        elif encodings and encodings[-1].lower() == b"chunked":
            self._bodyMode, self._chunkRemaining = "chunked", None
        elif lengths is not None:
            try:
                response.length = self._remaining = int(lengths[0])
            except ValueError:
                raise _BadResponse("bad Content-Length %r" % (lengths[0],)) from None
            self._bodyMode = "length"
        else:
            self._bodyMode = "close"
        finished, self._finished = self._finished, None
        finished.callback(response)
        if self._bodyMode == "length" and self._remaining == 0:
            self._bodyDone(Failure(ResponseDone()))

    def _parseBody(self):
        """Feed body bytes to the Response; return False when more bytes are needed."""
        if self._bodyMode == "close":
            data, self._buffer = self._buffer, b""
            self._response._bodyDataReceived(data)
            return True
        if self._bodyMode == "length":
            data = self._buffer[:self._remaining]
            self._buffer = self._buffer[self._remaining:]
            self._remaining -= len(data)
            self._response._bodyDataReceived(data)
            if self._remaining == 0:
                self._bodyDone(Failure(ResponseDone()))
            return True
        return self._parseChunk()

    def _parseChunk(self):
        if isinstance(self._chunkRemaining, int):
            data = self._buffer[:self._chunkRemaining]
            self._buffer = self._buffer[self._chunkRemaining:]
            self._chunkRemaining -= len(data)
            if data:
                self._response._bodyDataReceived(data)
            if self._chunkRemaining:
                return True
            if len(self._buffer) < 2:
                return False  # the CRLF after the chunk has not arrived yet
            if self._buffer[:2] != b"\r\n":
                raise _BadResponse("chunk not followed by CRLF")
            self._buffer = self._buffer[2:]
            self._chunkRemaining = None
            return True
        line, sep, rest = self._buffer.partition(b"\r\n")
        if not sep:
            return False
        self._buffer = rest
        if self._chunkRemaining == "trailer":
            if not line:
                self._bodyDone(Failure(ResponseDone()))  # the blank line ends the trailers
            return True
        try:
            size = int(line.split(b";")[0].strip(), 16)  # ";..." would be a chunk extension
        except ValueError:
            raise _BadResponse("bad chunk size line %r" % (line,)) from None
        self._chunkRemaining = size if size else "trailer"
        return True

    def _bodyDone(self, reason):
        self._state = "DONE"
        self._buffer = b""
        if self._producing is not None:
            self._producing.stopProducing()  # the answer came before the body was sent
            self._producing = None
        self._response._bodyDataFinished(reason)
        self.transport.loseConnection()

    def connectionLost(self, reason):
        if self._producing is not None:
            self._producing.stopProducing()
            self._producing = None
        if self._state == "BODY":
            if self._bodyMode == "close":
                self._bodyDone(Failure(PotentialDataLoss()))
            else:
                self._bodyDone(Failure(ResponseFailed([reason], self._response)))
        elif self._state != "DONE":
            exceptionClass = ResponseFailed if self._receivedAny else ResponseNeverReceived
            self._fail(exceptionClass([reason]))


class _BadResponse(Exception):
    """The server's bytes are not an HTTP/1.x response."""


# --- The response and its body ------------------------------------------------------------


@implementer(IResponse)
class Response:
    """A response: status and headers at once, the body through ``deliverBody``.

    Body bytes that arrive before ``deliverBody`` is called wait in ``_buffered``, and
    the end of the body in ``_endReason``; both go to the protocol when it is given.
    """

    length = UNKNOWN_LENGTH
    request = None

    def __init__(self, version, code, phrase, headers, transport):
        self.version = version
        self.code = code
        self.phrase = phrase
        self.headers = headers
        self._transport = transport
        self._bodyProtocol = None
        self._buffered = []
        self._endReason = None

    def __repr__(self):
        return "<%s version=%r code=%r phrase=%r length=%r>" % (
            type(self).__name__, self.version, self.code, self.phrase, self.length)

    def deliverBody(self, protocol):
        """Send the body to ``protocol``; it may be called once only."""
        if self._bodyProtocol is not None:
            raise RuntimeError("Response already has protocol %r, cannot deliverBody again"
                               % (self._bodyProtocol,))
        self._bodyProtocol = protocol
        protocol.makeConnection(_TransportProxy(self._transport))
        buffered, self._buffered = self._buffered, []
        for data in buffered:
            protocol.dataReceived(data)
        if self._endReason is not None:
            protocol.connectionLost(self._endReason)

    def _bodyDataReceived(self, data):
        if self._bodyProtocol is None:
            self._buffered.append(data)
        else:
            self._bodyProtocol.dataReceived(data)

    def _bodyDataFinished(self, reason):
        if self._bodyProtocol is None:
            self._endReason = reason
        else:
            self._bodyProtocol.connectionLost(reason)


class _ReadBodyProtocol(protocol.Protocol):
    """Collect a body and fire ``deferred`` with it (see ``readBody``)."""

    def __init__(self, status, message, deferred):
        self.status = status
        self.message = message
        self.deferred = deferred
        self.dataBuffer = []

    def dataReceived(self, data):
        self.dataBuffer.append(data)

    def connectionLost(self, reason):
        if self.deferred.called:
            return  # cancelled: the caller has its CancelledError and wants nothing more
        body = b"".join(self.dataBuffer)
        if reason.check(ResponseDone):
            self.deferred.callback(body)
        elif reason.check(PotentialDataLoss):
            # Probably whole, but nobody can know: the caller decides, with the bytes in hand.
            self.deferred.errback(PartialDownloadError(self.status, self.message, body))
        else:
            self.deferred.errback(reason)


def readBody(response):
    """Return a Deferred that fires with the whole body of ``response`` as bytes.

    A body without a length that ended with the connection fails with
    ``PartialDownloadError`` (its ``response`` attribute holds the bytes); a broken one
    with ``ResponseFailed``.  Cancelling the Deferred closes the connection.
    """
    proto = None

    def cancel(d):
        proto.transport.stopProducing()

    d = defer.Deferred(cancel)
    proto = _ReadBodyProtocol(response.code, response.phrase, d)
    response.deliverBody(proto)
    return d


# --- Request bodies -----------------------------------------------------------------------


@implementer(IBodyProducer)
class FileBodyProducer:
    """A request body read from ``inputFile``, ``readSize`` bytes per cooperator step.

    ``length`` is what is left between the file's position and its end when the file
    can seek, else ``UNKNOWN_LENGTH`` (the body is then sent chunked).  The file is
    closed when the body is written or production stops.
    """

    def __init__(self, inputFile, cooperator=task, readSize=2 ** 16):
        self._inputFile = inputFile
        self._cooperate = cooperator.cooperate
        self._readSize = readSize
        self.length = self._determineLength(inputFile)

    def _determineLength(self, fileObj):
        try:
            seek, tell = fileObj.seek, fileObj.tell
        except AttributeError:
            return UNKNOWN_LENGTH
        start = tell()
        end = seek(0, 2)
        seek(start, 0)
        return end - start

    def _writeloop(self, consumer):
        """Yield once per slice written, so the cooperator can share the reactor's time."""
        while True:
            data = self._inputFile.read(self._readSize)
            if not data:
                self._inputFile.close()
                return
            consumer.write(data)
            yield None

    def startProducing(self, consumer):
        """Start writing to ``consumer``; the Deferred fires with None when all is written."""
        self._task = self._cooperate(self._writeloop(consumer))
        d = self._task.whenDone()

        def stopped(reason):
            reason.trap(task.TaskStopped)
            return defer.Deferred()  # stopped by stopProducing: never fire, as IBodyProducer asks

        return d.addCallbacks(lambda ignored: None, stopped)

    def stopProducing(self):
        """Stop for good and close the file."""
        self._inputFile.close()
        try:
            self._task.stop()
        except task.TaskFinished:
            pass

    def pauseProducing(self):
        """Read nothing more until ``resumeProducing``."""
        self._task.pause()

    def resumeProducing(self):
        """Go on reading."""
        self._task.resume()
