"""A small web application: static files, a dynamic page, a form, a slow page, an access log.

Its parts are explained in notebooks/A2_web_in_sixty_seconds.ipynb, its access log in 07.
Run it with a port (0 lets the system pick one; the line "listening on ..." shows it):

    python examples/web_app.py 8080
    python examples/web_client.py http://127.0.0.1:8080/hello?name=bob

Pages: ``/`` (a menu), ``/files/NAME`` (this folder's files, served by ``static.File``),
``/hello?name=...`` (built per request), ``/form`` (GET shows a form, POST answers it),
``/slow`` (answered later, with ``NOT_DONE_YET`` and ``callLater``).  Every request
adds a line to the access log, whose path is printed at start.  Stop it with Ctrl-C.
Replace ``minitwisted`` by ``twisted`` and it runs on real Twisted.
"""

import os
import sys
import tempfile
from html import escape

from minitwisted.internet import reactor
from minitwisted.web import resource, server, static

HERE = os.path.dirname(os.path.abspath(__file__))


class Menu(resource.Resource):
    """The front page: links to the others."""

    def render_GET(self, request):
        return (b'<html><body><a href="/files/web_app.py">a file</a> <a href="/hello">hello</a> '
                b'<a href="/form">form</a> <a href="/slow">slow</a></body></html>')


class Hello(resource.Resource):
    """A page built for each request from its query arguments."""

    isLeaf = True  # /hello/anything is answered here too

    def render_GET(self, request):
        name = request.args.get(b"name", [b"stranger"])[0].decode("utf-8", "replace")
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return f"Hello, {name}!".encode("utf-8")


class Form(resource.Resource):
    """GET shows a form; POST reads the submitted field (request.args holds it too)."""

    isLeaf = True

    def render_GET(self, request):
        return (b'<html><body><form method="POST"><input name="colour">'
                b'<input type="submit"></form></body></html>')

    def render_POST(self, request):
        colour = request.args.get(b"colour", [b""])[0].decode("utf-8", "replace")
        # escape: the text came from the user and goes into HTML.
        return f"<html><body>You chose {escape(colour)}.</body></html>".encode("utf-8")


class Slow(resource.Resource):
    """A page that is not ready at once: render returns NOT_DONE_YET and finishes later."""

    isLeaf = True

    def render_GET(self, request):
        call = reactor.callLater(0.2, self.answer, request)
        # If the client leaves first, the pending call would write to nobody: cancel it.
        request.notifyFinish().addErrback(lambda reason: call.cancel())
        return server.NOT_DONE_YET

    def answer(self, request):
        request.write(b"Sorry to keep you waiting.")
        request.finish()


def main(port, folder=HERE):
    root = resource.Resource()
    root.putChild(b"", Menu())
    root.putChild(b"files", static.File(folder))
    root.putChild(b"hello", Hello())
    root.putChild(b"form", Form())
    root.putChild(b"slow", Slow())
    logPath = os.path.join(tempfile.mkdtemp(), "access.log")
    listening = reactor.listenTCP(port, server.Site(root, logPath=logPath), interface="127.0.0.1")
    print(f"listening on 127.0.0.1:{listening.getHost().port}")
    print(f"access log: {logPath}")
    reactor.run()


if __name__ == "__main__":
    main(int(sys.argv[1]), *sys.argv[2:])
