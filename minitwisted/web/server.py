"""The web Site: an HTTP server that answers each request from a tree of resources.

Mirrors ``twisted.web.server`` (Twisted 26.10): ``Site``, ``Request``,
``NOT_DONE_YET`` and ``version``.  The HTTP protocol itself is in
``minitwisted.web.http``.  Tested with curl, Twisted's Agent, ``http.client`` and side
by side with ``twisted.web.server.Site`` by ``tests/web/test_server.py``; used by
``notebooks/A2_web_in_sixty_seconds.ipynb``.

``Request.process`` sets the default headers, asks the Site for the resource
(``getResourceFor``, which walks ``prepath``/``postpath``), and ``render`` turns what
the resource returns into the response: bytes are sent with a Content-Length;
``NOT_DONE_YET`` means the resource will ``write`` and ``finish`` later (for example
from a Deferred); anything else is a 500 page.

Differs from Twisted: there are no sessions or cookies (``getSession``,
``addCookie``, ``getCookie``), and the ``Server`` header names minitwisted
(``version``), not ``TwistedWeb/26.10.0``.
"""

from html import escape
from urllib.parse import unquote_to_bytes

import minitwisted
from minitwisted.python import log
from minitwisted.web import http, resource

NOT_DONE_YET = 1
version = b"minitwistedWeb/" + minitwisted.__version__.encode()

_SUPPORTED_METHODS = (b"GET", b"HEAD", b"POST")


class Request(http.Request):
    """A request answered by a Site's resource tree; adds ``prepath``, ``postpath`` and rendering."""

    defaultContentType = b"text/html"
    site = None

    def __init__(self, channel):
        super().__init__(channel)
        self.site = channel.site
        self.prepath = []
        self.postpath = []

    def process(self):
        """Find the resource for this request and render it; a failure becomes a 500 page."""
        self.setHeader(b"server", version)
        self.setHeader(b"date", http.datetimeToString())
        self.prepath = []
        # Each segment is percent-decoded: b'%2e%2e' arrives as b'..' (static.File refuses it).
        self.postpath = [unquote_to_bytes(s) for s in self.path[1:].split(b"/")]
        try:
            self.render(self.site.getResourceFor(self))
        except Exception:
            self.processingFailed()

    def _writeHeaders(self):
        # Twisted adds the default Content-Type just before the headers go out.
        if (self.defaultContentType and self.code not in (204, 304)
                and not self.responseHeaders.hasHeader(b"content-type")):
            self.setHeader(b"content-type", self.defaultContentType)
        super()._writeHeaders()

    def render(self, resrc):
        """Ask ``resrc`` to render this request and send what it returns."""
        try:
            body = resrc.render(self)
        except resource.UnsupportedMethod as e:
            body = self._unsupported(resrc, e.allowedMethods)
            if body is None:
                return
        if body is NOT_DONE_YET:
            return
        if not isinstance(body, bytes):
            body = resource.ErrorPage(
                http.INTERNAL_SERVER_ERROR, "Request did not return bytes",
                "Request: <pre>%s</pre><br />Resource: <pre>%s</pre><br />Value: <pre>%s</pre>"
                % (escape(repr(self)), escape(repr(resrc)), escape(repr(body)))).render(self)
        self.setHeader(b"content-length", b"%d" % len(body))
        self.write(body)  # A HEAD's body is dropped by write.
        self.finish()

    def _unsupported(self, resrc, allowedMethods):
        """The body for a method ``resrc`` lacks, or ``None`` if a faked HEAD was already sent."""
        if self.method == b"HEAD" and b"GET" in allowedMethods:
            # Answer HEAD with GET's headers, without its body.
            self.method = b"GET"
            body = resrc.render(self)
            self.method = b"HEAD"
            if body is not NOT_DONE_YET:
                self.setHeader(b"content-length", b"%d" % len(body))
                self.write(b"")
                self.finish()
            return None
        if self.method in _SUPPORTED_METHODS:
            self.setHeader(b"Allow", b", ".join(allowedMethods))
            detail = ('Your browser approached me (at %s) with the method "%s".  I only allow '
                      "the method%s %s here." % (
                          escape(self.uri.decode("ascii", "replace")),
                          self.method.decode("ascii", "replace"),
                          "s" if len(allowedMethods) > 1 else "",
                          ", ".join(m.decode("ascii") for m in allowedMethods)))
            return resource.ErrorPage(http.NOT_ALLOWED, "Method Not Allowed", detail).render(self)
        return resource.ErrorPage(
            http.NOT_IMPLEMENTED, "Huh?", "I don't know how to treat a %s request."
            % escape(self.method.decode("charmap"))).render(self)

    def processingFailed(self, reason=None):
        """Log the current exception and answer 500 "Processing Failed"."""
        log.err(reason, "Exception rendering:")
        if self.startedWriting:
            # Too late for an error page: cut the connection so the client sees a broken answer.
            self.channel.transport.loseConnection()
            return
        body = (b"<html><head><title>Processing Failed</title></head><body>"
                b"<b>Processing Failed</b></body></html>")
        self.setResponseCode(http.INTERNAL_SERVER_ERROR)
        self.setHeader(b"content-type", b"text/html")
        self.setHeader(b"content-length", b"%d" % len(body))
        self.write(body)
        self.finish()

    def __repr__(self):
        return "<%s at 0x%x method=%s uri=%s clientproto=%s>" % (
            type(self).__name__, id(self), self.method.decode("ascii", "replace"),
            self.uri.decode("ascii", "replace"), self.clientproto.decode("ascii", "replace"))


class Site(http.HTTPFactory):
    """An HTTP server factory whose answers come from the resource tree under ``resource``.

    ``Site(resource, requestFactory=None, logPath=None, timeout=60)``: ``timeout`` is the
    seconds a connection may idle between requests (60, as Twisted 26.10's default).
    """

    requestFactory = Request

    def __init__(self, resource, requestFactory=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource = resource
        if requestFactory is not None:
            self.requestFactory = requestFactory

    def buildProtocol(self, addr):
        channel = super().buildProtocol(addr)
        channel.site = self
        channel.requestFactory = self.requestFactory
        return channel

    def getResourceFor(self, request):
        """Walk the tree from the root to the resource that answers ``request``."""
        request.site = self
        return resource.getChildForRequest(self.resource, request)
