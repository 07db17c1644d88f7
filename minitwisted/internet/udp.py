"""UDP: a port that receives datagrams for a ``DatagramProtocol`` and sends them for it.

Mirrors ``twisted.internet.udp.Port`` (Twisted 26.10): ``listenUDP`` returns one; it is the
protocol's ``transport``, with ``write(datagram, addr)``, ``writeSequence``,
``connect(host, port)``, ``getHost``, ``stopListening`` and the broadcast switch.  There
is no connection and no buffering: each ``write`` is one ``sendto``.  The workshop
compares it with TCP in ``notebooks/04_transports.ipynb``.  Tests: ``tests/internet/test_udp.py``.

Differs from Twisted: after ``connect``, a datagram sent to a closed port comes back as
an ICMP error; minitwisted calls ``protocol.connectionRefused()`` and keeps the port
open, as Twisted documents and as its select reactor does.  Twisted's default epoll
reactor sees the error as a lost connection instead and closes the port
(``stopProtocol``, no ``connectionRefused``).
"""

import errno
import socket
import warnings

from zope.interface import implementer

from minitwisted.internet import abstract, error
from minitwisted.internet.abstract import isIPAddress, isIPv6Address
from minitwisted.internet.address import IPv4Address, IPv6Address
from minitwisted.internet.defer import Deferred
from minitwisted.internet.interfaces import (
    IListeningPort,
    ILoggingContext,
    IReadDescriptor,
    IUDPTransport,
)
from minitwisted.internet.tcp import _logPrefixOf
from minitwisted.python import log
from minitwisted.python.failure import Failure

_READ_IGNORED = (errno.EAGAIN, errno.EINTR, errno.EWOULDBLOCK)
# An ICMP "port unreachable" for an earlier datagram shows up as one of these on read.
_READ_REFUSED = (errno.ECONNREFUSED, errno.ECONNRESET, errno.ENETRESET, errno.ETIMEDOUT)


@implementer(IUDPTransport, IListeningPort, IReadDescriptor, ILoggingContext)
class Port:
    """A bound UDP socket serving one ``DatagramProtocol``.

    Invariants: ``connected`` is true while listening (Twisted's name for it);
    ``_connectedAddr`` is the ``(host, port)`` given to ``connect``, or ``None``.
    """

    maxThroughput = 256 * 1024  # read at most this many bytes per readable event
    connected = False
    _realPortNumber = None

    def __init__(self, port, proto, interface="", maxPacketSize=8192, reactor=None):
        self.port = port
        self.protocol = proto
        self.maxPacketSize = maxPacketSize
        self.interface = interface
        self.reactor = reactor if reactor is not None else abstract._globalReactor()
        self.logstr = f"{_logPrefixOf(proto)} (UDP)"
        self._connectedAddr = None
        self._stopped = None
        if isIPv6Address(interface):
            self.addressFamily = socket.AF_INET6
        elif isIPAddress(interface) or not interface:
            self.addressFamily = socket.AF_INET
        else:
            raise error.InvalidAddressError(interface, "not an IPv4 or IPv6 address.")

    def __repr__(self):
        if self._realPortNumber is not None:
            return f"<{self.protocol.__class__} on {self._realPortNumber}>"
        return f"<{self.protocol.__class__} not connected>"

    def getHandle(self):
        return self.socket

    def startListening(self):
        """Bind the socket (``CannotListenError`` if taken), start the protocol, start reading."""
        skt = socket.socket(self.addressFamily, socket.SOCK_DGRAM)
        try:
            skt.bind((self.interface, self.port))
        except OSError as e:
            skt.close()
            raise error.CannotListenError(self.interface, self.port, e)
        skt.setblocking(False)
        self.socket = skt
        self.fileno = skt.fileno
        self._realPortNumber = skt.getsockname()[1]
        log.msg(f"{_logPrefixOf(self.protocol)} starting on {self._realPortNumber}")
        self.connected = True
        self.protocol.makeConnection(self)
        self.reactor.addReader(self)

    def doRead(self):
        """Hand each waiting datagram to ``datagramReceived``; an exception there is only logged."""
        read = 0
        while read < self.maxThroughput:
            try:
                data, addr = self.socket.recvfrom(self.maxPacketSize)
            except OSError as e:
                if e.errno in _READ_REFUSED:
                    if self._connectedAddr:
                        self.protocol.connectionRefused()
                    return None
                if e.errno in _READ_IGNORED:
                    return None
                raise
            read += len(data)
            try:
                self.protocol.datagramReceived(data, addr[:2])
            except BaseException:
                # One bad datagram must not close the port for everyone else.
                log.err(Failure(), None, system=self.logstr)
        return None

    def write(self, datagram, addr=None):
        """Send one datagram to ``addr`` (an IP address, not a host name), or to the connected peer."""
        if self._connectedAddr:
            assert addr in (None, self._connectedAddr)
            try:
                return self.socket.send(datagram)
            except OSError as e:
                if e.errno == errno.EMSGSIZE:
                    raise error.MessageLengthError("message too long")
                if e.errno == errno.ECONNREFUSED:
                    self.protocol.connectionRefused()
                    return None
                raise
        assert addr is not None
        host = addr[0]
        if not (isIPAddress(host) or isIPv6Address(host) or host == "<broadcast>"):
            raise error.InvalidAddressError(
                host, "write() only accepts IP addresses, not hostnames")
        if self.addressFamily == socket.AF_INET6 and not isIPv6Address(host):
            raise error.InvalidAddressError(
                host, "IPv6 port write() called with IPv4 or broadcast address")
        if self.addressFamily == socket.AF_INET and isIPv6Address(host):
            raise error.InvalidAddressError(host, "IPv4 port write() called with IPv6 address")
        try:
            return self.socket.sendto(datagram, addr)
        except OSError as e:
            if e.errno == errno.EMSGSIZE:
                raise error.MessageLengthError("message too long")
            if e.errno == errno.ECONNREFUSED:
                return None
            raise

    def writeSequence(self, seq, addr):
        """Send the concatenation of ``seq`` as one datagram."""
        self.write(b"".join(seq), addr)

    def connect(self, host, port):
        """Talk to one peer only: ``write`` then needs no address, and refusals are reported."""
        if self._connectedAddr:
            raise RuntimeError("already connected, reconnecting is not currently supported")
        if not (isIPAddress(host) or isIPv6Address(host)):
            raise error.InvalidAddressError(host, "not an IPv4 or IPv6 address.")
        self._connectedAddr = (host, port)
        self.socket.connect((host, port))

    def stopListening(self):
        """Stop reading; the socket closes on the next pass, then the returned Deferred fires."""
        result = None
        if self.connected:
            result = self._stopped = Deferred()
        self.reactor.removeReader(self)
        if self.connected:
            self.reactor.callLater(0, self.connectionLost)
        return result

    def loseConnection(self):
        warnings.warn(
            "Please use stopListening() to disconnect port", DeprecationWarning, stacklevel=2)
        self.stopListening()

    def connectionLost(self, reason=None):
        """Close the socket and stop the protocol."""
        if not self.connected:
            return
        log.msg(f"(UDP Port {self._realPortNumber} Closed)")
        self._realPortNumber = None
        self.connected = False
        self.reactor.removeReader(self)
        self.protocol.doStop()
        self.socket.close()
        del self.socket, self.fileno
        stopped, self._stopped = self._stopped, None
        if stopped is not None:
            stopped.callback(None)

    def getHost(self):
        """Our bound address, as ``IPv4Address('UDP', ...)``."""
        host, port = self.socket.getsockname()[:2]
        if self.addressFamily == socket.AF_INET6:
            return IPv6Address("UDP", host, port)
        return IPv4Address("UDP", host, port)

    def setBroadcastAllowed(self, enabled):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, enabled)

    def getBroadcastAllowed(self):
        return bool(self.socket.getsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST))

    def logPrefix(self):
        return self.logstr
