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
WRAPPED = {"doIteration", "_dispatch", "callLater", "callFromThread", "fireSystemEvent",
           "listenTCP", "connectTCP"}


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
    assert kinds == {"wait", "dispatch", "timer", "fromThread", "call"}
    dispatched = {event.name for event in t.ofKind("dispatch")}
    assert "Echo,0,127.0.0.1" in dispatched
    assert "EchoClient,client" in dispatched
    events = {event.details["events"] for event in t.ofKind("dispatch")}
    assert events <= {"read", "write", "read+write"}
    assert "aTimer" in [event.name for event in t.ofKind("timer")]
    assert [event.name for event in t.ofKind("fromThread")] == ["fromAThread"]


def methodsOf(calls, target):
    """The methods called on ``target``, in order."""
    return [method for _, called, method in calls if called == target]


def test_lifecycleOfAnEchoExchangeIsRecorded(reactor):
    """Each object of an echo exchange records its lifecycle calls in the order they ran."""
    with trace.tracing(reactor) as t:
        runEchoExchange(reactor)
    calls = t.calls()
    assert calls[:2] == [("your code", "reactor", "listenTCP"),
                         ("your code", "reactor", "connectTCP")]
    assert methodsOf(calls, "Factory (server)") == ["buildProtocol"]
    assert methodsOf(calls, "Echo (server)") == [
        "makeConnection", "connectionMade", "dataReceived", "connectionLost"]
    assert methodsOf(calls, "ClientFactory (client)") == [
        "startedConnecting", "buildProtocol", "clientConnectionLost"]
    assert methodsOf(calls, "EchoClient (client)") == [
        "makeConnection", "connectionMade", "dataReceived", "connectionLost"]
    # What the protocols asked of their transports, in the order of the exchange.
    assert [(caller, method) for caller, target, method in calls
            if target == "reactor" and caller != "your code"] == [
        ("EchoClient (client)", "write"), ("Echo (server)", "write"),
        ("EchoClient (client)", "loseConnection")]


def test_lifecycleCallsNameWhoMadeThem(reactor):
    """The loop makes the protocol calls, and connectionMade comes from makeConnection."""
    with trace.tracing(reactor) as t:
        runEchoExchange(reactor)
    callers = {(target, method): caller for caller, target, method in t.calls()}
    assert callers["Echo (server)", "dataReceived"] == "reactor"
    assert callers["Factory (server)", "buildProtocol"] == "reactor"
    assert callers["Echo (server)", "connectionMade"] == "Echo (server)"
    assert callers["Echo (server)", "connectionLost"] == "reactor"  # at shutdown


def test_aDispatchNamesTheProtocolMethodItRan(reactor):
    """A dispatch records the lifecycle methods the loop called while handling it."""
    with trace.tracing(reactor) as t:
        runEchoExchange(reactor)
    ran = [event.details["calls"] for event in t.ofKind("dispatch")
           if event.name == "Echo,0,127.0.0.1"]
    assert ["Echo (server).dataReceived"] in ran


def test_aSecondProtocolOfAKindIsNumbered(reactor):
    """Two connections of one protocol class are labelled apart, the second numbered 2."""
    serverFactory = protocol.Factory.forProtocol(Echo)
    with trace.tracing(reactor) as t:
        reactor.listenTCP(0, serverFactory, interface="127.0.0.1").stopListening()
        first = serverFactory.buildProtocol(None)
        second = serverFactory.buildProtocol(None)
        first.connectionMade()
        second.connectionMade()
    assert methodsOf(t.calls(), "Echo (server)") == ["connectionMade"]
    assert methodsOf(t.calls(), "Echo (server) 2") == ["connectionMade"]


def test_leavingTracingRestoresFactoriesAndProtocols(reactor):
    """After the block, factories and protocols have their own methods, instance ones included."""
    serverFactory = protocol.Factory.forProtocol(Echo)
    ownLost = serverFactory.clientConnectionLost = lambda connector, reason: None
    with trace.tracing(reactor):
        reactor.listenTCP(0, serverFactory, interface="127.0.0.1").stopListening()
        built = serverFactory.buildProtocol(None)
        assert "dataReceived" in vars(built)
    assert vars(serverFactory)["clientConnectionLost"] is ownLost
    assert "buildProtocol" not in vars(serverFactory)
    assert not set(vars(built)) & set(trace.PROTOCOL_METHODS)


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


def test_pairsListEveryRowOfTheChain():
    """Every row added, and its two columns, is listed, pass-throughs as None."""
    d = defer.Deferred()
    d.addCallback(double)  # already there when the recording starts
    h = trace.history(d)
    d.addErrback(recover)
    d.addCallbacks(double, recover)
    d.addBoth(double)
    assert [(p.callback, p.errback) for p in h.pairs] == [
        ("double", None), (None, "recover"), ("double", "recover"), ("double", "double")]


def test_stepsNameTheirRow():
    """Each callback or errback step gives the row of the pair it ran from."""
    d = defer.Deferred()
    h = trace.history(d)
    d.addCallback(explode)
    d.addCallback(double)
    d.addErrback(recover)
    d.callback(1)
    assert [(s.row, s.kind) for s in h.steps] == [(0, "callback"), (2, "errback")]


def test_theDeferredWaitedOnHasItsOwnHistory():
    """The step that returned an unfired Deferred holds that Deferred's history."""
    inner = defer.Deferred()
    inner.addCallback(double)
    d = defer.Deferred()
    h = trace.history(d)
    d.addCallback(lambda _: inner)
    d.addCallback(double)
    d.callback(None)
    inner.callback(5)
    nested = h.steps[0].waitedOn
    assert nested.deferred is inner
    assert [(s.name, s.returned) for s in nested.steps] == [("double", 10)]
    assert [p.callback for p in nested.pairs] == ["double"]
    assert d.result == 20
    h.stop()
    assert "addCallbacks" not in vars(inner)
