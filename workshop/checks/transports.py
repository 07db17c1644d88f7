"""Checks for the exercises of ``solutions/04_transports.ipynb``: a write buffer, then producers.

Mirrors ``twisted.internet.abstract.FileDescriptor`` in miniature: ``BufferedTransport``'s
``write``, ``doWrite``, ``loseConnection`` and ``bufferEmpty`` are ``FileDescriptor``'s,
and ``ProducingTransport._maybePauseProducer`` is ``FileDescriptor._maybePauseProducer``.
The lesson is ``notebooks/04_transports.ipynb``.  Tests: ``tests/workshop/test_grade.py``.

Most checks drive the learner's transport with ``FakeSocket``, whose kernel takes a few
bytes per ``send``, and ``FakeReactor``, whose ``pump`` calls ``doWrite`` as long as the
transport is a writer: every partial send is then the same on every run.  One check per
exercise runs the transport on a real socket pair (``socket.socketpair``) with
minitwisted's ``SelectReactor``, as the lesson does.  ``ex04_push_producer`` grafts the
learner's two methods onto ``ReferenceTransport``, a correct ``BufferedTransport``, so a
mistake in ``ex04_buffered_transport`` costs points only once.
"""

import socket
import time

from minitwisted.internet import main
from minitwisted.internet.protocol import Protocol
from minitwisted.internet.testing import MemoryReactor
from minitwisted.python.failure import Failure

from workshop.checks import CheckFailed, exercise, expect

NOTEBOOK = "04_transports.ipynb"

buffered = exercise("ex04_buffered_transport",
                    "A buffered transport: write, doWrite and loseConnection", NOTEBOOK)
producing = exercise("ex04_push_producer",
                     "Pause a push producer at the high-water mark, resume it when drained",
                     NOTEBOOK)


class FakeSocket:
    """A connected socket whose kernel takes at most ``room`` bytes per ``send``."""

    def __init__(self, room=4):
        self.room = room
        self.sent = b""  # every byte the kernel took, in order
        self.sends = 0
        self.closed = False

    def setblocking(self, flag):
        pass

    def fileno(self):
        return -1

    def send(self, data):
        self.sends += 1
        taken = bytes(data[:self.room])
        self.sent += taken
        return len(taken)

    def recv(self, size):
        raise BlockingIOError()

    def close(self):
        self.closed = True


class FakeReactor(MemoryReactor):
    """A ``MemoryReactor`` (readers and writers in sets); ``pump`` plays the loop for one transport."""

    def pump(self, transport, limit=10000):
        """Call ``doWrite`` while ``transport`` is a writer; a returned reason closes it."""
        turns = 0
        while transport in self.writers and turns < limit:
            turns += 1
            why = transport.doWrite()
            if why:
                self.removeReader(transport)
                self.removeWriter(transport)
                transport.connectionLost(Failure(why))
        return turns


class Recorder(Protocol):
    """A protocol that remembers each reason its connection was lost with."""

    def __init__(self):
        self.reasons = []

    def connectionLost(self, reason):
        self.reasons.append(reason.type.__name__)


def _fake(cls, room=4):
    sock, reactor, protocol = FakeSocket(room), FakeReactor(), Recorder()
    return cls(sock, protocol, reactor), sock, reactor, protocol


# --- A real run: a socket pair and minitwisted's SelectReactor -----------------------------------


class _Sink:
    """The peer: reads and counts bytes until end of file."""

    def __init__(self, sock, reactor):
        self.sock, self.reactor = sock, reactor
        sock.setblocking(False)
        self.received, self.closed = 0, False
        reactor.addReader(self)

    def fileno(self):
        return self.sock.fileno()

    def logPrefix(self):
        return "Sink"

    def doRead(self):
        try:
            data = self.sock.recv(2**20)
        except BlockingIOError:
            return
        except ConnectionError:
            data = b""
        self.received += len(data)
        if not data:
            self.closed = True
            self.reactor.removeReader(self)
            self.sock.close()


def _guarded(cls, errors):
    """``cls`` whose doWrite keeps an exception for the check instead of the reactor's log."""
    class Guarded(cls):
        def doWrite(self):
            try:
                return cls.doWrite(self)
            except BaseException as exc:  # kept, and raised again by the check
                errors.append(exc)
                return main.CONNECTION_LOST

    return Guarded


def _real_run(cls, start, seconds=1.5):
    """Run ``start(transport)`` on a real socket pair; spin until the peer sees end of file.

    Returns ``(bytes the peer received, what the protocol was told, sink closed)``.
    """
    from minitwisted.internet.selectreactor import SelectReactor

    reactor = SelectReactor()
    a, b = socket.socketpair()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    errors = []
    try:
        protocol = Recorder()
        a.setblocking(False)
        transport = _guarded(cls, errors)(a, protocol, reactor)
        start(transport)
        sink = _Sink(b, reactor)
        deadline = time.monotonic() + seconds
        while not sink.closed and not errors and time.monotonic() < deadline:
            reactor.iterate(0.01)
        if errors:
            raise errors[0]
        return sink.received, protocol.reasons, sink.closed
    finally:
        reactor.removeAll()
        a.close()
        b.close()
        reactor.waker.connectionLost(None)
        reactor._selector.close()


PAYLOAD = b"x" * 2**20  # 1 MiB, as in the lesson


# --- ex04_buffered_transport -------------------------------------------------------------------


@buffered.check("write() returns at once: the bytes wait in self.buffer and the reactor is "
                "asked for doWrite",
                "write never sends: append data to self.buffer and call "
                "self.reactor.addWriter(self), so the reactor calls doWrite when the socket "
                "can take more")
def _write_buffers(learner):
    transport, sock, reactor, _ = _fake(learner.get("BufferedTransport"))
    transport.write(b"hello ")
    transport.write(b"world")
    expect(sock.sends == 0, "write() called the socket's send itself: a full kernel buffer "
           "would make it block, or lose bytes")
    expect(transport.buffer == b"hello world",
           "after write(b'hello ') and write(b'world'), self.buffer is %r" % (transport.buffer,))
    expect(transport in reactor.writers, "after write(), the transport is not a writer: "
           "nobody will ever call its doWrite")


@buffered.check("doWrite() sends what the socket takes and keeps the rest for next time",
                "send() returns how many bytes the kernel took, maybe fewer than you gave "
                "(a partial send): keep self.buffer[sent:] for the next doWrite")
def _partial_send(learner):
    transport, sock, reactor, _ = _fake(learner.get("BufferedTransport"), room=4)
    transport.write(b"hello world")
    transport.doWrite()
    expect(sock.sent == b"hell", "the socket takes 4 bytes per send; after one doWrite it "
           "got %r, not b'hell'" % (sock.sent,))
    expect(transport.buffer == b"o world", "after the kernel took b'hell' of b'hello world', "
           "self.buffer is %r, not b'o world'" % (transport.buffer,))
    expect(transport in reactor.writers, "the transport stopped being a writer with 7 bytes "
           "still to send")


@buffered.check("doWrite() stops asking once everything is sent",
                "when self.buffer is empty, call self.reactor.removeWriter(self): otherwise "
                "the reactor calls doWrite on every pass, for nothing, and burns the CPU")
def _stops_when_empty(learner):
    transport, sock, reactor, protocol = _fake(learner.get("BufferedTransport"), room=4)
    transport.write(b"hello world")
    turns = reactor.pump(transport, limit=50)
    expect(sock.sent == b"hello world", "after the buffer drained the socket got %r"
           % (sock.sent,))
    expect(transport not in reactor.writers, "with everything sent, the transport is still "
           "a writer after %d doWrite calls" % turns)
    expect(protocol.reasons == [], "doWrite closed the connection although nobody called "
           "loseConnection (reason: %s)" % ", ".join(protocol.reasons))


@buffered.check("loseConnection() waits until the buffer has drained, then closes with "
                "ConnectionDone",
                "loseConnection only sets self.disconnecting and makes sure doWrite runs; "
                "when the buffer is empty, bufferEmpty returns main.CONNECTION_DONE and the "
                "reactor closes the transport")
def _lose_waits(learner):
    transport, sock, reactor, protocol = _fake(learner.get("BufferedTransport"), room=3)
    transport.write(b"last words")
    transport.loseConnection()
    expect(protocol.reasons == [] and not sock.closed,
           "loseConnection closed at once, with 10 bytes still in the buffer: they are lost")
    reactor.pump(transport, limit=50)
    expect(sock.sent == b"last words", "before closing, the socket got %r, not all of "
           "b'last words'" % (sock.sent,))
    expect(protocol.reasons == ["ConnectionDone"], "once the buffer drained the protocol was "
           "told %s, not ConnectionDone once" % (protocol.reasons or "nothing"))


@buffered.check("loseConnection() with nothing buffered closes on the next doWrite",
                "the buffer may already be empty: loseConnection must still call "
                "self.reactor.addWriter(self), so that doWrite runs and closes", hidden=True)
def _lose_when_empty(learner):
    transport, sock, reactor, protocol = _fake(learner.get("BufferedTransport"))
    transport.write(b"hi")
    reactor.pump(transport, limit=50)
    transport.loseConnection()
    reactor.pump(transport, limit=50)
    expect(protocol.reasons == ["ConnectionDone"], "after everything was sent, "
           "loseConnection() left the connection open (the protocol was told %s)"
           % (protocol.reasons or "nothing"))


@buffered.check("bytes of many writes, between doWrites, go out whole and in order",
                "add to the buffer (self.buffer += data), never replace it: earlier writes "
                "may still be waiting", hidden=True)
def _many_writes_in_order(learner):
    transport, sock, reactor, _ = _fake(learner.get("BufferedTransport"), room=5)
    expected = b""
    for number in range(20):
        piece = b"<%d>" % number
        transport.write(piece)
        expected += piece
        if number % 3 == 0:
            transport.doWrite()
    reactor.pump(transport, limit=200)
    expect(sock.sent == expected, "20 writes made %r, the socket got %r"
           % (expected[:40], sock.sent[:40]))


@buffered.check("on a real socket pair and SelectReactor, 1 MiB arrives whole, then end of file",
                "send what the kernel takes and keep the rest; loseConnection waits for the "
                "buffer, so the peer gets every byte before the connection closes")
def _real_socket(learner):
    def start(transport):
        transport.write(PAYLOAD)
        transport.loseConnection()

    received, reasons, closed = _real_run(learner.get("BufferedTransport"), start)
    expect(received == len(PAYLOAD), "the peer received %d of %d bytes"
           % (received, len(PAYLOAD)))
    expect(closed and reasons == ["ConnectionDone"], "after 1 MiB the peer saw end of file: "
           "%s; the protocol was told %s" % (closed, reasons or "nothing"))


# --- ex04_push_producer ------------------------------------------------------------------------


class ReferenceTransport:
    """A correct BufferedTransport, on which the checks graft the learner's producer methods."""

    bufferSize = 2**16

    def __init__(self, sock, protocol, reactor):
        self.sock, self.protocol, self.reactor = sock, protocol, reactor
        self.buffer = b""
        self.connected, self.disconnecting = True, False
        self.producer, self.streaming, self.paused = None, False, False
        reactor.addReader(self)
        protocol.makeConnection(self)

    def fileno(self):
        return self.sock.fileno()

    def logPrefix(self):
        return "ReferenceTransport"

    def doRead(self):
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return None
        if not data:
            return main.CONNECTION_DONE
        self.protocol.dataReceived(data)

    def connectionLost(self, reason):
        self.connected = False
        self.reactor.removeReader(self)
        self.reactor.removeWriter(self)
        self.sock.close()
        self.protocol.connectionLost(reason)

    def write(self, data):
        self.buffer += data
        self.reactor.addWriter(self)
        self._maybePauseProducer()

    def doWrite(self):
        sent = self.sock.send(self.buffer)
        self.buffer = self.buffer[sent:]
        if not self.buffer:
            self.reactor.removeWriter(self)
            return self.bufferEmpty()

    def loseConnection(self):
        self.disconnecting = True
        self.reactor.removeReader(self)
        self.reactor.addWriter(self)

    def registerProducer(self, producer, streaming):
        self.producer, self.streaming, self.paused = producer, streaming, False
        if not streaming:
            producer.resumeProducing()

    def unregisterProducer(self):
        self.producer = None


_GRAFTED = ("_maybePauseProducer", "bufferEmpty")


def _producing(learner):
    """``ReferenceTransport`` with the learner's ``_maybePauseProducer`` and ``bufferEmpty``."""
    theirs = learner.get("ProducingTransport")
    methods = {}
    for name in _GRAFTED:
        if name not in vars(theirs):
            raise CheckFailed("ProducingTransport has no %s method of its own" % name)
        methods[name] = vars(theirs)[name]
    return type("ProducingTransport", (ReferenceTransport,), methods)


class PushChunks:
    """A push producer: writes ``size``-byte chunks until paused, ``chunks`` in all."""

    def __init__(self, transport, chunks=25, size=16 * 1024, polite=True):
        self.transport, self.left, self.size, self.polite = transport, chunks, size, polite
        self.paused, self.log = False, []
        transport.registerProducer(self, True)

    def resumeProducing(self):
        self.paused = False
        self.log.append("resume at %d" % len(self.transport.buffer))
        while self.left and (not self.paused or not self.polite):
            self.transport.write(b"p" * self.size)
            self.left -= 1
        if not self.left:
            self.transport.unregisterProducer()
            self.transport.loseConnection()

    def pauseProducing(self):
        self.paused = True
        self.log.append("pause at %d" % len(self.transport.buffer))

    def stopProducing(self):
        self.left = 0


class PullChunks:
    """A pull producer: one chunk per resumeProducing; it has no pauseProducing at all."""

    def __init__(self, transport, chunks=5, size=16 * 1024):
        self.transport, self.left, self.size, self.calls = transport, chunks, size, 0
        transport.registerProducer(self, False)

    def resumeProducing(self):
        self.calls += 1
        if self.left:
            self.transport.write(b"q" * self.size)
            self.left -= 1
        else:
            self.transport.unregisterProducer()
            self.transport.loseConnection()

    def stopProducing(self):
        self.left = 0


@producing.check("a push producer is paused once the buffer passes bufferSize, not before",
                 "after each write, compare len(self.buffer) with self.bufferSize: pause "
                 "(self.paused = True, self.producer.pauseProducing()) when it is greater, "
                 "past the mark; exactly 64 KiB is not past it")
def _paused_past_the_mark(learner):
    transport, _, _, _ = _fake(_producing(learner), room=1024)
    producer = PushChunks(transport)
    producer.resumeProducing()
    expect(producer.log[:2] == ["resume at 0", "pause at 81920"],
           "16 KiB chunks on an empty 64 KiB buffer: the producer's log starts %s, not "
           "['resume at 0', 'pause at 81920'] (paused after the fifth chunk)"
           % (producer.log[:2],))
    expect(transport.paused is True, "after pausing the producer, self.paused is %r"
           % (transport.paused,))


@producing.check("a paused push producer is resumed once the buffer has drained, then paused "
                 "again when it fills",
                 "bufferEmpty runs when doWrite has sent everything: if self.paused, set it "
                 "back to False and call self.producer.resumeProducing()")
def _resumed_when_drained(learner):
    transport, sock, reactor, protocol = _fake(_producing(learner), room=16 * 1024)
    producer = PushChunks(transport)
    producer.resumeProducing()
    reactor.pump(transport, limit=500)
    expect(producer.log[:4] == ["resume at 0", "pause at 81920", "resume at 0",
                                "pause at 81920"],
           "a producer paused at 80 KiB, the buffer drained: its log starts %s"
           % (producer.log[:4],))
    expect(len(sock.sent) == 25 * 16 * 1024 and protocol.reasons == ["ConnectionDone"],
           "the producer's 25 chunks were not all sent and closed: %d bytes sent, the "
           "protocol was told %s" % (len(sock.sent), protocol.reasons or "nothing"))


@producing.check("pauseProducing is called once, however many writes follow",
                 "remember that you paused the producer (self.paused = True) and do not "
                 "pause it again until bufferEmpty has resumed it", hidden=True)
def _paused_once(learner):
    transport, _, _, _ = _fake(_producing(learner))
    producer = PushChunks(transport, chunks=10, polite=False)  # keeps writing when paused
    producer.resumeProducing()
    pauses = [entry for entry in producer.log if entry.startswith("pause")]
    expect(pauses == ["pause at 81920"], "a producer that kept writing after its pause was "
           "paused %d times" % len(pauses))


@producing.check("a pull producer is asked for more each time the buffer is empty",
                 "a pull producer (streaming False) writes only when asked: bufferEmpty "
                 "calls self.producer.resumeProducing() every time, paused or not",
                 hidden=True)
def _pull_asked_again(learner):
    transport, sock, reactor, protocol = _fake(_producing(learner), room=16 * 1024)
    producer = PullChunks(transport)
    reactor.pump(transport, limit=500)
    expect(producer.calls == 6, "a pull producer of 5 chunks was asked %d times, not 6 "
           "(one per chunk, and a last time to find it is done)" % producer.calls)
    expect(len(sock.sent) == 5 * 16 * 1024, "the socket got %d of %d bytes"
           % (len(sock.sent), 5 * 16 * 1024))


@producing.check("a pull producer is never paused",
                 "only a streaming (push) producer is paused: check self.streaming; a pull "
                 "producer has no pauseProducing, it just waits to be asked", hidden=True)
def _pull_never_paused(learner):
    transport, _, _, _ = _fake(_producing(learner))
    producer = PullChunks(transport)
    for _ in range(6):
        transport.write(b"w" * 16 * 1024)  # past the mark, with a pull producer
    expect(producer.calls == 1, "the pull producer was asked %d times before the buffer "
           "drained" % producer.calls)


@producing.check("with no producer, loseConnection still closes once the buffer drains",
                 "when there is no producer to resume, bufferEmpty does what BufferedTransport's "
                 "did: return main.CONNECTION_DONE if self.disconnecting", hidden=True)
def _closes_without_producer(learner):
    transport, sock, reactor, protocol = _fake(_producing(learner))
    transport.write(b"bye")
    transport.loseConnection()
    reactor.pump(transport, limit=50)
    expect(sock.sent == b"bye" and protocol.reasons == ["ConnectionDone"],
           "write(b'bye') then loseConnection(): the socket got %r and the protocol was told "
           "%s" % (sock.sent, protocol.reasons or "nothing"))


@producing.check("on a real socket pair and SelectReactor, a push producer of 400 KiB is "
                 "paused and resumed five times and everything arrives",
                 "pause past bufferSize, resume only once the buffer is empty, and clear "
                 "self.paused on resume so that the next fill pauses again", hidden=True)
def _real_push(learner):
    cls = _producing(learner)
    producers = []

    def start(transport):
        producers.append(PushChunks(transport))
        producers[0].resumeProducing()

    received, reasons, closed = _real_run(cls, start)
    log = producers[0].log
    expect(received == 25 * 16 * 1024 and closed, "the peer received %d of %d bytes"
           % (received, 25 * 16 * 1024))
    expect(log.count("pause at 81920") == 5 and len(log) == 10,
           "the producer was paused %d and resumed %d times, not 5 and 5"
           % (sum(e.startswith("pause") for e in log), sum(e.startswith("resume") for e in log)))
