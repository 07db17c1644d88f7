"""Twisted Web in 60 seconds: each section of the classic tutorial as one resource of one site.

Explained in notebooks/A2_web_in_sixty_seconds.ipynb, one idea at a time.
Run it with a port (0 lets the system pick one; the line "listening on ..." shows it):

    python examples/web_60_seconds.py 8080

Then visit, with a browser or ``curl``:

    /static/NAME          static content: this folder's files (static.File)
    /counter              dynamic content: a page built on each request
    /calendar/2026        static and dynamic dispatch: putChild for /calendar, getChild per year
    /calendar/soon        error handling: a child that cannot exist is pages.notFound()
    /pay                  custom response codes: 402 Payment Required
    /form                 handling POSTs: GET shows a form, POST reads it
    /delayed              asynchronous responses: NOT_DONE_YET, finished by callLater
    /interrupted          interrupted responses: hang up early and the pending call is cancelled
    /broken               logging errors: the render fails, the error is logged, a 500 goes out

Every request also goes to the access log: access logging.  Tracebacks go to the error
log; both paths are printed at start.
Stop it with Ctrl-C.  Replace ``minitwisted`` by ``twisted`` and it runs on real Twisted.
"""

import os
import sys
import tempfile
from html import escape

from minitwisted.internet import reactor
from minitwisted.python import log
from minitwisted.web import pages, resource, server, static

HERE = os.path.dirname(os.path.abspath(__file__))


# --- Dynamic content -------------------------------------------------------------------


class Counter(resource.Resource):
    """A page whose text changes on each request: render_GET runs every time."""

    isLeaf = True

    def __init__(self):
        super().__init__()
        self.views = 0

    def render_GET(self, request):
        self.views += 1
        return b"<html><body>This page has been viewed %d times.</body></html>" % self.views


# --- Static and dynamic dispatch, error handling ----------------------------------------


class YearPage(resource.Resource):
    """The page of one year, made on demand by Calendar.getChild."""

    isLeaf = True

    def __init__(self, year):
        super().__init__()
        self.year = year

    def render_GET(self, request):
        return b"<html><body>%d is%s a leap year.</body></html>" % (
            self.year, b"" if self.year % 4 == 0 and (self.year % 100 or self.year % 400 == 0)
            else b" not")


class Calendar(resource.Resource):
    """/calendar is put in the tree with putChild; its children are built by getChild."""

    def render_GET(self, request):
        return b"<html><body>Add a year to the URL: /calendar/2026</body></html>"

    def getChild(self, name, request):
        # Called only for names not registered with putChild; b"" is /calendar/ itself.
        if name == b"":
            return self
        try:
            return YearPage(int(name))
        except ValueError:
            return pages.notFound("No such year", "Years are numbers.")


# --- Custom response codes, handling POSTs ----------------------------------------------


class Pay(resource.Resource):
    """An answer with a status code of our choosing."""

    isLeaf = True

    def render_GET(self, request):
        request.setResponseCode(402)
        return b"<html><body>Please pay first.</body></html>"


class Form(resource.Resource):
    """GET shows a form; POST reads what was submitted from request.args."""

    isLeaf = True

    def render_GET(self, request):
        return (b'<html><body><form method="POST"><input name="the-field">'
                b"</form></body></html>")

    def render_POST(self, request):
        text = request.args.get(b"the-field", [b""])[0].decode("utf-8", "replace")
        # escape: the text came from the user and goes into HTML.
        return f"<html><body>You submitted: {escape(text)}</body></html>".encode("utf-8")


# --- Asynchronous and interrupted responses ---------------------------------------------


class Delayed(resource.Resource):
    """render returns NOT_DONE_YET; a call scheduled with callLater writes and finishes."""

    isLeaf = True

    def render_GET(self, request):
        reactor.callLater(0.2, self.answer, request)
        return server.NOT_DONE_YET

    def answer(self, request):
        request.write(b"<html><body>Sorry to keep you waiting.</body></html>")
        request.finish()


class Interrupted(resource.Resource):
    """A slow answer whose pending call is cancelled if the client hangs up first."""

    isLeaf = True

    def render_GET(self, request):
        call = reactor.callLater(5, self.answer, request)
        # notifyFinish fails when the connection is lost before finish(): nobody to answer.
        request.notifyFinish().addErrback(self.interrupted, call)
        return server.NOT_DONE_YET

    def answer(self, request):
        request.write(b"<html><body>Finally here.</body></html>")
        request.finish()

    def interrupted(self, reason, call):
        call.cancel()
        print("interrupted: the client left, the answer was cancelled")


# --- Logging errors ---------------------------------------------------------------------


class Broken(resource.Resource):
    """A render that raises: the Site logs the traceback and answers 500."""

    isLeaf = True

    def render_GET(self, request):
        raise ValueError("this page is broken")


def printLoggedErrors(event):
    """A log observer that prints one line per logged error (the traceback stays out)."""
    if event.get("isError") and "failure" in event:
        failure = event["failure"]
        print(f"logged error: {failure.type.__name__}: {failure.getErrorMessage()}")


def main(port):
    root = resource.Resource()
    root.putChild(b"static", static.File(HERE))
    root.putChild(b"counter", Counter())
    root.putChild(b"calendar", Calendar())
    root.putChild(b"pay", Pay())
    root.putChild(b"form", Form())
    root.putChild(b"delayed", Delayed())
    root.putChild(b"interrupted", Interrupted())
    root.putChild(b"broken", Broken())
    folder = tempfile.mkdtemp()
    # Logging errors: tracebacks go to a file (setStdout=False: print still goes to the terminal).
    errorLogPath = os.path.join(folder, "error.log")
    log.startLogging(open(errorLogPath, "a"), setStdout=False)
    log.addObserver(printLoggedErrors)
    # Access logging: one line per request, in the combined format web servers share.
    accessLogPath = os.path.join(folder, "access.log")
    site = server.Site(root, logPath=accessLogPath)
    listening = reactor.listenTCP(port, site, interface="127.0.0.1")
    print(f"listening on 127.0.0.1:{listening.getHost().port}")
    print(f"access log: {accessLogPath}")
    print(f"error log: {errorLogPath}")
    reactor.run()


if __name__ == "__main__":
    main(int(sys.argv[1]))
