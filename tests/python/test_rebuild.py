"""Tests for minitwisted.python.rebuild, side by side with twisted.python.rebuild.

Each test writes a small module into ``tmp_path``, imports it, rewrites the file and
rebuilds the module.  Bytecode caching is off, so the rewrite is always what gets read
again (a ``.pyc`` written in the same second could otherwise pass for up to date).
"""

import itertools
import sys
import textwrap

import pytest

from tests.conftest import messages

_names = itertools.count()


@pytest.fixture(params=["minitwisted", "twisted"])
def rebuild(request):
    """The rebuild module of one framework."""
    if request.param == "minitwisted":
        from minitwisted.python import rebuild
    else:
        from twisted.python import rebuild
    return rebuild


@pytest.fixture
def moduleMaker(tmp_path, monkeypatch):
    """Write, import and rewrite throw-away modules; they leave sys.modules afterwards."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.syspath_prepend(str(tmp_path))
    made = []

    class Maker:
        def write(self, name, source):
            (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))

        def make(self, source):
            name = f"rebuild_sample_{next(_names)}"
            self.write(name, source)
            made.append(name)
            return __import__(name)

    yield Maker()
    for name in made:
        sys.modules.pop(name, None)


V1 = """
    def version():
        return "v1"

    class Thing:
        def __init__(self, size):
            self.size = size

        def describe(self):
            return f"v1 thing of size {self.size}"
"""

V2 = V1.replace('"v1"', '"v2 (new)"').replace("f\"v1 thing", "f\"v2 thing")


def test_rebuildReturnsTheSameModuleWithTheNewCode(rebuild, moduleMaker):
    """rebuild reloads the module in place and returns it."""
    module = moduleMaker.make(V1)
    oldVersion = module.version
    moduleMaker.write(module.__name__, V2)
    assert rebuild.rebuild(module, doLog=0) is module
    assert module.version() == "v2 (new)"
    assert oldVersion() == "v1"  # a reference held elsewhere still runs the old code


def test_existingInstancesRunTheNewMethods(rebuild, moduleMaker):
    """An instance made before the rebuild gets the new class and keeps its attributes."""
    module = moduleMaker.make(V1)
    thing = module.Thing(3)
    oldClass = module.Thing
    moduleMaker.write(module.__name__, V2)
    rebuild.rebuild(module, doLog=0)
    assert module.Thing is not oldClass
    assert type(thing) is module.Thing
    assert isinstance(thing, module.Thing)
    assert thing.describe() == "v2 thing of size 3"


def test_otherModulesGlobalsNamingOldFunctionsAreRebound(rebuild, moduleMaker):
    """A function imported into another module is rebound there; an imported class is not."""
    module = moduleMaker.make(V1)
    user = moduleMaker.make(f"from {module.__name__} import Thing, version\n")
    moduleMaker.write(module.__name__, V2)
    rebuild.rebuild(module, doLog=0)
    assert user.version() == "v2 (new)"
    assert user.Thing is not module.Thing


def test_subclassesInOtherModulesKeepTheOldBaseUntilLatestClass(rebuild, moduleMaker):
    """A subclass defined elsewhere keeps the old base; latestClass rebases it on the new one."""
    module = moduleMaker.make(V1)
    user = moduleMaker.make(f"""
        from {module.__name__} import Thing

        class Sub(Thing):
            pass
    """)
    moduleMaker.write(module.__name__, V2)
    rebuild.rebuild(module, doLog=0)
    assert user.Sub(4).describe() == "v1 thing of size 4"
    assert rebuild.latestClass(user.Sub) is user.Sub
    assert user.Sub.__bases__ == (module.Thing,)
    assert user.Sub(4).describe() == "v2 thing of size 4"


def test_aModuleMayForbidItsRebuild(rebuild, moduleMaker):
    """A module with ALLOW_TWISTED_REBUILD = False is refused with RuntimeError."""
    module = moduleMaker.make("ALLOW_TWISTED_REBUILD = False\n")
    with pytest.raises(RuntimeError, match="^I am not allowed to be rebuilt.$"):
        rebuild.rebuild(module, doLog=0)


def test_latestFunctionAndLatestClassFindTheNewVersions(rebuild, moduleMaker):
    """latestFunction and latestClass map old objects of a rebuilt module to the new ones."""
    module = moduleMaker.make(V1)
    oldVersion, oldClass = module.version, module.Thing
    assert rebuild.latestFunction(oldVersion) is oldVersion  # module never rebuilt yet
    moduleMaker.write(module.__name__, V2)
    rebuild.rebuild(module, doLog=0)
    assert rebuild.latestFunction(oldVersion) is module.version
    assert rebuild.latestClass(oldClass) is module.Thing


def test_sensitiveObjectsNoticeARebuild(rebuild, moduleMaker):
    """A Sensitive object needs an update after a rebuild and finds the latest callables."""
    module = moduleMaker.make(V1)
    watcher = rebuild.Sensitive()
    watcher.rebuildUpToDate()
    oldVersion = module.version
    thing = module.Thing(1)
    oldMethod = thing.describe
    moduleMaker.write(module.__name__, V2)
    rebuild.rebuild(module, doLog=0)
    assert watcher.needRebuildUpdate()
    assert watcher.latestVersionOf(oldVersion)() == "v2 (new)"
    assert oldMethod() == "v1 thing of size 1"  # a bound method keeps its old function
    assert watcher.latestVersionOf(oldMethod)() == "v2 thing of size 1"
    watcher.rebuildUpToDate()
    assert not watcher.needRebuildUpdate()


def test_updateInstanceMovesAnInstanceToTheLatestClass(rebuild, moduleMaker):
    """updateInstance gives an instance of a stale class the class now in its module."""
    module = moduleMaker.make(V1)
    oldClass = module.Thing
    moduleMaker.write(module.__name__, V2)
    rebuild.rebuild(module, doLog=0)
    stale = object.__new__(oldClass)  # made from a reference that rebuild could not see
    stale.size = 2
    rebuild.updateInstance(stale)
    assert stale.describe() == "v2 thing of size 2"


def test_doLogLogsWholeLinesWithoutProgressCharacters(mini, logged, moduleMaker):
    """Differs from Twisted: with doLog, only whole-line messages are logged, no "o"/"f" progress marks."""
    from minitwisted.python.rebuild import rebuild

    module = moduleMaker.make(V1)
    rebuild(module)
    name = module.__name__
    assert messages(mini, logged) == [
        f"Rebuilding {name}...", f"  (reload   {name})", f"  (cleaning {name}): ",
        f"  (fixing   {name}): ", f"   Rebuilt {name}."]


# --- A live server changes its code --------------------------------------------------------


SERVER_V1 = """
    from FRAMEWORK.internet import protocol

    class Shout(protocol.Protocol):
        def connectionMade(self):
            self.factory.connections.append(self)

        def dataReceived(self, data):
            self.transport.write(b"v1:" + data)

    class ShoutFactory(protocol.ServerFactory):
        protocol = Shout

        def __init__(self):
            self.connections = []
"""

SERVER_V2 = SERVER_V1.replace('b"v1:" + data', 'b"v2:" + data.upper()')


def tcpClient(net):
    """Connect to a port; return (a Deferred of the client protocol, the factory)."""

    class Collector(net.protocol.Protocol):
        def connectionMade(self):
            self.received = b""
            self.waiting = None
            self.factory.connected.callback(self)

        def dataReceived(self, data):
            self.received += data
            self._check()

        def expect(self, size):
            """A Deferred that fires with the next ``size`` bytes received."""
            self.waiting = (size, net.defer.Deferred())
            d = self.waiting[1]
            self._check()
            return d

        def _check(self):
            if self.waiting and len(self.received) >= self.waiting[0]:
                (size, d), self.waiting = self.waiting, None
                data, self.received = self.received[:size], self.received[size:]
                d.callback(data)

    factory = net.protocol.ClientFactory()
    factory.protocol = Collector
    factory.connected = net.defer.Deferred()
    return factory


def ask(net, client, data, answerSize):
    d = client.expect(answerSize)
    client.transport.write(data)
    return net.spin(d)


def test_aLiveConnectionGetsTheNewDataReceivedAfterARebuild(net, moduleMaker):
    """After rebuilding the protocol's module, the same connection and new ones run the new code."""
    if net.name == "minitwisted":
        from minitwisted.python.rebuild import rebuild
    else:
        from twisted.python.rebuild import rebuild
    module = moduleMaker.make(SERVER_V1.replace("FRAMEWORK", net.name))
    serverFactory = module.ShoutFactory()
    port = net.reactor.listenTCP(0, serverFactory, interface="127.0.0.1")
    try:
        def connect():
            factory = tcpClient(net)
            net.reactor.connectTCP("127.0.0.1", port.getHost().port, factory)
            return net.spin(factory.connected)

        first = connect()
        assert ask(net, first, b"hello", 8) == b"v1:hello"

        moduleMaker.write(module.__name__, SERVER_V2.replace("FRAMEWORK", net.name))
        rebuild(module, doLog=0)
        [server] = serverFactory.connections
        assert type(server) is module.Shout
        assert ask(net, first, b"again", 8) == b"v2:AGAIN"

        second = connect()
        assert ask(net, second, b"new", 6) == b"v2:NEW"
        assert len(serverFactory.connections) == 2
        assert all(type(each) is module.Shout for each in serverFactory.connections)
    finally:
        port.stopListening()
