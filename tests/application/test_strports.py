"""Tests for minitwisted.application.strports, side by side with twisted.application.strports.

Services are built from endpoint descriptions and run on real loopback sockets with each
framework's global reactor (the ``net`` fixture), or on a ``MemoryReactor``.
"""

import importlib

import pytest

from minitwisted.application import strports as mstrports


@pytest.fixture
def strports(net):
    """The strports module of the framework ``net`` runs."""
    return importlib.import_module(f"{net.name}.application.strports")


@pytest.fixture(params=["minitwisted", "twisted"])
def offline(request):
    """A framework's strports and internet.testing modules, for tests without sockets."""
    return (importlib.import_module(f"{request.param}.application.strports"),
            importlib.import_module(f"{request.param}.internet.testing"))


def echoFactory(net):
    """A factory of protocols that send back what they receive."""

    class Echo(net.protocol.Protocol):
        def dataReceived(self, data):
            self.transport.write(data)

    return net.protocol.Factory.forProtocol(Echo)


def test_serviceFromDescriptionServes(net, strports):
    """service('tcp:0:interface=127.0.0.1', f) listens on loopback while running."""
    svc = strports.service("tcp:0:interface=127.0.0.1", echoFactory(net))
    assert svc.running == 0
    svc.startService()
    port = net.spin(svc._waitingForPort)
    assert port.getHost().host == "127.0.0.1"
    answer = net.defer.Deferred()

    class Client(net.protocol.Protocol):
        def connectionMade(self):
            self.transport.write(b"echo?")

        def dataReceived(self, data):
            answer.callback(data)
            self.transport.loseConnection()

    net.reactor.connectTCP("127.0.0.1", port.getHost().port,
                           net.protocol.ClientFactory.forProtocol(Client))
    assert net.spin(answer) == b"echo?"
    net.spin(svc.stopService())
    assert svc.running is False


def test_serviceUsesTheGivenReactor(offline):
    """With reactor=, the endpoint listens on that reactor with the parsed arguments."""
    strports, testing = offline
    reactor = testing.MemoryReactor()
    factory = object()
    svc = strports.service("tcp:8080:interface=127.0.0.1:backlog=7", factory, reactor=reactor)
    svc.privilegedStartService()
    assert reactor.tcpServers == [(8080, factory, 7, "127.0.0.1")]


def test_listenFailureRaisesFromStart(net, strports):
    """A port already in use makes startService raise CannotListenError at once."""
    taken = net.reactor.listenTCP(0, echoFactory(net), interface="127.0.0.1")
    svc = strports.service(f"tcp:{taken.getHost().port}:interface=127.0.0.1", echoFactory(net))
    with pytest.raises(net.error.CannotListenError):
        svc.startService()
    result = taken.stopListening()
    if isinstance(result, net.defer.Deferred):
        net.spin(result)


def test_unknownEndpointTypeRaisesAtOnce(offline):
    """A description naming no known endpoint type raises ValueError when parsed."""
    strports, testing = offline
    with pytest.raises(ValueError):
        strports.service("carrier-pigeon:1", object(), reactor=testing.MemoryReactor())


def test_noListenHelper():
    """Twisted has strports.listen; minitwisted does not (a pinned difference)."""
    from twisted.application import strports
    assert hasattr(strports, "listen")
    assert not hasattr(mstrports, "listen")
