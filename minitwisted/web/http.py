"""HTTP/1.1 on a TCP connection: parsing requests, writing responses, the access log.

Mirrors ``twisted.web.http`` (Twisted 26.10): ``HTTPChannel`` (the protocol),
``Request`` (one request and its response), ``HTTPFactory`` (which keeps the access
log) and ``combinedLogFormatter``.  ``minitwisted.web.server`` builds the resource-tree
Site on top of them.  Checked against real clients and side by side with Twisted by
``tests/web/test_server.py``; used by ``notebooks/A2_web_in_sixty_seconds.ipynb``.

One connection, in order: ``HTTPChannel.dataReceived`` buffers bytes and
``_parse`` cuts them into a request line, header lines and a body (Content-Length or
chunked).  A complete request goes to ``Request.requestReceived``; while it is being
answered, later (pipelined) bytes wait in the buffer.  ``Request.finish`` ends the
response, and the channel either closes (``Connection: close``, HTTP/1.0) or goes on
parsing the buffer.

Limits, as Twisted's: a request line or header line longer than ``MAX_LENGTH`` closes
the connection without an answer; more than ``totalHeadersSize`` bytes of request and
header lines, or more than ``maxHeaders`` headers, gets ``400 Bad Request`` and a close;
a client quiet for ``timeOut`` seconds while no request is running is disconnected.
One limit is ours: a body longer than ``maxBodySize`` (64 MiB by default), announced by
Content-Length or reached by its chunks, gets ``413 Request Entity Too Large`` and a close.

Differs from Twisted:

- The body is kept in memory (``io.BytesIO``); Twisted moves a body over 100 KB to a
  temporary file.  Because it is in memory, its size is limited (``maxBodySize``);
  Twisted has no limit.
- A timed-out client is closed with ``loseConnection`` only; Twisted also aborts it
  if it is still there 15 seconds later.
- No HTTP/2, no producers for the response body (``registerProducer``), no cookies.
"""

import io
import time
from urllib.parse import parse_qs

from minitwisted.internet import defer, protocol
from minitwisted.internet.error import ConnectionLost
from minitwisted.protocols.policies import TimeoutMixin
from minitwisted.python import failure, log
from minitwisted.web.http_headers import Headers

OK = 200
MOVED_PERMANENTLY = 301
FOUND = 302
BAD_REQUEST = 400
FORBIDDEN = 403
NOT_FOUND = 404
NOT_ALLOWED = 405
INTERNAL_SERVER_ERROR = 500
NOT_IMPLEMENTED = 501

RESPONSES = {
    100: b"Continue", 101: b"Switching Protocols", 200: b"OK", 201: b"Created",
    202: b"Accepted", 203: b"Non-Authoritative Information", 204: b"No Content",
    205: b"Reset Content.", 206: b"Partial Content", 207: b"Multi-Status",
    300: b"Multiple Choices", 301: b"Moved Permanently", 302: b"Found", 303: b"See Other",
    304: b"Not Modified", 305: b"Use Proxy", 307: b"Temporary Redirect",
    308: b"Permanent Redirect", 400: b"Bad Request", 401: b"Unauthorized",
    402: b"Payment Required", 403: b"Forbidden", 404: b"Not Found",
    405: b"Method Not Allowed", 406: b"Not Acceptable",
    407: b"Proxy Authentication Required", 408: b"Request Time-out", 409: b"Conflict",
    410: b"Gone", 411: b"Length Required", 412: b"Precondition Failed",
    413: b"Request Entity Too Large", 414: b"Request-URI Too Long",
    415: b"Unsupported Media Type", 416: b"Requested Range not satisfiable",
    417: b"Expectation Failed", 418: b"I'm a teapot", 500: b"Internal Server Error",
    501: b"Not Implemented", 502: b"Bad Gateway", 503: b"Service Unavailable",
    504: b"Gateway Time-out", 505: b"HTTP Version not supported",
    507: b"Insufficient Storage Space", 510: b"Not Extended",
}

_MONTHS = [None, "Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def datetimeToString(seconds=None):
    """An HTTP date: ``b'Sat, 21 Nov 2026 04:22:50 GMT'``."""
    t = time.gmtime(time.time() if seconds is None else seconds)
    return ("%s, %02d %3s %4d %02d:%02d:%02d GMT" % (
        _WEEKDAYS[t.tm_wday], t.tm_mday, _MONTHS[t.tm_mon], t.tm_year,
        t.tm_hour, t.tm_min, t.tm_sec)).encode("ascii")


def datetimeToLogString(seconds=None):
    """An access-log date: ``'[21/Nov/2026:04:22:50 +0000]'``."""
    t = time.gmtime(time.time() if seconds is None else seconds)
    return "[%02d/%3s/%4d:%02d:%02d:%02d +0000]" % (
        t.tm_mday, _MONTHS[t.tm_mon], t.tm_year, t.tm_hour, t.tm_min, t.tm_sec)


def _escape(value):
    """Bytes as they would look inside a double-quoted Python literal, without the quotes."""
    if isinstance(value, str):
        value = value.encode("ascii")
    text = repr(value)[1:]  # drop the b prefix
    if text.startswith("'"):
        return text[1:-1].replace('"', '\\"').replace("\\'", "'")
    return text[1:-1]


def combinedLogFormatter(timestamp, request):
    """One access-log line for ``request`` in the combined log format, as Twisted writes it."""
    address = request.getClientAddress()
    ip = getattr(address, "host", "-")
    return '"%s" - - %s "%s %s %s" %d %s "%s" "%s"' % (
        _escape(ip), timestamp, _escape(request.method), _escape(request.uri),
        _escape(request.clientproto), request.code,
        request.sentLength or "-",  # a HEAD, or an empty body, logs "-"
        _escape(request.getHeader(b"referer") or b"-"),
        _escape(request.getHeader(b"user-agent") or b"-"))


class Request:
    """One HTTP request and the response being written for it.

    Request side: ``method``, ``uri``, ``path``, ``args``, ``clientproto``,
    ``requestHeaders``, ``content`` (a file positioned at 0).  Response side:
    ``code``, ``responseHeaders``, ``setResponseCode``, ``setHeader``, ``write``,
    ``finish``.  ``notifyFinish()`` gives a Deferred that fires when the response is
    finished, or fails if the connection is lost first.

    Invariants: ``startedWriting`` is true once the status line and headers went out;
    ``finished`` once ``finish`` ran; ``_disconnected`` once the connection is gone,
    after which writes are dropped.
    """

    method = b"(no method yet)"
    uri = b"(no uri yet)"
    clientproto = b"(no clientproto yet)"
    code = OK
    code_message = RESPONSES[OK]

    def __init__(self, channel):
        self.channel = channel
        self.requestHeaders = Headers()
        self.responseHeaders = Headers()
        self.content = io.BytesIO()
        self.args = {}
        self.startedWriting = False
        self.finished = False
        self.sentLength = 0
        self._chunked = False
        self._disconnected = False
        self._finishedDeferreds = []

    # --- Request side -------------------------------------------------------------

    def requestReceived(self, command, path, version):
        """The whole request is in: parse the URI and form, then ``process`` it."""
        self.content.seek(0)
        self.method, self.uri, self.clientproto = command, path, version
        self.path, _, query = path.partition(b"?")
        self.args = parse_qs(query, keep_blank_values=True)
        contentType = (self.getHeader(b"content-type") or b"").split(b";")[0].strip().lower()
        if self.method == b"POST" and contentType == b"application/x-www-form-urlencoded":
            for key, values in parse_qs(self.content.read(), keep_blank_values=True).items():
                self.args.setdefault(key, []).extend(values)
            self.content.seek(0)
        self.process()

    def process(self):
        """Answer the request; ``server.Request`` walks the resource tree here."""

    def getHeader(self, key):
        """The last value of request header ``key``, or ``None``."""
        values = self.requestHeaders.getRawHeaders(key)
        return None if values is None else values[-1]

    def getClientAddress(self):
        """The address of the client (an ``IPv4Address``)."""
        return self.channel.transport.getPeer()

    def notifyFinish(self):
        """A Deferred that fires with ``None`` when the response is finished, or fails if the connection drops first."""
        d = defer.Deferred()
        if self.finished:
            d.callback(None)
        elif self._disconnected:
            d.errback(failure.Failure(ConnectionLost("Connection lost")))
        else:
            self._finishedDeferreds.append(d)
        return d

    # --- Response side ------------------------------------------------------------

    def setResponseCode(self, code, message=None):
        """Set the status code (and reason phrase; by default the usual one)."""
        if not isinstance(code, int):
            raise TypeError("HTTP response code must be int, not %r" % (code,))
        self.code = code
        self.code_message = message if message is not None else RESPONSES.get(code, b"Unknown Status")

    def setHeader(self, name, value):
        """Set response header ``name`` to the single ``value``."""
        self.responseHeaders.setRawHeaders(name, [value])

    def redirect(self, url):
        """Answer with ``302 Found`` and ``Location: url``."""
        self.setResponseCode(FOUND)
        self.setHeader(b"location", url)

    def _writeHeaders(self):
        # Decide how the client will know where the body ends: Content-Length, the
        # end of the chunks, or the connection closing.
        self.startedWriting = True
        bodyless = self.method == b"HEAD" or self.code in (204, 304)
        if not bodyless and not self.responseHeaders.hasHeader(b"content-length"):
            if self.clientproto == b"HTTP/1.1":
                self._chunked = True
                self.responseHeaders.setRawHeaders(b"Transfer-Encoding", [b"chunked"])
            else:
                self.channel.persistent = False
        lines = [b"%s %d %s\r\n" % (self.clientproto, self.code, self.code_message)]
        for name, values in self.responseHeaders.getAllRawHeaders():
            lines.extend(b"%s: %s\r\n" % (name, value) for value in values)
        self.channel.transport.write(b"".join(lines) + b"\r\n")

    def write(self, data):
        """Send part of the body (the status line and headers go out first)."""
        if self.finished:
            raise RuntimeError("Request.write called on a request after Request.finish was called.")
        if self._disconnected:
            return  # Nobody to send it to; the notifyFinish Deferreds already failed.
        if not self.startedWriting:
            self._writeHeaders()
        if not data or self.method == b"HEAD":
            return
        self.sentLength += len(data)
        if self._chunked:
            self.channel.transport.write(b"%x\r\n%s\r\n" % (len(data), data))
        else:
            self.channel.transport.write(data)

    def finish(self):
        """End the response: log it, fire ``notifyFinish``, let the channel go on."""
        if self._disconnected:
            raise RuntimeError("Request.finish called on a request after its connection was lost; "
                               "use Request.notifyFinish to keep track of this.")
        if self.finished:
            return
        if not self.startedWriting:
            # Nothing was written: the body is empty and its length known.
            if self.method != b"HEAD" and self.code not in (204, 304):
                self.setHeader(b"content-length", b"0")
            self.write(b"")
        if self._chunked:
            self.channel.transport.write(b"0\r\n\r\n")
        self.finished = True
        self.channel.factory.log(self)
        deferreds, self._finishedDeferreds = self._finishedDeferreds, []
        for d in deferreds:
            d.callback(None)
        self.channel.requestDone(self)

    def connectionLost(self, reason):
        """The connection went away before ``finish``: fail the ``notifyFinish`` Deferreds."""
        self._disconnected = True
        deferreds, self._finishedDeferreds = self._finishedDeferreds, []
        for d in deferreds:
            d.errback(reason)


class _BadRequest(Exception):
    """The request can't be parsed: answer 400 and close."""


class _BodyTooLarge(Exception):
    """The request's body is (or would be) larger than ``HTTPChannel.maxBodySize``."""


class _LineTooLong(Exception):
    """A line is longer than MAX_LENGTH: close without an answer, as Twisted's LineReceiver."""


class HTTPChannel(protocol.Protocol, TimeoutMixin):
    """The server side of one HTTP/1.1 connection.

    Invariants: ``_buffer`` holds received bytes not parsed yet; ``_request`` is the
    request being read or answered (``None`` between requests); ``_answering`` is
    true from the end of a request's body until its ``finish``, and meanwhile nothing
    is parsed; ``persistent`` turns false once the connection must close after the
    current response.
    """

    requestFactory = Request
    MAX_LENGTH = 16384
    maxHeaders = 500
    totalHeadersSize = 16384
    maxBodySize = 64 * 2**20  # bodies are kept in memory, so their size is limited

    def __init__(self):
        self._buffer = b""
        self._request = None
        self._answering = False
        self._closing = False
        self.persistent = True

    def connectionMade(self):
        self.setTimeout(self.timeOut)

    def dataReceived(self, data):
        self.resetTimeout()
        if self._closing:
            return  # Bytes after a request that closes the connection are ignored.
        self._buffer += data
        self._parse()

    # --- Parsing ---------------------------------------------------------------------

    def _parse(self):
        """Handle as many complete requests from the buffer as there are."""
        try:
            while not self._answering and not self._closing and self._parseOneRequest():
                pass
        except _BadRequest:
            self.transport.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            self._close()
        except _BodyTooLarge:
            self.transport.write(b"HTTP/1.1 413 Request Entity Too Large\r\n\r\n")
            self._close()
        except _LineTooLong:
            self._close()

    def _readLine(self, offset):
        """The line starting at ``offset`` and the offset after it, or ``(None, offset)``."""
        end = self._buffer.find(b"\n", offset)
        if end < 0:
            if len(self._buffer) - offset > self.MAX_LENGTH:
                raise _LineTooLong()
            return None, offset
        if end - offset > self.MAX_LENGTH:
            raise _LineTooLong()
        return self._buffer[offset:end].rstrip(b"\r"), end + 1

    def _parseOneRequest(self):
        """Parse and start one request if the buffer holds all of it; return whether it did."""
        head = self._parseHead()
        if head is None:
            return False
        offset, command, uri, version, headers = head
        body = self._parseBody(offset, version, headers)
        if body is None:
            return False
        offset, content = body
        self._buffer = self._buffer[offset:]
        self._startRequest(command, uri, version, headers, content)
        return True

    def _parseHead(self):
        """The request line and headers, or ``None`` if they are not all in yet."""
        offset, size = 0, 0
        line, offset = self._readLine(offset)
        if line == b"":
            # A stray empty line between requests (some clients add one after a POST).
            self._buffer = self._buffer[offset:]
            offset = 0
            line, offset = self._readLine(offset)
        if line is None:
            return None
        size += len(line)
        parts = line.split()
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/"):
            raise _BadRequest()
        command, uri, version = parts
        headers, count = Headers(), 0
        while True:
            line, offset = self._readLine(offset)
            if line is None:
                return None
            size += len(line)
            if size > self.totalHeadersSize:
                raise _BadRequest()
            if line == b"":
                break
            name, colon, value = line.partition(b":")
            if not colon or not name or name != name.strip():
                raise _BadRequest()
            headers.addRawHeader(name, value.strip(b" \t"))
            count += 1
            if count > self.maxHeaders:
                raise _BadRequest()
        return offset, command, uri, version, headers

    def _parseBody(self, offset, version, headers):
        """``(offset after the body, body bytes)``, or ``None`` if the body is not all in yet."""
        lengths = headers.getRawHeaders(b"content-length")
        chunked = headers.getRawHeaders(b"transfer-encoding")
        if lengths and chunked:
            raise _BadRequest()  # Ambiguous framing is a request-smuggling risk.
        expectsContinue = (version == b"HTTP/1.1"
                           and (headers.getRawHeaders(b"expect") or [b""])[-1].lower() == b"100-continue")
        if chunked:
            if chunked[-1].lower() != b"chunked":
                raise _BadRequest()
            self._maybeContinue(expectsContinue, offset)
            return self._parseChunks(offset)
        if lengths:
            if len(lengths) != 1 or not lengths[0].isdigit():
                raise _BadRequest()
            length = int(lengths[0])
            if length > self.maxBodySize:
                raise _BodyTooLarge()  # refused before a byte of it is read
            if length and len(self._buffer) == offset:
                self._maybeContinue(expectsContinue, offset)
            if len(self._buffer) - offset < length:
                return None
            return offset + length, self._buffer[offset:offset + length]
        return offset, b""

    def _maybeContinue(self, expectsContinue, offset):
        # A client that sent "Expect: 100-continue" waits for this before the body.
        if expectsContinue and len(self._buffer) == offset and not getattr(self, "_continued", False):
            self._continued = True
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _parseChunks(self, offset):
        """Decode a chunked body: ``(offset after it, body)`` or ``None`` if incomplete."""
        pieces = []
        while True:
            line, offset = self._readLine(offset)
            if line is None:
                return None
            sizeText = line.split(b";")[0].strip()
            try:
                size = int(sizeText, 16)
            except ValueError:
                raise _BadRequest() from None
            if size < 0 or sizeText.startswith((b"-", b"+", b"0x", b"0X")):
                raise _BadRequest()
            if size == 0:
                break
            if sum(map(len, pieces)) + size > self.maxBodySize:
                raise _BodyTooLarge()
            if len(self._buffer) < offset + size + 2:
                return None
            if self._buffer[offset + size:offset + size + 2] != b"\r\n":
                raise _BadRequest()
            pieces.append(self._buffer[offset:offset + size])
            offset += size + 2
        while True:  # Trailer lines, up to an empty line; ignored.
            line, offset = self._readLine(offset)
            if line is None:
                return None
            if line == b"":
                return offset, b"".join(pieces)

    # --- Answering -------------------------------------------------------------------

    def _startRequest(self, command, uri, version, headers, content):
        self._continued = False
        self._answering = True
        # No idle timeout while the application answers; it may take its time.
        self._savedTimeOut = self.setTimeout(None)
        request = self._request = self.requestFactory(self)
        request.requestHeaders = headers
        request.content.write(content)
        tokens = b" ".join(headers.getRawHeaders(b"connection", [])).lower().replace(b",", b" ").split()
        if version != b"HTTP/1.1":
            self.persistent = False
        elif b"close" in tokens:
            self.persistent = False
            request.responseHeaders.setRawHeaders(b"Connection", [b"close"])
        request.requestReceived(command, uri, version)

    def requestDone(self, request):
        """Called by ``request.finish``: close, or read the next request."""
        self._request = None
        self._answering = False
        if not self.persistent:
            self._close()
            return
        self.setTimeout(self._savedTimeOut)
        self._parse()

    def _close(self):
        self._closing = True
        self._buffer = b""
        self.setTimeout(None)
        self.transport.loseConnection()

    def timeoutConnection(self):
        log.msg("Timing out client: %s" % (self.transport.getPeer(),))
        self._close()

    def connectionLost(self, reason):
        self.setTimeout(None)
        if self._request is not None and not self._request.finished:
            self._request.connectionLost(reason)


class HTTPFactory(protocol.ServerFactory):
    """Builds an ``HTTPChannel`` per connection and writes the access log.

    ``logPath``: a file to append one combined-format line per request to;
    ``None`` for no access log.  ``timeout``: seconds a connection may stay idle.
    """

    protocol = HTTPChannel

    def __init__(self, logPath=None, timeout=60, logFormatter=None, reactor=None):
        self.logPath = logPath
        self.timeOut = timeout
        self._logFormatter = logFormatter or combinedLogFormatter
        self._logFile = None

    def buildProtocol(self, addr):
        channel = super().buildProtocol(addr)
        channel.timeOut = self.timeOut
        return channel

    def startFactory(self):
        if self.logPath is not None:
            # Line-buffered, so each request's line reaches the file at once.
            self._logFile = open(self.logPath, "a", 1, newline="\n")

    def stopFactory(self):
        if self._logFile is not None:
            self._logFile.close()
            self._logFile = None

    def log(self, request):
        """Write the access-log line of a finished ``request``."""
        if self._logFile is not None:
            self._logFile.write(self._logFormatter(datetimeToLogString(), request) + "\n")
