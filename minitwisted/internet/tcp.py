"""TCP: listening ports, connectors, and the transport a connected protocol writes to.

Mirrors ``twisted.internet.tcp`` (Twisted 26.10): ``Port`` (what ``listenTCP`` returns),
``Connector`` (what ``connectTCP`` returns), and the transports ``Server`` and
``Client``, both ``Connection``s.  The workshop follows a connection through these
classes in ``notebooks/04_transports.ipynb`` and ``notebooks/05_protocols_and_factories.ipynb``.
Tests: ``tests/internet/test_tcp.py`` (real loopback sockets, side by side with Twisted).

The life of a connection:

- server side: ``Port.doRead`` accepts a socket, asks the factory for a protocol
  (``buildProtocol``), wraps the socket in a ``Server`` transport and calls
  ``protocol.makeConnection(transport)``, which calls ``connectionMade``;
- client side: ``Connector.connect`` makes a ``Client``, which resolves the host name
  in a thread if needed, starts a non-blocking ``connect`` and, when the socket becomes
  writable, asks the factory for a protocol the same way; a failure goes to
  ``ClientFactory.clientConnectionFailed``;
- both: ``doRead`` hands bytes to ``dataReceived``; ``write`` buffers
  (``abstract.FileDescriptor``); the end is one call of ``connectionLost(reason)``.

Differs from Twisted: an exception raised by ``connectionMade`` on the server side
closes that connection (the error is logged and ``connectionLost`` is called), as it
already does on the client side; Twisted logs it and leaves the server-side connection
open.  One read takes up to 256 KiB (``Connection.readSize``), so ``dataReceived`` can
get bigger pieces than Twisted's 64 KiB; a protocol must cope with any size anyway.
"""

import errno
import os
import socket
import struct

from zope.interface import implementer

from minitwisted.internet import abstract, error, main
from minitwisted.internet.abstract import isIPAddress, isIPv6Address
from minitwisted.internet.defer import Deferred
from minitwisted.internet.address import IPv4Address, IPv6Address, _fromSocketAddress
from minitwisted.internet.interfaces import (
    IConnector,
    IHalfCloseableProtocol,
    IListeningPort,
    ILoggingContext,
    IReadDescriptor,
    ITCPTransport,
)
from minitwisted.python import log
from minitwisted.python.failure import Failure

_WOULD_BLOCK_CONNECT = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY}


def _logPrefixOf(obj):
    """The name an object logs under: its ``logPrefix()``, or its class name."""
    try:
        return obj.logPrefix()
    except AttributeError:
        return obj.__class__.__name__


@implementer(ITCPTransport)
class Connection(abstract.FileDescriptor):
    """A connected TCP socket: reads go to ``protocol.dataReceived``, writes are buffered.

    Invariants: ``socket`` is non-blocking; ``protocol`` and ``socket`` are deleted by
    ``connectionLost``, which runs exactly once per connection.
    """

    # The most one dataReceived gets.  Twisted reads bufferSize (64 KiB); reading more at
    # once cut the CPU per MiB of a stream by a sixth (benchmarks/bench_stream.py).
    readSize = 256 * 1024

    def __init__(self, skt, protocol, reactor=None):
        super().__init__(reactor)
        self.socket = skt
        self.socket.setblocking(False)
        self.fileno = skt.fileno
        self.protocol = protocol

    def getHandle(self):
        """The socket itself."""
        return self.socket

    # -- Reading and writing -----------------------------------------------------------------

    def doRead(self):
        """Read what arrived and give it to the protocol; an empty read means the peer closed."""
        try:
            data = self.socket.recv(self.readSize)
        except BlockingIOError:
            return None
        except OSError:
            return main.CONNECTION_LOST  # reset by the peer, or similar
        if not data:
            return main.CONNECTION_DONE
        self.protocol.dataReceived(data)
        return None

    def _send(self, data):
        try:
            return self.socket.send(data)
        except BlockingIOError:
            return 0

    def _closeWriteConnection(self):
        try:
            self.socket.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        protocol = IHalfCloseableProtocol(self.protocol, None)
        if protocol is not None:
            try:
                protocol.writeConnectionLost()
            except BaseException:
                log.err(Failure(), None, system=self.logstr)
                return Failure()
        return None

    # -- Closing --------------------------------------------------------------------------------

    def readConnectionLost(self, reason):
        """The peer half-closed: a half-closeable protocol hears of it and can still write."""
        protocol = IHalfCloseableProtocol(self.protocol, None)
        if protocol is None:
            self.connectionLost(reason)
            return
        try:
            protocol.readConnectionLost()
        except BaseException:
            log.err(Failure(), None, system=self.logstr)
            self.connectionLost(Failure())

    def abortConnection(self):
        """Close now, dropping unsent data: here ``ConnectionAborted``, at the peer ``ConnectionLost``."""
        if self.disconnected or self._aborting:
            return
        self._aborting = True
        self.stopReading()
        self.stopWriting()
        self._buffer, self._bufferLen = [], 0
        self.doRead = self.doWrite = lambda: None
        # As in Twisted, connectionLost comes on the next pass, not inside this call.
        self.reactor.callLater(0, self.connectionLost, Failure(error.ConnectionAborted()))

    def connectionLost(self, reason):
        """Close the socket and tell the protocol why (once)."""
        if not hasattr(self, "socket"):
            return
        super().connectionLost(reason)
        self._closeSocket(orderly=not reason.check(error.ConnectionAborted))
        protocol = self.protocol
        del self.protocol, self.socket, self.fileno
        protocol.connectionLost(reason)

    def _closeSocket(self, orderly):
        try:
            if not orderly:
                # Linger 0: close with a reset, so the peer sees a non-clean loss.
                self.socket.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.socket.close()

    # -- Addresses and options -------------------------------------------------------------------

    def getPeer(self):
        """The address of the other end."""
        return _fromSocketAddress("TCP", self._peer)

    def getHost(self):
        """The address of this end."""
        return _fromSocketAddress("TCP", self._host)

    def getTcpNoDelay(self):
        return bool(self.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    def setTcpNoDelay(self, enabled):
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, enabled)

    def getTcpKeepAlive(self):
        return bool(self.socket.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))

    def setTcpKeepAlive(self, enabled):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, enabled)

    def _rememberAddresses(self):
        # Kept at connect time: after close, getsockname() is no longer possible.
        self._host = self.socket.getsockname()
        self._peer = self.socket.getpeername()


class Server(Connection):
    """The transport of a connection a ``Port`` accepted."""

    def __init__(self, skt, protocol, client, server, sessionno, reactor):
        super().__init__(skt, protocol, reactor)
        self.server = server
        self.client = client
        self.sessionno = sessionno
        self.hostname = client[0]
        self._rememberAddresses()
        self.logstr = f"{_logPrefixOf(protocol)},{sessionno},{self.hostname}"
        self.repstr = "<{} #{} on {}>".format(
            protocol.__class__.__name__, sessionno, server._realPortNumber)
        self.connected = 1
        self.startReading()

    def __repr__(self):
        return self.repstr


class Client(Connection):
    """The transport of an outgoing connection; it connects itself, then behaves like ``Server``."""

    def __init__(self, host, port, bindAddress, connector, reactor):
        self.connector = connector
        self.addr = (host, port)
        family = socket.AF_INET6 if isIPv6Address(host) else socket.AF_INET
        skt = socket.socket(family, socket.SOCK_STREAM)
        super().__init__(skt, None, reactor)
        self._family = family
        self.doRead = self.doWrite = self._doConnect  # until connected
        failure = None
        if bindAddress is not None:
            try:
                skt.bind(bindAddress)
            except OSError as e:
                failure = error.ConnectBindError(e.args[0], e.args[1])
        # Start on the next pass, so connectTCP returns before anything happens.
        if failure is not None:
            reactor.callLater(0, self.failIfNotConnected, failure)
        else:
            reactor.callLater(0, self._resolveAddress)

    def __repr__(self):
        return f"<{self.__class__} to {self.addr} at {id(self):x}>"

    def _resolveAddress(self):
        host = self.addr[0]
        if isIPAddress(host) or isIPv6Address(host):
            self._setRealAddress(host)
        else:
            # Name lookup blocks, so it runs in the reactor's thread pool.
            d = self.reactor.resolve(host)
            d.addCallbacks(
                self._setRealAddress,
                lambda failure: self.failIfNotConnected(error.DNSLookupError(host)))

    def _setRealAddress(self, host):
        self.realAddress = (host, self.addr[1])
        self._doConnect()

    def _doConnect(self):
        """Start the non-blocking connect, or (called again when writable) see how it went."""
        if not hasattr(self, "connector"):
            return None  # failIfNotConnected ran already
        code = self.socket.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if not code:
            code = self.socket.connect_ex(self.realAddress)
        if code in _WOULD_BLOCK_CONNECT:
            self.startReading()
            self.startWriting()
            return None
        if code and code != errno.EISCONN:
            self.failIfNotConnected(error.getConnectError((code, os.strerror(code))))
            return None
        del self.doRead, self.doWrite  # connected: the normal Connection methods take over
        self.stopReading()
        self.stopWriting()
        self._connectDone()
        return None

    def _connectDone(self):
        self._rememberAddresses()
        self.protocol = self.connector.buildProtocol(self.getPeer())
        self.connected = 1
        self.logstr = f"{_logPrefixOf(self.protocol)},client"
        if self.protocol is None:
            # buildProtocol may decline: close at once, with a do-nothing protocol.
            from minitwisted.internet.protocol import Protocol

            self.protocol = Protocol()
            self.loseConnection()
        else:
            self.startReading()
            try:
                self.protocol.makeConnection(self)
            except BaseException:
                # connectionMade raised: log it and close this connection only.
                log.err(Failure(), None, system=self.logstr)
                self.stopReading()
                self.stopWriting()
                self.connectionLost(Failure())

    def failIfNotConnected(self, err):
        """The connect failed (or timed out, or was stopped): tell the connector, once."""
        if self.connected or self.disconnected or not hasattr(self, "connector"):
            return
        self.stopReading()
        self.stopWriting()
        self.socket.close()
        connector = self.connector
        del self.connector
        connector.connectionFailed(err if isinstance(err, Failure) else Failure(err))

    def connectionLost(self, reason):
        if not hasattr(self, "socket"):
            return
        super().connectionLost(reason)
        self.connector.connectionLost(reason)

    def getPeer(self):
        if hasattr(self, "_peer"):
            return super().getPeer()
        return _fromSocketAddress("TCP", getattr(self, "realAddress", self.addr))


@implementer(IListeningPort, IReadDescriptor, ILoggingContext)
class Port:
    """A listening TCP socket: each connection it accepts gets a protocol and a ``Server``.

    It is a reader only.  Twisted's ``Port`` inherits the whole transport class and so
    also declares ``ITransport``, ``IConsumer`` and the producer interfaces; this one
    declares what a listening port is.

    Invariants: ``connected`` is true between ``startListening`` and ``connectionLost``;
    ``_realPortNumber`` is the bound port (useful when asked for port 0), or ``None``.
    """

    backlog = 50
    numberAccepts = 100  # accept at most this many connections per readable event
    sessionno = 0
    connected = False
    disconnecting = False
    _realPortNumber = None
    deferred = None
    _closing = None  # Deferreds waiting for the close that stopListening scheduled
    _type = "TCP"

    def __init__(self, port, factory, backlog=50, interface="", reactor=None):
        self.port = port
        self.factory = factory
        self.backlog = backlog
        self.interface = interface
        self.reactor = reactor if reactor is not None else abstract._globalReactor()
        self._family = socket.AF_INET6 if isIPv6Address(interface) else socket.AF_INET

    def __repr__(self):
        if self._realPortNumber is not None:
            return "<{} of {} on {}>".format(
                self.__class__, self.factory.__class__, self._realPortNumber)
        return f"<{self.__class__} of {self.factory.__class__} (not listening)>"

    def startListening(self):
        """Bind and listen; ``CannotListenError`` if the port is taken (port 0 picks a free one)."""
        skt = socket.socket(self._family, socket.SOCK_STREAM)
        if os.name == "posix":
            # Allow a restart while old connections linger in TIME_WAIT, as Twisted does.
            skt.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            skt.bind((self.interface, self.port))
        except OSError as e:
            skt.close()
            raise error.CannotListenError(self.interface, self.port, e)
        skt.listen(self.backlog)
        skt.setblocking(False)
        self.socket = skt
        self.fileno = skt.fileno
        self._realPortNumber = skt.getsockname()[1]
        log.msg(f"{_logPrefixOf(self.factory)} starting on {self._realPortNumber}")
        self.factory.doStart()
        self.connected = True
        self.reactor.addReader(self)

    def doRead(self):
        """Accept the connections that are waiting, and give each a protocol."""
        for _ in range(self.numberAccepts):
            try:
                skt, addr = self.socket.accept()
            except BlockingIOError:
                return None
            except OSError as e:
                if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    log.msg("Could not accept new connection ({})".format(
                        errno.errorcode.get(e.errno, e.errno)))
                    return None
                if e.errno in (errno.ECONNABORTED, errno.EPERM):
                    continue  # the client gave up before we accepted
                raise
            self._accepted(skt, addr)
        return None

    def _accepted(self, skt, addr):
        protocol = self.factory.buildProtocol(_fromSocketAddress("TCP", addr))
        if protocol is None:
            skt.close()
            return
        sessionno, self.sessionno = self.sessionno, self.sessionno + 1
        transport = Server(skt, protocol, addr, self, sessionno, self.reactor)
        try:
            protocol.makeConnection(transport)
        except BaseException:
            # connectionMade raised: log it and close this connection only.
            log.err(Failure(), None, system=transport.logstr)
            self.reactor.removeReader(transport)
            self.reactor.removeWriter(transport)
            transport.connectionLost(Failure())

    def stopListening(self):
        """Stop accepting; a Deferred fires once the socket is closed (on the next pass)."""
        self.disconnecting = True
        self.reactor.removeReader(self)
        if not self.connected:
            return None
        if self._closing is None:
            self._closing = []
            self.reactor.callLater(0, self._closeNow)
        # Every caller gets a Deferred of its own; all fire when the socket is closed.
        self.deferred = Deferred()
        self._closing.append(self.deferred)
        return self.deferred

    def _closeNow(self):
        waiting, self._closing = self._closing, None
        try:
            self.connectionLost(Failure(main.CONNECTION_DONE))
        except BaseException:
            failure = Failure()
            for d in waiting:
                d.errback(failure)
        else:
            for d in waiting:
                d.callback(None)

    loseConnection = stopListening

    def connectionLost(self, reason):
        """Close the listening socket and stop the factory."""
        log.msg(f"({self._type} Port {self._realPortNumber} Closed)")
        self._realPortNumber = None
        self.connected = False
        self.reactor.removeReader(self)
        self.socket.close()
        del self.socket, self.fileno
        try:
            self.factory.doStop()
        finally:
            self.disconnecting = False

    def getHost(self):
        """The address we listen on (with the real port number when asked for 0)."""
        return _fromSocketAddress("TCP", self.socket.getsockname())

    def logPrefix(self):
        return f"{_logPrefixOf(self.factory)} (TCP)"


@implementer(IConnector)
class Connector:
    """What ``connectTCP`` returns: it makes connection attempts and tells the factory how they went.

    ``state`` is 'disconnected', 'connecting' or 'connected'.  A ``ClientFactory`` may
    call ``connector.connect()`` again from ``clientConnectionFailed`` or
    ``clientConnectionLost`` to retry (``ReconnectingClientFactory`` does).
    """

    timeoutID = None
    factoryStarted = 0

    def __init__(self, host, port, factory, timeout, bindAddress, reactor=None):
        if isinstance(port, str):
            try:
                port = socket.getservbyname(port, "tcp")
            except OSError as e:
                raise error.ServiceNameUnknownError(string=f"{e} ({port!r})")
        self.host, self.port = host, port
        self.bindAddress = bindAddress
        self.factory = factory
        self.timeout = timeout
        self.reactor = reactor if reactor is not None else abstract._globalReactor()
        self.state = "disconnected"
        self.transport = None

    def __repr__(self):
        return f"<{self.__class__.__name__} instance at 0x{id(self):x} {self.state} {self.getDestination()}>"

    def connect(self):
        """Start a connection attempt (``RuntimeError`` unless disconnected)."""
        if self.state != "disconnected":
            raise RuntimeError("can't connect in this state")
        self.state = "connecting"
        if not self.factoryStarted:
            self.factory.doStart()
            self.factoryStarted = 1
        self.transport = transport = Client(
            self.host, self.port, self.bindAddress, self, self.reactor)
        if self.timeout is not None:
            self.timeoutID = self.reactor.callLater(
                self.timeout, transport.failIfNotConnected, error.TimeoutError())
        self.factory.startedConnecting(self)

    def stopConnecting(self):
        """Give up the attempt in progress: the factory hears ``UserError``."""
        if self.state != "connecting":
            raise error.NotConnectingError("we're not trying to connect")
        self.state = "disconnected"
        self.transport.failIfNotConnected(error.UserError())
        self.transport = None

    def disconnect(self):
        """Stop connecting, or close the connection."""
        if self.state == "connecting":
            self.stopConnecting()
        elif self.state == "connected":
            self.transport.loseConnection()

    def _cancelTimeout(self):
        if self.timeoutID is not None:
            if self.timeoutID.active():
                self.timeoutID.cancel()
            self.timeoutID = None

    def buildProtocol(self, addr):
        self.state = "connected"
        self._cancelTimeout()
        return self.factory.buildProtocol(addr)

    def connectionFailed(self, reason):
        self._cancelTimeout()
        self.transport = None
        self.state = "disconnected"
        self.factory.clientConnectionFailed(self, reason)
        if self.state == "disconnected":  # the factory did not retry
            self.factory.doStop()
            self.factoryStarted = 0

    def connectionLost(self, reason):
        self.state = "disconnected"
        self.factory.clientConnectionLost(self, reason)
        if self.state == "disconnected":
            self.factory.doStop()
            self.factoryStarted = 0

    def getDestination(self):
        """The address we connect to."""
        if isIPv6Address(self.host):
            return IPv6Address("TCP", self.host, self.port)
        return IPv4Address("TCP", self.host, self.port)
