"""Resources: the tree of objects a web Site walks to find who answers a request.

Mirrors ``twisted.web.resource`` (Twisted 26.10), checked side by side against Twisted
by ``tests/web/test_resource.py``; used by ``notebooks/A2_web_in_sixty_seconds.ipynb``.

A request for ``/a/b`` starts at the Site's root: ``getChildForRequest`` moves ``a``
from ``request.postpath`` to ``request.prepath`` and asks the root for that child, then
the same for ``b``, stopping early at a resource whose ``isLeaf`` is true.  The resource
it ends on renders the answer: ``render`` calls ``render_GET``, ``render_POST``, and so
on, named after the request method.

Differs from Twisted: ``NoResource``, ``ErrorPage`` and ``ForbiddenResource`` do not
warn when created (Twisted deprecates them in favour of ``minitwisted.web.pages``, whose
pages escape their text); their pages are the same.
"""

from zope.interface import Attribute, Interface, implementer


class IResource(Interface):
    """A web resource: something that has children and renders requests."""

    isLeaf = Attribute("True if this resource handles every path below it itself.")

    def getChildWithDefault(name, request):
        """Return the child called ``name`` (bytes)."""

    def putChild(path, child):
        """Make ``child`` answer for the path segment ``path``."""

    def render(request):
        """Answer ``request``: return bytes, or ``NOT_DONE_YET`` and finish it later."""


class UnsupportedMethod(Exception):
    """The resource has no ``render_<METHOD>`` for the request; ``allowedMethods`` lists those it has."""

    def __init__(self, allowedMethods, *args):
        super().__init__(allowedMethods, *args)
        self.allowedMethods = allowedMethods


def getChildForRequest(resource, request):
    """Walk down from ``resource`` along ``request.postpath``; return the resource that answers."""
    while request.postpath and not resource.isLeaf:
        segment = request.postpath.pop(0)
        request.prepath.append(segment)
        resource = resource.getChildWithDefault(segment, request)
    return resource


def _allowedMethods(resource):
    """The methods ``resource`` can render: each ``render_FOO`` it (or a base class) defines."""
    names = set()
    for cls in type(resource).__mro__:
        names.update(n[len("render_"):] for n in vars(cls) if n.startswith("render_"))
    return [n.encode("ascii") for n in sorted(names)]


@implementer(IResource)
class Resource:
    """A node of the web tree; subclass it and add ``render_GET`` (and friends).

    ``children`` maps path segments (bytes) to the resources below this one.
    """

    isLeaf = 0
    server = None

    def __init__(self):
        self.children = {}

    def getChildWithDefault(self, path, request):
        """Return ``children[path]`` if there is one, else ask ``getChild``."""
        if path in self.children:
            return self.children[path]
        return self.getChild(path, request)

    def getChild(self, path, request):
        """Return a dynamic child for ``path``; by default a 404 page."""
        return NoResource("No such child resource.")

    def getChildForRequest(self, request):
        """Walk the tree below this resource for ``request`` (see ``getChildForRequest``)."""
        return getChildForRequest(self, request)

    def putChild(self, path, child):
        """Make ``child`` answer for the segment ``path``, which must be bytes."""
        if not isinstance(path, bytes):
            raise TypeError("Path segment must be bytes, but %r is %s." % (path, type(path)))
        self.children[path] = child
        child.server = self.server

    def render(self, request):
        """Call ``render_<request.method>``; raise ``UnsupportedMethod`` if there is none."""
        method = getattr(self, "render_" + request.method.decode("ascii", "replace"), None)
        if method is None:
            allowed = getattr(self, "allowedMethods", None) or _allowedMethods(self)
            raise UnsupportedMethod(allowed)
        return method(request)

    def render_HEAD(self, request):
        """Answer a HEAD like a GET; the server sends the headers and drops the body."""
        return self.render_GET(request)


class ErrorPage(Resource):
    """A resource that answers every request with status ``status`` and a small HTML page.

    The text is put in the page as it is, not escaped (as Twisted's ``ErrorPage``).
    """

    template = """
<html>
  <head><title>%(code)s - %(brief)s</title></head>
  <body>
    <h1>%(brief)s</h1>
    <p>%(detail)s</p>
  </body>
</html>
"""

    def __init__(self, status, brief, detail):
        super().__init__()
        self.code = status
        self.brief = brief
        self.detail = detail

    def render(self, request):
        request.setResponseCode(self.code)
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        page = self.template % dict(code=self.code, brief=self.brief, detail=self.detail)
        return page.encode("utf-8")

    def getChild(self, path, request):
        # Everything below an error page is the same error.
        return self


class NoResource(ErrorPage):
    """A 404 page."""

    def __init__(self, message="Sorry. No luck finding that resource."):
        super().__init__(404, "No Such Resource", message)


class ForbiddenResource(ErrorPage):
    """A 403 page."""

    def __init__(self, message="Sorry, resource is forbidden."):
        super().__init__(403, "Forbidden Resource", message)
