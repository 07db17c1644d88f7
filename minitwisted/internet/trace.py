"""Opt-in tracing: record what the reactor loop and a Deferred's chain did, as plain data.

Mirrors nothing in Twisted (a teaching aid).  The records are plain dataclasses that a
notebook can print, tabulate or plot with ``workshop.diagrams``:
``notebooks/02_reactor.ipynb`` counts a run's waits, dispatches and timers on the
reactor loop, ``notebooks/03_callbacks_and_deferreds.ipynb`` draws which column of a
chain ran, and ``notebooks/05_protocols_and_factories.ipynb`` draws a connection's
lifecycle.  Tests: ``tests/internet/test_trace.py``.

Two ways in:

- ``with tracing(reactor) as t:`` fills ``t.events`` with ``Event`` records: each loop
  pass's ``"wait"``, each ``"dispatch"`` of a ready descriptor, each ``"timer"`` that
  fired, each ``"fromThread"`` call, and each ``"call"`` of a TCP connection's
  lifecycle: ``listenTCP``/``connectTCP``, the factories' ``buildProtocol``, the
  protocols' ``makeConnection``, ``connectionMade``, ``dataReceived`` and
  ``connectionLost``, and their transports' ``write`` and ``loseConnection``.
- ``history(d)`` returns a ``DeferredHistory`` whose ``steps`` list the callbacks and
  errbacks ``d`` actually ran, and its ``"pause"``/``"unpause"`` calls.

Costs nothing when off: ``base.py``, ``selectreactor.py``, ``tcp.py``, ``protocol.py``
and ``defer.py`` have no tracing code at all.  While tracing is on, wrappers are put on
the *instances* (the reactor, the factories given to ``listenTCP``/``connectTCP`` and
the protocols and transports they build, the one Deferred), shadowing the class's
methods; leaving ``tracing`` deletes them again, so each instance goes back to its
class's own methods and nothing else was ever slowed down.
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
    - dispatch: ``events`` (``"read"``, ``"write"`` or ``"read+write"``) and ``calls``,
      the lifecycle methods the dispatch ran directly (``"Echo (server).dataReceived"``);
    - call: ``name`` is the method; ``target`` is the object's label (``"reactor"`` for
      the reactor and the transports, else ``"Echo (server)"``, ``"EchoFactory
      (client)"``, numbered from the second of a kind: ``"Echo (server) 2"``) and
      ``caller`` the label of the object whose method made the call (``"your code"``
      outside the reactor's loop and its listen/connect methods).
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
        # Invariants: ``_callers`` is the stack of labels whose methods are running now
        # ("reactor" while the loop or listen/connect runs); ``_dispatching`` is the
        # dispatch event in progress, or None; ``_labels`` maps id(obj) to its label and
        # ``_wrapped`` lists (obj, names) given instance wrappers, to remove on leaving.
        self._callers = []
        self._dispatching = None
        self._labels = {}
        self._wrapped = []

    def ofKind(self, kind):
        """The events of one kind, in order."""
        return [event for event in self.events if event.kind == kind]

    def calls(self):
        """The lifecycle ``call`` events as ``(caller, target, method)`` triples, in order."""
        return [(e.details["caller"], e.details["target"], e.name)
                for e in self.events if e.kind == "call"]

    def _label(self, obj, side):
        """A stable, readable label for a factory or protocol: class name, side, number."""
        key = id(obj)
        if key not in self._labels:
            base = "%s (%s)" % (type(obj).__name__, side)
            taken = sum(1 for label in self._labels.values()
                        if label == base or label.startswith(base + " "))
            self._labels[key] = base if not taken else "%s %d" % (base, taken + 1)
        return self._labels[key]


def _timed(trace, kind, name, f):
    """Wrap ``f`` so each call, while ``trace`` is active, adds an event of ``kind``."""

    @functools.wraps(f)  # keeps __qualname__, so a DelayedCall's repr is unchanged
    def traced(*args, **kwargs):
        if not trace.active:
            return f(*args, **kwargs)
        event = Event(kind, time.perf_counter(), name=name)
        trace.events.append(event)
        trace._callers.append("reactor")  # lifecycle calls made here come from the loop
        try:
            return f(*args, **kwargs)
        finally:
            trace._callers.pop()
            event.duration = time.perf_counter() - event.start

    traced._tracedOriginal = f
    return traced


def _untimed(f):
    """The callable a ``_timed`` wrapper stands for (``f`` itself if not wrapped)."""
    return getattr(f, "_tracedOriginal", f)


# What ``tracing`` shadows on the objects of a TCP connection's lifecycle.
FACTORY_METHODS = ("buildProtocol", "startedConnecting", "clientConnectionFailed",
                   "clientConnectionLost")
PROTOCOL_METHODS = ("makeConnection", "connectionMade", "dataReceived", "connectionLost")
TRANSPORT_METHODS = ("write", "writeSequence", "loseConnection", "abortConnection")


def _shadow(trace, obj, name, wrapper):
    """Put ``wrapper`` on the instance ``obj`` as ``name``, remembering what to put back."""
    saved = obj.__dict__.get(name, _MISSING)  # a method the user set on the instance
    setattr(obj, name, wrapper)
    trace._wrapped.append((obj, name, saved))


_MISSING = object()


def _recordCalls(trace, obj, side, names, after=None):
    """Record each call of the methods ``names`` of ``obj`` as a ``"call"`` event.

    ``side`` labels the object (``"server"``, ``"client"``) or, when ``None``, makes its
    label ``"reactor"`` (transports).  ``after(name, args, result)`` runs after a call,
    to instrument what it built.  An object is instrumented once per trace.
    """
    if any(wrapped is obj for wrapped, _, _ in trace._wrapped):
        return
    for name in names:
        method = getattr(obj, name, None)
        if method is None:
            continue
        _shadow(trace, obj, name, _callRecorder(trace, obj, side, name, method, after))


def _callRecorder(trace, obj, side, name, method, after):
    @functools.wraps(method)
    def recorded(*args, **kwargs):
        if not trace.active:
            return method(*args, **kwargs)
        target = "reactor" if side is None else trace._label(obj, side)
        caller = trace._callers[-1] if trace._callers else "your code"
        event = Event("call", time.perf_counter(), name=name,
                      details={"target": target, "caller": caller})
        trace.events.append(event)
        if caller == "reactor" and trace._dispatching is not None:
            trace._dispatching.details["calls"].append("%s.%s" % (target, name))
        trace._callers.append(target)
        try:
            result = method(*args, **kwargs)
        finally:
            trace._callers.pop()
            event.duration = time.perf_counter() - event.start
        if after is not None:
            after(name, args, result)
        return result

    return recorded


def _recordFactory(trace, factory, side):
    """Record a factory's calls, and the protocols (and their transports) it builds."""

    def protocolBuilt(name, args, result):
        if name == "buildProtocol" and result is not None:
            _recordCalls(trace, result, side, PROTOCOL_METHODS)
            _instrumentMakeConnection(trace, result)

    _recordCalls(trace, factory, side, FACTORY_METHODS, after=protocolBuilt)


def _instrumentMakeConnection(trace, protocol):
    """Also record the transport's calls, once ``makeConnection`` hands it over."""
    recorded = protocol.__dict__.get("makeConnection")
    if recorded is None:
        return

    def makeConnection(transport, *args, **kwargs):
        if trace.active:
            _recordCalls(trace, transport, None, TRANSPORT_METHODS)
        return recorded(transport, *args, **kwargs)

    protocol.makeConnection = makeConnection  # already shadowed: restored with the rest


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
                      details={"events": _eventNames(events), "calls": []})
        trace.events.append(event)
        trace._callers.append("reactor")
        trace._dispatching = event
        try:
            return dispatch(selectable, events)
        finally:
            trace._dispatching = None
            trace._callers.pop()
            event.duration = time.perf_counter() - event.start

    def tracedCallLater(delay, callable, *args, **kw):
        return callLater(delay, _timed(trace, "timer", _nameOf(callable), callable),
                         *args, **kw)

    def tracedCallFromThread(f, *args, **kwargs):
        return callFromThread(_timed(trace, "fromThread", _nameOf(f), f), *args, **kwargs)

    def tracedFireSystemEvent(eventType):
        trace._callers.append("reactor")  # shutdown closes connections: the loop's doing
        try:
            return fireSystemEvent(eventType)
        finally:
            trace._callers.pop()

    def tracedListenTCP(port, factory, *args, **kwargs):
        _recordFactory(trace, factory, "server")
        return listenTCP(port, factory, *args, **kwargs)

    def tracedConnectTCP(host, port, factory, *args, **kwargs):
        _recordFactory(trace, factory, "client")
        return connectTCP(host, port, factory, *args, **kwargs)

    fireSystemEvent = reactor.fireSystemEvent
    replaced = {"doIteration": tracedDoIteration, "callLater": tracedCallLater,
                "callFromThread": tracedCallFromThread,
                "fireSystemEvent": tracedFireSystemEvent}
    listenTCP = getattr(reactor, "listenTCP", None)
    connectTCP = getattr(reactor, "connectTCP", None)
    if listenTCP is not None:
        # Recorded as calls by "your code" to the reactor, which builds what follows.
        replaced["listenTCP"] = _callRecorder(trace, reactor, None, "listenTCP",
                                              tracedListenTCP, None)
    if connectTCP is not None:
        replaced["connectTCP"] = _callRecorder(trace, reactor, None, "connectTCP",
                                               tracedConnectTCP, None)
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
    ``callFromThread`` before the block are not, and neither are the lifecycle calls of
    ports and connections made before it: only factories given to ``listenTCP`` or
    ``connectTCP`` inside the block are followed.  On leaving, even by an exception,
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
        for obj, name, before in reversed(trace._wrapped):
            if before is _MISSING:
                obj.__dict__.pop(name, None)
            else:
                setattr(obj, name, before)
        trace._wrapped.clear()
        for call in _pendingCalls(reactor):
            call.func = _untimed(call.func)


# --- One Deferred's chain ------------------------------------------------------------------

#: What ``Step.returned`` says when a callback returned a Deferred with no result yet.
WAITED = "waited on a Deferred"


@dataclass
class Step:
    """One thing a Deferred did.

    ``kind`` is ``"callback"`` or ``"errback"`` (the column that ran), or ``"pause"``
    / ``"unpause"``.  For a callback or errback: ``row`` is the index of its pair in
    ``DeferredHistory.pairs``, ``name`` its qualified name, ``gotFailure`` says whether
    its argument was a Failure, ``returned`` is what it returned (``WAITED`` for an
    unfired Deferred), ``raised`` is the exception type it raised, if any, and
    ``waitedOn`` is the ``DeferredHistory`` of the Deferred the chain then waited on.
    """

    kind: str
    name: str = ""
    gotFailure: bool = False
    returned: object = None
    raised: type = None
    row: int = None
    waitedOn: object = None


@dataclass
class Pair:
    """One row of a chain, as ``addCallbacks`` adds it: the names in its two columns.

    ``None`` in a column is a pass-through: ``addCallback`` leaves the errback column
    empty, and ``addErrback`` the callback column.
    """

    callback: str = None
    errback: str = None


class DeferredHistory:
    """What one Deferred did since ``history(d)``; ``stop()`` ends the recording.

    ``pairs`` lists the chain's rows (those already there, then those added), and
    ``steps`` what actually ran, in order.
    """

    def __init__(self, deferred):
        self.deferred = deferred
        self.pairs = []
        self.steps = []
        self.active = True
        self._waiting = False  # a recorded callback just returned an unfired Deferred

    def stop(self):
        """Stop recording and give the Deferred (and any it waited on) its class's methods."""
        self.active = False
        for name in _DEFERRED_METHODS:
            self.deferred.__dict__.pop(name, None)
        for step in self.steps:
            if step.waitedOn is not None:
                step.waitedOn.stop()


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


def _columnName(f):
    """The name a ladder shows for one column: ``None`` for a pass-through."""
    if f is None or f is passthru or f is _failthru:
        return None
    return _nameOf(f)


def _addRow(record, callback, errback):
    record.pairs.append(Pair(_columnName(callback), _columnName(errback)))
    return len(record.pairs) - 1


def _recorded(record, kind, f, row):
    """Wrap a callback or errback so each run adds a ``Step`` to ``record``."""
    if _isPlumbing(f):
        return f

    @functools.wraps(f)
    def recorded(result, *args, **kwargs):
        if not record.active:
            return f(result, *args, **kwargs)
        step = Step(kind, _nameOf(f), gotFailure=isinstance(result, Failure), row=row)
        record.steps.append(step)
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
            step.waitedOn = history(returned)  # the inner chain, for the ladder's inset
            record._waiting = True  # the chain pauses itself next: not a step of its own
        else:
            step.returned = returned
        return returned

    return recorded


def _recordedPair(record, pair):
    # Each column is wrapped on its own, so an addBoth pair records the column that ran.
    (callback, cbArgs, cbKwargs), (errback, ebArgs, ebKwargs) = pair
    if not callable(callback):
        return pair  # a _CONTINUE hand-off to an outer Deferred: not a row of this chain
    row = _addRow(record, callback, errback)
    return ((_recorded(record, "callback", callback, row), cbArgs, cbKwargs),
            (_recorded(record, "errback", errback, row), ebArgs, ebKwargs))


def history(d):
    """Start recording what ``d`` runs; return its ``DeferredHistory``.

    Callbacks already in the chain are wrapped where they stand; ``addCallbacks``,
    ``addCallback``, ``addErrback`` and ``addBoth`` are shadowed on ``d`` so later ones
    are wrapped as they are added (the last three append to the chain without going
    through ``addCallbacks``), and ``pause``/``unpause`` on ``d`` add steps too.
    Resuming after a returned Deferred fires is not a step of its own: the next
    callback's step shows it.  When a callback returns an unfired Deferred, that one's
    history is recorded too, as the step's ``waitedOn``.
    """
    record = DeferredHistory(d)
    d.callbacks[:] = [_recordedPair(record, pair) for pair in d.callbacks]
    klass = type(d)

    def addCallbacks(callback, errback=None, callbackArgs=(), callbackKeywords=None,
                     errbackArgs=(), errbackKeywords=None):
        row = _addRow(record, callback, errback)
        if errback is not None:
            errback = _recorded(record, "errback", errback, row)
        return klass.addCallbacks(d, _recorded(record, "callback", callback, row), errback,
                                  callbackArgs, callbackKeywords, errbackArgs,
                                  errbackKeywords)

    def addCallback(callback, *args, **kwargs):
        row = _addRow(record, callback, None)
        return klass.addCallback(d, _recorded(record, "callback", callback, row),
                                 *args, **kwargs)

    def addErrback(errback, *args, **kwargs):
        row = _addRow(record, None, errback)
        return klass.addErrback(d, _recorded(record, "errback", errback, row),
                                *args, **kwargs)

    def addBoth(callback, *args, **kwargs):
        # Not klass.addBoth: it uses one callable for both columns, and the step must
        # say which column ran.
        row = _addRow(record, callback, callback)
        return klass.addCallbacks(d, _recorded(record, "callback", callback, row),
                                  _recorded(record, "errback", callback, row),
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
