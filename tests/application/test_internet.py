"""Tests for minitwisted.application.internet, side by side with twisted.application.internet.

Server and client services run on real loopback sockets with each framework's global
reactor (the ``net`` fixture of ``tests/conftest.py``); the argument passing is checked
on each framework's ``MemoryReactor``; ``TimerService`` runs on a ``task.Clock``.
"""

import importlib

import pytest


def modules(name):
    """The application.internet, internet.testing and endpoints modules of framework ``name``."""
    return [importlib.import_module(f"{name}.{path}") for path in
            ("application.internet", "internet.testing", "internet.endpoints")]


@pytest.fixture
def internet(net):
    """The application.internet module of the framework ``net`` runs."""
    return modules(net.name)[0]


@pytest.fixture(params=["minitwisted", "twisted"])
def offline(request):
    """A framework's application.internet, testing and task modules, for tests without sockets."""
    internet, testing, _ = modules(request.param)
    task = importlib.import_module(f"{request.param}.internet.task")
    log = importlib.import_module(f"{request.param}.python.log")
    return internet, testing, task, log


def greetingFactory(net):
    """A server factory whose protocol writes b'hello' and hangs up."""

    class Greeter(net.protocol.Protocol):
        def connectionMade(self):
            self.transport.write(b"hello")
            self.transport.loseConnection()

    return net.protocol.Factory.forProtocol(Greeter)


def readAll(net, port):
    """Connect to 127.0.0.1:``port``; return a Deferred firing with everything received."""
    done = net.defer.Deferred()

    class Reader(net.protocol.Protocol):
        def connectionMade(self):
            self.received = b""

        def dataReceived(self, data):
            self.received += data

        def connectionLost(self, reason):
            done.callback(self.received)

    net.reactor.connectTCP("127.0.0.1", port, net.protocol.ClientFactory.forProtocol(Reader))
    return done


def stopped(net, result):
    """Spin until ``result`` (a Deferred or a plain value from stopService) has fired."""
    if isinstance(result, net.defer.Deferred):
        return net.spin(result)
    return result


# --- TCPServer ------------------------------------------------------------------------


def test_tcpServerServesWhileRunning(net, internet):
    """A started TCPServer accepts connections on the global reactor."""
    server = internet.TCPServer(0, greetingFactory(net), interface="127.0.0.1")
    server.startService()
    port = server._port.getHost().port
    assert net.spin(readAll(net, port)) == b"hello"
    stopped(net, server.stopService())
    assert server.running == 0


def test_tcpServerListensInPrivilegedStart(net, internet):
    """privilegedStartService already listens; startService then keeps that port."""
    server = internet.TCPServer(0, greetingFactory(net), interface="127.0.0.1")
    server.privilegedStartService()
    port = server._port
    assert port is not None and server.running == 0
    server.startService()
    assert server._port is port
    stopped(net, server.stopService())


def test_tcpServerStopReturnsStopListeningDeferred(net, internet):
    """stopService returns the port's stopListening Deferred, and the port is closed after it."""
    server = internet.TCPServer(0, greetingFactory(net), interface="127.0.0.1")
    server.startService()
    port = server._port.getHost().port
    result = server.stopService()
    assert isinstance(result, net.defer.Deferred)
    net.spin(result)
    assert server._port is None
    with pytest.raises(net.error.ConnectionRefusedError):
        net.spin(net.protocol.ClientCreator(net.reactor, net.protocol.Protocol)
                 .connectTCP("127.0.0.1", port))


def test_stopBeforeStartReturnsNone(offline):
    """Stopping a server service that never listened returns None."""
    internet = offline[0]
    assert internet.TCPServer(0, None).stopService() is None


def test_serverPassesItsArgumentsToTheReactor(offline):
    """TCPServer calls listenTCP of its reactor= with its own arguments."""
    internet, testing = offline[:2]
    reactor = testing.MemoryReactor()
    factory = object()
    internet.TCPServer(8080, factory, 10, interface="::1", reactor=reactor).startService()
    assert reactor.tcpServers == [(8080, factory, 10, "::1")]


def test_udpServerPassesItsArgumentsToTheReactor(offline):
    """UDPServer calls listenUDP with exactly the arguments it was given."""
    internet = offline[0]
    calls = []

    class Recorder:
        def listenUDP(self, *args, **kwargs):
            calls.append((args, kwargs))

    protocol = object()
    internet.UDPServer(5353, protocol, maxPacketSize=512, reactor=Recorder()).startService()
    assert calls == [((5353, protocol), {"maxPacketSize": 512})]


def test_reactorIsLookedUpAtStart(offline):
    """A reactor attribute set after construction is the one used."""
    internet, testing = offline[:2]
    server = internet.TCPServer(80, None)
    assert server.reactor is None
    server.reactor = testing.MemoryReactor()
    server.startService()
    assert server.reactor.tcpServers[0][0] == 80


# --- TCPClient ------------------------------------------------------------------------


def test_tcpClientConnectsWhenStarted(net, internet):
    """A started TCPClient connects through its factory to a TCPServer."""
    server = internet.TCPServer(0, greetingFactory(net), interface="127.0.0.1")
    server.startService()
    done = net.defer.Deferred()

    class Reader(net.protocol.Protocol):
        def dataReceived(self, data):
            done.callback(data)

    client = internet.TCPClient("127.0.0.1", server._port.getHost().port,
                                net.protocol.ClientFactory.forProtocol(Reader))
    client.startService()
    assert net.spin(done) == b"hello"
    client.stopService()
    stopped(net, server.stopService())


def test_tcpClientPassesArgumentsAndDisconnectsOnStop(offline):
    """TCPClient calls connectTCP with its arguments and disconnects its connector on stop."""
    internet, testing = offline[:2]
    reactor = testing.MemoryReactor()
    factory = __import__(internet.__name__.split(".")[0] + ".internet.protocol",
                         fromlist=["ClientFactory"]).ClientFactory()
    client = internet.TCPClient("example.com", 79, factory, timeout=5, reactor=reactor)
    client.startService()
    assert reactor.tcpClients == [("example.com", 79, factory, 5, None)]
    connector = reactor.connectors[0]
    assert client.stopService() is None
    assert connector._disconnected


# --- UDPServer ------------------------------------------------------------------------


def test_udpServerReceivesDatagrams(net, internet):
    """A started UDPServer hands datagrams to its protocol until stopped."""
    received = net.defer.Deferred()

    class Catcher(net.protocol.DatagramProtocol):
        def datagramReceived(self, data, addr):
            received.callback(data)

    server = internet.UDPServer(0, Catcher(), interface="127.0.0.1")
    server.startService()
    target = ("127.0.0.1", server._port.getHost().port)
    sender = net.reactor.listenUDP(0, net.protocol.DatagramProtocol(), interface="127.0.0.1")
    sender.write(b"ping", target)
    assert net.spin(received) == b"ping"
    stopped(net, sender.stopListening())
    stopped(net, server.stopService())
    assert server._port is None


# --- TimerService ---------------------------------------------------------------------


def test_timerCallsAtOnceThenEveryStep(offline):
    """TimerService calls at start, then once per step of its clock."""
    internet, _, task, _ = offline
    calls = []
    timer = internet.TimerService(5, calls.append, "tick")
    timer.clock = task.Clock()
    timer.startService()
    assert calls == ["tick"]
    timer.clock.advance(5)
    timer.clock.advance(5)
    assert calls == ["tick"] * 3
    assert timer.running == 1


def test_timerStopFiresWhenIdle(offline):
    """stopService stops the calls and returns a fired Deferred; running is then 0."""
    internet, _, task, _ = offline
    calls = []
    timer = internet.TimerService(1, calls.append, 1)
    timer.clock = task.Clock()
    timer.startService()
    fired = []
    timer.stopService().addCallback(fired.append)
    timer.clock.advance(10)
    assert len(fired) == 1 and calls == [1]
    assert timer.running == 0


def test_timerStopWaitsForACallInProgress(offline):
    """If the callable's Deferred is pending, the stop Deferred fires after it does."""
    internet, _, task, _ = offline
    pending = __import__(internet.__name__.split(".")[0] + ".internet.defer",
                         fromlist=["Deferred"]).Deferred()
    timer = internet.TimerService(1, lambda: pending)
    timer.clock = task.Clock()
    timer.startService()
    fired = []
    timer.stopService().addCallback(fired.append)
    assert fired == [] and timer.running == 1
    pending.callback(None)
    assert len(fired) == 1 and timer.running == 0


def test_timerFailureIsLoggedAndEndsTheLoop(offline):
    """A failing callable is logged once, and stopService still works afterwards."""
    internet, _, task, log = offline
    events = []
    log.addObserver(events.append)
    try:
        timer = internet.TimerService(1, lambda: 1 / 0)
        timer.clock = task.Clock()
        timer.startService()
        timer.clock.advance(3)
    finally:
        log.removeObserver(events.append)
    errors = [e for e in events if e.get("isError")]
    assert len(errors) == 1
    assert errors[0]["failure"].check(ZeroDivisionError)
    fired = []
    timer.stopService().addCallback(fired.append)
    assert len(fired) == 1


# --- StreamServerEndpointService ------------------------------------------------------


def test_endpointServiceListensWhileRunning(net, internet):
    """StreamServerEndpointService listens on its endpoint and stops listening on stop."""
    endpoints = modules(net.name)[2]
    endpoint = endpoints.TCP4ServerEndpoint(net.reactor, 0, interface="127.0.0.1")
    svc = internet.StreamServerEndpointService(endpoint, greetingFactory(net))
    svc.startService()
    port = net.spin(svc._waitingForPort)
    assert net.spin(readAll(net, port.getHost().port)) == b"hello"
    result = svc.stopService()
    net.spin(result)
    assert svc.running is False


def test_endpointServiceLogsLaterListenFailures(net, internet, logged):
    """Without _raiseSynchronously, a listen failure is logged, not raised."""
    endpoints = modules(net.name)[2]
    taken = net.reactor.listenTCP(0, greetingFactory(net), interface="127.0.0.1")
    endpoint = endpoints.TCP4ServerEndpoint(net.reactor, taken.getHost().port,
                                            interface="127.0.0.1")
    svc = internet.StreamServerEndpointService(endpoint, greetingFactory(net))
    svc.startService()
    errors = [e for e in logged if e.get("isError")]
    assert len(errors) == 1
    assert errors[0]["failure"].check(net.error.CannotListenError)
    stopped(net, taken.stopListening())


# --- Differences ----------------------------------------------------------------------


def test_onlyTcpUdpTimerAndEndpointServices():
    """minitwisted has no UNIX, SSL or Client services, which Twisted has (a pinned difference)."""
    from twisted.application import internet as tinternet

    from minitwisted.application import internet as minternet
    for name in ("UNIXServer", "SSLServer", "MulticastServer", "CooperatorService",
                 "ClientService"):
        assert hasattr(tinternet, name)
        assert not hasattr(minternet, name)


def test_servicesAreNotPicklable():
    """Twisted services list volatile attributes for pickling; ours do not (a pinned difference)."""
    from twisted.application import internet as tinternet

    from minitwisted.application import internet as minternet
    assert tinternet.TCPServer.volatile == ["_port"]
    assert not hasattr(minternet.TCPServer, "volatile")
