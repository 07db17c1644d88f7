"""Tests for minitwisted.internet.abstract.FileDescriptor without sockets.

``Pipe`` is a tiny FileDescriptor whose ``_send`` takes at most ``room`` bytes (the
kernel's free buffer space; ``None`` takes everything) and records each send.
``FakeReactor`` records ``addReader``/``addWriter`` and the flush list, and ``flush()``
does what the reactor does before it waits.  The same behaviour over real sockets, side
by side with Twisted, is in ``test_tcp.py``.
"""

import pytest
from zope.interface import implementer

from minitwisted.internet import abstract, main
from minitwisted.internet.interfaces import IPullProducer, IPushProducer
from minitwisted.internet.testing import MemoryReactor
from minitwisted.python.failure import Failure


class FakeReactor(MemoryReactor):
    """A ``MemoryReactor`` (it records readers and writers) that also keeps the flush list."""

    def __init__(self):
        super().__init__()
        self._flushes = []

    def flush(self):
        """What the reactor does before waiting: let each transport send what it can."""
        flushes, self._flushes = self._flushes, []
        for transport in flushes:
            transport._flush()


class Pipe(abstract.FileDescriptor):
    """A connected descriptor whose kernel buffer has ``room`` bytes free (None: unlimited)."""

    def __init__(self, room=None):
        super().__init__(FakeReactor())
        self.connected = 1
        self.room = room
        self.sends = []  # what each _send call sent
        self.shutdowns = 0
        self.lostReasons = []

    def fileno(self):
        return 42

    def _send(self, data):
        count = len(data) if self.room is None else min(len(data), self.room)
        if self.room is not None:
            self.room -= count
        self.sends.append(bytes(data[:count]))
        return count

    def _closeWriteConnection(self):
        self.shutdowns += 1

    def connectionLost(self, reason):
        self.lostReasons.append(reason)
        super().connectionLost(reason)

    def sent(self):
        return b"".join(self.sends)


@implementer(IPushProducer)
class PushProducer:
    def __init__(self):
        self.calls = []

    def pauseProducing(self):
        self.calls.append("pause")

    def resumeProducing(self):
        self.calls.append("resume")

    def stopProducing(self):
        self.calls.append("stop")


@implementer(IPullProducer)
class PullProducer:
    def __init__(self):
        self.calls = []

    def resumeProducing(self):
        self.calls.append("resume")

    def stopProducing(self):
        self.calls.append("stop")


# --- Writing ---------------------------------------------------------------------------------


def test_writeBuffersUntilTheReactorFlushes():
    """write sends nothing itself; the reactor's flush before it waits sends the bytes."""
    pipe = Pipe()
    pipe.write(b"hello")
    pipe.write(b" world")
    assert pipe.sends == []
    assert pipe.reactor._flushes == [pipe]  # asked once, for both writes
    pipe.reactor.flush()
    assert pipe.sent() == b"hello world"
    assert pipe.reactor.writers == set()  # all sent: no need to wait for writability


def test_writeOfNonBytesRaisesTypeError():
    """write and writeSequence take bytes only (not str, bytearray or memoryview)."""
    pipe = Pipe()
    for data in ("text", bytearray(b"ba"), memoryview(b"mv")):
        with pytest.raises(TypeError, match="^Data must be bytes$"):
            pipe.write(data)
    with pytest.raises(TypeError, match="^Data must be bytes$"):
        pipe.writeSequence([b"fine", "text"])
    pipe.reactor.flush()
    assert pipe.sends == []  # writeSequence checked every piece before queueing any


def test_emptyWriteDoesNothing():
    """Writing b'' neither buffers nor asks for a flush."""
    pipe = Pipe()
    pipe.write(b"")
    assert pipe.reactor._flushes == []


def test_writeWhenNotConnectedIsIgnored():
    """Before the connection is made and after it is lost, write drops the data silently."""
    pipe = Pipe()
    pipe.connected = 0
    pipe.write(b"early")
    assert pipe.reactor._flushes == []
    pipe.connected = 1
    pipe.connectionLost(Failure(main.CONNECTION_DONE))
    pipe.write(b"late")
    pipe.writeSequence([b"late", b"r"])
    pipe.reactor.flush()
    assert pipe.sends == []


def test_partialSendKeepsTheRestAsAMemoryview():
    """When the kernel takes part of the data, the rest stays buffered as a view, not a copy."""
    pipe = Pipe(room=3)
    data = b"abcdefgh"
    pipe.write(data)
    pipe.reactor.flush()
    assert pipe.sent() == b"abc"
    rest = pipe._buffer[0]
    assert isinstance(rest, memoryview) and rest.obj is data
    assert bytes(rest) == b"defgh"
    assert pipe.reactor.writers == {pipe}  # the kernel is full: wait until writable
    pipe.room = 100
    assert pipe.doWrite() is None
    assert pipe.sent() == data
    assert pipe.reactor.writers == set()


def test_writesDuringAPartialSendQueueBehindTheRest():
    """Bytes written while a partial send is pending are sent after it, in order."""
    pipe = Pipe(room=2)
    pipe.write(b"1234")
    pipe.reactor.flush()
    pipe.write(b"56")
    pipe.write(b"78")
    pipe.room = 100
    pipe.doWrite()
    assert pipe.sent() == b"12345678"


def test_smallPiecesAreJoinedUpToSendLimit():
    """Buffered pieces are joined into sends of about SEND_LIMIT bytes."""
    pipe = Pipe()
    piece = b"x" * 4096
    for _ in range(40):  # 160 KiB in 4 KiB pieces
        pipe.write(piece)
    pipe.reactor.flush()
    assert [len(send) for send in pipe.sends] == [pipe.SEND_LIMIT, 40 * 4096 - pipe.SEND_LIMIT]
    assert pipe.SEND_LIMIT == 128 * 1024


def test_sendErrorInDoWriteIsConnectionLost():
    """An OSError from the socket in doWrite (a reset) is reported as CONNECTION_LOST."""
    pipe = Pipe()

    def reset(data):
        raise ConnectionResetError(104, "Connection reset by peer")

    pipe._send = reset
    pipe.write(b"data")
    pipe.reactor.flush()  # the flush does not report: it leaves that to doWrite
    assert pipe.reactor.writers == {pipe}
    assert pipe.doWrite() is main.CONNECTION_LOST


# --- Closing ---------------------------------------------------------------------------------


def test_loseConnectionWaitsForTheBuffer():
    """loseConnection stops reading at once but closes only when the buffer is empty."""
    pipe = Pipe(room=0)
    pipe.startReading()
    pipe.write(b"goodbye")
    pipe.loseConnection()
    assert (pipe.connected, pipe.disconnecting) == (1, 1)
    assert pipe.reactor.readers == set()
    pipe.reactor.flush()
    assert pipe.doWrite() is None  # still nothing sent
    pipe.room = 4
    assert pipe.doWrite() is None
    pipe.room = 100
    assert pipe.doWrite() is main.CONNECTION_DONE
    assert pipe.sent() == b"goodbye"


def test_writeAfterLoseConnectionIsSentBeforeTheClose():
    """Bytes written after loseConnection but before the close still go out."""
    pipe = Pipe()
    pipe.write(b"a")
    pipe.loseConnection()
    pipe.write(b"b")
    pipe.reactor.flush()
    assert pipe.doWrite() is main.CONNECTION_DONE
    assert pipe.sent() == b"ab"


def test_loseConnectionTwiceIsHarmless():
    """A second loseConnection changes nothing."""
    pipe = Pipe()
    pipe.loseConnection()
    pipe.loseConnection()
    assert pipe.doWrite() is main.CONNECTION_DONE


def test_loseWriteConnectionShutsDownAfterTheBuffer():
    """loseWriteConnection sends the buffer, then shuts the write side; later writes are ignored."""
    pipe = Pipe(room=2)
    pipe.startReading()
    pipe.write(b"last")
    pipe.loseWriteConnection()
    pipe.reactor.flush()
    assert pipe.shutdowns == 0
    pipe.room = 100
    assert pipe.doWrite() is None
    assert (pipe.sent(), pipe.shutdowns) == (b"last", 1)
    assert pipe.reactor.readers == {pipe}  # still reading the peer's half
    pipe.write(b"ignored")
    assert pipe._bufferLen == 0


def test_loseConnectionAfterTheHalfCloseClosesAtOnce():
    """Once the write side is shut, loseConnection calls connectionLost at once (ConnectionDone)."""
    pipe = Pipe()
    pipe.loseWriteConnection()
    pipe.doWrite()
    pipe.loseConnection()
    [reason] = pipe.lostReasons
    assert reason.check(main.CONNECTION_DONE.__class__)
    assert (pipe.connected, pipe.disconnected) == (0, 1)


def test_connectionLostLeavesTheReactorAndStopsTheProducer():
    """connectionLost sets the flags, removes the descriptor and stops a registered producer."""
    pipe = Pipe()
    producer = PushProducer()
    pipe.registerProducer(producer, True)
    pipe.startReading()
    pipe.startWriting()
    pipe.connectionLost(Failure(main.CONNECTION_LOST))
    assert (pipe.connected, pipe.disconnected) == (0, 1)
    assert pipe.reactor.readers == pipe.reactor.writers == set()
    assert producer.calls == ["stop"]
    assert pipe.producer is None


# --- Producers -------------------------------------------------------------------------------


def test_registeringASecondProducerRaises():
    """registerProducer while one is registered raises RuntimeError naming both."""
    pipe = Pipe()
    pipe.registerProducer(PushProducer(), True)
    with pytest.raises(RuntimeError, match="^Cannot register producer .* was never unregistered.$"):
        pipe.registerProducer(PushProducer(), True)


def test_registeringOnADisconnectedDescriptorStopsTheProducer():
    """A producer registered after the connection is lost is told to stop at once."""
    pipe = Pipe()
    pipe.connectionLost(Failure(main.CONNECTION_DONE))
    producer = PushProducer()
    pipe.registerProducer(producer, True)
    assert producer.calls == ["stop"]
    assert pipe.producer is None


def test_streamingProducerIsPausedWhenTheBufferPassesBufferSize():
    """A streaming producer is paused by the write that takes the buffer past bufferSize, once."""
    pipe = Pipe(room=0)
    producer = PushProducer()
    pipe.registerProducer(producer, True)
    assert producer.calls == []  # a push producer is not started by registering
    pipe.write(b"x" * pipe.bufferSize)
    assert producer.calls == []  # exactly 64 KiB is not "past" it
    pipe.write(b"x")
    assert producer.calls == ["pause"]
    pipe.write(b"x")
    assert producer.calls == ["pause"]
    assert pipe.bufferSize == 65536


def test_pausedProducerIsResumedWhenTheBufferDrains():
    """The paused producer is resumed once the buffer is empty, not before."""
    pipe = Pipe(room=0)
    producer = PushProducer()
    pipe.registerProducer(producer, True)
    pipe.write(b"x" * 70000)
    pipe.reactor.flush()
    pipe.room = 60000
    pipe.doWrite()
    assert producer.calls == ["pause"]
    pipe.room = 60000
    pipe.doWrite()
    assert producer.calls == ["pause", "resume"]
    assert pipe.reactor.writers == set()


def test_unpausedStreamingProducerIsNotResumed():
    """A streaming producer that was never paused is not resumed when the buffer drains."""
    pipe = Pipe()
    producer = PushProducer()
    pipe.registerProducer(producer, True)
    pipe.write(b"small")
    pipe.reactor.flush()
    assert producer.calls == []


def test_pullProducerIsResumedAtRegistrationAndWhenDrained():
    """A pull producer is asked for data when registered and each time the buffer empties."""
    pipe = Pipe()
    producer = PullProducer()
    pipe.registerProducer(producer, False)
    assert producer.calls == ["resume"]
    pipe.write(b"chunk")
    pipe.reactor.flush()
    assert pipe.reactor.writers == {pipe}  # waiting to ask the producer for more
    pipe.doWrite()
    assert producer.calls == ["resume", "resume"]


def test_loseConnectionWaitsForAPullProducerToUnregister():
    """With a pull producer registered, the drained buffer resumes it instead of closing."""
    pipe = Pipe()
    producer = PullProducer()
    pipe.registerProducer(producer, False)
    pipe.loseConnection()
    assert pipe.doWrite() is None
    assert producer.calls == ["resume", "resume"]
    pipe.unregisterProducer()
    assert pipe.reactor.writers == {pipe}
    assert pipe.doWrite() is main.CONNECTION_DONE


def test_transportPauseProducingStopsReading():
    """As a producer, the descriptor stops and restarts reading; not once it is closing."""
    pipe = Pipe()
    pipe.startReading()
    pipe.pauseProducing()
    assert pipe.reactor.readers == set()
    pipe.resumeProducing()
    assert pipe.reactor.readers == {pipe}
    pipe.loseConnection()
    pipe.resumeProducing()
    assert pipe.reactor.readers == set()


def test_stopProducingLosesTheConnection():
    """stopProducing on the descriptor is loseConnection."""
    pipe = Pipe()
    pipe.stopProducing()
    assert pipe.disconnecting == 1


def test_writeAfterUnregisteringAStreamingProducerDoesNotPauseIt():
    """After unregisterProducer, a big write buffers normally and pauses nobody."""
    pipe = Pipe(room=0)
    producer = PushProducer()
    pipe.registerProducer(producer, True)
    pipe.unregisterProducer()
    pipe.write(b"x" * 100_000)
    assert pipe._bufferLen == 100_000
    assert producer.calls == []


def test_newStreamingProducerIsPausedAfterAPausedOneUnregisters():
    """A producer registered after a paused one unregistered is paused when the buffer is full."""
    pipe = Pipe(room=0)
    first, second = PushProducer(), PushProducer()
    pipe.registerProducer(first, True)
    pipe.write(b"x" * 100_000)
    assert first.calls == ["pause"]
    pipe.unregisterProducer()
    pipe.registerProducer(second, True)
    pipe.write(b"x" * 100_000)
    assert second.calls == ["pause"]


@pytest.mark.parametrize("text", ["127.0.0.1", "0.0.0.0", "1.2.3", "256.1.1.1", "localhost", "",
                                  "::1", "fe80::1%eth0", "::ffff:1.2.3.4", "1::2::3", "example.com"])
def test_ipLiteralsAreToldFromNamesAsTwistedDoes(text):
    """isIPAddress and isIPv6Address agree with Twisted's on literals, scoped literals and names."""
    from twisted.internet import abstract as tabstract

    assert abstract.isIPAddress(text) == tabstract.isIPAddress(text)
    assert abstract.isIPv6Address(text) == tabstract.isIPv6Address(text)
