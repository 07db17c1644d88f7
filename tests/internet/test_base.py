"""Tests for minitwisted.internet.base: DelayedCall, timers, system events, run/stop/crash, threads.

Each test builds a fresh, uninstalled reactor (the ``reactor`` fixture): minitwisted's
``SelectReactor``, minitwisted's ``AsyncioSelectorReactor`` on a new event loop, and
Twisted's ``SelectReactor``, so a test may run and stop it without touching the global
reactors, and the asyncio reactor passes the same tests as the default one.  Tests that
pin a deliberate difference say so and show Twisted's behaviour next to ours.
"""

import re
import signal
import subprocess
import sys
import threading
import time

import asyncio
import types

import pytest

from minitwisted.internet import base


@pytest.fixture(params=["minitwisted", "minitwisted-asyncio", "twisted"])
def framework(request):
    """minitwisted with its default reactor, minitwisted with its asyncio reactor, then Twisted.

    The asyncio-driven reactor must pass the same tests as the default one, so every
    test here runs on it too (``reactor`` builds one on a new event loop).
    """
    from tests.conftest import _namespace

    if request.param != "minitwisted-asyncio":
        return _namespace(request.param)
    from minitwisted.internet.asyncioreactor import AsyncioSelectorReactor

    def makeReactor():
        loop = asyncio.new_event_loop()
        request.addfinalizer(loop.close)
        return AsyncioSelectorReactor(loop)

    namespace = _namespace("minitwisted")
    namespace.selectreactor = types.SimpleNamespace(SelectReactor=makeReactor)
    return namespace


@pytest.fixture
def frozen(reactor):
    """Make ``reactor.seconds()`` a settable fake clock; returns the one-item list holding now."""
    now = [1000.0]
    reactor.seconds = lambda: now[0]
    return now


def run_briefly(reactor, seconds=0.05):
    """Run ``reactor`` for about ``seconds``, then stop it (with the shutdown event)."""
    reactor.callLater(seconds, reactor.stop)
    reactor.run(installSignalHandlers=False)


def error_texts(events):
    return [str(event["failure"].value) for event in events if event.get("isError")
            and "failure" in event]


# --- DelayedCall ----------------------------------------------------------------------------


def test_callLaterReturnsAnActiveDelayedCall(reactor, frozen):
    """callLater returns a DelayedCall due ``delay`` seconds from now."""
    call = reactor.callLater(5, lambda: None)
    assert call.getTime() == 1005.0
    assert call.active()
    assert call.called == 0 and call.cancelled == 0


def test_negativeDelayIsRefused(reactor):
    """A negative delay fails the reactor's assertion, with Twisted's message."""
    with pytest.raises(AssertionError, match="^-1 is not greater than or equal to 0 seconds$"):
        reactor.callLater(-1, lambda: None)


def test_cancelledCallDoesNotRunAndCannotBeCancelledAgain(framework, reactor):
    """A cancelled call never runs; cancelling, resetting or delaying it again raises AlreadyCancelled."""
    ran = []
    call = reactor.callLater(0, ran.append, 1)
    call.cancel()
    assert not call.active()
    for attempt in (call.cancel, lambda: call.reset(1), lambda: call.delay(1)):
        with pytest.raises(framework.error.AlreadyCancelled) as caught:
            attempt()
        assert str(caught.value) == "Tried to cancel an already-cancelled event."
    run_briefly(reactor, 0.01)
    assert ran == []


def test_calledCallRaisesAlreadyCalled(framework, reactor):
    """Once a call has run, cancel raises AlreadyCalled."""
    call = reactor.callLater(0, lambda: None)
    run_briefly(reactor, 0.01)
    assert call.called == 1 and not call.active()
    with pytest.raises(framework.error.AlreadyCalled) as caught:
        call.cancel()
    assert str(caught.value) == "Tried to cancel an already-called event."


def test_resetAndDelayMoveTheCall(reactor, frozen):
    """reset(n) makes a call due n seconds from now; delay(n) pushes it n seconds later."""
    call = reactor.callLater(10, lambda: None)
    call.delay(5)
    assert call.getTime() == 1015.0
    call.reset(1)
    assert call.getTime() == 1001.0
    call.delay(-0.5)
    assert call.getTime() == 1000.5


def test_delayedCallReprShowsTimeStateAndFunction(reactor, frozen):
    """repr names the address, seconds left, called/cancelled and the call with its arguments."""
    def greet(name, punctuation="!"):
        pass
    call = reactor.callLater(2.5, greet, "bob", punctuation="?")
    assert re.fullmatch(
        r"<DelayedCall 0x[0-9a-f]+ \[2\.5s\] called=0 cancelled=0 "
        r"test_delayedCallReprShowsTimeStateAndFunction\.<locals>\.greet\('bob', punctuation='\?'\)>",
        repr(call))


def test_timersRunInTimeOrder(reactor):
    """Calls run in order of their due time, not of scheduling."""
    order = []
    for delay in (0.03, 0.01, 0.02):
        reactor.callLater(delay, order.append, delay)
    run_briefly(reactor, 0.06)
    assert order == [0.01, 0.02, 0.03]


def test_equalTimesRunFirstInFirstOut(frozen):
    """Differs from Twisted: calls due at the same time run in the order they were scheduled."""
    from minitwisted.internet.selectreactor import SelectReactor as Ours
    from twisted.internet.selectreactor import SelectReactor as Theirs

    orders = {}
    for make in (Ours, Theirs):
        reactor = make()
        reactor.seconds = lambda: 1000.0
        order = []
        for i in range(20):
            reactor.callLater(0, order.append, i)
        reactor.runUntilCurrent()
        orders[make.__module__.split(".")[0]] = order
    assert orders["minitwisted"] == list(range(20))
    # Twisted's heap compares times only: the same program runs them out of order.
    assert sorted(orders["twisted"]) == list(range(20))
    assert orders["twisted"] != list(range(20))


def test_getDelayedCallsListsOnlyActiveCalls(reactor):
    """getDelayedCalls leaves out cancelled calls."""
    keep = reactor.callLater(1, lambda: None)
    drop = reactor.callLater(1, lambda: None)
    drop.cancel()
    assert reactor.getDelayedCalls() == [keep]


def test_manyCancelledCallsAreDropped(reactor):
    """Cancelling most of 1,000 calls leaves only the rest to run."""
    ran = []
    calls = [reactor.callLater(0.001 * (i % 10), ran.append, i) for i in range(1000)]
    for call in calls[::2]:
        call.cancel()
    run_briefly(reactor, 0.05)
    assert sorted(ran) == list(range(1, 1000, 2))


def test_callScheduledByATimerWaitsForTheNextPass(reactor, frozen):
    """A call scheduled with delay 0 by a running timer does not run in the same pass."""
    order = []

    def first():
        order.append("first")
        reactor.callLater(0, order.append, "second")

    reactor.callLater(0, first)
    reactor.runUntilCurrent()
    assert order == ["first"]
    reactor.runUntilCurrent()
    assert order == ["first", "second"]


def test_exceptionInATimerIsLoggedAndTheLoopGoesOn(framework, reactor, logged):
    """A timer that raises is logged with its exception, and later timers still run."""
    ran = []
    reactor.callLater(0, lambda: 1 / 0)
    reactor.callLater(0.01, ran.append, "later")
    run_briefly(reactor, 0.03)
    assert ran == ["later"]
    assert error_texts(logged) == ["division by zero"]


# --- Running and stopping -------------------------------------------------------------------


def test_stopWhenNotRunningRaisesReactorNotRunning(framework, reactor):
    """stop() before run() raises ReactorNotRunning with Twisted's message."""
    with pytest.raises(framework.error.ReactorNotRunning, match="^Can't stop reactor that isn't running.$"):
        reactor.stop()


def test_runWhileRunningRaisesReactorAlreadyRunning(framework, reactor):
    """run() from inside the running loop raises ReactorAlreadyRunning."""
    caught = []

    def nested():
        try:
            reactor.run(installSignalHandlers=False)
        except framework.error.ReactorAlreadyRunning as e:
            caught.append(e)
        reactor.stop()

    reactor.callWhenRunning(nested)
    reactor.run(installSignalHandlers=False)
    assert len(caught) == 1


def test_stopTwiceRaisesReactorNotRunning(framework, reactor):
    """A second stop() before the loop has ended raises ReactorNotRunning."""
    caught = []

    def stopTwice():
        reactor.stop()
        try:
            reactor.stop()
        except framework.error.ReactorNotRunning as e:
            caught.append(e)

    reactor.callWhenRunning(stopTwice)
    reactor.run(installSignalHandlers=False)
    assert len(caught) == 1


def test_runAgainAfterStop():
    """Differs from Twisted: a stopped reactor runs again; Twisted raises ReactorNotRestartable."""
    from minitwisted.internet.selectreactor import SelectReactor as Ours
    from twisted.internet import error as terror
    from twisted.internet.selectreactor import SelectReactor as Theirs

    ours = Ours()
    runs = []
    for attempt in range(3):
        ours.callWhenRunning(runs.append, attempt)
        ours.callWhenRunning(ours.stop)
        ours.run(installSignalHandlers=False)
    assert runs == [0, 1, 2]
    assert not ours.running

    theirs = Theirs()
    theirs.callWhenRunning(theirs.stop)
    theirs.run(installSignalHandlers=False)
    with pytest.raises(terror.ReactorNotRestartable):
        theirs.run(installSignalHandlers=False)


def test_shutdownTriggersFireOnEveryStop():
    """Differs from Twisted: each run of a restarted reactor fires its own shutdown event."""
    from minitwisted.internet.selectreactor import SelectReactor

    reactor = SelectReactor()
    shutdowns = []
    for attempt in range(2):
        reactor.addSystemEventTrigger("during", "shutdown", shutdowns.append, attempt)
        reactor.callWhenRunning(reactor.stop)
        reactor.run(installSignalHandlers=False)
    assert shutdowns == [0, 1]


def test_crashLeavesWithoutShutdownAndCanRunAgain(reactor):
    """crash() ends the loop with no shutdown event, and run() works again afterwards."""
    events = []
    reactor.addSystemEventTrigger("before", "shutdown", events.append, "shutdown")
    reactor.callWhenRunning(reactor.crash)
    reactor.run(installSignalHandlers=False)
    assert events == [] and not reactor.running
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert events == ["shutdown"]


def test_iterateRunsDueCalls(reactor):
    """iterate() runs one pass: due timers run without run()."""
    ran = []
    reactor.callLater(0, ran.append, "due")
    reactor.iterate()
    reactor.iterate()
    assert ran == ["due"]


def test_runningIsTrueOnlyWhileRunning(reactor):
    """running is false before run(), true in callWhenRunning callables, false after stop."""
    seen = []
    reactor.callWhenRunning(lambda: seen.append(reactor.running))
    reactor.callWhenRunning(reactor.stop)
    assert not reactor.running
    reactor.run(installSignalHandlers=False)
    assert seen == [True]
    assert not reactor.running


# --- System events ------------------------------------------------------------------------


def test_startupTriggersRunInPhaseOrder(reactor):
    """Startup runs before (not yet running), after (running), then callWhenRunning callables."""
    order = []
    reactor.callWhenRunning(lambda: order.append(("whenRunning", reactor.running)))
    reactor.addSystemEventTrigger("after", "startup", lambda: order.append(("after", reactor.running)))
    reactor.addSystemEventTrigger("before", "startup", lambda: order.append(("before", reactor.running)))
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert order == [("before", False), ("whenRunning", True), ("after", True)]


def test_callWhenRunningWhileRunningCallsAtOnce(reactor):
    """callWhenRunning on a running reactor calls now and returns None."""
    results = []

    def whileRunning():
        results.append(reactor.callWhenRunning(results.append, "now"))
        reactor.stop()

    reactor.callWhenRunning(whileRunning)
    reactor.run(installSignalHandlers=False)
    assert results == ["now", None]


def test_shutdownPhasesRunInOrder(reactor):
    """Shutdown triggers run before, during, after."""
    order = []
    for phase in ("after", "during", "before"):
        reactor.addSystemEventTrigger(phase, "shutdown", order.append, phase)
    run_briefly(reactor, 0)
    assert order == ["before", "during", "after"]


def test_beforeTriggerDeferredHoldsBackTheRest(framework, reactor):
    """A before-trigger that returns a Deferred delays the during phase until it fires."""
    order = []

    def before():
        order.append(("before", reactor.seconds()))
        return framework.task.deferLater(reactor, 0.1, lambda: None)

    reactor.addSystemEventTrigger("before", "shutdown", before)
    reactor.addSystemEventTrigger("during", "shutdown", lambda: order.append(("during", reactor.seconds())))
    run_briefly(reactor, 0)
    assert [name for name, when in order] == ["before", "during"]
    assert order[1][1] - order[0][1] >= 0.09


def test_customEventsFireTheirTriggers(reactor):
    """fireSystemEvent runs the triggers of any event type; removed triggers do not run."""
    order = []
    reactor.addSystemEventTrigger("during", "custom", order.append, "kept")
    removed = reactor.addSystemEventTrigger("during", "custom", order.append, "removed")
    reactor.removeSystemEventTrigger(removed)
    reactor.fireSystemEvent("custom")
    assert order == ["kept"]


def test_badPhaseRaisesKeyError(reactor):
    """An unknown phase raises KeyError('invalid phase')."""
    with pytest.raises(KeyError, match="invalid phase"):
        reactor.addSystemEventTrigger("sometime", "shutdown", lambda: None)


def test_exceptionInATriggerIsLoggedAndTheOthersRun(reactor, logged):
    """A trigger that raises is logged; the remaining triggers of the event still run."""
    order = []
    reactor.addSystemEventTrigger("during", "custom", lambda: 1 / 0)
    reactor.addSystemEventTrigger("during", "custom", order.append, "second")
    reactor.fireSystemEvent("custom")
    assert order == ["second"]
    assert error_texts(logged) == ["division by zero"]


# --- Threads ------------------------------------------------------------------------------


def test_callFromThreadWakesTheLoop(reactor):
    """A call from another thread runs promptly although no timer is due."""
    seen = []

    def fromThread():
        reactor.callFromThread(seen.append, threading.current_thread().name)
        reactor.callFromThread(reactor.stop)

    reactor.callWhenRunning(threading.Thread(target=fromThread, name="helper").start)
    guard = reactor.callLater(10, reactor.stop)
    started = time.monotonic()
    reactor.run(installSignalHandlers=False)
    assert seen == ["helper"]
    assert guard.active(), "the loop slept until the guard timer instead of waking up"
    guard.cancel()
    assert time.monotonic() - started < 9


def test_callInThreadRunsInANamedPoolThread(framework, reactor):
    """callInThread runs in the reactor's pool, in threads named after the reactor module."""
    names = []

    def work():
        names.append(threading.current_thread().name)
        reactor.callFromThread(reactor.stop)

    reactor.callWhenRunning(reactor.callInThread, work)
    reactor.callLater(10, reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert names == [f"PoolThread-{framework.name}.internet.reactor-0"]


def test_threadPoolStopsAtShutdown(reactor):
    """After the reactor stops, the pool's threads have exited."""
    reactor.callWhenRunning(reactor.callInThread, time.sleep, 0.01)
    pool = reactor.getThreadPool()
    run_briefly(reactor, 0.05)
    assert not pool.started
    assert not any(thread.is_alive() for thread in pool.threads)


def test_resolveLooksUpNamesInAThread(framework, reactor):
    """resolve('localhost') fires with 127.0.0.1; an unknown name fails with DNSLookupError."""
    results = []

    def lookUp():
        good = reactor.resolve("localhost")
        bad = reactor.resolve("nonexistent.invalid")
        bad.addErrback(lambda f: f.trap(framework.error.DNSLookupError) and "DNSLookupError")
        framework.defer.gatherResults([good, bad]).addBoth(results.append).addBoth(
            lambda _: reactor.stop())

    reactor.callWhenRunning(lookUp)
    reactor.callLater(10, reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert results == [["127.0.0.1", "DNSLookupError"]]


# --- Signals ------------------------------------------------------------------------------


SIGNAL_SCRIPT = """
import os, signal, sys
from {framework}.internet import reactor
reactor.addSystemEventTrigger("before", "shutdown", print, "before shutdown", flush=True)
reactor.addSystemEventTrigger("after", "shutdown", print, "after shutdown", flush=True)
reactor.callWhenRunning(print, "running", flush=True)
reactor.run()
print("run returned", flush=True)
"""


@pytest.mark.parametrize("framework", ["minitwisted", "twisted"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signalsStopTheReactorInOrder(framework, signum, tmp_path):
    """SIGINT and SIGTERM stop a reactor running in the main thread, shutdown triggers included."""
    script = tmp_path / "run.py"
    script.write_text(SIGNAL_SCRIPT.format(framework=framework))
    process = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "running\n"
        process.send_signal(signum)
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert out == "before shutdown\nafter shutdown\nrun returned\n", err
    assert process.returncode == 0


def test_signalHandlersAreRestoredAfterRun():
    """Differs from Twisted: the handlers run() installed are put back when run() returns."""
    from minitwisted.internet.selectreactor import SelectReactor

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    reactor = SelectReactor()
    during = []
    reactor.callWhenRunning(lambda: during.append(signal.getsignal(signal.SIGINT)))
    reactor.callWhenRunning(reactor.stop)
    reactor.run()
    assert during == [reactor.sigInt]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_delayedCallsAreOrderedByTimeThenSequence():
    """DelayedCall compares by time, then by scheduling order."""
    calls = [base.DelayedCall(t, None, (), {}, None, None) for t in (2.0, 1.0, 1.0)]
    assert sorted(calls) == [calls[1], calls[2], calls[0]]
    assert calls[1] < calls[2] and calls[1] <= calls[2] and not calls[2] < calls[1]
