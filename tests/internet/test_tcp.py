"""Tests for minitwisted.internet.tcp over real loopback sockets, side by side with Twisted.

Most tests take the ``net`` fixture (``conftest.py``) and run the same scenario on
minitwisted's reactor and then on Twisted 26.10's, on 127.0.0.1.  ``kit(net)`` builds
the protocols and factories of the scenarios on that framework's base classes, and
``connectedPair`` sets up one connection and returns both ends.  Tests that pin a
deliberate difference from Twisted say so in their docstring and run on both to show it.
The reactor's own loop (``selectreactor.py``) is exercised here through the transports;
``test_abstract.py`` covers the write buffer without sockets.
"""

import errno
import gc
import os
import resource
import socket
import struct
import types

import pytest
from zope.interface import implementer

from tests.conftest import messages


# --- Protocols and factories, built on either framework -----------------------------------


def kit(net):
    """The scenario's protocols, factories and producers, made from ``net``'s classes."""
    defer = net.defer
    protocol = net.protocol
    interfaces = net.interfaces

    class Recorder(protocol.Protocol):
        """Keeps what it receives and why it was closed; ``made``/``lost`` fire on those events."""

        def __init__(self):
            self.received = bytearray()
            self.made = defer.Deferred()
            self.lost = defer.Deferred()
            self.reason = None
            self._wanted = []  # (byte count, Deferred) pairs from receivedAtLeast

        def connectionMade(self):
            self.made.callback(self)
            queue = getattr(getattr(self, "factory", None), "made", None)
            if queue is not None:
                queue.put(self)

        def dataReceived(self, data):
            self.received += data
            for wanted in list(self._wanted):
                if len(self.received) >= wanted[0]:
                    self._wanted.remove(wanted)
                    wanted[1].callback(bytes(self.received))

        def connectionLost(self, reason):
            self.reason = reason
            self.lost.callback(self)

        def receivedAtLeast(self, count):
            """A Deferred that fires with what was received once ``count`` bytes are in."""
            d = defer.Deferred()
            if len(self.received) >= count:
                d.callback(bytes(self.received))
            else:
                self._wanted.append((count, d))
            return d

    class Echo(Recorder):
        """Sends back everything it receives."""

        def dataReceived(self, data):
            Recorder.dataReceived(self, data)
            self.transport.write(data)

    class Cl(Recorder):
        """A client-side recorder (its class name shows in the client's log prefix)."""

    class Server(protocol.Factory):
        """Builds ``protocolClass``; ``made`` queues each protocol when its connection is made."""

        def __init__(self, protocolClass=Recorder):
            self.protocol = protocolClass
            self.made = defer.DeferredQueue()

    class Client(protocol.ClientFactory):
        """Records every factory event in ``events``; ``failed``/``lost`` fire with the reason."""

        def __init__(self, protocolClass=Cl):
            self.protocol = protocolClass
            self.made = defer.DeferredQueue()
            self.events = []
            self.failed = defer.Deferred()
            self.lost = defer.Deferred()

        def startFactory(self):
            self.events.append("startFactory")

        def stopFactory(self):
            self.events.append("stopFactory")

        def startedConnecting(self, connector):
            self.events.append("startedConnecting")

        def buildProtocol(self, addr):
            self.events.append("buildProtocol")
            return protocol.ClientFactory.buildProtocol(self, addr)

        def clientConnectionFailed(self, connector, reason):
            self.events.append("clientConnectionFailed")
            self.failed.callback([reason])  # in a list: a Failure result would errback

        def clientConnectionLost(self, connector, reason):
            self.events.append("clientConnectionLost")
            self.lost.callback([reason])

    @implementer(interfaces.IPushProducer)
    class Streamer:
        """Writes ``total`` bytes in ``chunk``-sized pieces while not paused, then closes.

        ``pauses`` lists, for each pause, how many bytes were written since the
        producer last resumed (the transport resumes it when its buffer is empty).
        """

        def __init__(self, transport, total, chunk=16384):
            self.transport, self.total, self.chunk = transport, total, chunk
            self.written = 0
            self.paused = self.stopped = False
            self.pauses = []
            self.resumes = 0
            self._sinceResume = 0
            self.stoppedProducing = defer.Deferred()

        def start(self):
            self.transport.registerProducer(self, True)
            self.resumeProducing()

        def resumeProducing(self):
            self.resumes += 1
            self.paused = False
            self._sinceResume = 0
            piece = b"x" * self.chunk
            while not (self.paused or self.stopped) and self.written < self.total:
                self.written += self.chunk
                self._sinceResume += self.chunk
                self.transport.write(piece)
            if self.written >= self.total and not self.stopped:
                self.stopped = True
                self.transport.unregisterProducer()
                self.transport.loseConnection()

        def pauseProducing(self):
            if not self.paused:  # Twisted asks again on every write while full
                self.pauses.append(self._sinceResume)
            self.paused = True

        def stopProducing(self):
            self.stopped = True
            self.stoppedProducing.callback(None)

    @implementer(interfaces.IPullProducer)
    class Puller:
        """Writes a chunk each time it is asked; after ``count`` chunks, unregisters and closes."""

        def __init__(self, transport, count, chunk=100_000):
            self.transport, self.count, self.chunk = transport, count, chunk
            self.resumes = 0

        def resumeProducing(self):
            self.resumes += 1
            self.transport.write(b"p" * self.chunk)
            if self.resumes == self.count:
                self.transport.unregisterProducer()
                self.transport.loseConnection()

        def stopProducing(self):
            pass

    return types.SimpleNamespace(
        net=net, Recorder=Recorder, Echo=Echo, Cl=Cl, Server=Server, Client=Client,
        Streamer=Streamer, Puller=Puller)


def listen(k, protocolClass=None, **kwargs):
    """Listen on a free port of 127.0.0.1; return (port, its number, its factory)."""
    factory = k.Server(protocolClass or k.Recorder)
    port = k.net.reactor.listenTCP(0, factory, interface="127.0.0.1", **kwargs)
    return port, port.getHost().port, factory


def connectedPair(k, serverClass=None, clientClass=None):
    """One connection over loopback: its two protocols, the port and the connector."""
    port, number, serverFactory = listen(k, serverClass)
    clientFactory = k.Client(clientClass or k.Cl)
    connector = k.net.reactor.connectTCP("127.0.0.1", number, clientFactory)
    server, client = k.net.spin(k.net.defer.gatherResults(
        [serverFactory.made.get(), clientFactory.made.get()]))
    return types.SimpleNamespace(
        server=server, client=client, port=port, number=number,
        clientFactory=clientFactory, connector=connector)


def bothLost(k, *protocols):
    """Run the reactor until every protocol given has lost its connection."""
    k.net.spin(k.net.defer.gatherResults([p.lost for p in protocols]))


def wait(net, seconds):
    """A Deferred that fires after ``seconds`` of reactor time (lets a few passes run)."""
    return net.task.deferLater(net.reactor, seconds, lambda: None)


def closedPortNumber():
    """A port number of 127.0.0.1 where nothing listens (bound, then released)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    number = probe.getsockname()[1]
    probe.close()
    return number



# --- Listening -----------------------------------------------------------------------------


def test_listenOnPortZeroPicksAFreePort(net):
    """listenTCP(0) binds a free port, and getHost gives its IPv4Address of type 'TCP'."""
    port, number, _ = listen(kit(net))
    host = port.getHost()
    assert type(host).__name__ == "IPv4Address"
    assert (host.type, host.host) == ("TCP", "127.0.0.1")
    assert number > 0


def test_listenOnABusyPortRaisesCannotListenError(net):
    """A port that is already listening cannot be listened on again: CannotListenError."""
    k = kit(net)
    _, number, _ = listen(k)
    with pytest.raises(net.error.CannotListenError) as info:
        net.reactor.listenTCP(number, k.Server(), interface="127.0.0.1")
    assert str(info.value) == (
        f"Couldn't listen on 127.0.0.1:{number}: [Errno 98] Address already in use.")
    assert info.value.socketError.errno == errno.EADDRINUSE


def test_listeningLogsFactoryStartingOnPort(net, logged):
    """Listening logs '<factory class> starting on <port>'."""
    _, number, _ = listen(kit(net))
    assert f"Server starting on {number}" in messages(net, logged)


def test_stopListeningFiresADeferredAndLogsPortClosed(net, logged):
    """stopListening returns a Deferred that fires once closed, logging '(TCP Port N Closed)'."""
    k = kit(net)
    port, number, _ = listen(k)
    assert net.spin(port.stopListening()) is None
    assert f"(TCP Port {number} Closed)" in messages(net, logged)
    client = k.Client()
    net.reactor.connectTCP("127.0.0.1", number, client)
    [reason] = net.spin(client.failed)
    assert reason.check(net.error.ConnectionRefusedError)


def test_stopListeningTwiceFiresTheFirstDeferred(net):
    """A second stopListening before the close does not keep the first Deferred from firing."""
    k = kit(net)
    port, _, _ = listen(k)
    first = port.stopListening()
    second = port.stopListening()
    if second is not None:
        second.addErrback(lambda failure: None)  # Twisted's second one fails: no socket left
    assert net.spin(first, timeout=1) is None


# --- Writing and reading -------------------------------------------------------------------


def test_echoRoundTrip(net):
    """Bytes written by the client come back from an echo server."""
    k = kit(net)
    pair = connectedPair(k, k.Echo)
    pair.client.transport.write(b"hello, ")
    pair.client.transport.write(b"world")
    assert net.spin(pair.client.receivedAtLeast(12)) == b"hello, world"
    assert pair.server.received == b"hello, world"


def test_oneReadTakesUpTo256KiB():
    """Differs from Twisted: a read takes up to 256 KiB, where Twisted's takes its 64 KiB bufferSize."""
    from twisted.internet import tcp as ttcp

    from minitwisted.internet import tcp as mtcp

    assert mtcp.Connection.readSize == 256 * 1024
    assert mtcp.Connection.bufferSize == ttcp.Connection.bufferSize == 64 * 1024


def test_writeOfStrRaisesTypeError(net):
    """write() and writeSequence() accept bytes only."""
    pair = connectedPair(kit(net))
    with pytest.raises(TypeError, match="^Data must be bytes$"):
        pair.client.transport.write("text")
    with pytest.raises(TypeError, match="^Data must be bytes$"):
        pair.client.transport.writeSequence([b"ok", "text"])


def test_writeSequenceSendsThePiecesInOrder(net):
    """writeSequence sends its pieces one after the other."""
    pair = connectedPair(kit(net))
    pair.client.transport.writeSequence([b"one ", b"two ", b"three"])
    assert net.spin(pair.server.receivedAtLeast(13)) == b"one two three"


def test_bigWriteThenLoseConnectionDeliversEverything(net):
    """8 MiB written just before loseConnection all arrive; both sides see ConnectionDone."""
    k = kit(net)
    pair = connectedPair(k)
    data = os.urandom(1024) * 8192
    pair.server.transport.write(data)
    pair.server.transport.loseConnection()
    assert (pair.server.transport.connected, pair.server.transport.disconnecting) == (1, 1)
    bothLost(k, pair.server, pair.client)
    assert pair.client.received == data
    for side in (pair.server, pair.client):
        assert side.reason.check(net.error.ConnectionDone)
        assert str(side.reason.value) == "Connection was closed cleanly."


def test_writeAfterLoseConnectionIsStillSent(net):
    """A write between loseConnection and the close is sent: the peer gets b'ab'."""
    k = kit(net)
    pair = connectedPair(k)
    pair.server.transport.write(b"a")
    pair.server.transport.loseConnection()
    pair.server.transport.write(b"b")
    bothLost(k, pair.server, pair.client)
    assert pair.client.received == b"ab"
    assert pair.client.reason.check(net.error.ConnectionDone)


def test_writeAfterDisconnectIsIgnored(net):
    """Writing to a closed transport does nothing and raises nothing."""
    k = kit(net)
    pair = connectedPair(k)
    pair.client.transport.loseConnection()
    bothLost(k, pair.server, pair.client)
    pair.server.transport.write(b"too late")
    pair.server.transport.writeSequence([b"too", b"late"])
    assert pair.server.transport.disconnected


def test_abortConnectionDropsPendingData(net):
    """abortConnection drops unsent bytes: here ConnectionAborted, at the peer ConnectionLost."""
    k = kit(net)
    pair = connectedPair(k)
    pair.server.transport.write(b"x" * 8 * 2**20)
    pair.server.transport.abortConnection()
    bothLost(k, pair.server, pair.client)
    assert pair.server.reason.check(net.error.ConnectionAborted)
    assert str(pair.server.reason.value) == (
        "Connection was aborted locally using ITCPTransport.abortConnection.")
    assert pair.client.received == b""
    assert type(pair.client.reason.value) is net.error.ConnectionLost
    assert str(pair.client.reason.value) == (
        "Connection to the other side was lost in a non-clean fashion.")


def test_abortConnectionCallsConnectionLostLater(net):
    """abortConnection returns before connectionLost runs; a second call does nothing."""
    k = kit(net)
    pair = connectedPair(k)
    pair.client.transport.abortConnection()
    assert pair.client.reason is None
    pair.client.transport.abortConnection()
    bothLost(k, pair.server, pair.client)
    assert pair.client.reason.check(net.error.ConnectionAborted)


def test_halfCloseLetsTheServerReply(net):
    """A half-closeable server hears readConnectionLost, replies, closes: both ConnectionDone."""
    k = kit(net)

    @implementer(net.interfaces.IHalfCloseableProtocol)
    class Answerer(k.Recorder):
        def readConnectionLost(self):
            self.transport.write(b"got " + bytes(self.received))
            self.transport.loseConnection()

        def writeConnectionLost(self):
            pass

    pair = connectedPair(k, Answerer)
    pair.client.transport.write(b"question")
    pair.client.transport.loseWriteConnection()
    bothLost(k, pair.server, pair.client)
    assert pair.client.received == b"got question"
    assert pair.server.reason.check(net.error.ConnectionDone)
    assert pair.client.reason.check(net.error.ConnectionDone)


def test_writeConnectionLostIsCalledAfterTheHalfClose(net):
    """A half-closeable protocol that calls loseWriteConnection hears writeConnectionLost."""
    k = kit(net)

    @implementer(net.interfaces.IHalfCloseableProtocol)
    class HalfCloser(k.Cl):
        def readConnectionLost(self):
            self.transport.loseConnection()

        def writeConnectionLost(self):
            self.received += b"<write side closed>"

    @implementer(net.interfaces.IHalfCloseableProtocol)
    class HalfEcho(k.Echo):
        def readConnectionLost(self):
            self.transport.loseConnection()

    pair = connectedPair(k, HalfEcho, HalfCloser)
    pair.client.transport.write(b"ping")
    pair.client.transport.loseWriteConnection()
    bothLost(k, pair.server, pair.client)
    assert pair.client.received == b"<write side closed>ping"
    assert pair.client.reason.check(net.error.ConnectionDone)


def test_readEOFClosesAProtocolThatIsNotHalfCloseable(net):
    """Without IHalfCloseableProtocol, the peer's half-close closes the whole connection."""
    k = kit(net)
    pair = connectedPair(k)
    pair.client.transport.write(b"bye")
    pair.client.transport.loseWriteConnection()
    net.spin(pair.server.lost)
    assert pair.server.received == b"bye"
    assert pair.server.reason.check(net.error.ConnectionDone)
    net.spin(pair.client.lost)
    assert pair.client.reason.check(net.error.ConnectionDone)


def test_addressesAreIPv4AddressesOfBothEnds(net):
    """getHost and getPeer give IPv4Address('TCP', ...); one end's host is the other's peer."""
    pair = connectedPair(kit(net))
    server, client = pair.server.transport, pair.client.transport
    for address in (server.getHost(), server.getPeer(), client.getHost(), client.getPeer()):
        assert isinstance(address, net.IPv4Address)
        assert (address.type, address.host) == ("TCP", "127.0.0.1")
    assert server.getHost() == client.getPeer()
    assert server.getPeer() == client.getHost()
    assert server.getHost().port == pair.number


def test_transportsProvideITCPTransport(net):
    """Both ends of a connection provide ITCPTransport; getHandle is the socket."""
    pair = connectedPair(kit(net))
    for transport in (pair.server.transport, pair.client.transport):
        assert net.interfaces.ITCPTransport.providedBy(transport)
        assert isinstance(transport.getHandle(), socket.socket)


def test_tcpNoDelayAndKeepAliveCanBeSet(net):
    """setTcpNoDelay and setTcpKeepAlive switch the socket options; the getters read them."""
    transport = connectedPair(kit(net)).client.transport
    assert not transport.getTcpNoDelay()
    assert not transport.getTcpKeepAlive()
    transport.setTcpNoDelay(True)
    transport.setTcpKeepAlive(True)
    assert transport.getTcpNoDelay()
    assert transport.getTcpKeepAlive()
    handle = transport.getHandle()
    assert handle.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    transport.setTcpNoDelay(False)
    assert not transport.getTcpNoDelay()


def test_stateFlagsFollowTheConnection(net):
    """The connected/disconnecting/disconnected flags change at made, loseConnection and lost."""
    k = kit(net)

    def flags(transport):
        return (transport.connected, transport.disconnecting, transport.disconnected)

    seen = {}

    class Watcher(k.Recorder):
        def connectionMade(self):
            seen["made"] = flags(self.transport)
            k.Recorder.connectionMade(self)

        def connectionLost(self, reason):
            seen["lost"] = flags(self.transport)
            k.Recorder.connectionLost(self, reason)

    pair = connectedPair(k, Watcher)
    pair.server.transport.write(b"x" * 2**20)
    pair.server.transport.loseConnection()
    seen["closing"] = flags(pair.server.transport)
    bothLost(k, pair.server, pair.client)
    assert seen == {"made": (1, 0, 0), "closing": (1, 1, 0), "lost": (0, 1, 1)}


def test_dataReceivedReturnValueIsIgnored(net):
    """A true value returned by dataReceived does not close the connection (Twisted 26.10 too)."""
    k = kit(net)

    class Truthy(k.Echo):
        def dataReceived(self, data):
            k.Echo.dataReceived(self, data)
            return True

    pair = connectedPair(k, Truthy)
    pair.client.transport.write(b"one")
    assert net.spin(pair.client.receivedAtLeast(3)) == b"one"
    pair.client.transport.write(b"two")
    assert net.spin(pair.client.receivedAtLeast(6)) == b"onetwo"
    assert pair.server.reason is None


def test_replyToDataThatArrivedWithTheEOF(net):
    """An echo server that gets b'ping' and the peer's EOF together: minitwisted sends the echo.

    Pins a difference that follows from minitwisted's flush before each wait
    (abstract.py, "Differs from Twisted"): the echo written in dataReceived is sent
    before the reactor reads the EOF.  Twisted only sends on a later doWrite, and the
    EOF, read first, closes the connection and drops the echo.
    """
    k = kit(net)
    pair = connectedPair(k, k.Echo)
    pair.client.transport.write(b"ping")
    pair.client.transport.loseWriteConnection()
    bothLost(k, pair.server, pair.client)
    assert pair.server.received == b"ping"
    assert pair.client.received == {"minitwisted": b"ping", "twisted": b""}[net.name]
    assert pair.server.reason.check(net.error.ConnectionDone)


def test_writeAfterAbortConnectionIsNotSent(net):
    """Bytes written after abortConnection are dropped, also when a timer did both."""
    k = kit(net)
    pair = connectedPair(k)

    def abortThenWrite():
        pair.server.transport.abortConnection()
        pair.server.transport.write(b"late")

    net.reactor.callLater(0, abortThenWrite)
    bothLost(k, pair.server, pair.client)
    assert pair.client.received == b""
    assert pair.server.reason.check(net.error.ConnectionAborted)


# --- Connecting ------------------------------------------------------------------------------


def test_connectToAClosedPortFailsWithConnectionRefused(net):
    """A refused connect goes to clientConnectionFailed with ConnectionRefusedError."""
    k = kit(net)
    client = k.Client()
    net.reactor.connectTCP("127.0.0.1", closedPortNumber(), client)
    [reason] = net.spin(client.failed)
    assert reason.check(net.error.ConnectionRefusedError)
    assert str(reason.value) == "Connection was refused by other side: 111: Connection refused."
    assert client.events == [
        "startFactory", "startedConnecting", "clientConnectionFailed", "stopFactory"]


@pytest.fixture
def neverAccepts():
    """A listening socket whose one-place queue is full: a new connect hangs (SYNs dropped)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)  # Linux queues backlog + 1 = 1 connection
    filler = socket.create_connection(listener.getsockname())
    yield listener.getsockname()[1]
    filler.close()
    listener.close()


def test_connectTimesOutWhenTheServerNeverAccepts(net, neverAccepts):
    """A connect that does not complete within ``timeout`` fails with TimeoutError."""
    k = kit(net)
    client = k.Client()
    net.reactor.connectTCP("127.0.0.1", neverAccepts, client, timeout=0.2)
    [reason] = net.spin(client.failed)
    assert reason.check(net.error.TimeoutError)
    assert str(reason.value) == "User timeout caused connection failure."
    assert client.events[-1] == "stopFactory"


def test_stopConnectingReportsUserError(net, neverAccepts):
    """stopConnecting gives up the attempt: clientConnectionFailed hears UserError at once."""
    k = kit(net)
    client = k.Client()
    connector = net.reactor.connectTCP("127.0.0.1", neverAccepts, client)
    assert connector.state == "connecting"
    connector.stopConnecting()
    [reason] = net.spin(client.failed)
    assert reason.check(net.error.UserError)
    assert str(reason.value) == "User aborted connection."
    assert connector.state == "disconnected"


def test_stopConnectingWhenNotConnectingRaises(net):
    """stopConnecting on a connected connector raises NotConnectingError."""
    pair = connectedPair(kit(net))
    assert pair.connector.state == "connected"
    with pytest.raises(net.error.NotConnectingError):
        pair.connector.stopConnecting()


def test_disconnectWhileConnectingStopsTheAttempt(net, neverAccepts):
    """connector.disconnect during the attempt is stopConnecting: UserError."""
    k = kit(net)
    client = k.Client()
    connector = net.reactor.connectTCP("127.0.0.1", neverAccepts, client)
    connector.disconnect()
    [reason] = net.spin(client.failed)
    assert reason.check(net.error.UserError)


def test_disconnectClosesTheConnection(net):
    """connector.disconnect closes the connection cleanly: clientConnectionLost, ConnectionDone."""
    k = kit(net)
    pair = connectedPair(k)
    pair.connector.disconnect()
    [reason] = net.spin(pair.clientFactory.lost)
    assert reason.check(net.error.ConnectionDone)
    assert pair.connector.state == "disconnected"
    net.spin(pair.server.lost)


def test_getDestinationIsTheAddressWeConnectTo(net):
    """getDestination is IPv4Address('TCP', host, port) of the connect call, before connecting."""
    k = kit(net)
    number = closedPortNumber()
    connector = net.reactor.connectTCP("127.0.0.1", number, k.Client())
    assert connector.getDestination() == net.IPv4Address("TCP", "127.0.0.1", number)
    connector.stopConnecting()


def test_clientFactoryHearsOfEachStepInOrder(net):
    """A client factory hears startedConnecting, buildProtocol, then (after the protocol) lost."""
    k = kit(net)
    order = []

    class Tracer(k.Cl):
        def connectionMade(self):
            order.append("connectionMade")
            k.Cl.connectionMade(self)

        def connectionLost(self, reason):
            order.append("connectionLost")
            k.Cl.connectionLost(self, reason)

    pair = connectedPair(k, clientClass=Tracer)
    pair.server.transport.loseConnection()
    net.spin(pair.clientFactory.lost)
    events = pair.clientFactory.events
    assert events == [
        "startFactory", "startedConnecting", "buildProtocol", "clientConnectionLost", "stopFactory"]
    assert order == ["connectionMade", "connectionLost"]


def test_serverFactoryReturningNoneClosesTheConnection(net):
    """A server factory whose buildProtocol returns None closes the accepted connection cleanly."""
    k = kit(net)

    class Refuser(k.Server):
        def buildProtocol(self, addr):
            return None

    port = net.reactor.listenTCP(0, Refuser(), interface="127.0.0.1")
    client = k.Client()
    net.reactor.connectTCP("127.0.0.1", port.getHost().port, client)
    [reason] = net.spin(client.lost)
    assert reason.check(net.error.ConnectionDone)


def test_clientFactoryReturningNoneClosesTheConnection(net):
    """A client factory whose buildProtocol returns None closes the connection cleanly."""
    k = kit(net)

    class Decliner(k.Client):
        def buildProtocol(self, addr):
            self.events.append("buildProtocol")
            return None

    _, number, serverFactory = listen(k)
    client = Decliner()
    net.reactor.connectTCP("127.0.0.1", number, client)
    [reason] = net.spin(client.lost)
    assert reason.check(net.error.ConnectionDone)
    assert client.events[-3:] == ["buildProtocol", "clientConnectionLost", "stopFactory"]
    server = net.spin(serverFactory.made.get())
    net.spin(server.lost)
    assert server.reason.check(net.error.ConnectionDone)


def test_logPrefixesNameProtocolSessionAndPeer(net):
    """The server side logs as 'Echo,<session>,127.0.0.1' and the client side as 'Cl,client'."""
    k = kit(net)
    port, number, serverFactory = listen(k, k.Echo)
    prefixes = []
    for _ in range(2):
        client = k.Client()
        net.reactor.connectTCP("127.0.0.1", number, client)
        server, cl = net.spin(net.defer.gatherResults(
            [serverFactory.made.get(), client.made.get()]))
        prefixes.append((server.transport.logstr, cl.transport.logstr))
    assert prefixes == [("Echo,0,127.0.0.1", "Cl,client"), ("Echo,1,127.0.0.1", "Cl,client")]
    assert server.transport.logPrefix() == "Echo,1,127.0.0.1"


def test_clientCreatorGivesTheConnectedProtocol(net):
    """ClientCreator.connectTCP fires with a connected instance of the protocol class."""
    k = kit(net)
    _, number, _ = listen(k, k.Echo)
    creator = net.protocol.ClientCreator(net.reactor, k.Cl)
    client = net.spin(creator.connectTCP("127.0.0.1", number))
    assert isinstance(client, k.Cl)
    client.transport.write(b"hi")
    assert net.spin(client.receivedAtLeast(2)) == b"hi"


def test_clientCreatorFailsWithTheConnectError(net):
    """ClientCreator.connectTCP to a closed port errbacks with ConnectionRefusedError."""
    k = kit(net)
    creator = net.protocol.ClientCreator(net.reactor, k.Cl)
    with pytest.raises(net.error.ConnectionRefusedError):
        net.spin(creator.connectTCP("127.0.0.1", closedPortNumber()))


def test_connectWithBindAddressUsesIt(net):
    """connectTCP with bindAddress connects from that address."""
    k = kit(net)
    _, number, _ = listen(k)
    local = socket.socket()
    local.bind(("127.0.0.1", 0))
    localPort = local.getsockname()[1]
    local.close()
    client = k.Client()
    net.reactor.connectTCP("127.0.0.1", number, client, bindAddress=("127.0.0.1", localPort))
    cl = net.spin(client.made.get())
    assert cl.transport.getHost().port == localPort


def test_connectWithABusyBindAddressFails(net):
    """A bindAddress that is in use makes the connect fail with ConnectBindError."""
    k = kit(net)
    _, number, _ = listen(k)
    client = k.Client()
    net.reactor.connectTCP("127.0.0.1", number, client, bindAddress=("127.0.0.1", number))
    [reason] = net.spin(client.failed)
    assert reason.check(net.error.ConnectBindError)
    assert str(reason.value) == "Couldn't bind: 98: Address already in use."


def test_connectByHostNameResolvesIt(net):
    """connectTCP('localhost', ...) resolves the name and connects."""
    k = kit(net)
    _, number, _ = listen(k, k.Echo)
    client = k.Client()
    connector = net.reactor.connectTCP("localhost", number, client)
    cl = net.spin(client.made.get())
    assert cl.transport.getPeer().host == "127.0.0.1"
    assert connector.getDestination().host == "localhost"


def test_connectToAnUnknownHostFailsWithDNSLookupError(net):
    """A name that does not resolve gives clientConnectionFailed a DNSLookupError naming it."""
    client = kit(net).Client()
    net.reactor.connectTCP("nonexistent.invalid", 80, client)
    [reason] = net.spin(client.failed)
    assert reason.check(net.error.DNSLookupError)
    assert str(reason.value) == "DNS lookup failed: nonexistent.invalid."
    assert client.events == ["startFactory", "startedConnecting", "clientConnectionFailed",
                             "stopFactory"]


def test_factoryCanRetryFromClientConnectionFailed(net):
    """A client factory can call connector.connect() again from clientConnectionFailed."""
    k = kit(net)
    number = closedPortNumber()

    class Retrier(k.Client):
        def clientConnectionFailed(self, connector, reason):
            k.Client.clientConnectionFailed(self, connector, reason)
            net.reactor.listenTCP(number, k.Server(), interface="127.0.0.1")
            connector.connect()

    client = Retrier()
    net.reactor.connectTCP("127.0.0.1", number, client)
    net.spin(client.made.get())
    assert client.events == [
        "startFactory", "startedConnecting", "clientConnectionFailed", "startedConnecting",
        "buildProtocol"]


# --- Producers and consumers -----------------------------------------------------------------


def test_registeringASecondProducerRaises(net):
    """registerProducer while a producer is registered raises RuntimeError."""
    k = kit(net)
    transport = connectedPair(k).server.transport
    first, second = k.Streamer(transport, 0), k.Streamer(transport, 0)
    transport.registerProducer(first, True)
    with pytest.raises(RuntimeError, match="^Cannot register producer "):
        transport.registerProducer(second, True)
    transport.unregisterProducer()
    transport.registerProducer(second, True)


def test_pullProducerIsAskedForMoreWhenTheBufferDrains(net):
    """A pull producer is resumed at registration and then each time the buffer empties."""
    k = kit(net)
    pair = connectedPair(k)
    puller = k.Puller(pair.server.transport, count=10)
    pair.server.transport.registerProducer(puller, False)
    assert puller.resumes == 1
    bothLost(k, pair.server, pair.client)
    assert puller.resumes == 10
    assert pair.client.received == b"p" * 1_000_000
    assert pair.client.reason.check(net.error.ConnectionDone)


def test_streamingProducerIsPausedPast64KiBAndResumedWhenDrained(net):
    """A streaming producer is paused past 64 KiB buffered and resumed once the buffer drains."""
    k = kit(net)
    pair = connectedPair(k)
    pair.client.transport.pauseProducing()  # a slow reader: the kernel buffers fill up
    streamer = k.Streamer(pair.server.transport, total=8 * 2**20)
    streamer.start()
    net.reactor.callLater(0.1, pair.client.transport.resumeProducing)
    bothLost(k, pair.server, pair.client)
    assert len(pair.client.received) == 8 * 2**20
    assert streamer.pauses and streamer.resumes > 1
    assert set(streamer.pauses) == {5 * 16384}  # the first write past 64 KiB pauses it


def test_pauseProducingStopsDataReceived(net):
    """transport.pauseProducing stops dataReceived; resumeProducing delivers what waited."""
    k = kit(net)
    pair = connectedPair(k)
    pair.client.transport.pauseProducing()
    pair.server.transport.write(b"held back")
    handle = pair.client.transport.getHandle()
    readable = net.defer.Deferred()

    def poll():
        import select
        if select.select([handle], [], [], 0)[0]:
            readable.callback(None)
        else:
            net.reactor.callLater(0.001, poll)

    poll()
    net.spin(readable)  # the bytes wait in the client's socket...
    net.spin(wait(net, 0.05))
    assert pair.client.received == b""  # ...but the protocol is not given them
    pair.client.transport.resumeProducing()
    assert net.spin(pair.client.receivedAtLeast(9)) == b"held back"


def test_loseConnectionWaitsForAPullProducerToUnregister(net):
    """With a pull producer registered, loseConnection closes only after unregisterProducer."""
    k = kit(net)
    pair = connectedPair(k)

    @implementer(net.interfaces.IPullProducer)
    class Idle:
        def resumeProducing(self):
            pass  # has nothing to send yet

        def stopProducing(self):
            pass

    pair.server.transport.registerProducer(Idle(), False)
    pair.server.transport.write(b"last words")
    pair.server.transport.loseConnection()
    assert net.spin(pair.client.receivedAtLeast(10)) == b"last words"
    net.spin(wait(net, 0.05))
    assert pair.client.reason is None and pair.server.reason is None
    pair.server.transport.unregisterProducer()
    bothLost(k, pair.server, pair.client)
    assert pair.client.reason.check(net.error.ConnectionDone)


def test_loseConnectionStopsAnUnpausedStreamingProducer(net):
    """An unpaused streaming producer does not hold back loseConnection; it is told to stop."""
    k = kit(net)
    pair = connectedPair(k)
    streamer = k.Streamer(pair.server.transport, total=0)
    pair.server.transport.registerProducer(streamer, True)
    pair.server.transport.write(b"last words")
    pair.server.transport.loseConnection()
    bothLost(k, pair.server, pair.client)
    assert pair.client.received == b"last words"
    assert pair.server.reason.check(net.error.ConnectionDone)
    assert streamer.stopped


def test_connectionLostStopsARegisteredProducer(net):
    """When the connection is lost, the registered producer gets stopProducing."""
    k = kit(net)
    pair = connectedPair(k)
    streamer = k.Streamer(pair.server.transport, total=0)
    pair.server.transport.registerProducer(streamer, True)
    pair.client.transport.loseConnection()
    net.spin(streamer.stoppedProducing)
    net.spin(pair.server.lost)
    assert pair.server.reason.check(net.error.ConnectionDone)


def test_registerProducerOnAClosedTransportStopsTheProducer(net):
    """registerProducer on a disconnected transport calls stopProducing at once."""
    k = kit(net)
    pair = connectedPair(k)
    pair.client.transport.loseConnection()
    bothLost(k, pair.server, pair.client)
    streamer = k.Streamer(pair.server.transport, total=0)
    pair.server.transport.registerProducer(streamer, True)
    assert streamer.stopped


def test_writeAfterUnregisteringAStreamingProducerIsSent(net):
    """After a streaming producer unregisters, a big write is buffered and sent as usual."""
    k = kit(net)
    pair = connectedPair(k)
    streamer = k.Streamer(pair.server.transport, total=0)
    pair.server.transport.registerProducer(streamer, True)
    pair.server.transport.unregisterProducer()
    pair.server.transport.write(b"x" * 100_000)
    assert len(net.spin(pair.client.receivedAtLeast(100_000))) == 100_000
    assert streamer.pauses == []


def test_nextStreamingProducerIsPausedToo(net):
    """A producer registered after a paused one unregistered is paused when the buffer is full."""
    k = kit(net)
    transport = connectedPair(k).server.transport
    first, second = k.Streamer(transport, 0), k.Streamer(transport, 0)
    transport.registerProducer(first, True)
    transport.write(b"x" * 100_000)
    transport.unregisterProducer()
    transport.registerProducer(second, True)
    transport.write(b"x" * 100_000)
    assert (len(first.pauses), len(second.pauses)) == (1, 1)


# --- Exceptions in protocol callbacks --------------------------------------------------------


def errorsIn(events):
    return [event for event in events if event.get("isError")]


def test_connectionMadeRaisingOnTheServer(net, logged):
    """connectionMade raising on the server is logged; minitwisted then closes that connection.

    Pins a deliberate difference (tcp.py, "Differs from Twisted"): Twisted logs the
    error and leaves the server-side connection open, so the client keeps it.
    """
    k = kit(net)

    class Broken(k.Recorder):
        def connectionMade(self):
            k.Recorder.connectionMade(self)
            raise ZeroDivisionError("server side")

    _, number, serverFactory = listen(k, Broken)
    client = k.Client()
    net.reactor.connectTCP("127.0.0.1", number, client)
    server = net.spin(serverFactory.made.get())
    cl = net.spin(client.made.get())
    net.spin(wait(net, 0.05))
    [error] = errorsIn(logged)
    assert error["failure"].check(ZeroDivisionError)
    if net.name == "minitwisted":
        bothLost(k, server, cl)
        assert server.reason.check(ZeroDivisionError)
        assert cl.reason.check(net.error.ConnectionDone)
    else:
        assert server.reason is None and cl.reason is None
        server.transport.write(b"still open")
        assert net.spin(cl.receivedAtLeast(10)) == b"still open"


def test_connectionMadeRaisingOnTheClientClosesIt(net, logged):
    """connectionMade raising on the client is logged, and that connection closes."""
    k = kit(net)

    class Broken(k.Cl):
        def connectionMade(self):
            k.Cl.connectionMade(self)
            raise ZeroDivisionError("client side")

    _, number, serverFactory = listen(k)
    client = k.Client(Broken)
    net.reactor.connectTCP("127.0.0.1", number, client)
    cl = net.spin(client.made.get())
    [reason] = net.spin(client.lost)
    assert reason.check(ZeroDivisionError)
    assert cl.reason.check(ZeroDivisionError)
    [error] = errorsIn(logged)
    assert error["failure"].check(ZeroDivisionError)
    server = net.spin(serverFactory.made.get())
    net.spin(server.lost)


def test_dataReceivedRaisingClosesOnlyThatConnection(net, logged):
    """An exception in dataReceived is logged under the connection's prefix and closes only it."""
    k = kit(net)

    class Picky(k.Echo):
        def dataReceived(self, data):
            if data.startswith(b"boom"):
                raise ValueError("bad input")
            k.Echo.dataReceived(self, data)

    port, number, serverFactory = listen(k, Picky)
    first = k.Client()
    net.reactor.connectTCP("127.0.0.1", number, first)
    server, cl = net.spin(net.defer.gatherResults([serverFactory.made.get(), first.made.get()]))
    cl.transport.write(b"boom")
    bothLost(k, server, cl)
    assert server.reason.check(ValueError)
    assert str(server.reason.value) == "bad input"
    [error] = errorsIn(logged)
    assert error["failure"].check(ValueError)
    assert error["system"] == "Picky,0,127.0.0.1"

    second = k.Client()
    net.reactor.connectTCP("127.0.0.1", number, second)
    cl2 = net.spin(second.made.get())
    cl2.transport.write(b"fine")
    assert net.spin(cl2.receivedAtLeast(4)) == b"fine"


def test_writeConnectionLostRaisingClosesTheConnection(net, logged):
    """writeConnectionLost raising is logged and the connection closes with that error."""
    k = kit(net)

    @implementer(net.interfaces.IHalfCloseableProtocol)
    class Broken(k.Cl):
        def readConnectionLost(self):
            pass

        def writeConnectionLost(self):
            raise ZeroDivisionError("write side")

    pair = connectedPair(k, clientClass=Broken)
    pair.client.transport.loseWriteConnection()
    net.spin(pair.client.lost)
    assert pair.client.reason.check(ZeroDivisionError)
    [error] = errorsIn(logged)
    assert error["failure"].check(ZeroDivisionError)


def test_connectionLostRaisingIsLogged(net, logged):
    """An exception in connectionLost after a clean close is logged; the reactor carries on."""
    k = kit(net)

    class Broken(k.Recorder):
        def connectionLost(self, reason):
            k.Recorder.connectionLost(self, reason)
            raise ZeroDivisionError("on the way out")

    pair = connectedPair(k, Broken)
    pair.client.transport.loseConnection()
    try:
        bothLost(k, pair.server, pair.client)
        net.spin(wait(net, 0.01))
    finally:
        if net.reactor.running:
            net.reactor.crash()  # the loop died with the exception: let the next test run it
    [error] = errorsIn(logged)
    assert error["failure"].check(ZeroDivisionError)
    assert error["system"] == "Broken,0,127.0.0.1"


# --- Faults ------------------------------------------------------------------------------------


def test_peerResettingMidWriteGivesConnectionLost(net):
    """A peer that aborts while we write a lot gives us ConnectionLost; the port keeps serving."""
    k = kit(net)

    class Quitter(k.Cl):
        def dataReceived(self, data):
            k.Cl.dataReceived(self, data)
            self.transport.abortConnection()

    port, number, serverFactory = listen(k)
    client = k.Client(Quitter)
    net.reactor.connectTCP("127.0.0.1", number, client)
    server, cl = net.spin(net.defer.gatherResults([serverFactory.made.get(), client.made.get()]))
    server.transport.write(b"x" * 16 * 2**20)
    bothLost(k, server, cl)
    assert cl.reason.check(net.error.ConnectionAborted)
    assert server.reason.check(net.error.ConnectionLost)
    assert not server.reason.check(net.error.ConnectionDone)

    again = k.Client()
    net.reactor.connectTCP("127.0.0.1", number, again)
    server2, cl2 = net.spin(net.defer.gatherResults([serverFactory.made.get(), again.made.get()]))
    server2.transport.write(b"still serving")
    assert net.spin(cl2.receivedAtLeast(13)) == b"still serving"


def test_peerVanishingWhileStreamingStopsTheProducer(net):
    """A peer that resets while we stream 50 MB gives ConnectionLost, and we never buffer it all."""
    k = kit(net)
    total = 50 * 2**20
    port, number, serverFactory = listen(k)
    peer = socket.create_connection(("127.0.0.1", number))
    server = net.spin(serverFactory.made.get())
    streamer = k.Streamer(server.transport, total=total, chunk=65536)
    streamer.start()
    peer.setblocking(False)
    readSoFar = []

    def readABit():
        try:
            readSoFar.append(len(peer.recv(2**20)))
        except BlockingIOError:
            pass
        if sum(readSoFar) < 2**20:
            net.reactor.callLater(0.001, readABit)
        else:
            # Vanish: a close with linger 0 sends a reset, whatever is unread.
            peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            peer.close()

    readABit()
    net.spin(server.lost)
    assert server.reason.check(net.error.ConnectionLost)
    assert streamer.stopped
    assert streamer.written < total  # paused by flow control, not buffered in memory
    assert max(streamer.pauses) <= 2 * 65536


def test_manyConnectCyclesLeaveNoDescriptorOpen(net):
    """2,000 connect/disconnect cycles on one reactor leave no file descriptor open."""
    k = kit(net)

    class Closer(k.Recorder):
        def connectionMade(self):
            k.Recorder.connectionMade(self)
            self.transport.loseConnection()

    _, number, _ = listen(k, Closer)

    def cycles(count):
        clients = [k.Client() for _ in range(count)]
        for client in clients:
            net.reactor.connectTCP("127.0.0.1", number, client)
        return net.defer.gatherResults([client.lost for client in clients])

    net.spin(cycles(1))  # warm up: anything the first connection allocates for good
    gc.collect()  # close what earlier tests left to the garbage collector, before counting
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(40):
        for [reason] in net.spin(cycles(50)):
            assert reason.check(net.error.ConnectionDone)
    net.spin(wait(net, 0.01))  # server sides close on their own pass
    gc.collect()
    assert len(os.listdir("/proc/self/fd")) == before


@pytest.fixture
def manyDescriptors():
    """Raise the soft limit of open files to the hard limit (skip below 2,500)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2500:
        pytest.skip(f"1,000 connections need ~2,100 descriptors; the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_thousandConcurrentConnectionsAllEcho(net, manyDescriptors):
    """1,000 connections open at once on one reactor each get their own bytes echoed."""
    k = kit(net)
    _, number, _ = listen(k, k.Echo, backlog=1024)
    clients = [k.Client() for _ in range(1000)]
    for client in clients:
        net.reactor.connectTCP("127.0.0.1", number, client)
    protocols = net.spin(net.defer.gatherResults([c.made.get() for c in clients]), timeout=30)
    for index, protocol in enumerate(protocols):
        protocol.transport.write(b"%06d" % index)
    echoed = net.spin(net.defer.gatherResults([p.receivedAtLeast(6) for p in protocols]))
    assert echoed == [b"%06d" % index for index in range(1000)]
    for protocol in protocols:
        protocol.transport.loseConnection()
    bothLost(k, *protocols)
