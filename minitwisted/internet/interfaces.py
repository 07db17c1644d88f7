"""The contracts between the reactor, transports, protocols and factories, as zope interfaces.

Mirrors ``twisted.internet.interfaces`` (Twisted 26.10): the same interface names, the
same inheritance, and the same method names and signatures, so
``verifyObject(ITransport, transport)`` means the same on both.  Only the interfaces the
workshop uses are here.  An interface is a promise, not code: a class says
``@implementer(IProtocol)`` and then has to provide those methods itself.
The workshop meets them in ``notebooks/04_transports.ipynb`` (transports, producers,
consumers) and ``notebooks/05_protocols_and_factories.ipynb`` (protocols, factories,
endpoints).  Tests: ``tests/internet/test_interfaces.py``.

Read it in this order: the reactor's interfaces (core, time, TCP/UDP, file descriptors,
threads), then what the reactor watches (descriptors, ports, connectors), then what a
protocol sees (addresses, transports, producers and consumers), then protocols,
factories and endpoints.
"""

from zope.interface import Attribute, Interface


# --- The reactor -------------------------------------------------------------------------


class IReactorCore(Interface):
    """Start and stop the event loop, and run code at its system events (startup, shutdown)."""

    running = Attribute("True while the reactor is running (between startup and shutdown).")

    def resolve(name, timeout=(1, 3, 11, 45)):
        """Look up a host name; return a Deferred firing with its IP address as a string."""

    def run():
        """Run the event loop until ``stop()`` is called."""

    def stop():
        """Ask the event loop to stop after the current iteration, running shutdown triggers."""

    def crash():
        """Stop the event loop at once, without running the shutdown triggers."""

    def iterate(delay):
        """Run one pass of the loop, waiting at most ``delay`` seconds for I/O."""

    def fireSystemEvent(eventType):
        """Fire the 'before', 'during' and 'after' triggers of ``eventType`` (e.g. "shutdown")."""

    def addSystemEventTrigger(phase, eventType, callable, *args, **kwargs):
        """Call ``callable(*args, **kwargs)`` at ``phase`` of ``eventType``; return a trigger ID."""

    def removeSystemEventTrigger(triggerID):
        """Remove a trigger added by ``addSystemEventTrigger``."""

    def callWhenRunning(callable, *args, **kwargs):
        """Call ``callable`` once the reactor is running (now, if it already is)."""


class IReactorTime(Interface):
    """Tell the time, and call functions later."""

    def seconds():
        """Return the current time in seconds, as the reactor sees it."""

    def callLater(delay, callable, *args, **kwargs):
        """Call ``callable(*args, **kwargs)`` in ``delay`` seconds; return an ``IDelayedCall``."""

    def getDelayedCalls():
        """Return all the scheduled calls that have neither run nor been cancelled."""


class IDelayedCall(Interface):
    """A call scheduled by ``callLater``, which can be cancelled or moved."""

    def getTime():
        """Return the time, in seconds, at which the call will run."""

    def cancel():
        """Stop the call from running; raise if it already ran or was cancelled."""

    def delay(secondsLater):
        """Move the call ``secondsLater`` seconds later than it is now scheduled."""

    def reset(secondsFromNow):
        """Reschedule the call to run ``secondsFromNow`` seconds from now."""

    def active():
        """Return True while the call has neither run nor been cancelled."""


class IReactorTCP(Interface):
    """Listen for and make TCP connections."""

    def listenTCP(port, factory, backlog=50, interface=""):
        """Listen on ``port``; each accepted connection gets a protocol from ``factory``.

        Return an ``IListeningPort``; ``port=0`` lets the kernel pick a free port.
        """

    def connectTCP(host, port, factory, timeout=30.0, bindAddress=None):
        """Connect to ``host:port``; the ``ClientFactory`` hears of success or failure.

        Return an ``IConnector``.
        """


class IReactorUDP(Interface):
    """Send and receive UDP datagrams."""

    def listenUDP(port, protocol, interface, maxPacketSize):
        """Bind a UDP socket to ``port`` and hand its datagrams to ``protocol``; return the port."""


class IReactorFDSet(Interface):
    """Watch file descriptors: the readers and writers the event loop selects on."""

    def addReader(reader):
        """Call ``reader.doRead()`` whenever its descriptor has data to read."""

    def addWriter(writer):
        """Call ``writer.doWrite()`` whenever its descriptor can accept more data."""

    def removeReader(reader):
        """Stop watching ``reader`` for reading."""

    def removeWriter(writer):
        """Stop watching ``writer`` for writing."""

    def removeAll():
        """Stop watching every reader and writer; return the ones that were removed."""

    def getReaders():
        """Return the list of readers being watched."""

    def getWriters():
        """Return the list of writers being watched."""


class IReactorFromThreads(Interface):
    """The one reactor method that is safe to call from another thread."""

    def callFromThread(callable, *args, **kwargs):
        """Run ``callable(*args, **kwargs)`` in the reactor thread, soon."""


class IReactorInThreads(Interface):
    """Run blocking code in a thread pool, away from the reactor thread."""

    def callInThread(callable, *args, **kwargs):
        """Run ``callable(*args, **kwargs)`` in a thread of the reactor's thread pool."""


class IReactorThreads(IReactorFromThreads, IReactorInThreads):
    """Both directions of thread hand-off, plus control of the thread pool."""

    def getThreadPool():
        """Return the reactor's thread pool, creating it if needed."""

    def suggestThreadPoolSize(size):
        """Suggest the largest number of threads the pool should run."""


# --- What the reactor watches ------------------------------------------------------------


class ILoggingContext(Interface):
    """Something that names itself in log lines."""

    def logPrefix():
        """Return the short name shown in log lines written on this object's behalf."""


class IFileDescriptor(ILoggingContext):
    """An object wrapping an operating system file descriptor (a socket, for us)."""

    def fileno():
        """Return the integer descriptor, for ``select``; -1 once it is closed."""

    def connectionLost(reason):
        """The descriptor was closed; ``reason`` is a Failure saying why."""


class IReadDescriptor(IFileDescriptor):
    """A descriptor the reactor reads from."""

    def doRead():
        """Read what is available now; the reactor calls this when the descriptor is readable."""


class IWriteDescriptor(IFileDescriptor):
    """A descriptor the reactor writes to."""

    def doWrite():
        """Write what is buffered; the reactor calls this when the descriptor is writable."""


class IReadWriteDescriptor(IReadDescriptor, IWriteDescriptor):
    """A descriptor the reactor both reads from and writes to, like a TCP connection."""


class IHalfCloseableDescriptor(Interface):
    """A descriptor whose reading and writing halves can close separately."""

    def writeConnectionLost(reason):
        """The writing half was closed."""

    def readConnectionLost(reason):
        """The reading half was closed (the peer sent EOF)."""


class IListeningPort(Interface):
    """A listening socket, as returned by ``listenTCP``."""

    def startListening():
        """Start accepting connections (``listenTCP`` already did)."""

    def stopListening():
        """Stop accepting connections; may return a Deferred that fires once the socket closes."""

    def getHost():
        """Return the ``IAddress`` the port listens on (with the real port number)."""


class IConnector(Interface):
    """An outgoing connection attempt, as returned by ``connectTCP``."""

    def stopConnecting():
        """Abandon the attempt if it has not connected yet."""

    def disconnect():
        """Close the connection, or stop connecting if it has not connected yet."""

    def connect():
        """Try to connect again (a reconnecting factory calls this)."""

    def getDestination():
        """Return the ``IAddress`` being connected to."""


# --- What a protocol sees ----------------------------------------------------------------


class IAddress(Interface):
    """The address of one end of a connection; see ``minitwisted.internet.address``."""


class ITransport(Interface):
    """The connection as a protocol sees it: write bytes, close, ask who is on each end."""

    def write(data):
        """Queue ``data`` (bytes) to be sent; it goes out as the socket allows, in order."""

    def writeSequence(data):
        """Queue each bytes object of the iterable ``data``, as if by ``write``."""

    def loseConnection():
        """Close the connection once the queued data has been sent."""

    def getPeer():
        """Return the ``IAddress`` of the other side."""

    def getHost():
        """Return the ``IAddress`` of this side."""


class ITCPTransport(ITransport):
    """A TCP connection: a transport with TCP's half-close, abort and socket options."""

    def loseWriteConnection():
        """Close only the writing half, once the queued data has been sent."""

    def abortConnection():
        """Close at once, dropping queued data; the protocol sees ``ConnectionAborted``."""

    def getTcpNoDelay():
        """Return whether Nagle's algorithm is off (TCP_NODELAY)."""

    def setTcpNoDelay(enabled):
        """Turn Nagle's algorithm off (True) or on (False)."""

    def getTcpKeepAlive():
        """Return whether TCP keepalive probes are on (SO_KEEPALIVE)."""

    def setTcpKeepAlive(enabled):
        """Turn TCP keepalive probes on or off."""

    def getHost():
        """Return the ``IPv4Address``/``IPv6Address`` of this side."""

    def getPeer():
        """Return the ``IPv4Address``/``IPv6Address`` of the other side."""


class IUDPTransport(Interface):
    """A UDP port as a ``DatagramProtocol`` sees it."""

    def write(packet, addr):
        """Send one datagram to ``addr``, a ``(host, port)`` tuple (omit it once connected)."""

    def connect(host, port):
        """Send to and receive from only ``host:port`` from now on."""

    def getHost():
        """Return the ``IAddress`` the port is bound to."""

    def stopListening():
        """Close the port; may return a Deferred that fires once it is closed."""

    def setBroadcastAllowed(enabled):
        """Allow or forbid sending to broadcast addresses."""

    def getBroadcastAllowed():
        """Return whether sending to broadcast addresses is allowed."""


class IConsumer(Interface):
    """Something that data is written into, and that can slow down its producer."""

    def registerProducer(producer, streaming):
        """Attach ``producer``: push (``streaming=True``) or pull (``streaming=False``)."""

    def unregisterProducer():
        """Detach the producer."""

    def write(data):
        """Accept some data."""


class IProducer(Interface):
    """A source of data for a consumer."""

    def stopProducing():
        """Stop for good: the consumer is gone."""


class IPushProducer(IProducer):
    """A producer that writes on its own until the consumer asks it to pause."""

    def pauseProducing():
        """Stop writing for now: the consumer's buffer is full."""

    def resumeProducing():
        """Start writing again: the consumer's buffer has drained."""


class IPullProducer(IProducer):
    """A producer that writes one chunk each time the consumer asks."""

    def resumeProducing():
        """Write one more chunk to the consumer."""


# --- Protocols, factories and endpoints --------------------------------------------------


class IProtocol(Interface):
    """The code that handles one connection's events: made, data, lost."""

    def dataReceived(data):
        """Some bytes arrived; they may be any slice of what the peer sent."""

    def connectionLost(reason):
        """The connection closed; ``reason`` is a Failure (``ConnectionDone`` if cleanly)."""

    def makeConnection(transport):
        """Attach the transport and call ``connectionMade``."""

    def connectionMade():
        """The connection is up and ``self.transport`` is set."""


class IHalfCloseableProtocol(Interface):
    """A protocol that wants to hear when each half of the connection closes."""

    def readConnectionLost():
        """The peer will send nothing more; this side can still write."""

    def writeConnectionLost():
        """This side can write nothing more."""


class IProtocolFactory(Interface):
    """Makes one protocol per connection."""

    def buildProtocol(addr):
        """Return a new protocol for a connection with ``addr``, or None to refuse it."""

    def doStart():
        """A port or connector starts using this factory."""

    def doStop():
        """A port or connector stops using this factory."""


class IStreamServerEndpoint(Interface):
    """A place to listen for stream connections, described once and listened on later."""

    def listen(protocolFactory):
        """Start listening; return a Deferred firing with the ``IListeningPort``."""


class IStreamClientEndpoint(Interface):
    """A place to connect a stream to, described once and connected later."""

    def connect(protocolFactory):
        """Connect; return a Deferred firing with the connected protocol."""
