"""Static files: a resource that serves a folder, and never anything outside it.

Mirrors ``twisted.web.static.File`` (Twisted 26.10); tested over loopback by
``tests/web/test_static.py``; used by ``notebooks/A2_web_in_sixty_seconds.ipynb``.

Each path segment (already percent-decoded by the request) is checked before it
touches the disk: ``..``, ``.``, a segment holding a separator or NUL, and anything whose
real path (symlinks resolved) lies outside the root give a 404.  The content type
comes from ``mimetypes``; a directory is answered by its ``index.html``.

Differs from Twisted:

- A directory without ``index.html`` gets a 403 page; Twisted lists its contents.
- A symlink that points outside the root gives a 404; Twisted follows it.
- No ``Range`` requests, no ``Last-Modified``/``If-Modified-Since``, no content
  encodings: the whole file is sent, read at once.
"""

import mimetypes
import os

from minitwisted.web import pages, resource


class File(resource.Resource):
    """Serve the file or folder ``path``; a folder's children are its entries."""

    indexNames = ["index.html"]

    def __init__(self, path, defaultType="text/html", _root=None):
        super().__init__()
        self.path = os.path.abspath(path)
        self.defaultType = defaultType
        # Every File below the first keeps the first's real path as the fence.
        self._root = _root or os.path.realpath(self.path)

    def _inside(self, path):
        real = os.path.realpath(path)
        return real == self._root or real.startswith(self._root + os.sep)

    def getChild(self, path, request):
        try:
            name = path.decode("utf-8")
        except UnicodeDecodeError:
            return pages.notFound()
        if not os.path.isdir(self.path):
            return pages.notFound()
        if name == "":
            return self  # "/dir/": render looks for the index.
        if name in (".", "..") or "/" in name or "\0" in name or os.sep in name:
            return pages.notFound()
        child = os.path.join(self.path, name)
        if not self._inside(child) or not os.path.exists(child):
            return pages.notFound()
        return File(child, self.defaultType, self._root)

    def render_GET(self, request):
        path = self.path
        if os.path.isdir(path):
            if not request.path.endswith(b"/"):
                # Relative links in the index need the trailing slash.
                request.redirect(request.path + b"/")
                return b""
            index = [os.path.join(path, n) for n in self.indexNames
                     if os.path.isfile(os.path.join(path, n))]
            if not index:
                return pages.forbidden().render(request)
            path = index[0]
        if not self._inside(path) or not os.path.isfile(path):
            return pages.notFound().render(request)
        try:
            with open(path, "rb") as f:
                body = f.read()
        except PermissionError:
            return pages.forbidden().render(request)
        contentType, _ = mimetypes.guess_type(path)
        request.setHeader(b"content-type", (contentType or self.defaultType).encode("ascii"))
        return body

    render_HEAD = render_GET
