"""Fakes for unit tests: a transport that writes to memory and a reactor that only takes notes.

Mirrors ``twisted.internet.testing`` (Twisted 26.10).  ``StringTransport`` lets a test
feed bytes to a protocol and read what it wrote, with no sockets; ``MemoryReactor``
records ``listenTCP``/``connectTCP`` calls instead of making them, and
``MemoryReactorClock`` adds ``task.Clock``'s fake time.  The workshop uses them from
``notebooks/04_transports.ipynb`` on and explains them in
``notebooks/06_testing_with_trial.ipynb``.  ``minitwisted.test.proto_helpers`` is the
deprecated old name of this module, as in Twisted.
Tests: ``tests/internet/test_testing.py``.

Read it in this order: ``StringTransport`` (and its subclass that disconnects), the
small protocols and producers, then ``MemoryReactor`` with its fake port and connector.

Differs from Twisted:

- ``MemoryReactor`` also provides ``IReactorUDP``: ``listenUDP`` records
  ``(port, protocol, interface, maxPacketSize)`` in ``udpServers`` and returns a fake
  port, so the workshop's UDP examples can be tested the same way as TCP ones.
  Twisted's ``MemoryReactor`` has no ``listenUDP``.
- Only TCP and UDP are faked: there is no SSL, UNIX-socket, socket-adoption or
  name-resolver part (no ``listenSSL``, ``connectUNIX``, ``adoptStreamPort``,
  ``nameResolver``, ...), since minitwisted has none of those.  For the same reason
  ``EventLoggingObserver`` (an observer for ``twisted.logger``, which minitwisted does
  not mirror) is absent.
- ``LineSendingProtocol`` with ``start=False`` records the first line it receives in
  ``response``.  Twisted's reuses the name of that line as the loop variable that sends
  ``lines``, so it records the last line it sent instead.
"""

from io import BytesIO

from zope.interface import implementer

from minitwisted.internet import error, protocol
from minitwisted.internet.address import IPv4Address, IPv6Address
from minitwisted.internet.defer import Deferred
from minitwisted.internet.abstract import isIPv6Address
from minitwisted.internet.interfaces import (
    IConnector,
    IConsumer,
    IListeningPort,
    IPushProducer,
    IReactorCore,
    IReactorFDSet,
    IReactorTCP,
    IReactorUDP,
    ITransport,
    IUDPTransport,
)
from minitwisted.internet.task import Clock, LoopingCall
from minitwisted.protocols import basic
from minitwisted.python.failure import Failure

__all__ = [
    "AccumulatingProtocol",
    "LineSendingProtocol",
    "FakeDatagramTransport",
    "StringTransport",
    "StringTransportWithDisconnection",
    "StringIOWithoutClosing",
    "_FakeConnector",
    "_FakePort",
    "MemoryReactor",
    "MemoryReactorClock",
    "RaisingMemoryReactor",
    "NonStreamingProducer",
    "waitUntilAllDisconnected",
]


# --- Transports -------------------------------------------------------------------------------


@implementer(ITransport, IConsumer, IPushProducer)
class StringTransport:
    """A transport that keeps what is written in memory and only records everything else.

    Attributes a test reads (real transports do not have them):

    - ``io``: a ``BytesIO`` with everything written since the last ``clear()``; read it
      with ``value()``.
    - ``disconnecting``: set by ``loseConnection`` (and ``abortConnection``);
      ``disconnected``: set by ``abortConnection`` only.  Nothing is closed or reported
      to a protocol: that is ``StringTransportWithDisconnection``'s job.
    - ``producer`` and ``streaming``: what ``registerProducer`` was given, or ``None``.
    - ``producerState``: 'producing', 'paused' or 'stopped', this transport's own state
      as a push producer (what a protocol did to it with ``pauseProducing`` etc.).
    - ``connected``: ``True`` (``StringTransportWithDisconnection`` clears it).

    With ``lenient=True``, ``pauseProducing``/``resumeProducing`` are allowed after
    ``loseConnection``; by default they raise, to catch code that keeps producing into
    a closed connection.
    """

    disconnecting = False
    disconnected = False
    producer = None
    streaming = None
    hostAddr = None
    peerAddr = None
    producerState = "producing"

    def __init__(self, hostAddress=None, peerAddress=None, lenient=False):
        self.clear()
        if hostAddress is not None:
            self.hostAddr = hostAddress
        if peerAddress is not None:
            self.peerAddr = peerAddress
        self.connected = True
        self._lenient = lenient

    def clear(self):
        """Forget everything written so far (a test helper, not a transport method)."""
        self.io = BytesIO()

    def value(self):
        """All the bytes written since the last ``clear()`` (a test helper)."""
        return self.io.getvalue()

    # ITransport

    def write(self, data):
        """Keep ``data``; like a real transport, accept only ``bytes``."""
        if not isinstance(data, bytes):
            # Catch str early: a real socket would fail later and further from the bug.
            raise TypeError("Data must be bytes")
        self.io.write(data)

    def writeSequence(self, data):
        """Keep the bytes of every item of ``data``, in order."""
        self.io.write(b"".join(data))

    def loseConnection(self):
        """Only note the request: ``disconnecting`` becomes ``True``."""
        self.disconnecting = True

    def abortConnection(self):
        """Like ``loseConnection``, and also set ``disconnected``."""
        self.disconnected = True
        self.loseConnection()

    def getPeer(self):
        """The peer address given, or Twisted's made-up ``192.168.1.1:54321`` over TCP."""
        if self.peerAddr is None:
            return IPv4Address("TCP", "192.168.1.1", 54321)
        return self.peerAddr

    def getHost(self):
        """The host address given, or Twisted's made-up ``10.0.0.1:12345`` over TCP."""
        if self.hostAddr is None:
            return IPv4Address("TCP", "10.0.0.1", 12345)
        return self.hostAddr

    # IConsumer

    def registerProducer(self, producer, streaming):
        """Remember ``producer``; ``RuntimeError`` if one is registered already."""
        if self.producer is not None:
            raise RuntimeError("Cannot register two producers")
        self.producer = producer
        self.streaming = streaming

    def unregisterProducer(self):
        """Forget the producer; ``RuntimeError`` if there is none."""
        if self.producer is None:
            raise RuntimeError("Cannot unregister a producer unless one is registered")
        self.producer = None
        self.streaming = None

    # IPushProducer

    def _checkState(self):
        if self.disconnecting and not self._lenient:
            raise RuntimeError("Cannot resume producing after loseConnection")
        if self.producerState == "stopped":
            raise RuntimeError("Cannot resume a stopped producer")

    def pauseProducing(self):
        """Record a pause (``RuntimeError`` after ``loseConnection`` or ``stopProducing``)."""
        self._checkState()
        self.producerState = "paused"

    def stopProducing(self):
        """Record a stop; it is final."""
        self.producerState = "stopped"

    def resumeProducing(self):
        """Record a resume (``RuntimeError`` after ``loseConnection`` or ``stopProducing``)."""
        self._checkState()
        self.producerState = "producing"


class StringTransportWithDisconnection(StringTransport):
    """A ``StringTransport`` whose ``loseConnection`` really ends the connection, at once.

    Set ``protocol`` first.  ``loseConnection`` then clears ``connected`` and calls
    ``protocol.connectionLost(Failure(ConnectionDone("Bye.")))`` before it returns (a
    real transport would do it on a later reactor turn), only the first time, and
    without setting ``disconnecting``.
    """

    protocol = None

    def loseConnection(self):
        """Disconnect now: tell the protocol the connection is done (only once)."""
        if self.connected:
            self.connected = False
            self.protocol.connectionLost(Failure(error.ConnectionDone("Bye.")))


@implementer(IUDPTransport)
class FakeDatagramTransport:
    """A partial UDP transport: ``written`` lists every ``(packet, addr)`` passed to ``write``."""

    noAddr = object()  # the addr recorded when write() got none (a connected UDP port)

    def __init__(self):
        self.written = []

    def write(self, packet, addr=noAddr):
        """Record the packet and where it was going."""
        self.written.append((packet, addr))


class StringIOWithoutClosing(BytesIO):
    """A ``BytesIO`` whose ``close()`` does nothing: a test can read it after the code closed it."""

    def close(self):
        """Stay open."""


# --- Protocols and producers ------------------------------------------------------------------


class AccumulatingProtocol(protocol.Protocol):
    """A protocol that keeps what happens to it, for tests to look at.

    - ``made``/``closed``: 1 once ``connectionMade``/``connectionLost`` has run.
    - ``data``: all the bytes received; ``closedReason``: the reason given to
      ``connectionLost``.
    - ``closedDeferred``: if a test sets it, it fires with ``None`` on ``connectionLost``.
    - If the factory has a ``protocolConnectionMade`` Deferred, ``connectionMade`` fires
      it with this protocol (and sets it to ``None``, so only the first connection does).
    """

    made = closed = 0
    closedReason = None
    closedDeferred = None
    data = b""
    factory = None

    def connectionMade(self):
        self.made = 1
        factory = self.factory
        if factory is not None and factory.protocolConnectionMade is not None:
            d, factory.protocolConnectionMade = factory.protocolConnectionMade, None
            d.callback(self)

    def dataReceived(self, data):
        self.data += data

    def connectionLost(self, reason=None):
        self.closed = 1
        self.closedReason = reason
        if self.closedDeferred is not None:
            d, self.closedDeferred = self.closedDeferred, None
            d.callback(None)


class LineSendingProtocol(basic.LineReceiver):
    """Send ``lines`` (on connecting if ``start``, else after the first line in); keep replies.

    ``response`` lists the lines received; ``lostConn`` becomes ``True`` on ``connectionLost``.
    """

    lostConn = False

    def __init__(self, lines, start=True):
        self.lines = lines[:]
        self.response = []
        self.start = start

    def connectionMade(self):
        if self.start:
            for line in self.lines:
                self.sendLine(line)

    def lineReceived(self, line):
        if not self.start:
            for toSend in self.lines:  # not "line": that is the line received, kept below
                self.sendLine(toSend)
            self.lines = []
        self.response.append(line)

    def connectionLost(self, reason):
        self.lostConn = True


class NonStreamingProducer:
    """A pull producer: writes ``b"0"`` to ``b"9"``, one per ``resumeProducing``, then unregisters.

    ``result`` is a Deferred that fires with ``None`` when it is done or stopped.
    """

    counter = 0
    stopped = False

    def __init__(self, consumer):
        self.consumer = consumer
        self.result = Deferred()

    def resumeProducing(self):
        """Write the next number; after the tenth, unregister from the consumer and finish."""
        if self.consumer is None or self.counter >= 10:
            raise RuntimeError("BUG: resume after unregister/stop.")
        self.consumer.write(b"%d" % (self.counter,))
        self.counter += 1
        if self.counter == 10:
            self.consumer.unregisterProducer()
            self._done()

    def pauseProducing(self):
        """A pull producer is never paused: calling this is a bug in the consumer."""
        raise RuntimeError("BUG: pause should never be called.")

    def _done(self):
        self.consumer = None
        d = self.result
        del self.result  # a second _done() is a bug: let it fail loudly
        d.callback(None)

    def stopProducing(self):
        """Stop for good and fire ``result``."""
        self.stopped = True
        self._done()


def waitUntilAllDisconnected(reactor, protocols):
    """A Deferred that fires once no protocol in ``protocols`` has a connected transport.

    It checks every 10 ms on ``reactor`` (any ``IReactorTime``).
    """

    def check():
        if not any(p.transport.connected for p in protocols):
            loop.stop()

    loop = LoopingCall(check)
    loop.clock = reactor
    return loop.start(0.01, now=True)


# --- Fake reactors ----------------------------------------------------------------------------


@implementer(IListeningPort)
class _FakePort:
    """The listening port ``MemoryReactor.listenTCP`` returns: it only knows its address."""

    def __init__(self, hostAddress):
        self._hostAddress = hostAddress

    def startListening(self):
        """Do nothing."""

    def stopListening(self):
        """Do nothing (and return ``None``, not a Deferred)."""

    def getHost(self):
        """The address this port pretends to listen on."""
        return self._hostAddress


@implementer(IConnector)
class _FakeConnector:
    """The connector ``MemoryReactor.connectTCP`` returns; it records ``stopConnecting()``."""

    _disconnected = False
    stoppedConnecting = False

    def __init__(self, address):
        self._address = address

    def stopConnecting(self):
        """Record the request."""
        self.stoppedConnecting = True

    def disconnect(self):
        """Record the request (in ``_disconnected``)."""
        self._disconnected = True

    def connect(self):
        """Do nothing."""

    def getDestination(self):
        """The address being connected to."""
        return self._address


@implementer(IReactorCore, IReactorTCP, IReactorUDP, IReactorFDSet)
class MemoryReactor:
    """A reactor that records what it is asked to do and does none of it.

    What it records:

    - ``tcpServers``: ``(port, factory, backlog, interface)`` per ``listenTCP``;
      ``tcpClients``: ``(host, port, factory, timeout, bindAddress)`` per ``connectTCP``,
      whose fake connectors are also in ``connectors``; ``udpServers``:
      ``(port, protocol, interface, maxPacketSize)`` per ``listenUDP``.  No connection is
      ever made: a test builds the protocol from the recorded factory itself.
    - ``readers``/``writers``: sets kept by ``addReader`` and friends.
    - ``whenRunningHooks``: ``(callable, args, kwargs)`` from ``callWhenRunning`` before
      ``run()``; ``triggers``: ``triggers[phase][eventType]`` lists of the same.
    - ``running``, ``hasRun``, ``hasStopped``, ``hasCrashed``, ``hasInstalled``.

    ``run()`` runs the when-running hooks and then "stops" at once.  As in Twisted,
    ``fireSystemEvent``, ``removeSystemEventTrigger``, ``iterate`` and ``resolve`` raise
    ``NotImplementedError``: system-event triggers are recorded, never run.
    """

    def __init__(self):
        self.hasInstalled = False
        self.running = False
        self.hasRun = False
        self.hasStopped = False
        self.hasCrashed = False
        self.whenRunningHooks = []
        self.triggers = {}
        self.tcpClients = []
        self.tcpServers = []
        self.udpServers = []
        self.connectors = []
        self.readers = set()
        self.writers = set()

    def install(self):
        """Pretend to be installed as the global reactor."""
        self.hasInstalled = True

    # IReactorCore

    def resolve(self, name, timeout=10):
        """Not faked."""
        raise NotImplementedError()

    def run(self):
        """Run the ``callWhenRunning`` hooks, then stop; ``hasRun`` and ``hasStopped`` are set."""
        assert self.running is False
        self.running = True
        self.hasRun = True
        for f, args, kwargs in self.whenRunningHooks:
            f(*args, **kwargs)
        self.stop()

    def stop(self):
        """Record the stop: ``running`` is ``False``, ``hasStopped`` is ``True``."""
        self.running = False
        self.hasStopped = True

    def crash(self):
        """Record the crash: ``running`` becomes ``None`` (as in Twisted), ``hasCrashed`` true."""
        self.running = None
        self.hasCrashed = True

    def iterate(self, delay=0):
        """Not faked."""
        raise NotImplementedError()

    def fireSystemEvent(self, eventType):
        """Not faked: triggers are only recorded."""
        raise NotImplementedError()

    def addSystemEventTrigger(self, phase, eventType, callable, *args, **kw):
        """Record the trigger in ``triggers[phase][eventType]``; return ``None`` (no ID)."""
        self.triggers.setdefault(phase, {}).setdefault(eventType, []).append(
            (callable, args, kw))

    def removeSystemEventTrigger(self, triggerID):
        """Not faked."""
        raise NotImplementedError()

    def callWhenRunning(self, callable, *args, **kw):
        """Call now if ``run()`` has ever been called, otherwise keep it for ``run()``."""
        # hasRun, not just running: run() stops at once, yet later hooks should still run.
        if self.running or self.hasRun:
            callable(*args, **kw)
            return None
        self.whenRunningHooks.append((callable, args, kw))

    # IReactorTCP

    def listenTCP(self, port, factory, backlog=50, interface=""):
        """Record the call; return a fake port whose ``getHost()`` reports ``port``."""
        self.tcpServers.append((port, factory, backlog, interface))
        if isIPv6Address(interface):
            return _FakePort(IPv6Address("TCP", interface, port))
        return _FakePort(IPv4Address("TCP", "0.0.0.0", port))

    def connectTCP(self, host, port, factory, timeout=30, bindAddress=None):
        """Record the call; tell ``factory`` it started connecting; return the fake connector."""
        self.tcpClients.append((host, port, factory, timeout, bindAddress))
        if isIPv6Address(host):
            connector = _FakeConnector(IPv6Address("TCP", host, port))
        else:
            connector = _FakeConnector(IPv4Address("TCP", host, port))
        factory.startedConnecting(connector)
        self.connectors.append(connector)
        return connector

    # IReactorUDP (not in Twisted's MemoryReactor: see the module docstring)

    def listenUDP(self, port, protocol, interface="", maxPacketSize=8192):
        """Record the call; return a fake port whose ``getHost()`` reports ``port`` over UDP."""
        self.udpServers.append((port, protocol, interface, maxPacketSize))
        if isIPv6Address(interface):
            return _FakePort(IPv6Address("UDP", interface, port))
        return _FakePort(IPv4Address("UDP", "0.0.0.0", port))

    # IReactorFDSet

    def addReader(self, reader):
        """Add ``reader`` to ``readers``."""
        self.readers.add(reader)

    def removeReader(self, reader):
        """Take ``reader`` out of ``readers`` (no error if it is not there)."""
        self.readers.discard(reader)

    def addWriter(self, writer):
        """Add ``writer`` to ``writers``."""
        self.writers.add(writer)

    def removeWriter(self, writer):
        """Take ``writer`` out of ``writers`` (no error if it is not there)."""
        self.writers.discard(writer)

    def getReaders(self):
        """The readers, as a list."""
        return list(self.readers)

    def getWriters(self):
        """The writers, as a list."""
        return list(self.writers)

    def removeAll(self):
        """Forget every reader and writer; return them."""
        removed = list(self.readers | self.writers)
        self.readers.clear()
        self.writers.clear()
        return removed


class MemoryReactorClock(MemoryReactor, Clock):
    """A ``MemoryReactor`` that also has ``Clock``'s fake time (``callLater``, ``advance``)."""

    def __init__(self):
        MemoryReactor.__init__(self)
        Clock.__init__(self)


@implementer(IReactorTCP, IReactorUDP)
class RaisingMemoryReactor:
    """A reactor whose listens raise ``listenException`` and connects ``connectException``."""

    def __init__(self, listenException=None, connectException=None):
        self._listenException = listenException
        self._connectException = connectException

    def listenTCP(self, port, factory, backlog=50, interface=""):
        raise self._listenException

    def connectTCP(self, host, port, factory, timeout=30, bindAddress=None):
        raise self._connectException

    def listenUDP(self, port, protocol, interface="", maxPacketSize=8192):
        raise self._listenException
