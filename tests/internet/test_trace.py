"""Tests for minitwisted.internet.trace: recording a reactor's loop and a Deferred's chain.

``trace`` mirrors nothing in Twisted, so every test runs on minitwisted only.  The loop
tests run a real TCP echo exchange on 127.0.0.1 with a fresh ``SelectReactor``; no test
asserts a timing, only what was recorded and in what order.
"""

import threading

import pytest

from minitwisted.internet import defer, protocol, trace
from minitwisted.internet.selectreactor import SelectReactor


# --- The reactor loop ------------------------------------------------------------------------


class Echo(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)


class EchoClient(protocol.Protocol):
    def connectionMade(self):
        self.transport.write(b"hello")

    def dataReceived(self, data):
        self.factory.received.append(data)
        self.transport.loseConnection()


def aTimer():
    """A named callable to find among the timer events."""


def fromAThread():
    """A named callable to find among the fromThread events."""


@pytest.fixture
def reactor():
    """A fresh reactor, closed after the test."""
    reactor = SelectReactor()
    yield reactor
    reactor.disconnectAll()
    reactor.waker.connectionLost(None)


def runEchoExchange(reactor):
    """Echo b"hello" on 127.0.0.1 with a timer and a thread call; return the replies."""
    serverFactory = protocol.Factory.forProtocol(Echo)
    port = reactor.listenTCP(0, serverFactory, interface="127.0.0.1")
    clientFactory = protocol.ClientFactory.forProtocol(EchoClient)
    clientFactory.received = []
    clientFactory.clientConnectionLost = lambda connector, reason: reactor.stop()
    reactor.connectTCP("127.0.0.1", port.getHost().port, clientFactory)
    reactor.callLater(0, aTimer)
    thread = threading.Thread(target=reactor.callFromThread, args=(fromAThread,))
    reactor.callWhenRunning(thread.start)
    guard = reactor.callLater(10, reactor.stop)  # a broken exchange must not hang the tests
    reactor.run(installSignalHandlers=False)
    thread.join()
    if guard.active():
        guard.cancel()
    port.stopListening()
    return clientFactory.received


#: The reactor methods ``tracing`` shadows on the instance.
WRAPPED = {"doIteration", "_dispatch", "callLater", "callFromThread"}


def test_aLoopPassRecordsAWait(reactor):
    """Each pass of the loop adds a wait naming the timeout asked and the readers watched."""
    with trace.tracing(reactor) as t:
        reactor.callLater(0, reactor.stop)
        reactor.run(installSignalHandlers=False)
    waits = t.ofKind("wait")
    assert waits
    assert set(waits[0].details) == {"timeout", "waited", "readers", "writers"}
    assert "Waker" in waits[0].details["readers"]
    assert waits[0].details["waited"] is not None


def test_echoExchangeIsRecorded(reactor):
    """An echo exchange records waits, dispatches, the timer and the thread call."""
    with trace.tracing(reactor) as t:
        received = runEchoExchange(reactor)
    assert received == [b"hello"]
    kinds = {event.kind for event in t.events}
    assert kinds == {"wait", "dispatch", "timer", "fromThread"}
    dispatched = {event.name for event in t.ofKind("dispatch")}
    assert "Echo,0,127.0.0.1" in dispatched
    assert "EchoClient,client" in dispatched
    events = {event.details["events"] for event in t.ofKind("dispatch")}
    assert events <= {"read", "write", "read+write"}
    assert "aTimer" in [event.name for event in t.ofKind("timer")]
    assert [event.name for event in t.ofKind("fromThread")] == ["fromAThread"]


def test_eventsAreInStartOrderWithDurations(reactor):
    """Events are listed in the order they started, each with a duration that is not negative."""
    with trace.tracing(reactor) as t:
        runEchoExchange(reactor)
    starts = [event.start for event in t.events]
    assert starts == sorted(starts)
    assert all(event.duration >= 0 for event in t.events)


def test_aDispatchFollowsTheWaitOfItsPass(reactor):
    """The first dispatch comes after a wait, as a pass waits and then dispatches."""
    with trace.tracing(reactor) as t:
        runEchoExchange(reactor)
    kinds = [event.kind for event in t.events]
    assert "wait" in kinds[:kinds.index("dispatch")]


def test_timersScheduledBeforeTracingAreRecorded(reactor):
    """A timer scheduled before the block still shows up when it fires inside it."""
    reactor.callLater(0, aTimer)
    reactor.callLater(0, reactor.stop)
    with trace.tracing(reactor) as t:
        reactor.run(installSignalHandlers=False)
    assert [event.name for event in t.ofKind("timer")] == ["aTimer", "ReactorBase.stop"]


def test_leavingTracingRestoresTheReactor(reactor):
    """After the block the reactor's methods and its timers' callables are its own."""
    before = set(vars(reactor))
    with trace.tracing(reactor):
        call = reactor.callLater(5, aTimer)
        assert reactor.doIteration != SelectReactor.doIteration.__get__(reactor)
    assert set(vars(reactor)) == before
    assert "select" not in vars(reactor._selector)
    assert reactor.doIteration.__func__ is SelectReactor.doIteration
    assert call.func is aTimer
    call.cancel()


def test_leavingByAnExceptionRestoresTheReactor(reactor):
    """An exception inside the block still puts the reactor back as it was."""
    before = set(vars(reactor))
    with pytest.raises(ZeroDivisionError):
        with trace.tracing(reactor):
            1 / 0
    assert set(vars(reactor)) == before


def test_nestedTracingRecordsInBothAndUnwinds(reactor):
    """Nested tracing records in both traces; each exit undoes only its own wrappers."""
    with trace.tracing(reactor) as outer:
        with trace.tracing(reactor) as inner:
            reactor.callLater(0, aTimer)
            reactor.callLater(0, reactor.stop)
            reactor.run(installSignalHandlers=False)
        assert "doIteration" in vars(reactor)
    assert not set(vars(reactor)) & WRAPPED
    assert "select" not in vars(reactor._selector)
    assert "aTimer" in [event.name for event in inner.ofKind("timer")]
    assert "aTimer" in [event.name for event in outer.ofKind("timer")]


def test_nothingIsRecordedAfterTheBlock(reactor):
    """A call queued while tracing but run afterwards is not recorded."""
    with trace.tracing(reactor) as t:
        reactor.callFromThread(fromAThread)
    reactor.callLater(0, reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert t.events == []


# --- One Deferred's chain --------------------------------------------------------------------


def double(x):
    return x * 2


def explode(x):
    raise ValueError(x)


def recover(f):
    f.trap(ValueError)
    return "recovered"


def test_successPathIsRecorded():
    """Each callback that runs on success is a step with what it got and returned."""
    d = defer.Deferred()
    h = trace.history(d)
    d.addCallback(double)
    d.addCallback(double)
    d.callback(1)
    assert d.result == 4
    assert [(s.kind, s.name, s.gotFailure, s.returned) for s in h.steps] == [
        ("callback", "double", False, 2),
        ("callback", "double", False, 4),
    ]


def test_callbacksAlreadyInTheChainAreRecorded():
    """Callbacks added before ``history`` are recorded too."""
    d = defer.Deferred()
    d.addCallback(double)
    h = trace.history(d)
    d.callback(3)
    assert [(s.kind, s.name, s.returned) for s in h.steps] == [("callback", "double", 6)]


def test_failurePathWithRecoveryIsRecorded():
    """A raising callback and the errback that recovers are recorded; skipped ones are not."""
    d = defer.Deferred()
    h = trace.history(d)
    d.addCallback(explode)
    d.addCallback(double)  # skipped: the chain is on the errback side
    d.addErrback(recover)
    d.addCallbacks(double, recover)
    d.callback("x")
    assert d.result == "recoveredrecovered"
    assert [(s.kind, s.name, s.gotFailure, s.raised) for s in h.steps] == [
        ("callback", "explode", False, ValueError),
        ("errback", "recover", True, None),
        ("callback", "double", False, None),
    ]
    assert h.steps[1].returned == "recovered"


def test_addBothRecordsTheColumnThatRan():
    """A function added with ``addBoth`` is recorded under the column that ran it."""
    d = defer.Deferred()
    h = trace.history(d)
    d.addBoth(lambda r: None)
    d.errback(ValueError("boom"))
    assert [(s.kind, s.gotFailure) for s in h.steps] == [("errback", True)]


def test_addBothAlreadyInTheChainRecordsTheColumnThatRan():
    """An ``addBoth`` pair added before ``history`` is recorded under the column that ran."""
    d = defer.Deferred()
    d.addBoth(lambda r: "done")
    h = trace.history(d)
    d.callback(1)
    assert [(s.kind, s.returned) for s in h.steps] == [("callback", "done")]


def test_returningAnUnfiredDeferredIsRecordedAsWaiting():
    """A callback returning an unfired Deferred shows as waiting until that one fires."""
    inner = defer.Deferred()
    d = defer.Deferred()
    h = trace.history(d)
    d.addCallback(lambda _: inner)
    d.addCallback(double)
    d.callback(None)
    assert [s.returned for s in h.steps] == [trace.WAITED]
    inner.callback(5)
    assert d.result == 10
    assert [(s.kind, s.returned) for s in h.steps] == [
        ("callback", trace.WAITED), ("callback", 10)]


def test_returningAFiredDeferredIsNotWaiting():
    """A callback that returns a fired Deferred is recorded as returning it, not waiting."""
    d = defer.Deferred()
    h = trace.history(d)
    fired = defer.succeed(7)
    d.addCallback(lambda _: fired)
    d.callback(None)
    assert h.steps[0].returned is fired
    assert d.result == 7


def test_explicitPauseAndUnpauseAreRecorded():
    """Calls to ``pause`` and ``unpause`` are steps, and the held-back callback runs after them."""
    d = defer.Deferred()
    h = trace.history(d)
    d.pause()
    d.addCallback(double)
    d.callback(1)
    d.unpause()
    assert [s.kind for s in h.steps] == ["pause", "unpause", "callback"]


def test_chainDeferredStillHandsOver():
    """A chained Deferred is fired as usual; the hand-off itself is not a step."""
    d, target = defer.Deferred(), defer.Deferred()
    h = trace.history(d)
    d.chainDeferred(target)
    d.callback(1)
    assert target.result == 1
    assert h.steps == []


def test_stopRemovesTheInstanceMethods():
    """After ``stop`` the Deferred has the class's methods again and records nothing more."""
    d = defer.Deferred()
    before = set(vars(d))
    h = trace.history(d)
    d.addCallback(double)
    h.stop()
    assert set(vars(d)) == before
    d.callback(1)
    assert h.steps == []
    assert d.result == 2


def test_aDeferredWithoutHistoryIsUntouched():
    """A Deferred with no ``history`` ends up as it does when no history exists."""

    def run(d):
        d.addCallback(double)
        d.callback(1)
        return set(vars(d))

    plain = run(defer.Deferred())
    trace.history(defer.Deferred())
    assert run(defer.Deferred()) == plain
    assert not plain & {"addCallback", "addCallbacks", "addErrback", "addBoth", "pause"}
