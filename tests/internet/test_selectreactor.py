"""Tests for minitwisted.internet.selectreactor: the reader/writer sets, the waker, dispatch.

Like ``test_base.py``, each test uses a fresh reactor of each framework (``framework``),
with plain socket pairs standing in for transports, so what is tested is the reactor's
own part: when ``doRead``/``doWrite`` are called and what happens to their results.
"""

import socket

import pytest
from zope.interface import implementer
from zope.interface.verify import verifyObject


@pytest.fixture
def pair():
    """Two connected sockets; closed after the test."""
    a, b = socket.socketpair()
    a.setblocking(False)
    yield a, b
    a.close()
    b.close()


class Descriptor:
    """A reader/writer over one socket that records what the reactor calls."""

    def __init__(self, skt, onRead=lambda data: None):
        self.skt = skt
        self.onRead = onRead
        self.calls = []

    def fileno(self):
        return self.skt.fileno()

    def logPrefix(self):
        return "Descriptor"

    def doRead(self):
        data = self.skt.recv(100)
        self.calls.append(("doRead", data))
        return self.onRead(data)

    def doWrite(self):
        self.calls.append(("doWrite",))

    def connectionLost(self, reason):
        self.calls.append(("connectionLost", reason.type.__name__))


def spin(reactor, times=3):
    for _ in range(times):
        reactor.iterate(0.01)


def test_theReactorProvidesItsInterfaces(framework, reactor):
    """The reactor provides the reactor interfaces it implements, checked with verifyObject."""
    for name in ("IReactorCore", "IReactorTime", "IReactorFDSet", "IReactorTCP",
                 "IReactorUDP", "IReactorThreads"):
        assert verifyObject(getattr(framework.interfaces, name), reactor)


def test_readersAndWritersAreListed(reactor, pair):
    """addReader/addWriter put a descriptor in getReaders/getWriters; remove takes it out."""
    d = Descriptor(pair[0])
    reactor.addReader(d)
    reactor.addWriter(d)
    assert d in reactor.getReaders() and d in reactor.getWriters()
    reactor.removeWriter(d)
    assert d in reactor.getReaders() and d not in reactor.getWriters()
    reactor.removeReader(d)
    assert d not in reactor.getReaders()


def test_addingTwiceAndRemovingAbsentAreHarmless(reactor, pair):
    """Adding a reader twice lists it once; removing one that is absent does nothing."""
    d = Descriptor(pair[0])
    reactor.removeReader(d)
    reactor.addReader(d)
    reactor.addReader(d)
    assert reactor.getReaders().count(d) == 1


def test_removeAllReturnsEverythingButTheWaker(reactor, pair):
    """removeAll removes and returns every reader and writer but the waker, which stays a reader."""
    r, w = Descriptor(pair[0]), Descriptor(pair[1])
    reactor.addReader(r)
    reactor.addWriter(w)
    assert sorted(map(id, reactor.removeAll())) == sorted([id(r), id(w)])
    assert reactor.getReaders() == [reactor.waker] and reactor.getWriters() == []


def test_doReadRunsWhenDataArrives(reactor, pair):
    """A reader's doRead runs once data is readable, and not before."""
    d = Descriptor(pair[0])
    reactor.addReader(d)
    spin(reactor)
    assert d.calls == []
    pair[1].send(b"hi")
    spin(reactor)
    assert d.calls == [("doRead", b"hi")]


def test_doWriteRunsWhileWritable(reactor, pair):
    """A writer's doWrite runs on each pass while its socket can be written."""
    d = Descriptor(pair[0])
    reactor.addWriter(d)
    spin(reactor, 2)
    assert d.calls[:2] == [("doWrite",), ("doWrite",)]


def test_returnedReasonDisconnects(framework, reactor, pair):
    """doRead returning CONNECTION_DONE removes the reader and calls connectionLost(ConnectionDone)."""
    d = Descriptor(pair[0], onRead=lambda data: framework.main.CONNECTION_DONE)
    reactor.addReader(d)
    pair[1].send(b"x")
    spin(reactor)
    assert d.calls == [("doRead", b"x"), ("connectionLost", "ConnectionDone")]
    assert d not in reactor.getReaders()


def test_raisingDoReadIsLoggedAndDisconnects(framework, reactor, pair):
    """An exception from doRead is logged and the descriptor gets connectionLost with it."""
    events = []
    framework.log.addObserver(events.append)
    try:
        d = Descriptor(pair[0], onRead=lambda data: 1 / 0)
        reactor.addReader(d)
        pair[1].send(b"x")
        spin(reactor)
    finally:
        framework.log.removeObserver(events.append)
    assert d.calls == [("doRead", b"x"), ("connectionLost", "ZeroDivisionError")]
    assert [e["failure"].type for e in events if e.get("isError")] == [ZeroDivisionError]


def test_loggedErrorCarriesTheLogPrefix(pair):
    """An exception from doRead is logged with the descriptor's log prefix as its system."""
    from minitwisted.internet.selectreactor import SelectReactor
    from minitwisted.python import log

    reactor = SelectReactor()
    events = []
    log.addObserver(events.append)
    try:
        reactor.addReader(Descriptor(pair[0], onRead=lambda data: 1 / 0))
        pair[1].send(b"x")
        spin(reactor)
    finally:
        log.removeObserver(events.append)
    assert [e["system"] for e in events if e.get("isError")] == ["Descriptor"]


def test_descriptorClosedEarlierInThePassIsNotDispatched(reactor):
    """When two descriptors are ready and the first to run removes the other, the other never reads."""
    one, two = socket.socketpair(), socket.socketpair()
    try:
        descriptors = []

        def removeTheOther(data):
            for other in descriptors:
                if not other.calls:
                    reactor.removeReader(other)

        descriptors += [Descriptor(one[0], removeTheOther), Descriptor(two[0], removeTheOther)]
        for d in descriptors:
            reactor.addReader(d)
        one[1].send(b"a")
        two[1].send(b"b")
        for _ in range(100):
            if any(d.calls for d in descriptors):
                break
            reactor.iterate(0.01)
        spin(reactor)
        assert sorted(len(d.calls) for d in descriptors) == [0, 1]
    finally:
        for s in one + two:
            s.close()


def test_halfCloseableDescriptorHearsOfReadEOF(framework, reactor, pair):
    """A half-closeable descriptor gets readConnectionLost, not connectionLost, for a clean EOF."""

    @implementer(framework.interfaces.IHalfCloseableDescriptor)
    class HalfCloseable(Descriptor):
        def readConnectionLost(self, reason):
            self.calls.append(("readConnectionLost", reason.type.__name__))

        def writeConnectionLost(self, reason):
            pass

    d = HalfCloseable(pair[0], onRead=lambda data: framework.main.CONNECTION_DONE)
    reactor.addReader(d)
    pair[1].send(b"x")
    spin(reactor)
    assert d.calls == [("doRead", b"x"), ("readConnectionLost", "ConnectionDone")]


def test_shutdownDisconnectsEveryDescriptor(reactor, pair):
    """Stopping the reactor calls connectionLost(ConnectionLost) on every reader and writer."""
    d = Descriptor(pair[0])
    reactor.addReader(d)
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert d.calls == [("connectionLost", "ConnectionLost")]
    assert reactor.getReaders() == [reactor.waker]


def test_wakeUpEndsAWaitAtOnce(reactor):
    """wakeUp() makes a wait with no timeout return."""
    reactor.wakeUp()
    reactor.doIteration(None)  # would block forever without the waker's byte


def test_defaultSelectorIsUsed():
    """The loop waits on the platform's best selector (epoll on Linux)."""
    import selectors

    from minitwisted.internet.selectreactor import SelectReactor

    assert isinstance(SelectReactor()._selector, selectors.DefaultSelector)
