"""The reactor's core: timers, system events, threads, and the loop that runs them.

Mirrors ``twisted.internet.base`` (Twisted 26.10): ``DelayedCall`` is what ``callLater``
returns, and ``ReactorBase`` holds everything a reactor does that does not depend on how
it waits for I/O.  ``minitwisted.internet.selectreactor`` adds the waiting (readers,
writers, ``selectors``) and the networking calls.  The workshop builds a reactor like
this one in ``notebooks/02_reactor.ipynb`` and then reveals this module.
Tests: ``tests/internet/test_base.py``.

The event loop is ``ReactorBase.mainLoop``::

    while self._started:
        self.runUntilCurrent()              # calls from threads, then due timers
        self.doIteration(self.timeout())    # wait for I/O until the next timer; dispatch

Everything else here is a named step of that loop or a way in and out of it.

Differs from Twisted:

- ``run()`` works again after ``stop()`` in the same process, because a Jupyter kernel
  re-runs cells; Twisted raises ``ReactorNotRestartable``.  ``stop()`` on a reactor that
  is not running still raises ``ReactorNotRunning``, and ``run()`` while running still
  raises ``ReactorAlreadyRunning``.
- Calls due at the same time run first-in first-out (a sequence number breaks ties in
  the heap); Twisted's heap compares times only and promises no order.
- The SIGINT/SIGTERM handlers are put back as they were when ``run()`` returns, so a
  notebook's interrupt button works again afterwards.
"""

import heapq
import itertools
import signal
import threading
import time

from zope.interface import implementer

from minitwisted.internet import error
from minitwisted.internet.defer import Deferred, DeferredList, maybeDeferred
from minitwisted.internet.interfaces import (
    IDelayedCall,
    IReactorCore,
    IReactorThreads,
    IReactorTime,
)
from minitwisted.python import log


# --- Timers -------------------------------------------------------------------------------


@implementer(IDelayedCall)
class DelayedCall:
    """A call scheduled by ``callLater``: ``func(*args, **kw)`` at ``time`` (seconds since the epoch).

    Invariants:

    - ``called`` and ``cancelled`` are 0 until the call runs or is cancelled; then one is 1
      and the call is inactive for good.
    - ``getTime()`` is ``time + delayed_time``.  Moving a call *later* only grows
      ``delayed_time`` (cheap: the heap is untouched until the call comes due); moving it
      *earlier* changes ``time`` and tells the owner through ``resetter`` to re-heap it.
    - ``canceller(self)`` and ``resetter(self)`` are the owner's hooks (the reactor's or a
      ``task.Clock``'s); ``seconds`` is the owner's clock.
    """

    debug = False
    creator = None
    _repr = None
    _order = itertools.count()  # tie-breaker for equal times: first-in first-out

    def __init__(self, time, func, args, kw, cancel, reset, seconds=time.time):
        self.time, self.func, self.args, self.kw = time, func, args, kw
        self.resetter = reset
        self.canceller = cancel
        self.seconds = seconds
        self.cancelled = self.called = 0
        self.delayed_time = 0.0
        self._sequence = next(DelayedCall._order)
        if self.debug:
            import traceback

            self.creator = traceback.format_stack()[:-2]

    def getTime(self):
        """When this call will run, in the owner's ``seconds()``."""
        return self.time + self.delayed_time

    def _checkActive(self):
        # Twisted says "already-cancelled" even from reset() and delay(): keep its words.
        if self.cancelled:
            raise error.AlreadyCancelled
        if self.called:
            raise error.AlreadyCalled

    def cancel(self):
        """Unschedule the call; ``AlreadyCalled`` or ``AlreadyCancelled`` if it is not active."""
        self._checkActive()
        self.canceller(self)
        self.cancelled = 1
        if self.debug:
            self._repr = repr(self)
        del self.func, self.args, self.kw  # drop references: a cancelled call keeps nothing alive

    def reset(self, secondsFromNow):
        """Reschedule the call to run ``secondsFromNow`` seconds from now."""
        self._checkActive()
        newTime = self.seconds() + secondsFromNow
        if newTime < self.time:
            self.delayed_time = 0.0
            self.time = newTime
            self.resetter(self)
        else:
            self.delayed_time = newTime - self.time

    def delay(self, secondsLater):
        """Push the call ``secondsLater`` seconds later (negative: earlier)."""
        self._checkActive()
        self.delayed_time += secondsLater
        if self.delayed_time < 0.0:
            self.activate_delay()
            self.resetter(self)

    def activate_delay(self):
        """Fold ``delayed_time`` into ``time`` (the owner does it when the call comes due)."""
        self.time += self.delayed_time
        self.delayed_time = 0.0

    def active(self):
        """True until the call has run or been cancelled."""
        return not (self.cancelled or self.called)

    # Compare times first and build no tuples: heapq calls these a million times in
    # benchmarks/bench_timers.py.
    def __lt__(self, other):
        if self.time != other.time:
            return self.time < other.time
        return self._sequence < other._sequence

    def __le__(self, other):
        if self.time != other.time:
            return self.time < other.time
        return self._sequence <= other._sequence

    def __repr__(self):
        if self._repr is not None:
            return self._repr
        parts = [
            "<DelayedCall 0x%x [%ss] called=%s cancelled=%s"
            % (id(self), self.time - self.seconds(), self.called, self.cancelled)
        ]
        if hasattr(self, "func"):
            name = getattr(self.func, "__qualname__", None) or repr(self.func)
            arguments = [repr(arg) for arg in self.args]
            arguments += [f"{key}={value!r}" for key, value in self.kw.items()]
            parts.append(" {}({})".format(name, ", ".join(arguments)))
        if self.creator is not None:
            parts.append("\n\ntraceback at creation: \n\n%s" % "    ".join(self.creator))
        parts.append(">")
        return "".join(parts)


# --- System events ------------------------------------------------------------------------


class _ThreePhaseEvent:
    """The triggers of one system event ('startup', 'shutdown', ...), in three phases.

    Firing runs the *before* triggers; if any returned a Deferred, the *during* and
    *after* triggers wait until all of those have fired.  As in Twisted, *during* and
    *after* triggers run once and are dropped; *before* triggers stay registered.
    """

    def __init__(self):
        self.before, self.during, self.after = [], [], []

    def addTrigger(self, phase, callable, *args, **kwargs):
        if phase not in ("before", "during", "after"):
            raise KeyError("invalid phase")
        getattr(self, phase).append((callable, args, kwargs))
        return phase, callable, args, kwargs

    def removeTrigger(self, handle):
        try:
            phase, callable, args, kwargs = handle
        except (TypeError, ValueError):
            raise ValueError("invalid trigger")
        if phase not in ("before", "during", "after"):
            raise KeyError("invalid phase")
        getattr(self, phase).remove((callable, args, kwargs))

    def fireEvent(self):
        waitFor = []
        for callable, args, kwargs in list(self.before):
            try:
                result = callable(*args, **kwargs)
            except BaseException:
                log.err()
            else:
                if isinstance(result, Deferred):
                    waitFor.append(result)
        # A before-trigger's Deferred holds back the rest of the event until it fires.
        DeferredList(waitFor).addCallback(self._continueFiring)

    def _continueFiring(self, ignored):
        for phase in (self.during, self.after):
            while phase:
                callable, args, kwargs = phase.pop(0)
                try:
                    callable(*args, **kwargs)
                except BaseException:
                    log.err()


# --- The reactor --------------------------------------------------------------------------


@implementer(IReactorCore, IReactorTime, IReactorThreads)
class ReactorBase:
    """Timers, system events, thread hand-off and the main loop; subclasses wait for I/O.

    A subclass supplies ``doIteration(timeout)`` (wait at most ``timeout`` seconds for
    I/O and dispatch it), ``wakeUp()`` (make a waiting ``doIteration`` return), and
    ``disconnectAll()``.

    Invariants:

    - ``_started``: the loop is (or is about to be) looping; ``running``: the startup
      event's *during* phase has run and ``crash``/``stop`` has not ended it yet.
    - ``_pendingTimedCalls`` is a heap of ``DelayedCall``s ordered by (time, sequence);
      cancelled calls stay in it until they reach the top (counted in ``_cancellations``)
      and are thrown away there.  New calls wait in ``_newTimedCalls`` until the next
      pass, so a call scheduled by a running timer never runs in that same pass.
    - ``threadCallQueue`` holds ``(f, args, kwargs)`` from ``callFromThread``; only the
      reactor thread takes from it.
    """

    _installSignalHandlers = False
    _threadpool = None
    _threadpoolTriggers = ()

    def __init__(self):
        self.running = False
        self._started = False
        self._stopped = False
        self._justStopped = False
        self._eventTriggers = {}
        self._pendingTimedCalls = []
        self._newTimedCalls = []
        self._cancellations = 0
        self.threadCallQueue = []
        self._ioThread = None
        self._savedSignals = {}
        self.addSystemEventTrigger("during", "startup", self._reallyStartRunning)

    # -- Time ----------------------------------------------------------------------------

    # The reactor's clock.  A plain function, not a method, as in Twisted: callLater and
    # every DelayedCall call it, and a test may replace it on an instance.
    seconds = staticmethod(time.time)

    def callLater(self, delay, callable, *args, **kw):
        """Run ``callable(*args, **kw)`` ``delay`` seconds from now; return its ``DelayedCall``."""
        assert delay >= 0, f"{delay} is not greater than or equal to 0 seconds"
        call = DelayedCall(
            self.seconds() + delay, callable, args, kw,
            self._cancelCallLater, self._moveCallLaterSooner, seconds=self.seconds)
        self._newTimedCalls.append(call)
        return call

    def _moveCallLaterSooner(self, call):
        # The call moved earlier: restore the heap order (a rare path, so a plain re-heap).
        if call in self._pendingTimedCalls:
            heapq.heapify(self._pendingTimedCalls)

    def _cancelCallLater(self, call):
        self._cancellations += 1

    def getDelayedCalls(self):
        """Every scheduled call that is still active."""
        return [call for call in self._pendingTimedCalls + self._newTimedCalls
                if not call.cancelled]

    def _insertNewDelayedCalls(self):
        for call in self._newTimedCalls:
            if call.cancelled:
                self._cancellations -= 1
            else:
                call.activate_delay()
                heapq.heappush(self._pendingTimedCalls, call)
        self._newTimedCalls = []

    def timeout(self):
        """How long the next wait for I/O may last: until the next timer, or forever (``None``)."""
        self._insertNewDelayedCalls()
        if self.threadCallQueue or not self.running:
            return 0  # work is waiting, or we are on our way out of the loop: don't block
        if not self._pendingTimedCalls:
            return None
        return max(0, self._pendingTimedCalls[0].time - self.seconds())

    # -- The loop ------------------------------------------------------------------------

    def runUntilCurrent(self):
        """Run the calls handed over by threads, then every timer that is due."""
        if self.threadCallQueue:
            # Run only what was queued before we started: a call that queues another
            # must not keep this pass going forever.
            count = len(self.threadCallQueue)
            calls, self.threadCallQueue[:count] = self.threadCallQueue[:count], []
            for f, args, kwargs in calls:
                try:
                    f(*args, **kwargs)
                except BaseException:
                    log.err()
            if self.threadCallQueue:
                self.wakeUp()

        self._insertNewDelayedCalls()
        now = self.seconds()
        pending = self._pendingTimedCalls
        while pending and pending[0].time <= now:
            call = heapq.heappop(pending)
            if call.cancelled:
                self._cancellations -= 1
                continue
            if call.delayed_time > 0.0:
                # It was pushed later while in the heap: put it back at its new time.
                call.activate_delay()
                heapq.heappush(pending, call)
                continue
            call.called = 1
            try:
                call.func(*call.args, **call.kw)
            except BaseException:
                log.err()
                if call.creator is not None:
                    log.msg(" C: previous exception occurred in a DelayedCall created at:\n C:"
                            + " C:".join(call.creator))
        self._dropCancelledCalls()

        if self._justStopped:
            # stop() was called: the shutdown event fires from inside the loop.
            self._justStopped = False
            self.fireSystemEvent("shutdown")

    def _dropCancelledCalls(self):
        # Cancelled calls are dropped lazily; rebuild the heap when they are the majority.
        if self._cancellations > 50 and self._cancellations > len(self._pendingTimedCalls) >> 1:
            self._cancellations = 0
            self._pendingTimedCalls = [c for c in self._pendingTimedCalls if not c.cancelled]
            heapq.heapify(self._pendingTimedCalls)

    def mainLoop(self):
        """Loop until ``stop`` or ``crash``: this ``while`` loop is the event loop."""
        try:
            while self._started:
                self.runUntilCurrent()
                self.doIteration(self.timeout())
        finally:
            self._restoreSignalHandlers()
        log.msg("Main loop terminated.")

    def iterate(self, delay=0.0):
        """Run one pass of the loop, waiting at most ``delay`` seconds for I/O."""
        self.runUntilCurrent()
        self.doIteration(delay)

    def doIteration(self, timeout):
        """Wait for I/O for at most ``timeout`` seconds (``None``: no limit) and dispatch it."""
        raise NotImplementedError

    def wakeUp(self):
        """Make a ``doIteration`` that is waiting return now."""
        raise NotImplementedError

    # -- Starting and stopping ------------------------------------------------------------

    def run(self, installSignalHandlers=True):
        """Fire the startup event, then loop until ``stop()`` (or ``crash()``)."""
        self.startRunning(installSignalHandlers=installSignalHandlers)
        self.mainLoop()

    def startRunning(self, installSignalHandlers=True):
        """Get ready to loop: fire the startup event (``running`` becomes true during it)."""
        if self._started:
            raise error.ReactorAlreadyRunning()
        # Differs from Twisted: no ReactorNotRestartable here; a stopped reactor runs again.
        self._installSignalHandlers = installSignalHandlers
        self._started = True
        self._stopped = False
        self._ioThread = threading.get_ident()
        self.fireSystemEvent("startup")

    def _reallyStartRunning(self):
        self.running = True
        if self._installSignalHandlers:
            self._handleSignals()
        # During-triggers are dropped once fired, so each run arms shutdown afresh.
        self.addSystemEventTrigger("during", "shutdown", self._shutDown)

    def _shutDown(self):
        self.crash()
        self.disconnectAll()

    def stop(self):
        """Stop the loop: the shutdown event fires, connections close, ``run()`` returns."""
        if self._stopped or not self._started:
            raise error.ReactorNotRunning("Can't stop reactor that isn't running.")
        self._stopped = True
        self._justStopped = True

    def crash(self):
        """Leave the loop at once, with no shutdown event (trial uses it); ``run()`` works again."""
        self._started = False
        self.running = False
        self.addSystemEventTrigger("during", "startup", self._reallyStartRunning)

    def callWhenRunning(self, callable, *args, **kwargs):
        """Call now if running, otherwise once the reactor has started (returns the trigger ID)."""
        if self.running:
            callable(*args, **kwargs)
            return None
        return self.addSystemEventTrigger("after", "startup", callable, *args, **kwargs)

    # -- System events ---------------------------------------------------------------------

    def addSystemEventTrigger(self, phase, eventType, callable, *args, **kwargs):
        """Run ``callable`` in ``phase`` ('before', 'during', 'after') of ``eventType``."""
        assert callable is not None and hasattr(callable, "__call__"), (
            f"{callable} is not callable")
        event = self._eventTriggers.setdefault(eventType, _ThreePhaseEvent())
        return eventType, event.addTrigger(phase, callable, *args, **kwargs)

    def removeSystemEventTrigger(self, triggerID):
        """Remove a trigger by the ID ``addSystemEventTrigger`` returned."""
        eventType, handle = triggerID
        self._eventTriggers[eventType].removeTrigger(handle)

    def fireSystemEvent(self, eventType):
        """Run the triggers of ``eventType``: before, (wait for their Deferreds), during, after."""
        event = self._eventTriggers.get(eventType)
        if event is not None:
            event.fireEvent()

    # -- Signals ----------------------------------------------------------------------------

    def _handleSignals(self):
        """SIGINT and SIGTERM stop the reactor in order (only possible in the main thread)."""
        if threading.current_thread() is not threading.main_thread():
            return
        for number, handler in ((signal.SIGINT, self.sigInt), (signal.SIGTERM, self.sigTerm)):
            self._savedSignals[number] = signal.signal(number, handler)

    def _restoreSignalHandlers(self):
        while self._savedSignals:
            number, handler = self._savedSignals.popitem()
            signal.signal(number, handler)

    def sigInt(self, number, frame=None):
        """Handle SIGINT (Ctrl-C): stop the reactor from inside the loop."""
        log.msg("Received SIGINT, shutting down.")
        self.callFromThread(self._stopIfRunning)

    def sigTerm(self, number, frame=None):
        """Handle SIGTERM: stop the reactor from inside the loop."""
        log.msg("Received SIGTERM, shutting down.")
        self.callFromThread(self._stopIfRunning)

    def _stopIfRunning(self):
        if self._started and not self._stopped:
            self.stop()

    # -- Threads ------------------------------------------------------------------------------

    def callFromThread(self, f, *args, **kwargs):
        """Run ``f(*args, **kwargs)`` in the reactor thread, soon; safe to call from any thread."""
        assert callable(f), f"{f} is not callable"
        # list.append is atomic in CPython: no lock needed between threads and the loop.
        self.threadCallQueue.append((f, args, kwargs))
        if threading.get_ident() != self._ioThread:
            self.wakeUp()

    def getThreadPool(self):
        """The reactor's thread pool (made on first use, started when running, stopped at shutdown)."""
        if self._threadpool is None:
            from minitwisted.python.threadpool import ThreadPool

            self._threadpool = ThreadPool(0, 10, "minitwisted.internet.reactor")
            self._threadpoolTriggers = [
                self.callWhenRunning(self._threadpool.start),
                self.addSystemEventTrigger("during", "shutdown", self._stopThreadPool),
            ]
        return self._threadpool

    def _stopThreadPool(self):
        """Stop the pool and forget its triggers; the next ``getThreadPool`` makes a new one."""
        for trigger in filter(None, self._threadpoolTriggers):
            try:
                self.removeSystemEventTrigger(trigger)
            except ValueError:
                pass  # it fired already: during-triggers are dropped once run
        self._threadpoolTriggers = []
        pool, self._threadpool = self._threadpool, None
        if pool is not None:
            pool.stop()

    def callInThread(self, callable, *args, **kwargs):
        """Run ``callable(*args, **kwargs)`` in a thread of the reactor's pool."""
        self.getThreadPool().callInThread(callable, *args, **kwargs)

    def suggestThreadPoolSize(self, size):
        """Let the pool grow to ``size`` threads."""
        self.getThreadPool().adjustPoolsize(maxthreads=size)

    # -- Names --------------------------------------------------------------------------------

    def resolve(self, name, timeout=(1, 3, 11, 45)):
        """Look ``name`` up in a thread; a Deferred of its IPv4 address or ``DNSLookupError``."""
        import socket

        from minitwisted.internet.threads import deferToThreadPool

        if not name:
            return maybeDeferred(lambda: "0.0.0.0")

        def lookUp():
            try:
                return socket.gethostbyname(name)
            except OSError as e:
                raise error.DNSLookupError(f"address {name!r} not found: {e}")

        return deferToThreadPool(self, self.getThreadPool(), lookUp)

