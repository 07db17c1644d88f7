"""Tests for minitwisted.internet.udp over real loopback sockets, side by side with Twisted.

Each test takes the ``net`` fixture (``conftest.py``): the same scenario runs on
minitwisted's reactor and then on Twisted 26.10's, on 127.0.0.1.  ``kit(net)`` builds
the datagram protocols on that framework's ``DatagramProtocol``.
"""

import errno
import socket
import types

import pytest

from tests.conftest import messages


def kit(net):
    """The scenario's datagram protocols, made from ``net``'s classes."""
    defer = net.defer

    class Recorder(net.protocol.DatagramProtocol):
        """Keeps the order of its events; ``datagrams`` queues each (datagram, addr) received."""

        def __init__(self):
            self.events = []
            self.datagrams = defer.DeferredQueue()
            self.refused = defer.Deferred()
            self.ended = defer.Deferred()  # fires at connectionRefused or stopProtocol

        def startProtocol(self):
            self.events.append("startProtocol")

        def stopProtocol(self):
            self.events.append("stopProtocol")
            if not self.ended.called:
                self.ended.callback(None)

        def datagramReceived(self, datagram, addr):
            self.events.append(datagram)
            self.datagrams.put((datagram, addr))

        def connectionRefused(self):
            self.events.append("connectionRefused")
            if not self.refused.called:
                self.refused.callback(None)
            if not self.ended.called:
                self.ended.callback(None)

    class Echo(Recorder):
        """Sends each datagram back where it came from."""

        def datagramReceived(self, datagram, addr):
            Recorder.datagramReceived(self, datagram, addr)
            self.transport.write(datagram, addr)

    return types.SimpleNamespace(Recorder=Recorder, Echo=Echo)


def listen(net, protocol, **kwargs):
    """Listen on a free UDP port of 127.0.0.1; return the port and its number."""
    port = net.reactor.listenUDP(0, protocol, interface="127.0.0.1", **kwargs)
    return port, port.getHost().port


def closedPortNumber():
    """A UDP port number of 127.0.0.1 where nothing listens (bound, then released)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    number = probe.getsockname()[1]
    probe.close()
    return number


# --- Listening -------------------------------------------------------------------------------


def test_listenOnPortZeroPicksAFreePort(net):
    """listenUDP(0) binds a free port, and getHost gives its IPv4Address of type 'UDP'."""
    port, number = listen(net, kit(net).Recorder())
    host = port.getHost()
    assert type(host).__name__ == "IPv4Address"
    assert (host.type, host.host) == ("UDP", "127.0.0.1")
    assert number > 0


def test_listeningStartsTheProtocolAndLogs(net, logged):
    """listenUDP starts the protocol at once and logs '<protocol class> starting on N'."""
    protocol = kit(net).Recorder()
    port, number = listen(net, protocol)
    assert protocol.events == ["startProtocol"]
    assert protocol.transport is port
    assert f"Recorder starting on {number}" in messages(net, logged)


def test_listenOnABusyPortRaisesCannotListenError(net):
    """A UDP port that is already bound cannot be listened on again: CannotListenError."""
    k = kit(net)
    _, number = listen(net, k.Recorder())
    with pytest.raises(net.error.CannotListenError) as info:
        net.reactor.listenUDP(number, k.Recorder(), interface="127.0.0.1")
    assert str(info.value) == (
        f"Couldn't listen on 127.0.0.1:{number}: [Errno 98] Address already in use.")
    assert info.value.socketError.errno == errno.EADDRINUSE


def test_stopListeningFiresADeferredAndLogsPortClosed(net, logged):
    """stopListening's Deferred fires after stopProtocol, and '(UDP Port N Closed)' is logged."""
    protocol = kit(net).Recorder()
    port, number = listen(net, protocol)
    d = port.stopListening()
    assert protocol.events == ["startProtocol"]  # the close happens on a later pass
    assert net.spin(d) is None
    assert protocol.events == ["startProtocol", "stopProtocol"]
    assert f"(UDP Port {number} Closed)" in messages(net, logged)
    assert port.stopListening() is None  # already closed


def test_loseConnectionIsADeprecatedStopListening(net):
    """loseConnection warns that stopListening is the way, then stops listening."""
    protocol = kit(net).Recorder()
    port, _ = listen(net, protocol)
    with pytest.warns(DeprecationWarning, match="^Please use stopListening"):
        port.loseConnection()
    net.spin(net.task.deferLater(net.reactor, 0.01, lambda: None))
    assert protocol.events == ["startProtocol", "stopProtocol"]


# --- Sending and receiving ---------------------------------------------------------------------


def test_echoRoundTripAndProtocolOrder(net):
    """A datagram comes back from an echo port; each protocol starts, receives, then stops."""
    k = kit(net)
    server, client = k.Echo(), k.Recorder()
    serverPort, serverNumber = listen(net, server)
    clientPort, clientNumber = listen(net, client)
    client.transport.write(b"marco", ("127.0.0.1", serverNumber))
    assert net.spin(client.datagrams.get()) == (b"marco", ("127.0.0.1", serverNumber))
    net.spin(net.defer.gatherResults([serverPort.stopListening(), clientPort.stopListening()]))
    assert server.events == ["startProtocol", b"marco", "stopProtocol"]
    assert client.events == ["startProtocol", b"marco", "stopProtocol"]


def test_datagramReceivedGetsAHostPortTuple(net):
    """datagramReceived's addr is a plain (host, port) tuple of the sender."""
    protocol = kit(net).Recorder()
    _, number = listen(net, protocol)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.bind(("127.0.0.1", 0))
    sender.sendto(b"hi", ("127.0.0.1", number))
    datagram, addr = net.spin(protocol.datagrams.get())
    assert datagram == b"hi"
    assert type(addr) is tuple
    assert addr == sender.getsockname()
    sender.close()


def test_writeReturnsTheBytesSent(net):
    """write returns what sendto returned: the length of the datagram."""
    k = kit(net)
    _, number = listen(net, k.Recorder())
    port, _ = listen(net, k.Recorder())
    assert port.write(b"12345", ("127.0.0.1", number)) == 5


def test_writeSequenceSendsOneDatagram(net):
    """writeSequence joins its pieces into a single datagram."""
    k = kit(net)
    server, client = k.Recorder(), k.Recorder()
    _, number = listen(net, server)
    listen(net, client)
    client.transport.writeSequence([b"one ", b"two"], ("127.0.0.1", number))
    assert net.spin(server.datagrams.get())[0] == b"one two"


def test_writeToAHostNameRaisesInvalidAddressError(net):
    """write accepts IP addresses only: a host name raises InvalidAddressError."""
    port, number = listen(net, kit(net).Recorder())
    with pytest.raises(net.error.InvalidAddressError) as info:
        port.write(b"x", ("localhost", number))
    assert str(info.value) == (
        "('localhost', 'write() only accepts IP addresses, not hostnames')")


def test_connectThenWriteNeedsNoAddress(net):
    """After connect(host, port), write sends to that peer without an address."""
    k = kit(net)
    server, client = k.Echo(), k.Recorder()
    _, number = listen(net, server)
    clientPort, _ = listen(net, client)
    clientPort.connect("127.0.0.1", number)
    clientPort.write(b"connected")
    assert net.spin(client.datagrams.get()) == (b"connected", ("127.0.0.1", number))


def test_connectChecksItsArguments(net):
    """connect takes an IP address, and only once: InvalidAddressError, then RuntimeError."""
    port, _ = listen(net, kit(net).Recorder())
    with pytest.raises(net.error.InvalidAddressError):
        port.connect("localhost", 9)
    port.connect("127.0.0.1", closedPortNumber())
    with pytest.raises(RuntimeError, match="^already connected"):
        port.connect("127.0.0.1", 9)


def test_connectedPortHearsConnectionRefused(net):
    """Differs from Twisted: a connected port whose peer is closed gets connectionRefused and stays open.

    Twisted's default (epoll) reactor behaves otherwise: the ICMP error makes epoll report EPOLLERR without EPOLLIN, and Twisted
    treats that as a lost connection, closing the port (stopProtocol) without calling
    connectionRefused.  minitwisted does what Twisted's select reactor and its
    documentation do.
    """
    protocol = kit(net).Recorder()
    port, _ = listen(net, protocol)
    port.connect("127.0.0.1", closedPortNumber())
    port.write(b"anyone there?")
    net.spin(protocol.ended)
    if net.name == "minitwisted":
        assert protocol.events == ["startProtocol", "connectionRefused"]
        assert port.connected
    else:
        assert protocol.events == ["startProtocol", "stopProtocol"]
        assert not port.connected


def test_unconnectedWriteToAClosedPortIsSilent(net):
    """An unconnected port that writes to a closed port hears nothing and keeps receiving."""
    k = kit(net)
    protocol, echo = k.Recorder(), k.Echo()
    port, _ = listen(net, protocol)
    _, echoNumber = listen(net, echo)
    port.write(b"lost", ("127.0.0.1", closedPortNumber()))
    port.write(b"found", ("127.0.0.1", echoNumber))
    assert net.spin(protocol.datagrams.get())[0] == b"found"
    assert "connectionRefused" not in protocol.events


def test_maxPacketSizeTruncatesLongerDatagrams(net):
    """A datagram longer than maxPacketSize is delivered cut to maxPacketSize bytes."""
    k = kit(net)
    server, client = k.Recorder(), k.Recorder()
    _, number = listen(net, server, maxPacketSize=10)
    listen(net, client)
    client.transport.write(b"0123456789abcdef", ("127.0.0.1", number))
    client.transport.write(b"short", ("127.0.0.1", number))
    assert net.spin(server.datagrams.get())[0] == b"0123456789"
    assert net.spin(server.datagrams.get())[0] == b"short"


def test_broadcastAllowedCanBeSet(net):
    """setBroadcastAllowed switches SO_BROADCAST; getBroadcastAllowed reads it."""
    port, _ = listen(net, kit(net).Recorder())
    assert not port.getBroadcastAllowed()
    port.setBroadcastAllowed(True)
    assert port.getBroadcastAllowed()


def test_datagramReceivedRaisingIsLoggedAndThePortKeepsWorking(net, logged):
    """datagramReceived raising is logged with the port's prefix; the port keeps working."""
    k = kit(net)

    class Picky(k.Recorder):
        def datagramReceived(self, datagram, addr):
            if datagram == b"boom":
                raise ValueError("bad datagram")
            k.Recorder.datagramReceived(self, datagram, addr)

    server, client = Picky(), k.Recorder()
    serverPort, number = listen(net, server)
    listen(net, client)
    client.transport.write(b"boom", ("127.0.0.1", number))
    client.transport.write(b"fine", ("127.0.0.1", number))
    assert net.spin(server.datagrams.get())[0] == b"fine"
    [error] = [event for event in logged if event.get("isError")]
    assert error["failure"].check(ValueError)
    assert error["system"] == "Picky (UDP)"
    assert serverPort.connected
