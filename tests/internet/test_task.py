"""Tests for minitwisted.internet.task, side by side with real Twisted.

Most tests take the ``impl`` fixture and run once on minitwisted and once on Twisted
26.10: the same scenario must give the same result on both.  Time is always a
``task.Clock`` of the implementation under test; ``react`` needs a real reactor, so its
tests run a small script in a subprocess with each framework.  Tests that pin a
deliberate difference say so in their docstring.
"""

import importlib.util
import subprocess
import sys
import textwrap
import types

import pytest
from zope.interface.verify import verifyObject

from minitwisted.internet import defer as mdefer
from minitwisted.internet import error as merror
from minitwisted.internet import interfaces as minterfaces
from minitwisted.internet import task as mtask
from minitwisted.python import failure as mfailure


def _namespace(name):
    if name == "minitwisted":
        return types.SimpleNamespace(
            name=name, task=mtask, defer=mdefer, error=merror,
            interfaces=minterfaces, Failure=mfailure.Failure)
    from twisted.internet import defer, error, interfaces, task
    from twisted.python import failure
    return types.SimpleNamespace(
        name=name, task=task, defer=defer, error=error,
        interfaces=interfaces, Failure=failure.Failure)


@pytest.fixture(params=["minitwisted", "twisted"])
def impl(request):
    """The task module under test (with its defer and error): ours, then the oracle."""
    return _namespace(request.param)


@pytest.fixture
def clock(impl):
    """A fresh fake clock of the implementation under test."""
    return impl.task.Clock()


def outcome(d):
    """Return ('ok', value) or ('fail', exception type) for a fired Deferred, consuming it."""
    box = []
    d.addCallbacks(lambda v: box.append(("ok", v)),
                   lambda f: box.append(("fail", f.type)))
    assert box, "the Deferred has not fired"
    return box[0]


# --- Clock ----------------------------------------------------------------------------


def test_clockStartsAtZeroWithNoCalls(clock):
    """A new Clock says 0.0 and has nothing scheduled."""
    assert clock.seconds() == 0.0
    assert clock.rightNow == 0.0
    assert clock.calls == []
    assert clock.getDelayedCalls() == []


def test_clockProvidesIReactorTime(impl, clock):
    """Clock provides IReactorTime, methods and signatures included."""
    assert verifyObject(impl.interfaces.IReactorTime, clock)


def test_callLaterReturnsAnActiveDelayedCallDueLater(impl, clock):
    """callLater returns an active IDelayedCall whose time is now plus the delay."""
    clock.advance(10)
    call = clock.callLater(5, lambda: None)
    assert verifyObject(impl.interfaces.IDelayedCall, call)
    assert call.active()
    assert call.getTime() == 15
    assert clock.getDelayedCalls() == [call]
    assert clock.getDelayedCalls() is clock.calls


def test_advanceMovesTimeForward(clock):
    """advance adds its amount to the clock's time."""
    clock.advance(1.5)
    clock.advance(2)
    assert clock.seconds() == 3.5


def test_advanceRunsOnlyDueCalls(clock):
    """A call runs once time reaches its due time, and not before."""
    ran = []
    call = clock.callLater(2, ran.append, "x")
    clock.advance(1.9)
    assert ran == []
    clock.advance(0.1)
    assert ran == ["x"]
    assert not call.active()
    assert call.called == 1
    assert clock.calls == []


def test_advanceRunsDueCallsInTimeOrder(clock):
    """Calls scheduled out of order run in the order of their due times."""
    ran = []
    for delay in (3, 1, 2):
        clock.callLater(delay, ran.append, delay)
    clock.advance(5)
    assert ran == [1, 2, 3]


def test_advanceRunsCallsDueAtTheSameTimeFirstInFirstOut(clock):
    """Twenty calls due at the same time run in the order they were scheduled."""
    ran = []
    for i in range(20):
        clock.callLater(1, ran.append, i)
    clock.advance(1)
    assert ran == list(range(20))


def test_callLaterPassesArgumentsAndKeywords(clock):
    """The call receives the positional and keyword arguments given to callLater."""
    ran = []
    clock.callLater(1, lambda *a, **kw: ran.append((a, kw)), 1, 2, key="v")
    clock.advance(1)
    assert ran == [((1, 2), {"key": "v"})]


def test_negativeDelayIsAllowedAndDueAtOnce(clock):
    """Clock.callLater accepts a negative delay; the call runs on the next advance(0)."""
    ran = []
    call = clock.callLater(-1, ran.append, "late")
    assert call.getTime() == -1
    clock.advance(0)
    assert ran == ["late"]


def test_cancelRemovesTheCallFromCalls(impl, clock):
    """A cancelled call leaves calls and never runs; cancelling it again raises AlreadyCancelled."""
    ran = []
    call = clock.callLater(1, ran.append, "x")
    call.cancel()
    assert clock.calls == []
    assert not call.active()
    clock.advance(2)
    assert ran == []
    with pytest.raises(impl.error.AlreadyCancelled):
        call.cancel()


def test_cancellingACallThatRanRaisesAlreadyCalled(impl, clock):
    """A call that has run cannot be cancelled, reset or delayed."""
    call = clock.callLater(1, lambda: None)
    clock.advance(1)
    for action in (call.cancel, lambda: call.reset(1), lambda: call.delay(1)):
        with pytest.raises(impl.error.AlreadyCalled):
            action()


def test_resetMovesTheCallRelativeToNow(clock):
    """reset(n) makes the call due n seconds after the current time, later or earlier."""
    ran = []
    call = clock.callLater(5, ran.append, "x")
    clock.advance(2)
    call.reset(10)
    assert call.getTime() == 12
    clock.advance(9)
    assert ran == []
    call.reset(1)
    assert call.getTime() == 12
    clock.advance(1)
    assert ran == ["x"]


def test_resetEarlierRunsBeforeACallDueAtTheSameTimeScheduledAfterIt(clock):
    """A call moved to an equal due time keeps its place in the stable sort of calls."""
    ran = []
    first = clock.callLater(2, ran.append, "first, due at 2 then moved to 1")
    clock.callLater(1, ran.append, "second, due at 1")
    first.reset(1)
    clock.advance(1)
    assert ran == ["second, due at 1", "first, due at 2 then moved to 1"]


def test_delayPushesTheCallLater(clock):
    """delay(n) adds n seconds to the due time; a negative n brings it earlier."""
    ran = []
    call = clock.callLater(1, ran.append, "x")
    call.delay(2)
    assert call.getTime() == 3
    clock.advance(2)
    assert ran == []
    call.delay(-0.5)
    assert call.getTime() == 2.5
    clock.advance(0.5)
    assert ran == ["x"]


def test_callScheduledDuringAdvanceRunsInThatAdvanceIfDue(clock):
    """A call that a running call schedules with callLater(0) runs in that same advance."""
    ran = []

    def first():
        ran.append(("first", clock.seconds()))
        clock.callLater(0, lambda: ran.append(("second", clock.seconds())))

    clock.callLater(1, first)
    clock.advance(5)
    assert ran == [("first", 5), ("second", 5)]


def test_callScheduledDuringAdvanceWaitsIfNotDue(clock):
    """A call scheduled by a running call for after the new time stays pending."""
    ran = []
    clock.callLater(1, lambda: clock.callLater(10, ran.append, "later"))
    clock.advance(5)
    assert ran == []
    assert [call.getTime() for call in clock.calls] == [15]


def test_callCancelledByAnEarlierCallDoesNotRun(clock):
    """A due call that an earlier call cancels does not run in that advance."""
    ran = []
    victim = clock.callLater(2, ran.append, "victim")
    clock.callLater(1, victim.cancel)
    clock.advance(3)
    assert ran == []


def test_exceptionInACallPropagatesOutOfAdvance(clock):
    """An exception raised by a call reaches advance's caller; later calls stay pending."""
    ran = []
    clock.callLater(1, lambda: 1 / 0)
    clock.callLater(2, ran.append, "after")
    with pytest.raises(ZeroDivisionError):
        clock.advance(3)
    assert ran == []
    clock.advance(0)
    assert ran == ["after"]


def test_pumpAdvancesByEachAmountInTurn(clock):
    """pump runs the calls due after each step, in step order."""
    ran = []
    for delay in (1, 2, 3):
        clock.callLater(delay, lambda d=delay: ran.append((d, clock.seconds())))
    clock.pump([1.5, 0, 1.5])
    assert ran == [(1, 1.5), (2, 3.0), (3, 3.0)]
    assert clock.seconds() == 3.0


# --- LoopingCall --------------------------------------------------------------------------


@pytest.fixture
def loop(impl, clock):
    """A LoopingCall on the fake clock that records the time of each call."""
    times = []
    lc = impl.task.LoopingCall(lambda: times.append(clock.seconds()))
    lc.clock = clock
    lc.times = times
    return lc


def test_startWithNowCallsAtOnce(loop, clock):
    """start(1) calls f immediately, then once per interval."""
    loop.start(1)
    assert loop.times == [0.0]
    assert loop.running
    assert loop.interval == 1
    clock.pump([1, 1])
    assert loop.times == [0.0, 1.0, 2.0]


def test_startWithoutNowWaitsOneInterval(loop, clock):
    """start(1, now=False) makes the first call one interval from now."""
    loop.start(1, now=False)
    assert loop.times == []
    assert loop.call.getTime() == 1.0
    clock.advance(1)
    assert loop.times == [1.0]


def test_missedIntervalsAreSkippedNotReplayed(loop, clock):
    """A jump from t=2 to t=5.5 gives one call, and the next is on the grid at 6.0."""
    loop.start(1)
    clock.pump([1, 1])
    clock.advance(3.5)
    assert loop.times == [0.0, 1.0, 2.0, 5.5]
    assert loop.call.getTime() == 6.0
    clock.advance(0.5)
    assert loop.times[-1] == 6.0


def test_withCountReceivesTheNumberOfElapsedIntervals(impl, clock):
    """withCount's callable gets 1 per regular call and 3 after a jump of three intervals."""
    counts = []
    loop = impl.task.LoopingCall.withCount(counts.append)
    loop.clock = clock
    loop.start(1)
    clock.pump([1, 1])
    clock.advance(3.5)
    clock.advance(0.5)
    assert counts == [1, 1, 1, 3, 1]


def test_withCountWithoutNowCountsFromTheStart(impl, clock):
    """With now=False the first call counts the intervals since start."""
    counts = []
    loop = impl.task.LoopingCall.withCount(counts.append)
    loop.clock = clock
    loop.start(2, now=False)
    clock.advance(5)
    assert counts == [2]


def test_withCountAtIntervalZeroAlwaysCountsOne(impl, clock):
    """With an interval of 0 the count is always 1 (and each call is due at once)."""
    counts = []

    def count(n):
        counts.append(n)
        if len(counts) == 3:
            loop.stop()  # interval 0 on a Clock would otherwise loop forever in advance()

    loop = impl.task.LoopingCall.withCount(count)
    loop.clock = clock
    loop.start(0)
    clock.advance(10)
    assert counts == [1, 1, 1]


def test_stopFiresTheDeferredWithTheLoopingCall(loop, clock):
    """stop() ends the loop; start's Deferred fires with the LoopingCall, running already false."""
    d = loop.start(1)
    seen = []
    d.addCallback(lambda lc: seen.append((lc, lc.running)))
    loop.stop()
    assert seen == [(loop, False)]
    assert loop.call is None
    assert clock.calls == []
    clock.advance(5)
    assert loop.times == [0.0]


def test_stopFromInsideFFiresAfterFReturns(impl, clock):
    """f may stop its own loop; the Deferred fires once f has returned."""
    calls = []

    def f():
        calls.append(clock.seconds())
        if len(calls) == 2:
            loop.stop()

    loop = impl.task.LoopingCall(f)
    loop.clock = clock
    d = loop.start(1)
    clock.advance(1)
    assert outcome(d) == ("ok", loop)
    assert calls == [0.0, 1.0]
    assert clock.calls == []


def test_exceptionInFStopsTheLoopAndFailsTheDeferred(impl, clock):
    """When f raises, the loop stops and start's Deferred fails with that exception."""
    calls = []

    def f():
        calls.append(clock.seconds())
        if len(calls) == 2:
            raise ValueError("bad tick")

    loop = impl.task.LoopingCall(f)
    loop.clock = clock
    d = loop.start(1)
    clock.advance(1)
    assert outcome(d) == ("fail", ValueError)
    assert not loop.running
    assert clock.calls == []


def test_exceptionInTheFirstCallFailsTheReturnedDeferred(impl, clock):
    """A failure of the immediate first call still reaches the Deferred start returns."""
    loop = impl.task.LoopingCall(lambda: 1 / 0)
    loop.clock = clock
    d = loop.start(1)
    assert outcome(d) == ("fail", ZeroDivisionError)
    assert not loop.running


def test_loopWaitsForTheDeferredReturnedByF(impl, clock):
    """If f returns an unfired Deferred, the next call is scheduled only after it fires."""
    pending = []

    def f():
        pending.append(impl.defer.Deferred())
        return pending[-1]

    loop = impl.task.LoopingCall(f)
    loop.clock = clock
    loop.start(1)
    clock.advance(5)
    assert len(pending) == 1
    assert loop.call is None
    pending[0].callback(None)
    assert loop.call.getTime() == 6.0
    clock.advance(1)
    assert len(pending) == 2


def test_failedDeferredFromFStopsTheLoop(impl, clock):
    """A Deferred from f that fails ends the loop with that failure."""
    inner = impl.defer.Deferred()
    loop = impl.task.LoopingCall(lambda: inner)
    loop.clock = clock
    d = loop.start(1)
    inner.errback(KeyError("k"))
    assert outcome(d) == ("fail", KeyError)
    assert not loop.running


def test_stopWhileWaitingOnFFiresWhenFsDeferredFires(impl, clock):
    """stop() while f's Deferred is pending fires start's Deferred only when that one fires."""
    inner = impl.defer.Deferred()
    loop = impl.task.LoopingCall(lambda: inner)
    loop.clock = clock
    d = loop.start(1)
    loop.stop()
    seen = []
    d.addCallback(seen.append)
    assert seen == []
    inner.callback(None)
    assert seen == [loop]


def test_resetSkipsTheNextCallAndRestartsTheInterval(loop, clock):
    """reset() at t=0.5 moves the next call from 1.0 to 1.5."""
    loop.start(1)
    clock.advance(0.5)
    loop.reset()
    assert loop.call.getTime() == 1.5
    clock.advance(0.5)
    assert loop.times == [0.0]
    clock.advance(0.5)
    assert loop.times == [0.0, 1.5]


def test_argumentsArePassedToF(impl, clock):
    """LoopingCall(f, *a, **kw) calls f(*a, **kw) each time."""
    seen = []
    loop = impl.task.LoopingCall(lambda *a, **kw: seen.append((a, kw)), 1, k=2)
    loop.clock = clock
    loop.start(1)
    assert seen == [((1,), {"k": 2})]
    assert loop.f is not None and loop.a == (1,) and loop.kw == {"k": 2}


def test_negativeIntervalRaisesValueError(loop):
    """start(-1) raises ValueError("interval must be >= 0") and leaves the loop stopped."""
    with pytest.raises(ValueError, match=r"^interval must be >= 0$"):
        loop.start(-1)
    assert not loop.running


def test_startingTwiceOrStoppingAStoppedLoopIsAnAssertion(loop):
    """Starting a running loop, or stopping or resetting a stopped one, fails an assertion."""
    with pytest.raises(AssertionError):
        loop.stop()
    with pytest.raises(AssertionError):
        loop.reset()
    loop.start(1)
    with pytest.raises(AssertionError):
        loop.start(1)


def test_loopingCallCanBeStartedAgainAfterStop(loop, clock):
    """A stopped LoopingCall can be started again, with a fresh Deferred."""
    first = loop.start(1)
    loop.stop()
    clock.advance(10)
    second = loop.start(2)
    assert second is not first
    clock.advance(2)
    assert loop.times == [0.0, 10.0, 12.0]


def test_reprShowsIntervalFunctionAndArguments(impl):
    """repr is LoopingCall<interval>(qualified name, *args, **kwargs)."""

    def tick(a, b=None):
        pass

    loop = impl.task.LoopingCall(tick, 1, b="x")
    assert repr(loop) == (
        "LoopingCall<None>(test_reprShowsIntervalFunctionAndArguments.<locals>.tick,"
        " *(1,), **{'b': 'x'})")
    loop.clock = impl.task.Clock()
    loop.start(2.5)
    assert repr(loop).startswith("LoopingCall<2.5>(")


def test_defaultClockIsLookedUpOnFirstUse():
    """Differs from Twisted: building a LoopingCall does not install the global reactor."""
    script = textwrap.dedent("""
        import sys
        from {package}.internet import task
        loop = task.LoopingCall(print)
        print("{package}.internet.reactor" in sys.modules)
    """)
    installed = {}
    for package in ("minitwisted", "twisted"):
        result = subprocess.run(
            [sys.executable, "-c", script.format(package=package)],
            capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        installed[package] = result.stdout.strip()
    assert installed == {"minitwisted": "False", "twisted": "True"}


def test_loopingCallHasNoDeprecatedDeferredAttribute(impl):
    """Differs from Twisted: there is no LoopingCall.deferred (deprecated there since 16.0)."""
    assert hasattr(impl.task.LoopingCall, "deferred") == (impl.name == "twisted")


def test_clockAssignedBeforeStartIsUsed(impl, clock):
    """Assigning clock before start makes the loop schedule on that clock."""
    loop = impl.task.LoopingCall(lambda: None)
    loop.clock = clock
    loop.start(3, now=False)
    assert loop.clock is clock
    assert [call.getTime() for call in clock.calls] == [3.0]


# --- deferLater ---------------------------------------------------------------------------


def test_deferLaterFiresWithTheCallablesResultAfterTheDelay(impl, clock):
    """deferLater calls the callable after the delay and fires with its result."""
    d = impl.task.deferLater(clock, 2, lambda a, b: a + b, 1, b=2)
    assert not d.called
    clock.advance(2)
    assert outcome(d) == ("ok", 3)


def test_deferLaterWithoutACallableFiresWithNone(impl, clock):
    """deferLater(clock, delay) is a plain sleep: it fires with None."""
    d = impl.task.deferLater(clock, 1)
    clock.advance(1)
    assert outcome(d) == ("ok", None)


def test_deferLaterFailsWhenTheCallableRaises(impl, clock):
    """An exception from the callable fails the Deferred."""
    d = impl.task.deferLater(clock, 1, lambda: {}["missing"])
    clock.advance(1)
    assert outcome(d) == ("fail", KeyError)


def test_cancellingDeferLaterCancelsTheDelayedCall(impl, clock):
    """cancel() removes the scheduled call and fails the Deferred with CancelledError."""
    ran = []
    d = impl.task.deferLater(clock, 1, ran.append, "x")
    assert len(clock.calls) == 1
    d.cancel()
    assert clock.calls == []
    assert outcome(d) == ("fail", impl.defer.CancelledError)
    clock.advance(2)
    assert ran == []


# --- react --------------------------------------------------------------------------------

REACT_SCRIPT = """
import sys
from {package}.internet import defer, task

async def succeed(reactor):
    await task.deferLater(reactor, 0.01)

def fail(reactor):
    return defer.fail(ValueError("boom"))

def exit3(reactor):
    d = defer.Deferred()
    reactor.callLater(0.01, d.errback, SystemExit(3))
    return d

def argv(reactor, *args):
    print("argv", args, reactor.running)
    return defer.succeed(None)

task.react({{"succeed": succeed, "fail": fail, "exit3": exit3, "argv": argv}}[sys.argv[1]],
           sys.argv[2:])
"""


def _runReact(package, mainName, *args):
    if package == "minitwisted" and (
            importlib.util.find_spec("minitwisted.internet.selectreactor") is None):
        pytest.skip("react needs minitwisted's global reactor (selectreactor), not there yet")
    return subprocess.run(
        [sys.executable, "-c", REACT_SCRIPT.format(package=package), mainName, *args],
        capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("package", ["minitwisted", "twisted"])
def test_reactExitsWithZeroWhenMainSucceeds(package):
    """A coroutine main that finishes makes react exit with code 0 and log nothing."""
    result = _runReact(package, "succeed")
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize("package", ["minitwisted", "twisted"])
def test_reactExitsWithOneAndLogsWhenMainFails(package):
    """A failing main makes react log "main function encountered error" and exit with 1."""
    result = _runReact(package, "fail")
    assert result.returncode == 1
    assert "main function encountered error" in result.stderr
    assert "ValueError: boom" in result.stderr


@pytest.mark.parametrize("package", ["minitwisted", "twisted"])
def test_reactExitsWithTheCodeOfASystemExitFromMain(package):
    """A main that fails with SystemExit(3) makes react exit with code 3, logging nothing."""
    result = _runReact(package, "exit3")
    assert (result.returncode, result.stderr) == (3, "")


@pytest.mark.parametrize("package", ["minitwisted", "twisted"])
def test_reactPassesArgvAfterTheReactor(package):
    """main receives the reactor, then argv's items; the reactor is not running yet."""
    result = _runReact(package, "argv", "a", "b")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "argv ('a', 'b') False\n"


class FakeReactor:
    """Just enough of a reactor for react: triggers, callWhenRunning, run and stop."""

    def __init__(self):
        self.running = False
        self.shutdownTriggers = []
        self.whenRunning = []
        self.stops = 0

    def addSystemEventTrigger(self, phase, eventType, f, *args):
        self.shutdownTriggers.append(f)

    def callWhenRunning(self, f, *args):
        if self.running:
            f(*args)
        else:
            self.whenRunning.append((f, args))

    def run(self):
        self.running = True
        for f, args in self.whenRunning:
            f(*args)

    def stop(self):
        self.stops += 1
        self.running = False


def test_reactStopsTheReactorOnceAndExits(impl):
    """react stops the given reactor once main's Deferred has fired, then raises SystemExit(0)."""
    reactor = FakeReactor()
    with pytest.raises(SystemExit) as exited:
        impl.task.react(lambda r: impl.defer.succeed("done"), _reactor=reactor)
    assert exited.value.code == 0
    assert reactor.stops == 1


def test_reactDoesNotStopAReactorAlreadyShuttingDown(impl):
    """If the reactor is already shutting down when main fires, react does not stop it again."""
    reactor = FakeReactor()
    finished = impl.defer.Deferred()

    def run():
        for trigger in reactor.shutdownTriggers:
            trigger()
        finished.callback(None)

    reactor.run = run
    with pytest.raises(SystemExit) as exited:
        impl.task.react(lambda r: finished, _reactor=reactor)
    assert exited.value.code == 0
    assert reactor.stops == 0


# --- Cooperator -----------------------------------------------------------------------------


@pytest.fixture
def coop(impl, clock):
    """A Cooperator that ticks on every clock.advance(1) and runs one step per tick."""
    return impl.task.Cooperator(
        terminationPredicateFactory=lambda: (lambda: True),
        scheduler=lambda tick: clock.callLater(1, tick))


def counting(name, steps, log):
    """An iterator that records (name, step) for each of its steps."""
    for step in range(steps):
        log.append((name, step))
        yield None


def test_coiterateFiresWithTheIteratorWhenExhausted(coop, clock):
    """coiterate runs the iterator a step per tick and fires with it at the end."""
    steps = []
    iterator = counting("a", 3, steps)
    d = coop.coiterate(iterator)
    assert steps == []
    clock.pump([1, 1, 1])
    assert steps == [("a", 0), ("a", 1), ("a", 2)]
    assert not d.called
    clock.advance(1)
    assert outcome(d) == ("ok", iterator)
    assert clock.calls == []


def test_tasksTakeTurns(coop, clock):
    """Two tasks alternate, one step each, in the order they were added."""
    steps = []
    coop.cooperate(counting("a", 2, steps))
    coop.cooperate(counting("b", 2, steps))
    clock.pump([1] * 4)
    assert steps == [("a", 0), ("b", 0), ("a", 1), ("b", 1)]


def test_aTickRunsStepsUntilTheTerminationPredicateIsTrue(impl, clock):
    """A predicate that allows three steps per tick runs three steps per tick."""
    def threeSteps():
        budget = iter([False, False, True])
        return lambda: next(budget)

    coop = impl.task.Cooperator(threeSteps, lambda tick: clock.callLater(1, tick))
    steps = []
    coop.cooperate(counting("a", 5, steps))
    clock.advance(1)
    assert len(steps) == 3


def test_pausedTaskDoesNoWorkUntilResumed(impl, coop, clock):
    """A paused task is skipped until resumed; pauses nest; resuming too often raises NotPaused."""
    steps = []
    task = coop.cooperate(counting("a", 3, steps))
    task.pause()
    task.pause()
    clock.pump([1, 1])
    assert steps == []
    task.resume()
    clock.advance(1)
    assert steps == []
    task.resume()
    clock.advance(1)
    assert steps == [("a", 0)]
    with pytest.raises(impl.task.NotPaused):
        task.resume()


def test_stopFailsWhenDoneWithTaskStopped(impl, coop, clock):
    """stop() ends the task: whenDone fails with TaskStopped; later pause or stop raise it."""
    steps = []
    task = coop.cooperate(counting("a", 3, steps))
    done = task.whenDone()
    task.stop()
    assert outcome(done) == ("fail", impl.task.TaskStopped)
    assert outcome(task.whenDone()) == ("fail", impl.task.TaskStopped)
    with pytest.raises(impl.task.TaskStopped):
        task.pause()
    with pytest.raises(impl.task.TaskFinished):
        task.stop()
    clock.advance(1)
    assert steps == []


def test_finishedTaskRaisesTaskDoneAndWhenDoneFiresAtOnce(impl, coop, clock):
    """After the iterator is exhausted, whenDone fires at once and stop raises TaskDone."""
    iterator = iter([1])
    task = coop.cooperate(iterator)
    clock.pump([1, 1])
    assert outcome(task.whenDone()) == ("ok", iterator)
    with pytest.raises(impl.task.TaskDone):
        task.stop()


def test_iteratorErrorFailsWhenDoneAndMarksTaskFailed(impl, coop, clock):
    """An exception from the iterator fails whenDone with it; the task then raises TaskFailed."""
    def broken():
        yield 1
        raise ValueError("broken")

    task = coop.cooperate(broken())
    done = task.whenDone()
    clock.pump([1, 1])
    assert outcome(done) == ("fail", ValueError)
    with pytest.raises(impl.task.TaskFailed):
        task.pause()


def test_yieldedDeferredPausesTheTaskUntilItFires(impl, coop, clock):
    """A task that yields an unfired Deferred does no more work until that Deferred fires."""
    waiting = impl.defer.Deferred()
    steps = []

    def waits():
        steps.append("before")
        yield waiting
        steps.append("after")

    done = coop.coiterate(waits())
    clock.pump([1, 1, 1])
    assert steps == ["before"]
    waiting.callback(None)
    clock.pump([1, 1])
    assert steps == ["before", "after"]
    assert outcome(done)[0] == "ok"


def test_yieldedDeferredThatFailsFailsTheTask(impl, coop, clock):
    """A yielded Deferred that fails ends the task with that failure."""
    waiting = impl.defer.Deferred()
    done = coop.coiterate(iter([waiting]))
    clock.advance(1)
    waiting.errback(KeyError("k"))
    assert outcome(done) == ("fail", KeyError)


def test_notStartedCooperatorRunsNothingUntilStart(impl, clock):
    """With started=False no tick is scheduled until start()."""
    coop = impl.task.Cooperator(
        lambda: (lambda: True), lambda tick: clock.callLater(1, tick), started=False)
    steps = []
    coop.cooperate(counting("a", 1, steps))
    assert not coop.running
    assert clock.calls == []
    coop.start()
    assert coop.running
    clock.advance(1)
    assert steps == [("a", 0)]


def test_taskAddedToAStoppedCooperatorFailsWithSchedulerStopped(impl, coop):
    """A stopped Cooperator fails new tasks at once with SchedulerStopped."""
    coop.stop()
    assert not coop.running
    assert outcome(coop.coiterate(iter([1]))) == ("fail", impl.task.SchedulerStopped)


def test_stoppingTheCooperatorFailsEveryTask(impl, coop, clock):
    """Differs from Twisted: stop() fails every task's whenDone; Twisted skips every second task."""
    results = []
    for name in "abc":
        coop.coiterate(iter(range(5))).addBoth(lambda r, n=name: results.append(n))
    coop.stop()
    assert clock.calls == []
    if impl.name == "minitwisted":
        assert results == ["a", "b", "c"]
    else:
        assert results == ["a", "c"]


def test_cooperatorIsRunningByDefault(impl):
    """A Cooperator built with no arguments is running; stop() makes it not running."""
    coop = impl.task.Cooperator()
    assert coop.running
    coop.stop()
    assert not coop.running


def test_moduleLevelCooperateUsesTheGlobalCooperator(impl, monkeypatch, clock):
    """cooperate and coiterate hand their iterator to the module's global Cooperator."""
    coop = impl.task.Cooperator(lambda: (lambda: True), lambda tick: clock.callLater(1, tick))
    monkeypatch.setattr(impl.task, "_theCooperator", coop)
    steps = []
    task = impl.task.cooperate(counting("a", 1, steps))
    done = impl.task.coiterate(iter([]))
    clock.pump([1, 1, 1])
    assert steps == [("a", 0)]
    assert outcome(task.whenDone())[0] == "ok"
    assert outcome(done)[0] == "ok"


def test_schedulerErrorsFormAHierarchy(impl):
    """TaskDone, TaskStopped and TaskFailed are TaskFinished; all are SchedulerError."""
    t = impl.task
    for cls in (t.TaskDone, t.TaskStopped, t.TaskFailed):
        assert issubclass(cls, t.TaskFinished)
    for cls in (t.TaskFinished, t.SchedulerStopped, t.NotPaused):
        assert issubclass(cls, t.SchedulerError)
