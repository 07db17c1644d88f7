"""Opt-in tracing: record what the reactor loop and a Deferred's chain did, as plain data.

Mirrors nothing in Twisted (a teaching aid).  The records are plain dataclasses that a
notebook can print, tabulate or plot: ``notebooks/02_reactor.ipynb`` draws a loop's
waits and dispatches on a time line, and ``notebooks/03_callbacks_and_deferreds.ipynb``
shows which column of a chain ran.  Tests: ``tests/internet/test_trace.py``.

Two ways in:

- ``with tracing(reactor) as t:`` fills ``t.events`` with ``Event`` records: each loop
  pass's ``"wait"``, each ``"dispatch"`` of a ready descriptor, each ``"timer"`` that
  fired, and each ``"fromThread"`` call.
- ``history(d)`` returns a ``DeferredHistory`` whose ``steps`` list the callbacks and
  errbacks ``d`` actually ran, and its ``"pause"``/``"unpause"`` calls.

Costs nothing when off: ``base.py``, ``selectreactor.py`` and ``defer.py`` have no
tracing code at all.  While tracing is on, wrappers are put on the *instance* (the one
reactor, the one Deferred), shadowing the class's methods; leaving ``tracing`` deletes
them again, so the instance goes back to the class's own methods and nothing else was
ever slowed down.
"""

import functools
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from minitwisted.internet.defer import Deferred, _failthru, passthru
from minitwisted.python.failure import Failure


def _nameOf(f):
    """A callable's qualified name, for records (``repr`` for odd callables)."""
    return getattr(f, "__qualname__", None) or repr(f)


def _describe(selectable):
    """A descriptor's log prefix (``Echo,0,127.0.0.1``), or its repr if it has none."""
    try:
        return selectable.logPrefix()
    except Exception:
        return repr(selectable)


# --- The reactor loop ----------------------------------------------------------------------


@dataclass
class Event:
    """One thing the loop did, timed with ``time.perf_counter``.

    ``kind`` is ``"wait"``, ``"dispatch"``, ``"timer"`` or ``"fromThread"``; ``name``
    is the descriptor's log prefix (dispatch) or the callable's qualified name (timer,
    fromThread).  ``details`` holds the rest:

    - wait: ``timeout`` (asked), ``waited`` (seconds spent waiting for I/O, or ``None``
      when the reactor has no selector to time), ``readers`` and ``writers`` (names);
    - dispatch: ``events`` (``"read"``, ``"write"`` or ``"read+write"``).
    """

    kind: str
    start: float
    duration: float = 0.0
    name: str = ""
    details: dict = field(default_factory=dict)


class Trace:
    """What ``tracing`` recorded: ``events`` in the order they started."""

    def __init__(self, reactor):
        self.reactor = reactor
        self.events = []
        self.active = True  # wrappers left behind (queued thread calls) check this

    def ofKind(self, kind):
        """The events of one kind, in order."""
        return [event for event in self.events if event.kind == kind]


def _timed(trace, kind, name, f):
    """Wrap ``f`` so each call, while ``trace`` is active, adds an event of ``kind``."""

    @functools.wraps(f)  # keeps __qualname__, so a DelayedCall's repr is unchanged
    def traced(*args, **kwargs):
        if not trace.active:
            return f(*args, **kwargs)
        event = Event(kind, time.perf_counter(), name=name)
        trace.events.append(event)
        try:
            return f(*args, **kwargs)
        finally:
            event.duration = time.perf_counter() - event.start

    traced._tracedOriginal = f
    return traced


def _untimed(f):
    """The callable a ``_timed`` wrapper stands for (``f`` itself if not wrapped)."""
    return getattr(f, "_tracedOriginal", f)


def _eventNames(events):
    return "+".join(name for bit, name in ((1, "read"), (2, "write")) if events & bit)


def _install(trace, reactor):
    """Shadow the reactor's loop methods with recording wrappers; return their names."""
    doIteration = reactor.doIteration
    dispatch = getattr(reactor, "_dispatch", None)
    callLater = reactor.callLater
    callFromThread = reactor.callFromThread
    waits = []  # the wait event of the pass in progress, for the selector wrapper

    def tracedDoIteration(timeout):
        readers = [_describe(r) for r in getattr(reactor, "getReaders", list)()]
        writers = [_describe(w) for w in getattr(reactor, "getWriters", list)()]
        event = Event("wait", time.perf_counter(), details={
            "timeout": timeout, "waited": None, "readers": readers, "writers": writers})
        trace.events.append(event)
        waits[:] = [event]
        try:
            return doIteration(timeout)
        finally:
            waits.clear()
            event.duration = time.perf_counter() - event.start

    def tracedDispatch(selectable, events):
        event = Event("dispatch", time.perf_counter(), name=_describe(selectable),
                      details={"events": _eventNames(events)})
        trace.events.append(event)
        try:
            return dispatch(selectable, events)
        finally:
            event.duration = time.perf_counter() - event.start

    def tracedCallLater(delay, callable, *args, **kw):
        return callLater(delay, _timed(trace, "timer", _nameOf(callable), callable),
                         *args, **kw)

    def tracedCallFromThread(f, *args, **kwargs):
        return callFromThread(_timed(trace, "fromThread", _nameOf(f), f), *args, **kwargs)

    replaced = {"doIteration": tracedDoIteration, "callLater": tracedCallLater,
                "callFromThread": tracedCallFromThread}
    if dispatch is not None:
        replaced["_dispatch"] = tracedDispatch
    # Remember instance attributes already there (an enclosing ``tracing``) to put back.
    saved = {name: reactor.__dict__[name] for name in replaced if name in reactor.__dict__}
    for name, wrapper in replaced.items():
        setattr(reactor, name, wrapper)

    # The time actually waited is the selector's select(); dispatching comes after it.
    selector = getattr(reactor, "_selector", None)
    if selector is not None:
        select = selector.select
        if "select" in selector.__dict__:
            saved["_selector.select"] = select

        def tracedSelect(timeout=None):
            start = time.perf_counter()
            try:
                return select(timeout)
            finally:
                if waits:
                    waits[0].details["waited"] = time.perf_counter() - start

        selector.select = tracedSelect
    return list(replaced), saved


def _uninstall(reactor, names, saved):
    for name in names:
        reactor.__dict__.pop(name, None)
    selector = getattr(reactor, "_selector", None)
    if selector is not None:
        selector.__dict__.pop("select", None)
    for name, value in saved.items():
        if name == "_selector.select":
            selector.select = value
        else:
            setattr(reactor, name, value)


def _pendingCalls(reactor):
    # Cancelled calls have no func any more: leave them alone.
    return [call for call in reactor._pendingTimedCalls + reactor._newTimedCalls
            if hasattr(call, "func")]


@contextmanager
def tracing(reactor=None):
    """Record the loop of ``reactor`` (default: the global one) while the block runs.

    Yields a ``Trace``; its ``events`` fill as the reactor runs inside the block.
    Timers scheduled before the block are traced too; calls queued by
    ``callFromThread`` before the block are not.  On leaving, even by an exception,
    the reactor's own methods are back and pending timers run their own callables.
    """
    if reactor is None:
        from minitwisted.internet import reactor  # lazily: importing it installs one

    trace = Trace(reactor)
    names, saved = [], {}
    try:
        names, saved = _install(trace, reactor)
        for call in _pendingCalls(reactor):
            call.func = _timed(trace, "timer", _nameOf(call.func), call.func)
        yield trace
    finally:
        trace.active = False
        _uninstall(reactor, names, saved)
        for call in _pendingCalls(reactor):
            call.func = _untimed(call.func)


# --- One Deferred's chain ------------------------------------------------------------------

#: What ``Step.returned`` says when a callback returned a Deferred with no result yet.
WAITED = "waited on a Deferred"


@dataclass
class Step:
    """One thing a Deferred did.

    ``kind`` is ``"callback"`` or ``"errback"`` (the column that ran), or ``"pause"``
    / ``"unpause"``.  For a callback or errback: ``name`` is its qualified name,
    ``gotFailure`` says whether its argument was a Failure, ``returned`` is what it
    returned (``WAITED`` for an unfired Deferred), and ``raised`` is the exception type
    it raised, if any.
    """

    kind: str
    name: str = ""
    gotFailure: bool = False
    returned: object = None
    raised: type = None


class DeferredHistory:
    """The ``steps`` one Deferred took since ``history(d)``; ``stop()`` ends the recording."""

    def __init__(self, deferred):
        self.deferred = deferred
        self.steps = []
        self.active = True
        self._waiting = False  # a recorded callback just returned an unfired Deferred

    def stop(self):
        """Stop recording and give the Deferred back its class's methods."""
        self.active = False
        for name in _DEFERRED_METHODS:
            self.deferred.__dict__.pop(name, None)


_DEFERRED_METHODS = ("addCallbacks", "addCallback", "addErrback", "addBoth",
                     "pause", "unpause")


def _isPlumbing(f):
    """True for what should run unrecorded: pass-throughs, and Deferreds' own hand-offs.

    The pass-through halves of ``addCallback``/``addErrback`` do nothing.  A ``_CONTINUE``
    marker (not callable) and another Deferred's bound ``callback``/``errback`` (from
    ``chainDeferred``) are recognised by ``_runCallbacks`` itself: wrapping them would
    change how the chain runs.
    """
    return (f is passthru or f is _failthru or not callable(f)
            or isinstance(getattr(f, "__self__", None), Deferred))


def _recorded(history, kind, f):
    """Wrap a callback or errback so each run adds a ``Step`` to ``history``."""
    if _isPlumbing(f):
        return f

    @functools.wraps(f)
    def recorded(result, *args, **kwargs):
        if not history.active:
            return f(result, *args, **kwargs)
        step = Step(kind, _nameOf(f), gotFailure=isinstance(result, Failure))
        history.steps.append(step)
        try:
            returned = f(result, *args, **kwargs)
        except BaseException as e:
            step.raised = type(e)
            raise
        # The same test _runCallbacks makes: no result yet (or paused) means it waits.
        if isinstance(returned, Deferred) and (
                not hasattr(returned, "result") or isinstance(returned.result, Deferred)
                or returned.paused):
            step.returned = WAITED
            history._waiting = True  # the chain pauses itself next: not a step of its own
        else:
            step.returned = returned
        return returned

    return recorded


def _recordedPair(history, pair):
    # Each column is wrapped on its own, so an addBoth pair records the column that ran.
    (callback, cbArgs, cbKwargs), (errback, ebArgs, ebKwargs) = pair
    return ((_recorded(history, "callback", callback), cbArgs, cbKwargs),
            (_recorded(history, "errback", errback), ebArgs, ebKwargs))


def history(d):
    """Start recording what ``d`` runs; return its ``DeferredHistory``.

    Callbacks already in the chain are wrapped where they stand; ``addCallbacks``,
    ``addCallback``, ``addErrback`` and ``addBoth`` are shadowed on ``d`` so later ones
    are wrapped as they are added (the last three append to the chain without going
    through ``addCallbacks``), and ``pause``/``unpause`` on ``d`` add steps too.
    Resuming after a returned Deferred fires is not a step of its own: the next
    callback's step shows it.
    """
    record = DeferredHistory(d)
    d.callbacks[:] = [_recordedPair(record, pair) for pair in d.callbacks]
    klass = type(d)

    def addCallbacks(callback, errback=None, callbackArgs=(), callbackKeywords=None,
                     errbackArgs=(), errbackKeywords=None):
        if errback is not None:
            errback = _recorded(record, "errback", errback)
        return klass.addCallbacks(d, _recorded(record, "callback", callback), errback,
                                  callbackArgs, callbackKeywords, errbackArgs,
                                  errbackKeywords)

    def addCallback(callback, *args, **kwargs):
        return klass.addCallback(d, _recorded(record, "callback", callback), *args, **kwargs)

    def addErrback(errback, *args, **kwargs):
        return klass.addErrback(d, _recorded(record, "errback", errback), *args, **kwargs)

    def addBoth(callback, *args, **kwargs):
        # Not klass.addBoth: it uses one callable for both columns, and the step must
        # say which column ran.
        return klass.addCallbacks(d, _recorded(record, "callback", callback),
                                  _recorded(record, "errback", callback),
                                  args, kwargs, args, kwargs)

    def pause():
        if record._waiting:
            record._waiting = False  # _runCallbacks pausing for a returned Deferred
        elif record.active:
            record.steps.append(Step("pause"))
        klass.pause(d)

    def unpause():
        if record.active:
            record.steps.append(Step("unpause"))
        klass.unpause(d)

    for method in (addCallbacks, addCallback, addErrback, addBoth, pause, unpause):
        setattr(d, method.__name__, method)
    return record
