"""What every transport shares: a write buffer that never blocks, producers, and closing in order.

Mirrors ``twisted.internet.abstract.FileDescriptor`` (Twisted 26.10): ``write``,
``writeSequence``, ``loseConnection``, ``loseWriteConnection``, ``registerProducer``,
``unregisterProducer``, the ``connected``/``disconnecting``/``disconnected`` flags,
``startReading``/``stopReading``/``startWriting``/``stopWriting``, and the push-producer
methods (``pauseProducing`` stops reading).  ``tcp.Connection`` adds the socket calls.
``isIPAddress`` and ``isIPv6Address`` tell an IP literal from a host name, as Twisted's do.
The workshop builds a buffered transport in ``notebooks/04_transports.ipynb``.
Tests: ``tests/internet/test_abstract.py`` (and, over real sockets, ``test_tcp.py``).

How a write travels: ``write`` appends to ``_buffer`` and puts the descriptor on the
reactor's flush list (``reactor._flushes``), once, so that the reactor calls ``_flush``
before it next waits.  ``_flush`` calls ``_send``,
which sends what the kernel takes at once; if bytes are left (the kernel's buffer is
full), the descriptor becomes a writer and ``doWrite`` sends the rest when the socket
is writable again.  When the buffer is empty, ``doWrite`` finishes what was waiting for
it: resume a producer, or complete ``loseConnection``/``loseWriteConnection``.

Differs from Twisted: Twisted registers every writing transport as a writer and sends
on the next loop pass (``startWriting`` on each ``write``); minitwisted first tries to
send at the end of the current pass, before the loop waits, and registers a writer only
when the kernel did not take everything.  It saves two ``epoll_ctl`` calls and a loop
pass per write (see ``benchmarks/bench_echo.py``).  The bytes sent and the order of the
protocol's callbacks are the same, with one visible exception: when data and the
peer's close arrive together at a protocol that is not half-closeable, a reply written
in ``dataReceived`` is sent here, while Twisted closes before its next pass and drops it
(``test_tcp.py::test_replyToDataThatArrivedWithTheEOF``).
"""

import socket

from zope.interface import implementer

from minitwisted.internet import main
from minitwisted.internet.interfaces import (
    IConsumer,
    IHalfCloseableDescriptor,
    ILoggingContext,
    IPushProducer,
    IReadWriteDescriptor,
    ITransport,
)
from minitwisted.python.failure import Failure


def isIPAddress(addr, family=socket.AF_INET):
    """True if ``addr`` is a literal IP address of ``family`` (IPv4 by default), not a name."""
    if family == socket.AF_INET6:
        addr = addr.split("%", 1)[0]  # a scope ID ("fe80::1%eth0") is not part of the address
    try:
        socket.inet_pton(family, addr)
    except (OSError, ValueError, TypeError):
        return False
    return True


def isIPv6Address(addr):
    """True if ``addr`` is a literal IPv6 address such as ``::1`` or ``fe80::1%eth0``."""
    return isIPAddress(addr, socket.AF_INET6)


def _globalReactor():
    from minitwisted.internet import reactor

    return reactor


@implementer(IPushProducer, IReadWriteDescriptor, IConsumer, ITransport, ILoggingContext,
             IHalfCloseableDescriptor)
class FileDescriptor:
    """A readable and writable descriptor with a write buffer; subclasses supply the I/O.

    Subclasses implement ``fileno()``, ``doRead()``, ``_send(data)`` (send what the kernel
    takes, return the count) and ``_closeWriteConnection()``.

    Invariants:

    - ``_buffer`` is a list of bytes (or memoryviews) not yet sent, ``_bufferLen`` their
      total length.
    - ``_flushRequested`` is true while the reactor holds this descriptor in its flush
      list *or* as a writer: either way ``doWrite`` is coming, so ``write`` need not ask.
    - ``producerPaused``: we paused a streaming producer because ``_bufferLen`` passed
      ``bufferSize``; ``doWrite`` resumes it when the buffer drains.
    """

    connected = 0
    disconnected = 0
    disconnecting = 0
    _writeDisconnecting = False
    _writeDisconnected = False
    _aborting = False
    producer = None
    streamingProducer = False
    producerPaused = False
    bufferSize = 2**16  # 64 KiB: past this a streaming producer is paused
    SEND_LIMIT = 128 * 1024  # send at most this much per pass, so one transport can't hog the loop
    logstr = "Uninitialized"

    def __init__(self, reactor=None):
        self.reactor = reactor if reactor is not None else _globalReactor()
        self._buffer = []
        self._bufferLen = 0
        self._flushRequested = False

    # -- Registration with the reactor -----------------------------------------------------

    def startReading(self):
        """Ask the reactor to call ``doRead`` when there is something to read."""
        self.reactor.addReader(self)

    def stopReading(self):
        self.reactor.removeReader(self)

    def startWriting(self):
        """Ask the reactor to call ``doWrite`` when the descriptor can be written."""
        self.reactor.addWriter(self)

    def stopWriting(self):
        self.reactor.removeWriter(self)

    # -- Writing ---------------------------------------------------------------------------

    def write(self, data):
        """Queue ``data`` (bytes) to be sent; never blocks.  Ignored once disconnected."""
        if not isinstance(data, bytes):
            raise TypeError("Data must be bytes")
        if not self.connected or self._writeDisconnected or not data:
            return
        self._buffer.append(data)
        self._bufferLen += len(data)
        if not self._flushRequested:
            # Queued directly, with no helper call: this is the hot path of every echo
            # (benchmarks/bench_echo.py).
            self._flushRequested = True
            self.reactor._flushes.append(self)
        if self.streamingProducer and self._bufferLen > self.bufferSize and not self.producerPaused:
            # Flow control: the peer reads slower than the producer writes.
            self.producerPaused = True
            self.producer.pauseProducing()

    def writeSequence(self, iovec):
        """Queue each bytes object of ``iovec``, in order."""
        for data in iovec:
            if not isinstance(data, bytes):
                raise TypeError("Data must be bytes")
        for data in iovec:
            self.write(data)

    def _flush(self):
        """Send what the kernel takes now; called by the reactor before it waits.

        Runs no protocol code, so the reactor's computed timeout stays valid.  If
        anything is left to do (bytes, a close, a producer to resume, or an error to
        report), the descriptor becomes a writer and ``doWrite`` does it.
        """
        if self.disconnected or self._aborting:
            return  # after abortConnection nothing more is sent
        try:
            self._sendBuffer()
        except OSError:
            pass  # doWrite meets the same error and reports it
        waitingForDrain = self.producer is not None and (
            not self.streamingProducer or self.producerPaused)
        if self._bufferLen or self.disconnecting or self._writeDisconnecting or waitingForDrain:
            self.startWriting()
        else:
            self._flushRequested = False

    def _sendBuffer(self):
        """Send from the front of the buffer until the kernel stops taking bytes."""
        while self._buffer:
            if len(self._buffer) > 1:
                # Join small pieces so one send carries them (up to SEND_LIMIT).
                chunks, size = [], 0
                while self._buffer and size < self.SEND_LIMIT:
                    chunk = self._buffer.pop(0)
                    chunks.append(chunk)
                    size += len(chunk)
                self._buffer.insert(0, b"".join(chunks))
            data = self._buffer[0]
            sent = self._send(data)
            self._bufferLen -= sent
            if sent < len(data):
                # A partial send: keep the rest without copying it.
                self._buffer[0] = memoryview(data)[sent:]
                return
            self._buffer.pop(0)

    def doWrite(self):
        """The descriptor is writable: send more; when the buffer is empty, finish what waited."""
        try:
            self._sendBuffer()
        except OSError:
            return main.CONNECTION_LOST  # reset or broken pipe: the peer is gone
        if self._bufferLen:
            return None
        self.stopWriting()
        self._flushRequested = False
        if self.producer is not None and (not self.streamingProducer or self.producerPaused):
            self.producerPaused = False
            self.producer.resumeProducing()
        elif self.disconnecting:
            # loseConnection waited for the buffer to drain: now the close is clean.
            return main.CONNECTION_DONE
        elif self._writeDisconnecting:
            self._writeDisconnected = True
            return self._closeWriteConnection()
        return None

    # -- Closing ---------------------------------------------------------------------------

    def loseConnection(self, _connDone=Failure(main.CONNECTION_DONE)):
        """Close after everything buffered has been sent (and a producer has unregistered)."""
        if self.connected and not self.disconnecting:
            if self._writeDisconnected:
                # The write side is closed already, so no doWrite will finish the close.
                self.stopReading()
                self.stopWriting()
                self.connectionLost(_connDone)
            else:
                self.stopReading()
                self.disconnecting = 1
                self._flushRequested = True
                self.startWriting()

    def loseWriteConnection(self):
        """Half-close: send what is buffered, then shut our sending side; we can still read."""
        self._writeDisconnecting = True
        self._flushRequested = True
        self.startWriting()

    def readConnectionLost(self, reason):
        """The peer closed its sending side; by default, close the whole connection."""
        self.connectionLost(reason)

    def writeConnectionLost(self, reason):
        self.connectionLost(reason)

    def connectionLost(self, reason):
        """Mark the descriptor closed, stop its producer and leave the reactor."""
        self.disconnected = 1
        self.connected = 0
        if self.producer is not None:
            try:
                self.producer.stopProducing()
            except BaseException:
                from minitwisted.python import log

                log.err()
            self.producer = None
        self.stopReading()
        self.stopWriting()

    # -- Producers and consumers -----------------------------------------------------------

    def registerProducer(self, producer, streaming):
        """Let ``producer`` feed this transport: paused when the buffer is full, resumed when it drains.

        A pull producer (``streaming`` false) is asked for data now and each time the
        buffer empties.
        """
        if self.producer is not None:
            raise RuntimeError(
                "Cannot register producer %s, because producer %s was never unregistered."
                % (producer, self.producer))
        if self.disconnected:
            producer.stopProducing()
            return
        self.producer = producer
        self.streamingProducer = streaming
        self.producerPaused = False  # a new producer starts unpaused, whatever the last one was
        if not streaming:
            producer.resumeProducing()

    def unregisterProducer(self):
        """Stop consuming from the producer; a ``loseConnection`` that waited for it goes ahead."""
        self.producer = None
        self.streamingProducer = False  # write() checks this flag alone to decide to pause
        if self.connected and self.disconnecting:
            self._flushRequested = True
            self.startWriting()

    def stopConsuming(self):
        self.unregisterProducer()
        self.loseConnection()

    # The transport as a push producer: its "production" is reading from the peer.

    def pauseProducing(self):
        """Stop reading from the peer (the protocol will get no ``dataReceived``)."""
        self.stopReading()

    def resumeProducing(self):
        """Start reading from the peer again."""
        if self.connected and not self.disconnecting:
            self.startReading()

    def stopProducing(self):
        self.loseConnection()

    # -- Logging ---------------------------------------------------------------------------

    def logPrefix(self):
        return self.logstr
