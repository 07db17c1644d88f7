"""Tests for minitwisted.internet.endpoints, side by side with real Twisted.

Most tests take the ``impl`` fixture and run the same scenario on our endpoints and on
Twisted's, against ``FakeReactor`` below, which records ``listenTCP``/``connectTCP``
calls instead of opening sockets.  The description-string tests parse the same strings
with both libraries and compare the endpoints built.  The last section makes one real
connection over 127.0.0.1 once minitwisted has a reactor that can.
"""

import importlib
import socket
import types

import pytest
from zope.interface import implementer

from minitwisted.internet import defer as mdefer
from minitwisted.internet import endpoints as mendpoints
from minitwisted.internet import error as merror
from minitwisted.internet import interfaces as minterfaces
from minitwisted.internet import protocol as mprotocol
from minitwisted.python.failure import Failure as MFailure


def _namespace(name):
    if name == "minitwisted":
        return types.SimpleNamespace(
            name=name, endpoints=mendpoints, error=merror, protocol=mprotocol,
            defer=mdefer, interfaces=minterfaces, Failure=MFailure)
    from twisted.internet import defer, endpoints, error, interfaces, protocol
    from twisted.python.failure import Failure
    return types.SimpleNamespace(
        name=name, endpoints=endpoints, error=error, protocol=protocol,
        defer=defer, interfaces=interfaces, Failure=Failure)


@pytest.fixture(params=["minitwisted", "twisted"])
def impl(request):
    """The endpoints module under test: ours, then the oracle."""
    return _namespace(request.param)


class FakePort:
    """What ``FakeReactor.listenTCP`` returns."""

    def __init__(self, port):
        self.port = port


class FakeConnector:
    """What ``FakeReactor.connectTCP`` returns: records ``stopConnecting``."""

    def __init__(self, destination):
        self.destination = destination
        self.stopped = False

    def stopConnecting(self):
        self.stopped = True

    def getDestination(self):
        return self.destination


class FakeReactor:
    """Records TCP listens and connects, as Twisted's ``MemoryReactor`` does, or raises ``fail``."""

    def __init__(self, fail=None):
        self.tcpServers = []
        self.tcpClients = []
        self.connectors = []
        self.fail = fail

    def listenTCP(self, port, factory, backlog=50, interface=""):
        if self.fail:
            raise self.fail
        self.tcpServers.append((port, factory, backlog, interface))
        return FakePort(port)

    def connectTCP(self, host, port, factory, timeout=30, bindAddress=None):
        if self.fail:
            raise self.fail
        self.tcpClients.append((host, port, factory, timeout, bindAddress))
        connector = FakeConnector((host, port))
        factory.startedConnecting(connector)  # as a real connector does
        self.connectors.append(connector)
        return connector


class Recorder:
    """A protocol (no base class) that records the calls it gets."""

    def __init__(self):
        self.calls = []

    def makeConnection(self, transport):
        self.calls.append(("makeConnection", transport))

    def dataReceived(self, data):
        self.calls.append(("dataReceived", data))

    def connectionLost(self, reason):
        self.calls.append(("connectionLost", reason))

    def readConnectionLost(self):
        self.calls.append(("readConnectionLost",))


def outcome(d):
    """Return ('ok', value) or ('fail', Failure) for a fired Deferred, consuming it."""
    if not d.called:
        return ("pending", None)
    box = []
    d.addCallbacks(lambda v: box.append(("ok", v)), lambda f: box.append(("fail", f)))
    return box[0]


def _factory(impl, build=Recorder):
    factory = impl.protocol.Factory()
    factory.buildProtocol = lambda addr: build()
    return factory


def _connect(impl, **endpointArguments):
    """Connect a TCP4 client endpoint on a fake reactor; return (reactor, Deferred, factory)."""
    reactor = FakeReactor()
    endpoint = impl.endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", 8000, **endpointArguments)
    d = endpoint.connect(_factory(impl))
    return reactor, d, reactor.tcpClients[0][2]


# --- Servers ---------------------------------------------------------------------------


def test_serverListenCallsListenTCPAndFiresWithThePort(impl):
    """``listen`` passes its settings and the factory to ``listenTCP``; it fires with the port."""
    reactor = FakeReactor()
    factory = impl.protocol.Factory()
    d = impl.endpoints.TCP4ServerEndpoint(reactor, 8080, backlog=7,
                                          interface="127.0.0.1").listen(factory)
    assert reactor.tcpServers == [(8080, factory, 7, "127.0.0.1")]
    kind, port = outcome(d)
    assert kind == "ok" and port.port == 8080


def test_serverEndpointDefaults(impl):
    """TCP4 listens on every interface ('') and TCP6 on '::', both with a backlog of 50."""
    reactor = FakeReactor()
    factory = impl.protocol.Factory()
    impl.endpoints.TCP4ServerEndpoint(reactor, 1).listen(factory)
    impl.endpoints.TCP6ServerEndpoint(reactor, 2).listen(factory)
    assert reactor.tcpServers == [(1, factory, 50, ""), (2, factory, 50, "::")]


def test_serverListenErrorFailsTheDeferred(impl):
    """A ``listenTCP`` that raises fails the Deferred instead of raising."""
    reactor = FakeReactor(fail=impl.error.CannotListenError("", 80, "in use"))
    d = impl.endpoints.TCP4ServerEndpoint(reactor, 80).listen(impl.protocol.Factory())
    kind, result = outcome(d)
    assert kind == "fail" and result.check(impl.error.CannotListenError)


# --- Clients ---------------------------------------------------------------------------


def test_clientConnectCallsConnectTCP(impl):
    """``connect`` passes host, port, timeout and bindAddress to ``connectTCP``, and waits."""
    reactor = FakeReactor()
    endpoint = impl.endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", 8000, timeout=5,
                                                 bindAddress=("127.0.0.1", 0))
    d = endpoint.connect(impl.protocol.Factory())
    host, port, factory, timeout, bindAddress = reactor.tcpClients[0]
    assert (host, port, timeout, bindAddress) == ("127.0.0.1", 8000, 5, ("127.0.0.1", 0))
    assert outcome(d) == ("pending", None)


def test_clientEndpointDefaults(impl):
    """The client endpoints default to a 30 second timeout and no bind address."""
    reactor = FakeReactor()
    impl.endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", 1).connect(impl.protocol.Factory())
    impl.endpoints.TCP6ClientEndpoint(reactor, "::1", 2).connect(impl.protocol.Factory())
    assert [client[3:] for client in reactor.tcpClients] == [(30, None), (30, None)]
    assert reactor.tcpClients[1][:2] == ("::1", 2)


def test_connectFiresWithTheProtocolOnceConnected(impl):
    """The Deferred fires with the factory's protocol after it got ``makeConnection``."""
    reactor, d, wrappingFactory = _connect(impl)
    wrapper = wrappingFactory.buildProtocol(("127.0.0.1", 8000))
    assert outcome(d) == ("pending", None)
    wrapper.makeConnection("the transport")
    kind, proto = outcome(d)
    assert kind == "ok" and isinstance(proto, Recorder)
    assert proto.calls == [("makeConnection", "the transport")]


def test_wrapperPassesEventsThrough(impl):
    """Data and the end of the connection reach the caller's protocol unchanged."""
    reactor, d, wrappingFactory = _connect(impl)
    wrapper = wrappingFactory.buildProtocol(None)
    wrapper.makeConnection("t")
    wrapper.dataReceived(b"hello")
    wrapper.connectionLost("reason")
    proto = outcome(d)[1]
    assert proto.calls[1:] == [("dataReceived", b"hello"), ("connectionLost", "reason")]


def test_wrapperIsHalfCloseableOnlyIfTheProtocolIs(impl):
    """The wrapper provides ``IHalfCloseableProtocol`` exactly when the wrapped protocol does."""
    HalfCloseable = implementer(impl.interfaces.IHalfCloseableProtocol)(
        type("HalfCloseable", (Recorder,), {}))
    for build, expected in [(Recorder, False), (HalfCloseable, True)]:
        reactor = FakeReactor()
        endpoint = impl.endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", 1)
        d = endpoint.connect(_factory(impl, build))
        wrapper = reactor.tcpClients[0][2].buildProtocol(None)
        assert impl.interfaces.IHalfCloseableProtocol.providedBy(wrapper) is expected
        if expected:
            wrapper.makeConnection("t")
            wrapper.readConnectionLost()
            assert outcome(d)[1].calls[-1] == ("readConnectionLost",)


def test_wrapperLogsUnderTheProtocolsName(impl):
    """The wrapper's ``logPrefix`` is the wrapped protocol's (or its class name)."""

    class Chat(impl.protocol.Protocol):
        def logPrefix(self):
            return "chat"

    for build, expected in [(Chat, "chat"), (Recorder, "Recorder")]:
        reactor = FakeReactor()
        impl.endpoints.TCP4ClientEndpoint(reactor, "h", 1).connect(_factory(impl, build))
        assert reactor.tcpClients[0][2].buildProtocol(None).logPrefix() == expected


def test_wrappingFactoryPassesStartAndStopThrough(impl):
    """``doStart`` and ``doStop`` on the wrapping factory reach the caller's factory."""
    reactor = FakeReactor()
    factory = impl.protocol.Factory()
    factory.noisy = False
    impl.endpoints.TCP4ClientEndpoint(reactor, "h", 1).connect(factory)
    wrappingFactory = reactor.tcpClients[0][2]
    wrappingFactory.doStart()
    assert factory.numPorts == 1
    wrappingFactory.doStop()
    assert factory.numPorts == 0


def test_connectFailureFailsTheDeferred(impl):
    """A failed connect fails the Deferred with the reason the factory was given."""
    reactor, d, wrappingFactory = _connect(impl)
    reason = impl.Failure(impl.error.ConnectionRefusedError())
    wrappingFactory.clientConnectionFailed(reactor.connectors[0], reason)
    kind, result = outcome(d)
    assert kind == "fail" and result.check(impl.error.ConnectionRefusedError)


def test_factoryReturningNoneGivesNoProtocol(impl):
    """A ``buildProtocol`` that returns None fails the Deferred with ``NoProtocol``."""
    reactor = FakeReactor()
    d = impl.endpoints.TCP4ClientEndpoint(reactor, "h", 1).connect(_factory(impl, lambda: None))
    assert reactor.tcpClients[0][2].buildProtocol(None) is None
    kind, result = outcome(d)
    assert kind == "fail" and result.check(impl.error.NoProtocol)


def test_factoryRaisingFailsTheDeferred(impl):
    """A ``buildProtocol`` that raises fails the Deferred with that exception."""
    reactor = FakeReactor()
    d = impl.endpoints.TCP4ClientEndpoint(reactor, "h", 1).connect(
        _factory(impl, lambda: 1 / 0))
    assert reactor.tcpClients[0][2].buildProtocol(None) is None
    kind, result = outcome(d)
    assert kind == "fail" and result.check(ZeroDivisionError)


def test_cancelStopsConnecting(impl):
    """Cancelling stops the connector and fails with ``ConnectingCancelledError(destination)``."""
    reactor, d, wrappingFactory = _connect(impl)
    d.cancel()
    kind, result = outcome(d)
    assert kind == "fail" and result.check(impl.error.ConnectingCancelledError)
    assert result.value.address == ("127.0.0.1", 8000)
    assert reactor.connectors[0].stopped
    wrappingFactory.clientConnectionFailed(reactor.connectors[0], result)  # ignored now


def test_connectTCPRaisingFailsTheDeferred(impl):
    """A ``connectTCP`` that raises fails the Deferred instead of raising."""
    reactor = FakeReactor(fail=ValueError("bad host"))
    d = impl.endpoints.TCP4ClientEndpoint(reactor, "h", 1).connect(impl.protocol.Factory())
    kind, result = outcome(d)
    assert kind == "fail" and result.check(ValueError)


def test_connectProtocolConnectsTheGivenInstance(impl):
    """``connectProtocol`` fires with the very protocol instance it was given."""
    reactor = FakeReactor()
    proto = Recorder()
    d = impl.endpoints.connectProtocol(
        impl.endpoints.TCP4ClientEndpoint(reactor, "h", 1), proto)
    reactor.tcpClients[0][2].buildProtocol(None).makeConnection("t")
    assert outcome(d) == ("ok", proto)


def test_tcp6ClientLooksUpAHostNameInAThread(impl, monkeypatch):
    """A host name is looked up (AF_INET6) in a thread, and its first address is connected to."""
    lookups = []

    def getaddrinfo(host, port, family):
        lookups.append((host, port, family))
        return [(family, socket.SOCK_STREAM, 0, "", ("::1", 0, 0, 0))]

    endpointClass = impl.endpoints.TCP6ClientEndpoint
    monkeypatch.setattr(endpointClass, "_getaddrinfo", staticmethod(getaddrinfo))
    monkeypatch.setattr(endpointClass, "_deferToThread",
                        staticmethod(lambda f, *a: impl.defer.succeed(f(*a))))
    reactor = FakeReactor()
    endpointClass(reactor, "localhost", 80).connect(impl.protocol.Factory())
    assert lookups == [("localhost", 0, socket.AF_INET6)]
    assert reactor.tcpClients[0][:2] == ("::1", 80)


# --- Description strings ----------------------------------------------------------------

SERVER_DESCRIPTIONS = [
    "tcp:8080",
    "tcp:8080:interface=127.0.0.1",
    "tcp:port=0:backlog=10",
    "tcp:80:backlog=5:interface=0.0.0.0",
    "tcp:interface=127.0.0.1:8000",
    "tcp6:8080",
    "tcp6:port=8080:interface=\\:\\:1",
    "TCP6:80",
    "tcp:80:interface=\\:\\:1",
]

BAD_SERVER_DESCRIPTIONS = [
    "", "foo:80", "TCP:80", "tcp", "tcp:80:foo=1", "tcp:http", "tcp:80:interface=::1",
    "tcp:port=80=1", "tcp::80", "tcp:80:backlog=x", "tcp6",
]

CLIENT_DESCRIPTIONS = [
    "tcp:host=127.0.0.1:port=80:timeout=5",
    "tcp:127.0.0.1:80",
    "tcp:host=127.0.0.1:80",
    "tcp:127.0.0.1:port=80",
    "TCP:example.com:443:bindAddress=10.0.0.1",
    "Tcp:host=localhost:port=8000",
    "tcp:host=\\:\\:1:port=80",
]

BAD_CLIENT_DESCRIPTIONS = [
    "", "foo:h:1", "tcp6:host=::1:port=80", "tcp:127.0.0.1", "tcp:h:80:timeout=1.5",
    "tcp:h:80:foo=1", "tcp:h:x",
]


def _serverFields(endpoint):
    return (type(endpoint).__name__, endpoint._port, endpoint._backlog, endpoint._interface)


def _clientFields(endpoint):
    return (type(endpoint).__name__, endpoint._host, endpoint._port, endpoint._timeout,
            endpoint._bindAddress)


def _parseBoth(parse, fields, description):
    """Parse with both libraries; return each one's endpoint fields or exception type."""
    results = []
    for name in ["minitwisted", "twisted"]:
        try:
            results.append(fields(getattr(_namespace(name).endpoints, parse)(None, description)))
        except Exception as e:
            results.append(type(e))
    return results


@pytest.mark.parametrize("description", SERVER_DESCRIPTIONS)
def test_serverFromStringBuildsTwistedsEndpoint(description):
    """The description gives an endpoint of the same class and settings as Twisted's."""
    ours, theirs = _parseBoth("serverFromString", _serverFields, description)
    assert ours == theirs
    assert isinstance(ours, tuple)


@pytest.mark.parametrize("description", BAD_SERVER_DESCRIPTIONS)
def test_badServerDescriptionRaisesTwistedsError(description):
    """A bad server description raises the same exception type as in Twisted."""
    ours, theirs = _parseBoth("serverFromString", _serverFields, description)
    assert ours == theirs
    assert isinstance(ours, type)


@pytest.mark.parametrize("description", CLIENT_DESCRIPTIONS)
def test_clientFromStringBuildsTwistedsEndpoint(description):
    """The description gives a client endpoint with the same settings as Twisted's."""
    ours, theirs = _parseBoth("clientFromString", _clientFields, description)
    assert ours == theirs
    assert isinstance(ours, tuple)


@pytest.mark.parametrize("description", BAD_CLIENT_DESCRIPTIONS)
def test_badClientDescriptionRaisesTwistedsError(description):
    """A bad client description raises the same exception type as in Twisted."""
    ours, theirs = _parseBoth("clientFromString", _clientFields, description)
    assert ours == theirs
    assert isinstance(ours, type)


def test_unknownTypeMessageNamesTheType(impl):
    """An unknown endpoint type raises ``ValueError("Unknown endpoint type: 'foo'")``."""
    with pytest.raises(ValueError, match="^Unknown endpoint type: 'foo'$"):
        impl.endpoints.serverFromString(None, "foo:80")
    with pytest.raises(ValueError, match="^Unknown endpoint type: 'foo'$"):
        impl.endpoints.clientFromString(None, "FOO:h:80")


def test_parseSplitsPositionalAndNamedParameters():
    """``_parse`` splits on ':' and '='; after '=' only ':' ends the value; '\\' escapes."""
    assert mendpoints._parse("tcp:80:interface=127.0.0.1") == \
        (["tcp", "80"], {"interface": "127.0.0.1"})
    assert mendpoints._parse("a:b=c=d:e\\:f") == (["a", "e:f"], {"b": "c=d"})
    from twisted.internet import endpoints
    for description in ["a:b=c=d:e\\:f", "x", "", "a::b", "k=v", "\\==\\="]:
        assert mendpoints._parse(description) == endpoints._parse(description)


def test_otherEndpointTypesAreUnknown():
    """Differs from Twisted: 'unix', 'ssl', 'systemd' and other types raise ``ValueError`` here."""
    from twisted.internet import endpoints
    from twisted.internet.testing import MemoryReactor

    assert endpoints.serverFromString(MemoryReactor(), "unix:/tmp/sock")
    for description in ["unix:/tmp/sock", "systemd:domain=INET:index=0", "ssl:443"]:
        with pytest.raises(ValueError, match="Unknown endpoint type"):
            mendpoints.serverFromString(None, description)
    with pytest.raises(ValueError, match="Unknown endpoint type: 'unix'"):
        mendpoints.clientFromString(None, "unix:/tmp/sock")


def test_leftOutEndpointsAreAbsent():
    """Differs from Twisted: UNIX, SSL, process, stdio and hostname endpoints are left out."""
    from twisted.internet import endpoints

    for name in ["UNIXServerEndpoint", "UNIXClientEndpoint", "SSL4ServerEndpoint",
                 "SSL4ClientEndpoint", "ProcessEndpoint", "StandardIOEndpoint",
                 "HostnameEndpoint", "wrapClientTLS", "quoteStringArgument"]:
        assert hasattr(endpoints, name)
        assert not hasattr(mendpoints, name)


def test_trailingBackslashIsAValueError():
    """Differs from Twisted: a trailing lone backslash raises ``ValueError``, not RuntimeError."""
    from twisted.internet import endpoints

    with pytest.raises(ValueError, match="backslash"):
        mendpoints.serverFromString(None, "tcp:80\\")
    with pytest.raises(RuntimeError):
        endpoints.serverFromString(None, "tcp:80\\")


def test_bytesDescriptionsAreRefused(impl):
    """Both libraries refuse a ``bytes`` description (Twisted finds no parser for b'tcp')."""
    for parse in [impl.endpoints.serverFromString, impl.endpoints.clientFromString]:
        with pytest.raises((TypeError, ValueError)):
            parse(None, b"tcp:127.0.0.1:80")


# --- With other minitwisted parts, once they exist ------------------------------------------


def _optional(module):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        pytest.skip(f"{module} is not written yet")


def test_memoryReactorRecordsAnEndpointConnect():
    """``minitwisted.internet.testing.MemoryReactor`` records what a client endpoint asked for."""
    testing = _optional("minitwisted.internet.testing")
    reactor = testing.MemoryReactor()
    mendpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", 8000).connect(mprotocol.Factory())
    mendpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(mprotocol.Factory())
    assert reactor.tcpClients[0][:2] == ("127.0.0.1", 8000)
    assert reactor.tcpServers[0][0] == 0


def _reactorClass(selectreactor):
    """The select reactor class of either framework (both call it ``SelectReactor``)."""
    return selectreactor.SelectReactor


def test_realLoopbackRoundTrip(impl):
    """A server endpoint and a client endpoint on 127.0.0.1 exchange a line and close."""
    if impl.name == "minitwisted":
        selectreactor = _optional("minitwisted.internet.selectreactor")
    else:
        from twisted.internet import selectreactor
    reactor = _reactorClass(selectreactor)()
    received = []

    class Echo(impl.protocol.Protocol):
        def dataReceived(self, data):
            self.transport.write(data)

    class Client(impl.protocol.Protocol):
        def connectionMade(self):
            self.transport.write(b"hello\r\n")

        def dataReceived(self, data):
            received.append(data)
            if b"".join(received) == b"hello\r\n":
                self.transport.loseConnection()

        def connectionLost(self, reason):
            reactor.stop()

    server = impl.endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1")
    ports = []

    def connect(port):
        ports.append(port)
        client = impl.endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port.getHost().port)
        return impl.endpoints.connectProtocol(client, Client())

    server.listen(impl.protocol.Factory.forProtocol(Echo)).addCallback(connect)
    reactor.callLater(10, reactor.stop)  # a safety net if the exchange hangs; not asserted
    reactor.run(installSignalHandlers=False)
    ports[0].stopListening()
    assert b"".join(received) == b"hello\r\n"
