"""A reactor that lets an asyncio event loop do the waiting for I/O and for timers.

Mirrors ``twisted.internet.asyncioreactor`` (Twisted 26.10): ``AsyncioSelectorReactor``
and ``install(eventloop=None)``.  Everything above the waiting is minitwisted's own:
the timer heap, system events and threads come from ``base.ReactorBase``; dispatch
(``_dispatch``), closing (``_disconnectSelectable``) and ``listenTCP``/``connectTCP``/
``listenUDP`` from ``selectreactor.SelectReactor``; the transports are unchanged.  The
workshop runs it on the Jupyter kernel's own loop so that servers stay live between
cells (``workshop/live.py``, ``notebooks/A1_asyncio_interop.ipynb``);
``notebooks/02_reactor.ipynb`` teaches the reactor it builds on.  Tests: ``tests/internet/test_asyncioreactor.py``.

How the two loops fit together: there is no ``mainLoop`` here; asyncio's loop is the
loop.  Instead of the selector, ``_changeEvents`` calls ``loop.add_reader``/``add_writer``
(and ``remove_*``), so asyncio calls ``_dispatch`` when a descriptor is ready.  One
asyncio timer stays armed for the earliest ``DelayedCall``; when it fires, the
reactor runs ``runUntilCurrent`` and re-arms it.  ``callFromThread`` goes through
``loop.call_soon_threadsafe``.  Transports queue writes on ``_flushes``; the first
write of a pass asks the loop (``call_soon``) to flush them, so bytes written anywhere
(a callback, or a notebook cell) are sent before the loop next waits.

Differs from Twisted: ``crash()`` (and so ``stop()``) stops the asyncio loop only
when ``run()`` or ``iterate()`` is running it.  A reactor started with
``startRunning()`` on a loop somebody else runs (the Jupyter kernel's) leaves that
loop alone; Twisted stops it, which would stop the kernel.  Pinned by
``test_stopLeavesALoopItDoesNotRun``.
"""

import asyncio
import sys

from minitwisted.internet.base import ReactorBase
from minitwisted.internet.selectreactor import SelectReactor, _READ, _WRITE
from minitwisted.python import log


class _FlushList(list):
    """The reactor's ``_flushes``: the first transport queued asks the loop for a flush."""

    def __init__(self, requestFlush):
        super().__init__()
        self._requestFlush = requestFlush

    def append(self, transport):
        if not self:
            self._requestFlush()
        super().append(transport)


class AsyncioSelectorReactor(SelectReactor):
    """A reactor driven by an asyncio event loop (``eventloop``, or the running/a new one).

    Invariants:

    - ``_events``/``_fds`` mean what they mean in ``SelectReactor``, but the events are
      registered with ``_asyncioEventloop`` (``add_reader``/``add_writer``) instead of
      a selector, each calling ``_dispatch(selectable, event)``.
    - When a timer is pending, an asyncio timer (``_timerHandle``) is armed for
      ``_timerAt`` (reactor seconds), no later than the earliest pending call.
    - ``_ownsLoop`` is true while ``run()`` or ``iterate()`` runs the loop; only then
      does ``crash()`` stop it.
    - ``_flushPending`` is true while a flush of ``_flushes`` is queued on the loop.
    """

    def __init__(self, eventloop=None):
        if eventloop is None:
            try:
                eventloop = asyncio.get_running_loop()
            except RuntimeError:
                eventloop = asyncio.new_event_loop()
                asyncio.set_event_loop(eventloop)
        if sys.platform == "win32" and isinstance(eventloop, asyncio.ProactorEventLoop):
            # The proactor loop has no add_reader/add_writer.
            raise TypeError(f"ProactorEventLoop is not supported, got: {eventloop}")
        self._asyncioEventloop = eventloop
        self._timerHandle = None
        self._timerAt = None
        self._ownsLoop = False
        self._flushPending = False
        self._events = {}
        self._fds = {}
        self._flushes = _FlushList(self._requestFlush)
        # Skip SelectReactor.__init__: it would open a selector and a waker, and asyncio
        # has both.
        ReactorBase.__init__(self)
        self.waker = None

    # -- Readers and writers: asyncio watches them ------------------------------------------

    def _changeEvents(self, selectable, fd, old, new):
        """Tell the asyncio loop: start or stop watching ``fd`` for reading and writing."""
        loop = self._asyncioEventloop
        if new & _READ and not old & _READ:
            loop.add_reader(fd, self._dispatch, selectable, _READ)
        elif old & _READ and not new & _READ:
            loop.remove_reader(fd)
        if new & _WRITE and not old & _WRITE:
            loop.add_writer(fd, self._dispatch, selectable, _WRITE)
        elif old & _WRITE and not new & _WRITE:
            loop.remove_writer(fd)

    def _requestFlush(self):
        if not self._flushPending:
            self._flushPending = True
            self._asyncioEventloop.call_soon(self._flushWrites)

    def _flushWrites(self):
        self._flushPending = False
        while self._flushes:
            flushes = list(self._flushes)
            self._flushes.clear()  # keep the _FlushList: transports hold no reference to it
            for transport in flushes:
                transport._flush()

    def wakeUp(self):
        """Make the asyncio loop run a pass now (it wakes for any thread-safe call)."""
        self._asyncioEventloop.call_soon_threadsafe(lambda: None)

    # -- Timers: one asyncio timer for the earliest DelayedCall -----------------------------

    def callLater(self, delay, callable, *args, **kw):
        call = super().callLater(delay, callable, *args, **kw)
        self._armTimer(call.time)
        return call

    def _moveCallLaterSooner(self, call):
        super()._moveCallLaterSooner(call)
        self._armTimer(call.time)

    def _armTimer(self, when):
        """Make sure the asyncio timer fires no later than ``when`` (reactor seconds)."""
        if self._timerAt is not None and self._timerAt <= when:
            return  # it fires early enough already
        if self._timerHandle is not None:
            self._timerHandle.cancel()
        self._timerAt = when
        self._timerHandle = self._asyncioEventloop.call_later(
            max(0, when - self.seconds()), self._onTimer)

    def _onTimer(self):
        self._timerHandle = self._timerAt = None
        self.runUntilCurrent()
        # Calls scheduled while that ran armed the timer already; this covers the rest
        # (a call pushed later with delay(), or the next one in the heap).
        self._insertNewDelayedCalls()
        if self._pendingTimedCalls:
            self._armTimer(self._pendingTimedCalls[0].time)

    # -- Threads ------------------------------------------------------------------------------

    def callFromThread(self, f, *args, **kwargs):
        """Run ``f(*args, **kwargs)`` in the loop's thread, soon; safe from any thread."""
        assert callable(f), f"{f} is not callable"
        self._asyncioEventloop.call_soon_threadsafe(self._callFromLoop, f, args, kwargs)

    def _callFromLoop(self, f, args, kwargs):
        try:
            f(*args, **kwargs)
        except BaseException:
            log.err()

    # -- Running and stopping -----------------------------------------------------------------

    def run(self, installSignalHandlers=True):
        """Fire the startup event, then run the asyncio loop until ``stop()`` (or ``crash()``)."""
        self.startRunning(installSignalHandlers=installSignalHandlers)
        if not self._started:
            return  # crash() was called during startup: there is nothing to run
        self._runLoop()
        log.msg("Main loop terminated.")

    def _runLoop(self):
        self._ownsLoop = True
        try:
            self._asyncioEventloop.run_forever()
        finally:
            self._ownsLoop = False
            self._restoreSignalHandlers()

    def doIteration(self, timeout):
        """Run the asyncio loop for ``timeout`` seconds (0: one pass)."""
        stopping = self._asyncioEventloop.call_later(timeout or 0, self._asyncioEventloop.stop)
        try:
            self._runLoop()
        finally:
            stopping.cancel()  # a crash() ended the pass early: don't stop a later run()

    def stop(self):
        """Stop: the shutdown event fires on the loop's next pass, then the loop stops."""
        super().stop()
        # The shutdown event fires from runUntilCurrent: have the timer run it now.
        self._armTimer(self.seconds())

    def crash(self):
        """Leave at once, with no shutdown event; stop the loop only if we are running it."""
        super().crash()
        if self._ownsLoop:
            self._asyncioEventloop.stop()


def install(eventloop=None):
    """Install an ``AsyncioSelectorReactor`` on ``eventloop`` as the global reactor; return it."""
    from minitwisted.internet.main import installReactor

    reactor = AsyncioSelectorReactor(eventloop)
    installReactor(reactor)
    return reactor
