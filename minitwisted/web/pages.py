"""Error pages: resources that answer every request with one status and a short HTML page.

Mirrors ``twisted.web.pages`` (Twisted 26.10), checked side by side against Twisted by
``tests/web/test_pages.py``; used by ``notebooks/A2_web_in_sixty_seconds.ipynb``.

Unlike ``resource.ErrorPage``, these escape their text, so a path echoed into the page
cannot inject HTML.  Like Twisted's (which renders them with ``twisted.web.template``),
they write the page and finish the request themselves, so the answer has no
Content-Length and an HTTP/1.1 client gets it chunked.
"""

from html import escape

from minitwisted.web.resource import Resource


class _ErrorPage(Resource):
    """Answers every request, and every path below it, with ``code`` and an HTML page."""

    def __init__(self, code, brief, detail):
        super().__init__()
        self._code = code
        self._brief = brief
        self._detail = detail

    def render(self, request):
        request.setResponseCode(self._code)
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        brief, detail = escape(self._brief, quote=False), escape(self._detail, quote=False)
        request.write(b"<!DOCTYPE html>\n")
        request.write(
            ("<html><head><title>%d - %s</title></head><body><h1>%s</h1><p>%s</p></body></html>"
             % (self._code, brief, brief, detail)).encode("utf-8"))
        request.finish()
        return 1  # server.NOT_DONE_YET: the request is already finished.

    def getChild(self, path, request):
        return self


def errorPage(code, brief, detail):
    """A resource answering every request with status ``code``, title ``brief`` and text ``detail``."""
    return _ErrorPage(code, brief, detail)


def notFound(brief="No Such Resource", message="Sorry. No luck finding that resource."):
    """A 404 page."""
    return _ErrorPage(404, brief, message)


def forbidden(brief="Forbidden Resource", message="Sorry, resource is forbidden."):
    """A 403 page."""
    return _ErrorPage(403, brief, message)
