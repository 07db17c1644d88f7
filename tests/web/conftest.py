"""Web test helpers: the same resource tree on minitwisted.web and twisted.web, served on loopback."""

import importlib
import subprocess
import types

import pytest


def webModules(name):
    """The web modules of ``name`` ("minitwisted" or "twisted")."""
    mods = {m: importlib.import_module("%s.web.%s" % (name, m))
            for m in ("resource", "server", "static", "pages", "http_headers")}
    return types.SimpleNamespace(**mods)


def buildTree(web, reactor):
    """A small tree: /hello (GET, args), /form (POST), /later (Deferred), /boom, /str."""
    Resource = web.resource.Resource

    class Hello(Resource):
        isLeaf = True

        def render_GET(self, request):
            name = request.args.get(b"name", [b"world"])[0]
            return b"hello " + name

    class Form(Resource):
        isLeaf = True

        def render_POST(self, request):
            body = request.content.read()
            pairs = sorted((k, v) for k, vs in request.args.items() for v in vs)
            return b"%d %r" % (len(body), pairs)

    class Later(Resource):
        isLeaf = True

        def render_GET(self, request):
            def answer():
                request.write(b"part1 ")
                request.write(b"part2")
                request.finish()
            reactor.callLater(0.01, answer)
            return web.server.NOT_DONE_YET

    class Boom(Resource):
        def render_GET(self, request):
            raise ValueError("boom")

    class Text(Resource):
        def render_GET(self, request):
            return "not bytes"

    class Path(Resource):
        isLeaf = True

        def render_GET(self, request):
            return b"%r %r" % (request.prepath, request.postpath)

    root = Resource()
    for name, child in [(b"hello", Hello()), (b"form", Form()), (b"later", Later()),
                        (b"boom", Boom()), (b"str", Text()), (b"path", Path())]:
        root.putChild(name, child)
    return root


@pytest.fixture
def serve(request):
    """``serve(net, resource, **siteArgs)`` listens on 127.0.0.1 and returns the port number."""
    ports = []

    def serve(net, resource, **kwargs):
        web = webModules(net.name)
        port = net.reactor.listenTCP(0, web.server.Site(resource, **kwargs), interface="127.0.0.1")
        ports.append((net, port))
        return port.getHost().port

    yield serve
    for net, port in ports:
        net.spin(net.defer.maybeDeferred(port.stopListening))


def inThread(net, function, *args, **kwargs):
    """Run a blocking client in a thread while ``net``'s reactor serves; return its result."""
    return net.spin(net.threads.deferToThread(function, *args, **kwargs))


def curl(net, *args):
    """Run curl with ``args``; return its stdout bytes."""
    done = inThread(net, subprocess.run, ["curl", "-s", "--max-time", "5", *args],
                    capture_output=True)
    return done.stdout
