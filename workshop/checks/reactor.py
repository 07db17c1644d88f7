"""Checks for the exercises of ``solutions/02_reactor.ipynb``: a timer heap, then the loop around it.

Mirrors ``twisted.internet.base`` in miniature: ``TinyReactor.callLater`` and
``runUntilCurrent`` are ``ReactorBase.callLater``/``runUntilCurrent``, ``timeout`` is
``ReactorBase.timeout``, and ``run``/``stop`` are ``mainLoop`` and ``stop``.  The
lesson is ``notebooks/02_reactor.ipynb``.  Tests: ``tests/workshop/test_grade.py``.

Every check drives the learner's classes with ``FakeClock``, whose ``sleep`` moves
time at once: the checks never wait, and they see every sleep the loop asks for.
``ex02_run_stop`` grafts the learner's ``run`` and ``stop`` onto ``ReferenceTimers``,
a correct timer heap, so a mistake in ``ex02_timer_heap`` costs points only once.
"""

import heapq
import itertools

from workshop.checks import CheckFailed, exercise, expect

NOTEBOOK = "02_reactor.ipynb"

timer_heap = exercise("ex02_timer_heap", "The timer heap and callLater of a small reactor",
                      NOTEBOOK)
run_stop = exercise("ex02_run_stop", "run() and stop(): the loop around the timers", NOTEBOOK)


class FakeClock:
    """Time that moves only when told; ``sleep`` records the request and advances at once."""

    def __init__(self, now=0.0):
        self.now = now
        self.slept = []

    def seconds(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def _reactor(learner, now=100.0):
    """A fresh ``TinyReactor`` of the learner's on a ``FakeClock`` that starts at ``now``."""
    clock = FakeClock(now)
    return learner.get("TinyReactor")(clock), clock


def _advance(reactor, clock, seconds):
    clock.now += seconds
    reactor.runUntilCurrent()


# --- ex02_timer_heap ---------------------------------------------------------------------


@timer_heap.check("callLater returns a call that runs once its delay has passed",
                  "callLater pushes a TinyDelayedCall whose time is clock.seconds() + delay, "
                  "and runUntilCurrent runs the calls whose time is <= now")
def _runs_after_its_delay(learner):
    reactor, clock = _reactor(learner)
    ran = []
    reactor.callLater(2, ran.append, "a")
    _advance(reactor, clock, 1)
    expect(ran == [], "a call with a delay of 2 s ran after 1 s")
    _advance(reactor, clock, 1)
    expect(ran == ["a"], "a call with a delay of 2 s had not run after 2 s (ran: %r)" % ran)


@timer_heap.check("calls run earliest first, whatever the order they were scheduled in",
                  "keep self._timers a heap: heapq.heappush in callLater, heapq.heappop in "
                  "runUntilCurrent, so the earliest call is always on top")
def _runs_earliest_first(learner):
    reactor, clock = _reactor(learner)
    ran = []
    for delay in (3, 1, 2, 5, 4):
        reactor.callLater(delay, ran.append, delay)
    _advance(reactor, clock, 10)
    expect(ran == [1, 2, 3, 4, 5], "calls with delays 3, 1, 2, 5, 4 ran in the order %r" % ran)


@timer_heap.check("timeout() is the time until the earliest call: 0 when it is overdue, "
                  "None when there is none",
                  "look at self._timers[0] (the earliest call) and clock.seconds(); "
                  "never return a negative number: select() would reject it")
def _timeout_until_earliest(learner):
    reactor, clock = _reactor(learner)
    got = reactor.timeout()
    expect(got is None, "with no calls scheduled, timeout() returned %r, not None" % (got,))
    reactor.callLater(5, lambda: None)
    reactor.callLater(2, lambda: None)
    got = reactor.timeout()
    expect(got == 2, "with calls due in 5 s and 2 s, timeout() returned %r, not 2" % (got,))
    clock.now += 3  # the call due in 2 s is now 1 s late
    got = reactor.timeout()
    expect(got == 0, "with a call 1 s overdue, timeout() returned %r, not 0" % (got,))


@timer_heap.check("calls due at the same time run in the order they were scheduled",
                  "give every TinyDelayedCall the next number of self._sequence: equal "
                  "times are then ordered by that number", hidden=True)
def _equal_times_first_in_first_out(learner):
    reactor, clock = _reactor(learner)
    ran = []
    for name in "abcdefgh":
        reactor.callLater(1, ran.append, name)
    _advance(reactor, clock, 1)
    expect(ran == list("abcdefgh"),
           "eight calls due at the same time ran in the order %s" % "".join(map(str, ran)))


@timer_heap.check("a cancelled call never runs",
                  "runUntilCurrent pops cancelled calls too: skip those whose cancelled is "
                  "True", hidden=True)
def _cancelled_never_runs(learner):
    reactor, clock = _reactor(learner)
    ran = []
    call = reactor.callLater(1, ran.append, "cancelled")
    reactor.callLater(2, ran.append, "kept")
    if call is None:
        raise CheckFailed("callLater returned None: return the TinyDelayedCall, so that the "
                          "caller can cancel it")
    call.cancel()
    _advance(reactor, clock, 3)
    expect(ran == ["kept"], "after cancelling one of two calls, these ran: %r" % ran)


@timer_heap.check("the arguments given to callLater reach the function",
                  "store args in the TinyDelayedCall and call func(*args)", hidden=True)
def _passes_arguments(learner):
    reactor, clock = _reactor(learner)
    got = []
    reactor.callLater(1, lambda *args: got.append(args), 1, "two", None)
    _advance(reactor, clock, 1)
    expect(got == [(1, "two", None)],
           "callLater(1, f, 1, 'two', None) called f with %r" % (got,))


# --- ex02_run_stop -----------------------------------------------------------------------


class ReferenceTimers:
    """A correct timer heap (the solution of ex02_timer_heap), to test run and stop alone."""

    def __init__(self, clock):
        self.clock = clock
        self._timers = []
        self._sequence = itertools.count()

    def callLater(self, delay, func, *args):
        call = (self.clock.seconds() + delay, next(self._sequence), func, args)
        heapq.heappush(self._timers, call)

    def timeout(self):
        if not self._timers:
            return None
        return max(0, self._timers[0][0] - self.clock.seconds())

    def runUntilCurrent(self):
        now = self.clock.seconds()
        while self._timers and self._timers[0][0] <= now:
            _, _, func, args = heapq.heappop(self._timers)
            func(*args)


_CLASS_SLOTS = ("__dict__", "__weakref__")


def _graded_reactor(learner):
    """The learner's ``RunnableReactor`` methods on top of ``ReferenceTimers``, on a new clock."""
    theirs = learner.get("RunnableReactor")
    methods = {name: value for name, value in vars(theirs).items() if name not in _CLASS_SLOTS}
    for name in ("run", "stop"):
        if name not in methods:
            raise CheckFailed("RunnableReactor has no %s method of its own" % name)
    graded = type("RunnableReactor", (ReferenceTimers,), methods)
    clock = FakeClock(100.0)
    return graded(clock), clock


@run_stop.check("run() returns once a callback calls stop()",
                "run loops while a flag is set; stop() clears the flag, and the loop checks "
                "it after each turn")
def _stop_ends_run(learner):
    reactor, clock = _graded_reactor(learner)
    reactor.callLater(1, reactor.stop)
    reactor.callLater(60, lambda: None)  # something left to wait for: only stop() ends run
    reactor.run()
    expect(clock.now == 101, "run() returned at %r s instead of 1 s, when stop() was called"
           % (clock.now - 100,))


@run_stop.check("run() sleeps until the next call is due, instead of spinning",
                "after runUntilCurrent, sleep for self.timeout(): the time until the "
                "earliest call, no more and no less")
def _sleeps_until_next_call(learner):
    reactor, clock = _graded_reactor(learner)
    reactor.callLater(1, lambda: None)
    reactor.callLater(3, lambda: None)
    reactor.callLater(5, reactor.stop)
    reactor.run()
    expect(clock.slept == [1, 2, 2], "with calls due at 1, 3 and 5 s (stop), run() slept %s"
           % (clock.slept if len(clock.slept) < 10 else "%d times" % len(clock.slept)))


@run_stop.check("calls that callbacks schedule while run() runs also run, on time",
                "ask self.timeout() again on every turn: a callback may have added a call "
                "due sooner than the one you were waiting for", hidden=True)
def _runs_calls_added_while_running(learner):
    reactor, clock = _graded_reactor(learner)
    ran_at = []

    def first():
        reactor.callLater(0.5, second)

    def second():
        ran_at.append(clock.now - 100)
        reactor.stop()

    reactor.callLater(1, first)
    reactor.callLater(60, lambda: None)
    reactor.run()
    expect(ran_at == [1.5], "a call scheduled at 1 s for 0.5 s later ran at %s, not at 1.5 s"
           % ("%r s" % ran_at[0] if ran_at else "no time at all"))


@run_stop.check("run() returns when no call is left to wait for",
                "this tiny reactor has no sockets: when timeout() is None nothing can ever "
                "happen again, so return instead of sleeping", hidden=True)
def _returns_when_nothing_is_left(learner):
    reactor, clock = _graded_reactor(learner)
    ran = []
    reactor.callLater(1, ran.append, "only")
    reactor.run()
    expect(ran == ["only"], "run() returned before the only call ran")


@run_stop.check("stop() lets the other calls due in the same turn run",
                "stop() only clears the flag; the loop ends after runUntilCurrent has run "
                "everything that is due", hidden=True)
def _stop_finishes_the_turn(learner):
    reactor, clock = _graded_reactor(learner)
    ran = []
    reactor.callLater(1, reactor.stop)
    reactor.callLater(1, ran.append, "same turn")
    reactor.callLater(60, lambda: None)
    reactor.run()
    expect(ran == ["same turn"], "a call due at the same time as stop() did not run")
