"""Time-driven helpers: a fake clock, calls that repeat, calls that wait, and sharing the loop.

Mirrors ``twisted.internet.task`` (Twisted 26.10): ``Clock``, ``LoopingCall``,
``deferLater``, ``react``, and the cooperative scheduler (``Cooperator``, ``cooperate``,
``coiterate``).  ``Clock`` is the fake time every unit test in the workshop uses; it is
introduced in ``notebooks/06_testing_with_trial.ipynb``, and ``LoopingCall`` and
``deferLater`` first appear in ``notebooks/02_reactor.ipynb``.
Tests: ``tests/internet/test_task.py``.

Read it in this order: ``Clock`` (time that moves only when a test says so), then
``LoopingCall`` and ``deferLater`` (built on any ``callLater``), then ``react``, then the
``Cooperator``.

Differs from Twisted:

- ``LoopingCall`` looks up its default clock, the global reactor, the first time it needs
  it rather than in its constructor, so building a ``LoopingCall`` (and then setting
  ``clock`` to a ``Clock``, as tests do) never installs the default reactor.  Twisted
  imports the reactor in ``__init__``, which installs it as a side effect.
- ``Cooperator.stop()`` fails the ``whenDone`` Deferreds of *all* its tasks with
  ``SchedulerStopped``.  Twisted walks its task list while each completion removes an
  entry from it, so every second task is skipped and its ``whenDone`` never fires.
- ``LoopingCall`` has no ``deferred`` attribute (deprecated in Twisted 16.0): use the
  Deferred that ``start`` returns.
"""

import sys
import time

from zope.interface import implementer

from minitwisted.internet.base import DelayedCall
from minitwisted.internet.defer import Deferred, ensureDeferred, maybeDeferred
from minitwisted.internet.error import ReactorNotRunning
from minitwisted.internet.interfaces import IReactorTime
from minitwisted.python import log
from minitwisted.python.failure import Failure

__all__ = [
    "Clock",
    "LoopingCall",
    "deferLater",
    "react",
    "Cooperator",
    "CooperativeTask",
    "coiterate",
    "cooperate",
    "SchedulerError",
    "SchedulerStopped",
    "TaskFinished",
    "TaskDone",
    "TaskStopped",
    "TaskFailed",
    "NotPaused",
]


def _globalReactor():
    # Imported when first needed: importing it installs the default reactor.
    from minitwisted.internet import reactor

    return reactor


# --- Clock ----------------------------------------------------------------------------------


@implementer(IReactorTime)
class Clock:
    """A fake ``IReactorTime``: time stands still until ``advance`` moves it.

    Invariants:

    - ``rightNow`` is the current time; it starts at 0.0 and only ``advance`` changes it.
    - ``calls`` holds the scheduled calls that have neither run nor been cancelled, sorted
      by ``getTime()`` with a stable sort, so calls due at the same moment run in the
      order they were scheduled (first-in first-out).
    """

    rightNow = 0.0

    def __init__(self):
        self.calls = []

    def seconds(self):
        """The fake current time."""
        return self.rightNow

    def _sortCalls(self):
        # list.sort is stable: equal times keep their scheduling order (FIFO).
        self.calls.sort(key=DelayedCall.getTime)

    def callLater(self, delay, callable, *args, **kw):
        """Schedule ``callable(*args, **kw)`` ``delay`` fake seconds from now (may be negative)."""
        call = DelayedCall(
            self.seconds() + delay, callable, args, kw,
            self.calls.remove,  # cancelling takes the call out of the list at once
            lambda call: None,  # moving it needs nothing: advance() sorts before looking
            seconds=self.seconds)
        self.calls.append(call)
        self._sortCalls()
        return call

    def getDelayedCalls(self):
        """The pending calls: the ``calls`` list itself."""
        return self.calls

    def advance(self, amount):
        """Move time forward by ``amount`` and run every call that is now due, earliest first.

        A call scheduled by a running call runs in this same ``advance`` if it is due too.
        An exception from a call propagates to the caller of ``advance`` (a test wants to
        see it), and the calls after it stay pending.
        """
        self.rightNow += amount
        self._sortCalls()
        while self.calls and self.calls[0].getTime() <= self.seconds():
            call = self.calls.pop(0)
            call.called = 1
            call.func(*call.args, **call.kw)
            self._sortCalls()  # the call may have scheduled, moved or cancelled others

    def pump(self, timings):
        """``advance`` by each amount in ``timings``, in turn."""
        for amount in timings:
            self.advance(amount)


# --- LoopingCall ----------------------------------------------------------------------------


class LoopingCall:
    """Call ``f(*a, **kw)`` every ``interval`` seconds, until stopped or until ``f`` fails.

    If ``f`` returns a Deferred, the next call is not scheduled until it fires.  Calls
    stay on the grid ``starttime + n * interval``: when the loop falls behind (a slow
    ``f``, a blocked reactor, a big ``Clock.advance``), the missed calls are skipped, not
    replayed, and the next one lands on the next grid point.

    Invariants:

    - ``running`` is true from ``start`` until ``stop`` or a failure of ``f``; it is
      already false when the Deferred from ``start`` fires.
    - ``call`` is the pending ``DelayedCall`` for the next run, or ``None`` while ``f`` is
      running or its Deferred is pending (and after the loop ended).
    - ``_deferred`` is the Deferred ``start`` returned, until it is fired.
    """

    call = None
    running = False
    interval = None
    starttime = None
    _deferred = None
    _runAtStart = False
    _realLastTime = None  # for withCount: when the counting callable last ran
    _clock = None

    def __init__(self, f, *a, **kw):
        self.f = f
        self.a = a
        self.kw = kw

    @property
    def clock(self):
        """The ``IReactorTime`` that schedules the calls: the global reactor unless set."""
        if self._clock is None:
            self._clock = _globalReactor()
        return self._clock

    @clock.setter
    def clock(self, clock):
        self._clock = clock

    @classmethod
    def withCount(cls, countCallable):
        """A LoopingCall of ``countCallable(n)``, ``n`` being the intervals since the last call.

        ``n`` is normally 1; it is larger when calls were skipped because the loop fell
        behind.  With an interval of 0 it is always 1.
        """

        def counter():
            now = loop.clock.seconds()
            if loop.interval == 0:
                loop._realLastTime = now
                return countCallable(1)
            lastTime = loop._realLastTime
            if lastTime is None:
                lastTime = loop.starttime
                if loop._runAtStart:
                    # The call at start() counts as one whole interval.
                    lastTime -= loop.interval
            count = loop._intervalOf(now) - loop._intervalOf(lastTime)
            if count > 0:
                loop._realLastTime = now
                return countCallable(count)
            return None

        loop = cls(counter)
        return loop

    def _intervalOf(self, when):
        """How many whole intervals lie between ``starttime`` and ``when``."""
        return int((when - self.starttime) / self.interval)

    def start(self, interval, now=True):
        """Start calling every ``interval`` seconds, at once if ``now``; return a Deferred.

        The Deferred fires with this LoopingCall when ``stop`` is called, or fails with
        the failure of ``f`` (which also ends the loop).
        """
        assert not self.running, "Tried to start an already running LoopingCall."
        if interval < 0:
            raise ValueError("interval must be >= 0")
        self.running = True
        # A local name, because a failing first call clears self._deferred before we return.
        deferred = self._deferred = Deferred()
        self.starttime = self.clock.seconds()
        self.interval = interval
        self._runAtStart = now
        if now:
            self()
        else:
            self._scheduleFrom(self.starttime)
        return deferred

    def stop(self):
        """Stop the loop; the Deferred from ``start`` fires with this LoopingCall.

        If ``f``'s Deferred is still pending, the Deferred fires when that one does.
        """
        assert self.running, "Tried to stop a LoopingCall that was not running."
        self.running = False
        if self.call is not None:
            self.call.cancel()
            self.call = None
            self._fire(self)

    def reset(self):
        """Skip the next call and start the interval again from now."""
        assert self.running, "Tried to reset a LoopingCall that was not running."
        if self.call is not None:
            self.call.cancel()
            self.call = None
            self.starttime = self.clock.seconds()
            self._scheduleFrom(self.starttime)

    def _fire(self, result):
        deferred, self._deferred = self._deferred, None
        if isinstance(result, Failure):
            deferred.errback(result)
        else:
            deferred.callback(result)

    def __call__(self):
        """Run ``f`` once now, then schedule the next run (or end the loop)."""

        def succeeded(ignored):
            if self.running:
                self._scheduleFrom(self.clock.seconds())
            else:
                self._fire(self)  # stop() was called while f was running

        def failed(failure):
            self.running = False
            self._fire(failure)

        self.call = None
        maybeDeferred(self.f, *self.a, **self.kw).addCallbacks(succeeded, failed)

    def _scheduleFrom(self, when):
        """Schedule the next call at the first grid point after ``when``."""
        self.call = self.clock.callLater(self._delayUntilNextCall(when), self)

    def _delayUntilNextCall(self, when):
        if self.interval == 0:
            return 0  # as fast as the clock allows
        untilNext = self.interval - ((when - self.starttime) % self.interval)
        if when + untilNext == when:
            # Too small to move a large time value: that grid point is now; take the next.
            return self.interval
        return untilNext

    def __repr__(self):
        name = getattr(self.f, "__qualname__", None) or getattr(self.f, "__name__", None)
        if name is None:
            name = _safeRepr(self.f)
        return "LoopingCall<{!r}>({}, *{}, **{})".format(
            self.interval, name, _safeRepr(self.a), _safeRepr(self.kw))


def _safeRepr(obj):
    try:
        return repr(obj)
    except Exception:
        return f"<{type(obj).__qualname__} instance at 0x{id(obj):x} with repr error>"


# --- deferLater -----------------------------------------------------------------------------


def deferLater(clock, delay, callable=None, *args, **kw):
    """A Deferred that fires in ``delay`` seconds with ``callable(*args, **kw)`` (or ``None``).

    Cancelling the Deferred cancels the scheduled call, and the Deferred fails with
    ``CancelledError``.
    """

    def cancelTimer(deferred):
        delayedCall.cancel()

    def callIt(ignored):
        if callable is None:
            return None
        return callable(*args, **kw)

    deferred = Deferred(cancelTimer)
    deferred.addCallback(callIt)
    delayedCall = clock.callLater(delay, deferred.callback, None)
    return deferred


# --- react ----------------------------------------------------------------------------------


def react(main, argv=(), _reactor=None):
    """Run ``main(reactor, *argv)`` under a running reactor, then exit the process.

    ``main`` returns a Deferred or a coroutine.  When it finishes, the reactor stops
    (once, and only if nobody else stopped it) and ``sys.exit`` is called with 0 on
    success; with 1 after logging the failure as "main function encountered error"; or
    with the code of a ``SystemExit`` that ``main`` raised.
    """
    reactor = _reactor if _reactor is not None else _globalReactor()
    finished = ensureDeferred(main(reactor, *argv))
    exitCode = 0
    shuttingDown = False

    def noteShutdown():
        nonlocal shuttingDown
        shuttingDown = True

    reactor.addSystemEventTrigger("before", "shutdown", noteShutdown)

    def conclude(result, stopReactor):
        nonlocal exitCode
        if stopReactor:
            try:
                reactor.stop()
            except ReactorNotRunning:
                pass  # someone stopped it in the meantime: that is fine
        if isinstance(result, Failure):
            if result.check(SystemExit) is not None:
                exitCode = result.value.code
            else:
                log.err(result, "main function encountered error")
                exitCode = 1

    def finish(result):
        if shuttingDown:
            # The reactor is already on its way down: just record the outcome.
            conclude(result, False)
        else:
            # main may finish before run() starts the loop: stop only once it is running.
            reactor.callWhenRunning(conclude, result, True)

    finished.addBoth(finish)
    reactor.run()
    sys.exit(exitCode)


# --- The cooperative scheduler --------------------------------------------------------------


class SchedulerError(Exception):
    """The base of the scheduler's errors: a task or the scheduler was in the wrong state."""


class SchedulerStopped(SchedulerError):
    """The ``Cooperator`` was stopped, so the task will never finish."""


class TaskFinished(SchedulerError):
    """The task has ended for good (done, stopped or failed): it cannot be paused or stopped."""


class TaskDone(TaskFinished):
    """The task has ended because its iterator was exhausted."""


class TaskStopped(TaskFinished):
    """The task has ended because ``stop()`` was called."""


class TaskFailed(TaskFinished):
    """The task has ended because its iterator raised an exception."""


class NotPaused(SchedulerError):
    """``resume()`` was called on a task that is not paused."""


class _Timer:
    """The default termination predicate: true once 10 ms of a tick have passed."""

    MAX_SLICE = 0.01

    def __init__(self):
        self.end = time.time() + self.MAX_SLICE

    def __call__(self):
        return time.time() >= self.end


_EPSILON = 0.00000001


def _defaultScheduler(callable):
    # "As soon as possible, but after the I/O waiting now": a tiny delay on the global reactor.
    return _globalReactor().callLater(_EPSILON, callable)


class CooperativeTask:
    """One iterator being run, a step at a time, by a ``Cooperator``.

    Each step calls ``next()`` once.  A step that yields a Deferred pauses the task until
    that Deferred fires.  Make one with ``Cooperator.cooperate`` (or ``cooperate``).

    Invariants:

    - ``_pauseCount`` is how many ``pause()`` calls are not yet undone; the task is in
      its cooperator's task list only while it is 0 and the task has not completed.
    - ``_completionState`` is ``None`` while the task lives, then the ``TaskFinished``
      (or ``SchedulerStopped``) instance that later operations raise;
      ``_completionResult`` is what ``whenDone`` Deferreds fire with: the iterator, or a
      Failure.
    """

    def __init__(self, iterator, cooperator):
        self._iterator = iterator
        self._cooperator = cooperator
        self._deferreds = []
        self._pauseCount = 0
        self._completionState = None
        self._completionResult = None
        cooperator._addTask(self)

    def whenDone(self):
        """A Deferred that fires with the iterator once exhausted, or fails as the task does."""
        d = Deferred()
        if self._completionState is None:
            self._deferreds.append(d)
        else:
            d.callback(self._completionResult)
        return d

    def pause(self):
        """Stop stepping the task until ``resume``; pauses nest (``TaskFinished`` if it ended)."""
        self._checkFinish()
        self._pauseCount += 1
        if self._pauseCount == 1:
            self._cooperator._removeTask(self)

    def resume(self):
        """Undo one ``pause``; ``NotPaused`` if the task is not paused."""
        if self._pauseCount == 0:
            raise NotPaused()
        self._pauseCount -= 1
        if self._pauseCount == 0 and self._completionState is None:
            self._cooperator._addTask(self)

    def stop(self):
        """End the task now: ``whenDone`` Deferreds fail with ``TaskStopped``."""
        self._checkFinish()
        self._completeWith(TaskStopped(), Failure(TaskStopped()))

    def _checkFinish(self):
        if self._completionState is not None:
            raise self._completionState

    def _completeWith(self, completionState, result):
        self._completionState = completionState
        self._completionResult = result
        if not self._pauseCount:
            self._cooperator._removeTask(self)
        # Fire only now that the task is out of the cooperator: a callback may stop the
        # cooperator, which must not find this task and complete it a second time.
        for d in self._deferreds:
            d.callback(result)

    def _oneWorkUnit(self):
        """Take one item from the iterator: finish, fail, or pause on a yielded Deferred."""
        try:
            result = next(self._iterator)
        except StopIteration:
            self._completeWith(TaskDone(), self._iterator)
        except BaseException:
            self._completeWith(TaskFailed(), Failure())
        else:
            if isinstance(result, Deferred):
                self.pause()

                def failLater(failure):
                    self._completeWith(TaskFailed(), failure)

                result.addCallbacks(lambda ignored: self.resume(), failLater)


class Cooperator:
    """Run many iterators in turns, a slice of time per tick, so none blocks the reactor.

    ``terminationPredicateFactory()`` is called at the start of each tick and gives a
    predicate that says when the tick has run long enough (default: 10 ms of wall time).
    ``scheduler(f)`` arranges for ``f`` to be called soon (default: the global reactor's
    ``callLater``); tests pass one built on a ``Clock``.  With ``started=False`` no tick
    is scheduled until ``start()``.

    Invariants:

    - ``_tasks`` are the tasks that are neither paused nor finished; ``_roundRobin``
      iterates over them and survives between ticks, so each tick carries on where the
      previous one stopped.
    - ``_delayedCall`` is the scheduled tick, or ``None``; there is one exactly when the
      cooperator is started and has tasks.
    """

    _mustScheduleOnStart = False

    def __init__(self, terminationPredicateFactory=_Timer, scheduler=_defaultScheduler,
                 started=True):
        self._tasks = []
        self._roundRobin = iter(())
        self._terminationPredicateFactory = terminationPredicateFactory
        self._scheduler = scheduler
        self._delayedCall = None
        self._stopped = False
        self._started = started

    def coiterate(self, iterator, doneDeferred=None):
        """Run ``iterator`` as a task; return a Deferred that fires as its ``whenDone`` does."""
        if doneDeferred is None:
            doneDeferred = Deferred()
        CooperativeTask(iterator, self).whenDone().chainDeferred(doneDeferred)
        return doneDeferred

    def cooperate(self, iterator):
        """Run ``iterator`` as a task; return the ``CooperativeTask`` (pause, resume, stop)."""
        return CooperativeTask(iterator, self)

    def _addTask(self, task):
        self._tasks.append(task)
        if self._stopped:
            # A stopped cooperator takes no work: the task fails at once.
            task._completeWith(SchedulerStopped(), Failure(SchedulerStopped()))
        else:
            self._reschedule()

    def _removeTask(self, task):
        self._tasks.remove(task)
        if not self._tasks and self._delayedCall is not None:
            self._delayedCall.cancel()  # nothing left to do: no more ticks
            self._delayedCall = None

    def _tasksUntilTimeIsUp(self):
        """The tasks to step in this tick, round-robin, until the predicate says stop."""
        timeIsUp = self._terminationPredicateFactory()
        while self._tasks:
            for task in self._roundRobin:
                yield task
                if timeIsUp():
                    return
            self._roundRobin = iter(self._tasks)  # one round done: start the next

    def _tick(self):
        self._delayedCall = None
        for task in self._tasksUntilTimeIsUp():
            task._oneWorkUnit()
        self._reschedule()

    def _reschedule(self):
        if not self._started:
            self._mustScheduleOnStart = True
            return
        if self._delayedCall is None and self._tasks:
            self._delayedCall = self._scheduler(self._tick)

    def start(self):
        """Begin (or begin again) scheduling ticks."""
        self._stopped = False
        self._started = True
        if self._mustScheduleOnStart:
            del self._mustScheduleOnStart
            self._reschedule()

    def stop(self):
        """Stop ticking; every task's ``whenDone`` fails with ``SchedulerStopped``."""
        self._stopped = True
        # A copy: completing a task removes it from _tasks (see "Differs from Twisted").
        for task in list(self._tasks):
            task._completeWith(SchedulerStopped(), Failure(SchedulerStopped()))
        self._tasks = []
        if self._delayedCall is not None:
            self._delayedCall.cancel()
            self._delayedCall = None

    @property
    def running(self):
        """True when started and not stopped."""
        return self._started and not self._stopped


_theCooperator = Cooperator()


def coiterate(iterator):
    """Run ``iterator`` on the global ``Cooperator``; a Deferred fires when it is exhausted."""
    return _theCooperator.coiterate(iterator)


def cooperate(iterator):
    """Run ``iterator`` on the global ``Cooperator``; return its ``CooperativeTask``."""
    return _theCooperator.cooperate(iterator)
