"""Random Deferred programs, run on two implementations and compared by their traces.

Support module for the random-program tests at the end of
``tests/internet/test_defer.py`` (pytest does not collect it: its name does not start
with ``test_``).  It tests ``minitwisted/internet/defer.py`` against real Twisted
26.10, the oracle named in ``minitwisted.TWISTED_ORACLE_VERSION``.

A *program* is plain data (a ``Program`` of tuples and strings), so hypothesis can
shrink it and a failing one prints readably; ``describe(program)`` renders it as
pseudo-Python, one line per operation.  ``trace(implementation, program)`` runs it
against one implementation (an ``Implementation``: a ``defer`` module, a
``Failure`` class and a legacy ``log`` module) and returns everything a user could
observe, as plain data.  Two implementations agree when their traces are equal.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable, ContextManager, NamedTuple

from hypothesis import strategies as st


# Implementations -----------------------------------------------------------------


@dataclass(frozen=True)
class Implementation:
    """The parts of an implementation a program uses.

    ``quiet`` is a context manager that stops the implementation from writing
    unhandled errors to stderr while the harness's own log observer is attached.
    """

    name: str
    defer: Any
    Failure: type
    log: Any
    quiet: Callable[[], ContextManager[None]] = contextlib.nullcontext


@contextlib.contextmanager
def _quiet_twisted():
    """Detach Twisted's start-up log observer for the duration of a run.

    Until ``startLogging`` is called, Twisted's global log beginner keeps a
    temporary observer that prints critical events (such as "Unhandled error in
    Deferred") to stderr and buffers the last 65536 events.  Adding a legacy
    observer does not remove it.  Detaching it keeps thousands of reports out of
    pytest's output, and keeps the buffer from holding Failures (and through
    their tracebacks, whole programs) alive between runs.
    """
    from twisted.logger import globalLogBeginner, globalLogPublisher

    temporary = globalLogBeginner._temporaryObserver
    if temporary is None:
        yield
        return
    globalLogPublisher.removeObserver(temporary)
    try:
        yield
    finally:
        globalLogPublisher.addObserver(temporary)


@contextlib.contextmanager
def _quiet_minitwisted():
    """Detach minitwisted's ``defaultObserver`` (errors to stderr) during a run.

    Like Twisted's start-up observer, it stays when other observers are added.
    """
    from minitwisted.python import log

    attached = log.defaultObserver.emit in log._observers
    if attached:
        log.defaultObserver.stop()
    try:
        yield
    finally:
        if attached:
            log.defaultObserver.start()


def twisted_implementation() -> Implementation:
    """Real Twisted, the oracle."""
    from twisted.internet import defer
    from twisted.python import failure, log

    return Implementation("twisted", defer, failure.Failure, log, _quiet_twisted)


def minitwisted_implementation() -> Implementation:
    """minitwisted, the implementation under test."""
    from minitwisted.internet import defer
    from minitwisted.python import failure, log

    return Implementation("minitwisted", defer, failure.Failure, log, _quiet_minitwisted)


def add_both_is_add_callback() -> Implementation:
    """Twisted with a deliberate bug: ``addBoth`` skips failures like ``addCallback``.

    Used only to show that the comparison can fail.
    """
    from twisted.internet import defer

    class Deferred(defer.Deferred):  # same name, so reprs match
        def addBoth(self, callback, *args, **kwargs):
            return self.addCallback(callback, *args, **kwargs)

    twisted = twisted_implementation()
    broken_defer = SimpleNamespace(**vars(defer))
    broken_defer.Deferred = Deferred
    return Implementation("broken", broken_defer, twisted.Failure, twisted.log, twisted.quiet)


# Programs ------------------------------------------------------------------------


class Program(NamedTuple):
    """A Deferred program as plain data.

    ``cancellers`` has one entry per initial Deferred ``d0``, ``d1``, ...: what its
    canceller does (``None`` means no canceller; see ``CANCELLERS``).  ``ops`` runs
    in order.  Each op is a tuple whose first item names it; Deferreds are
    referred to by their index in the program's pool, which starts with the
    initial Deferreds and grows as ``succeed``, ``fail``, ``DeferredList``,
    ``gatherResults`` and ``inlineCallbacks`` ops create new ones.  Op number
    ``k`` labels whatever it creates ``s<k>``: its callbacks (``s<k>`` or, for
    ``addCallbacks``, ``s<k>cb``/``s<k>eb``), the values they return and the
    exceptions they raise, so a trace says which step produced what.

    Ops (``i``, ``j`` are pool indexes, ``exc`` a name from ``EXCEPTIONS``)::

        ("addCallback" | "addErrback" | "addBoth", i, behaviour, with_args)
        ("addCallbacks", i, callback_behaviour, errback_behaviour, with_args)
                                        # errback_behaviour None: errback omitted
        ("callback", i, ("value",) | ("failure", exc) | ("deferred", j))
        ("errback", i, ("exception", exc) | ("failure", exc) | ("nothing",))
        ("cancel", i)
        ("pause", i)
        ("unpause", i)                  # only after an unmatched pause of i
        ("chainDeferred", i, j)         # d<i>.chainDeferred(d<j>)
        ("addBound", i, method, j)      # d<i>.<method>(d<j>.callback), by hand:
                                        # addCallback, addBoth: d<j>.callback;
                                        # addErrback: d<j>.errback; addCallbacks:
                                        # (d<j>.callback, d<j>.errback)
        ("succeed",)
        ("fail", exc)
        ("DeferredList", members, fireOnOneCallback, fireOnOneErrback, consumeErrors)
        ("gatherResults", members, consumeErrors)
        ("inlineCallbacks", script)

    A behaviour says what a callback does with its argument::

        ("value",)          return the label
        ("passthrough",)    return the argument
        ("raise", exc)      raise exc(label)
        ("failure", exc)    return Failure(exc(label))
        ("succeed",)        return succeed(label)
        ("fail", exc)       return fail(exc(label))
        ("deferred", j)     return d<j>  (its own Deferred too: Twisted warns and
                            the Deferred waits on itself for ever)
        ("fire", j)         call d<j>.callback(label), then return the label
        ("cancel", j)       call d<j>.cancel(), then return the label
        ("add", j)          call d<j>.addBoth(<label>+: return argument), then
                            return the label
        ("trap", exc)       errbacks only: argument.trap(exc), then return the label
        ("check", e1, e2)   errbacks only: return (label, argument.check(e1, e2))
        ("reraise",)        errbacks only: raise argument.value

    ``with_args`` passes extra arguments: ``addCallback(f, "a", k="b")``, and for
    ``addCallbacks`` ``callbackArgs=("a",)``, ``callbackKeywords={"k": "b"}``,
    ``errbackArgs=("c",)``, ``errbackKeywords={"k": "d"}``.

    An ``inlineCallbacks`` script is a tuple of items run in order by a generator
    that then returns its label: ``("yield", target, catch)`` yields
    ``("deferred", j)``, ``("succeed",)``, ``("fail", exc)`` or ``("value",)``
    (a plain value) and, if ``catch``, catches the exception it may raise;
    ``("raise", exc)`` raises.
    """

    cancellers: tuple
    ops: tuple


#: What a canceller does after recording that it ran.
CANCELLERS = (None, "noop", "callback", "errback", "raise")

#: Exceptions programs raise.  CancelledError is the implementation's own.
EXCEPTIONS = ("ValueError", "KeyError", "CancelledError")

#: Types errbacks trap.  LookupError matches KeyError through its superclass.
TRAPPED = ("ValueError", "KeyError", "LookupError", "CancelledError", "FirstError")


# Strategies are cached: building and validating one costs more than drawing from it.


@functools.lru_cache(maxsize=None)
def _indexes(indexes: tuple) -> st.SearchStrategy:
    return st.sampled_from(indexes)


def _pool(size: int) -> st.SearchStrategy:
    return _indexes(tuple(range(size)))


@functools.lru_cache(maxsize=None)
def _target(size: int) -> st.SearchStrategy:
    """The Deferred an op acts on: often the newest, so new ones get driven too."""
    return st.one_of(st.just(size - 1), _pool(size))


_EXCEPTION = st.sampled_from(EXCEPTIONS)


@functools.lru_cache(maxsize=None)
def _behaviours(pool_size: int, errback: bool) -> st.SearchStrategy:
    """What a callback (or errback, if ``errback``) does.

    Simplest first, since hypothesis shrinks towards the first alternative.
    """
    pool = _pool(pool_size)
    options = [
        st.just(("value",)),
        st.just(("passthrough",)),
        st.tuples(st.just("raise"), _EXCEPTION),
        st.tuples(st.just("failure"), _EXCEPTION),
        st.just(("succeed",)),
        st.tuples(st.just("fail"), _EXCEPTION),
        st.tuples(st.just("deferred"), pool),
        st.tuples(st.just("fire"), pool),
        st.tuples(st.just("cancel"), pool),
        st.tuples(st.just("add"), pool),
    ]
    if errback:
        trapped = st.sampled_from(TRAPPED)
        options.append(st.tuples(st.just("trap"), trapped))
        options.append(st.tuples(st.just("check"), trapped, trapped))
        options.append(st.just(("reraise",)))
    return st.one_of(options)


@functools.lru_cache(maxsize=None)
def _script(pool_size: int) -> st.SearchStrategy:
    """The body of an ``inlineCallbacks`` generator."""
    targets = st.one_of(
        st.just(("value",)),
        st.just(("succeed",)),
        st.tuples(st.just("fail"), _EXCEPTION),
        st.tuples(st.just("deferred"), _pool(pool_size)),
    )
    items = st.one_of(
        st.tuples(st.just("yield"), targets, st.booleans()),
        st.tuples(st.just("raise"), _EXCEPTION),
    )
    return st.lists(items, max_size=3).map(tuple)


#: Relative frequency of each op: steps and firings dominate, so that most
#: programs build a chain and then drive it.
_OP_WEIGHTS = {
    "addCallback": 4,
    "addErrback": 4,
    "addBoth": 2,
    "addCallbacks": 2,
    "callback": 5,
    "errback": 3,
    "cancel": 3,
    "pause": 1,
    "unpause": 2,
    "chainDeferred": 1,
    "addBound": 1,
    "succeed": 1,
    "fail": 1,
    "DeferredList": 2,
    "gatherResults": 1,
    "inlineCallbacks": 2,
}
_ADD_METHODS = st.sampled_from(("addCallbacks", "addCallback", "addErrback", "addBoth"))
_OP_NAMES = st.sampled_from(
    [name for name, weight in _OP_WEIGHTS.items() for _ in range(weight)]
)


@functools.lru_cache(maxsize=None)
def _callback_values(pool_size: int) -> st.SearchStrategy:
    return st.one_of(
        st.just(("value",)),
        st.tuples(st.just("failure"), _EXCEPTION),
        st.tuples(st.just("deferred"), _pool(pool_size)),
    )


_ERRBACK_VALUES = st.one_of(
    st.tuples(st.just("exception"), _EXCEPTION),
    st.tuples(st.just("failure"), _EXCEPTION),
    st.just(("nothing",)),
)


@functools.lru_cache(maxsize=None)
def _members(pool_size: int) -> st.SearchStrategy:
    return st.lists(_pool(pool_size), max_size=3).map(tuple)


class _CancelGraph:
    """Which Deferreds a ``cancel()`` may reach, to keep DeferredLists out of cycles.

    ``DeferredList.cancel`` cancels each member inside ``try/except BaseException``
    and logs what it caught.  If a member waits on the list itself, cancelling
    recurses until ``RecursionError``, and then every level goes on to its next
    member: with two members that is about ``2**depth`` calls, on Twisted as on
    minitwisted, which never finishes.  So programs never close such a cycle.

    An edge ``a -> b`` means cancelling ``d<a>`` may cancel ``d<b>``: a list's
    members, what an ``inlineCallbacks`` generator yields, a Deferred that a
    callback of ``d<a>`` returns or that ``d<a>`` is fired with (it may end up
    waiting on it), and for ``d<b>.chainDeferred(d<a>)`` (or its hand-written
    form) the Deferreds ``d<b>`` may pass on as values.  Cycles that avoid lists
    recurse in a line and end in a ``RecursionError``; they are kept.
    """

    def __init__(self):
        self.edges: dict = {}
        self.lists: set = set()

    def reachable(self, start: int) -> set:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(self.edges.get(node, ()))
        return seen

    def add(self, a: int, b: int) -> bool:
        """Add ``a -> b`` unless it closes a cycle through a list; say whether added."""
        below = self.reachable(b)
        if a in below:
            cycle = {node for node in below if a in self.reachable(node)}
            if cycle & self.lists:
                return False
        self.edges.setdefault(a, set()).add(b)
        return True


@st.composite
def programs(draw, max_deferreds: int = 3, max_ops: int = 12) -> Program:
    """Random ``Program``s: up to ``max_deferreds`` initial Deferreds, ``max_ops`` ops.

    Ops refer only to Deferreds that already exist, and an ``unpause`` always
    matches an earlier ``pause``: an unmatched one makes ``paused`` negative,
    which Twisted treats as paused for good, so such programs would mostly
    exercise a frozen Deferred.  A Deferred that would close a cancellation
    cycle through a DeferredList (see ``_CancelGraph``) is replaced by a plain
    value, or the chaining op is left out.  Misuse is otherwise allowed: firing
    twice, returning a callback's own Deferred, chaining a Deferred to itself.
    """
    cancellers = tuple(
        draw(st.lists(st.sampled_from(CANCELLERS), min_size=1, max_size=max_deferreds))
    )
    size = len(cancellers)
    graph = _CancelGraph()
    paused = Counter()
    ops = []

    def waits(i, behaviour):
        """``behaviour`` for a step of ``d<i>``, or a plain value if it closes a cycle."""
        if behaviour is None or behaviour[0] != "deferred" or graph.add(i, behaviour[1]):
            return behaviour
        return ("value",)

    for _ in range(draw(st.integers(0, max_ops))):
        name = draw(_OP_NAMES)
        pool = _target(size)
        if name in ("addCallback", "addErrback", "addBoth"):
            i = draw(pool)
            behaviour = draw(_behaviours(size, errback=name != "addCallback"))
            ops.append((name, i, waits(i, behaviour), draw(st.booleans())))
        elif name == "addCallbacks":
            i = draw(pool)
            callback = waits(i, draw(_behaviours(size, errback=False)))
            errback = waits(i, draw(st.none() | _behaviours(size, errback=True)))
            ops.append((name, i, callback, errback, draw(st.booleans())))
        elif name == "callback":
            i = draw(pool)
            ops.append((name, i, waits(i, draw(_callback_values(size)))))
        elif name == "errback":
            ops.append((name, draw(pool), draw(_ERRBACK_VALUES)))
        elif name in ("cancel", "pause"):
            i = draw(pool)
            paused[i] += name == "pause"
            ops.append((name, i))
        elif name == "unpause":
            if paused:
                i = draw(_indexes(tuple(sorted(paused))))
                paused[i] -= 1
                paused += Counter()  # drop indexes that are no longer paused
                ops.append((name, i))
        elif name in ("chainDeferred", "addBound"):
            i = draw(pool)
            method = draw(_ADD_METHODS) if name == "addBound" else None
            j = draw(_pool(size))
            if graph.add(j, i):
                ops.append((name, i, j) if method is None else (name, i, method, j))
        elif name == "succeed":
            ops.append((name,))
            size += 1
        elif name == "fail":
            ops.append((name, draw(_EXCEPTION)))
            size += 1
        elif name in ("DeferredList", "gatherResults"):
            members = draw(_members(size))
            if name == "DeferredList":
                flags = (draw(st.booleans()), draw(st.booleans()), draw(st.booleans()))
            else:
                flags = (draw(st.booleans()),)
            ops.append((name, members, *flags))
            graph.lists.add(size)
            for member in members:
                graph.add(size, member)
            size += 1
        elif name == "inlineCallbacks":
            script = draw(_script(size))
            ops.append((name, script))
            for item in script:
                if item[0] == "yield" and item[1][0] == "deferred":
                    graph.add(size, item[1][1])
            size += 1
    return Program(cancellers, tuple(ops))


def describe(program: Program) -> str:
    """``program`` as pseudo-Python, one line per op, for failure messages."""
    lines = [
        f"d{i} = Deferred({'' if kind is None else f'canceller=c{i}:{kind}'})"
        for i, kind in enumerate(program.cancellers)
    ]
    size = len(program.cancellers)
    for number, op in enumerate(program.ops):
        line = _describe_op(op, f"s{number}")
        if op[0] in _CREATING:
            line = f"d{size} = {line}"
            size += 1
        lines.append(line)
    return "\n".join(lines)


_CREATING = ("succeed", "fail", "DeferredList", "gatherResults", "inlineCallbacks")


def _describe_op(op: tuple, label: str) -> str:
    name, args = op[0], op[1:]
    if name in ("addCallback", "addErrback", "addBoth"):
        index, behaviour, with_args = args
        extra = ", 'a', k='b'" if with_args else ""
        return f"d{index}.{name}({label}: {_describe_behaviour(behaviour)}{extra})"
    if name == "addCallbacks":
        index, callback, errback, with_args = args
        extra = ", with args" if with_args else ""
        return (
            f"d{index}.addCallbacks({label}cb: {_describe_behaviour(callback)}, "
            f"{label}eb: {_describe_behaviour(errback)}{extra})"
        )
    if name in ("callback", "errback"):
        index, (kind, *rest) = args
        argument = {
            "value": repr(label),
            "failure": f"Failure({rest[0] if rest else ''}({label!r}))",
            "deferred": f"d{rest[0] if rest else ''}",
            "exception": f"{rest[0] if rest else ''}({label!r})",
            "nothing": "",
        }[kind]
        return f"d{index}.{name}({argument})"
    if name in ("cancel", "pause", "unpause"):
        return f"d{args[0]}.{name}()"
    if name == "chainDeferred":
        return f"d{args[0]}.chainDeferred(d{args[1]})"
    if name == "addBound":
        index, method, other = args
        bound = {
            "addCallbacks": f"d{other}.callback, d{other}.errback",
            "addErrback": f"d{other}.errback",
        }.get(method, f"d{other}.callback")
        return f"d{index}.{method}({bound})"
    if name == "succeed":
        return f"succeed({label!r})"
    if name == "fail":
        return f"fail({args[0]}({label!r}))"
    if name == "DeferredList":
        members, on_callback, on_errback, consume = args
        return (
            f"DeferredList([{', '.join(f'd{j}' for j in members)}], "
            f"fireOnOneCallback={on_callback}, fireOnOneErrback={on_errback}, "
            f"consumeErrors={consume})"
        )
    if name == "gatherResults":
        members, consume = args
        listed = ", ".join(f"d{j}" for j in members)
        return f"gatherResults([{listed}], consumeErrors={consume})"
    if name == "inlineCallbacks":
        return f"inlineCallbacks({label}: {_describe_script(args[0])})()"
    return repr(op)


def _describe_behaviour(behaviour: tuple | None) -> str:
    if behaviour is None:
        return "omitted"
    kind, *rest = behaviour
    argument = rest[0] if rest else None
    return {
        "value": "return label",
        "passthrough": "return argument",
        "raise": f"raise {argument}(label)",
        "failure": f"return Failure({argument}(label))",
        "succeed": "return succeed(label)",
        "fail": f"return fail({argument}(label))",
        "deferred": f"return d{argument}",
        "fire": f"d{argument}.callback(label); return label",
        "cancel": f"d{argument}.cancel(); return label",
        "add": f"d{argument}.addBoth(<label>+: return argument); return label",
        "trap": f"argument.trap({argument}); return label",
        "check": f"return label, argument.check({', '.join(map(str, rest))})",
        "reraise": "raise argument.value",
    }[kind]


def _describe_script(script: tuple) -> str:
    parts = []
    for item in script:
        if item[0] == "raise":
            parts.append(f"raise {item[1]}(label)")
            continue
        _, (kind, *rest), catch = item
        target = {
            "value": "label",
            "succeed": "succeed(label)",
            "fail": f"fail({rest[0] if rest else ''}(label))",
            "deferred": f"d{rest[0] if rest else ''}",
        }[kind]
        parts.append(f"{'try: ' if catch else ''}yield {target}")
    return "; ".join(parts + ["return label"])


# The interpreter -----------------------------------------------------------------


class Trace(NamedTuple):
    """Everything observable about one run of a program on one implementation.

    ``events``: in order, each step that ran with its rendered argument(s), each
    canceller and generator resumption, and each top-level op with what it
    returned or the type of exception it raised.  ``finals``: for each Deferred
    in the pool, its ``called``, ``paused``, ``result`` and the start of its
    ``repr`` after the program.  ``logged``: the error reports logged while the
    program ran and once everything was garbage collected ("Unhandled error in
    Deferred" and its exception type, above all), sorted because collection
    order is not behaviour.  ``warned``: warnings, by category and message.
    """

    events: list
    finals: list
    logged: list
    warned: list


_UNFIRED = "<no result>"


class _Interpreter:
    """Runs one program against one implementation, recording what it observes.

    Values are rendered canonically so that traces from different
    implementations compare equal exactly when a user could not tell them
    apart: strings and numbers as themselves, lists and tuples element-wise, a
    pool Deferred as ``"d<index>"``, any other Deferred as ``"<Deferred>"``, a
    Failure as ``"Failure#<n>(Type, 'str(value)')"`` where ``n`` numbers
    distinct Failure objects (a FirstError as its index and rendered
    sub-failure, since its ``str`` embeds a traceback; AlreadyCalledError by its
    type alone, see ``render_exception``), and anything else by its type name.
    A Deferred's ``repr`` is kept up to its result, with pool Deferreds named.
    """

    def __init__(self, impl: Implementation, program: Program):
        self.impl = impl
        self.program = program
        self.pool: list = []
        self.events: list = []
        self.failures: list = []
        self.exceptions = {
            "ValueError": ValueError,
            "KeyError": KeyError,
            "LookupError": LookupError,
            "CancelledError": impl.defer.CancelledError,
            "FirstError": impl.defer.FirstError,
        }

    # Rendering.

    def render(self, value: Any) -> Any:
        if isinstance(value, (str, int, float, type(None))):
            return value
        if isinstance(value, self.impl.Failure):
            # Numbered in order of first appearance: whether a step gets the same
            # Failure object as an earlier one, or a new one, is observable.
            number = next(
                (n for n, seen in enumerate(self.failures) if seen is value), None
            )
            if number is None:
                number = len(self.failures)
                self.failures.append(value)
            return f"Failure#{number}({self.render_exception(value.value, value.type)})"
        if isinstance(value, BaseException):
            return self.render_exception(value)
        if isinstance(value, list):
            return [self.render(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self.render(item) for item in value)
        if isinstance(value, dict):
            return {key: self.render(item) for key, item in sorted(value.items())}
        for index, deferred in enumerate(self.pool):
            if value is deferred:
                return f"d{index}"
        if isinstance(value, self.impl.defer.Deferred):
            return "<Deferred>"
        return f"<{type(value).__name__}>"

    def render_exception(self, exception: BaseException, kind: type | None = None) -> str:
        kind = kind or type(exception)
        if isinstance(exception, self.impl.defer.FirstError):
            return (
                f"{kind.__name__} #{exception.index}, "
                f"{self.render(exception.subFailure)}"
            )
        if isinstance(exception, self.impl.defer.AlreadyCalledError):
            # minitwisted's message names the Deferred, a documented departure
            # (Twisted's is empty unless debugging is on): compare the type only.
            return kind.__name__
        return f"{kind.__name__}, {str(exception)!r}"

    # Steps: the functions a program adds as callbacks, errbacks and cancellers.

    def step(self, label: str, behaviour: tuple) -> Callable:
        def step(argument, *args, **kwargs):
            self.events.append(
                ("step", label, self.render(argument), self.render(args), self.render(kwargs))
            )
            return self.perform(behaviour, label, argument)

        return step

    def perform(self, behaviour: tuple, label: str, argument: Any) -> Any:
        defer, kind = self.impl.defer, behaviour[0]
        if kind == "value":
            return label
        if kind == "passthrough":
            return argument
        if kind == "raise":
            raise self.exceptions[behaviour[1]](label)
        if kind == "failure":
            return self.impl.Failure(self.exceptions[behaviour[1]](label))
        if kind == "succeed":
            return defer.succeed(label)
        if kind == "fail":
            return defer.fail(self.exceptions[behaviour[1]](label))
        if kind == "deferred":
            return self.pool[behaviour[1]]
        if kind == "fire":
            self.pool[behaviour[1]].callback(label)
            return label
        if kind == "cancel":
            self.pool[behaviour[1]].cancel()
            return label
        if kind == "add":
            self.pool[behaviour[1]].addBoth(self.step(label + "+", ("passthrough",)))
            return label
        if kind == "trap":
            argument.trap(self.exceptions[behaviour[1]])
            return label
        if kind == "check":
            matched = argument.check(*(self.exceptions[name] for name in behaviour[1:]))
            return label, getattr(matched, "__name__", matched)
        if kind == "reraise":
            raise argument.value
        raise AssertionError(f"unknown behaviour {behaviour!r}")

    def canceller(self, index: int, kind: str | None) -> Callable | None:
        if kind is None:
            return None
        label = f"c{index}"

        def canceller(deferred):
            self.events.append(("canceller", label, self.render(deferred)))
            if kind == "callback":
                deferred.callback(label)
            elif kind == "errback":
                deferred.errback(ValueError(label))
            elif kind == "raise":
                raise KeyError(label)

        return canceller

    def generator(self, label: str, script: tuple) -> Callable:
        def generator():
            self.events.append(("generator", label, "started"))
            for number, item in enumerate(script):
                if item[0] == "raise":
                    raise self.exceptions[item[1]](f"{label}.{number}")
                _, target, catch = item
                try:
                    result = yield self.yielded(target, f"{label}.{number}")
                except Exception as exception:
                    outcome = "caught" if catch else "escaped"
                    self.events.append(
                        ("generator", label, number, outcome, self.render(exception))
                    )
                    if not catch:
                        raise
                else:
                    self.events.append(("generator", label, number, "got", self.render(result)))
            return label

        return generator

    def yielded(self, target: tuple, label: str) -> Any:
        kind = target[0]
        if kind == "value":
            return label
        if kind == "succeed":
            return self.impl.defer.succeed(label)
        if kind == "fail":
            return self.impl.defer.fail(self.exceptions[target[1]](label))
        return self.pool[target[1]]

    # Ops.

    def run(self) -> None:
        """Create the initial Deferreds, then run each op, recording its outcome."""
        defer = self.impl.defer
        for index, kind in enumerate(self.program.cancellers):
            self.pool.append(defer.Deferred(self.canceller(index, kind)))
        for number, op in enumerate(self.program.ops):
            try:
                returned = self.run_op(f"s{number}", op)
            except Exception as exception:
                self.events.append(("op", number, "raised", type(exception).__name__))
            else:
                self.events.append(("op", number, "returned", self.render(returned)))

    def run_op(self, label: str, op: tuple) -> Any:
        defer, Failure, exceptions = self.impl.defer, self.impl.Failure, self.exceptions
        name, args = op[0], op[1:]
        if name in ("addCallback", "addErrback", "addBoth"):
            index, behaviour, with_args = args
            extra, keywords = (("a",), {"k": "b"}) if with_args else ((), {})
            add = getattr(self.pool[index], name)
            return add(self.step(label, behaviour), *extra, **keywords)
        if name == "addCallbacks":
            index, callback, errback, with_args = args
            extra = {}
            if with_args:
                extra = dict(
                    callbackArgs=("a",),
                    callbackKeywords={"k": "b"},
                    errbackArgs=("c",),
                    errbackKeywords={"k": "d"},
                )
            if errback is None:
                extra.pop("errbackArgs", None)
                extra.pop("errbackKeywords", None)
                return self.pool[index].addCallbacks(self.step(label + "cb", callback), **extra)
            return self.pool[index].addCallbacks(
                self.step(label + "cb", callback), self.step(label + "eb", errback), **extra
            )
        if name == "callback":
            index, (kind, *rest) = args
            value = {
                "value": lambda: label,
                "failure": lambda: Failure(exceptions[rest[0]](label)),
                "deferred": lambda: self.pool[rest[0]],
            }[kind]()
            return self.pool[index].callback(value)
        if name == "errback":
            index, (kind, *rest) = args
            if kind == "nothing":
                return self.pool[index].errback()
            exception = exceptions[rest[0]](label)
            return self.pool[index].errback(Failure(exception) if kind == "failure" else exception)
        if name in ("cancel", "pause", "unpause"):
            return getattr(self.pool[args[0]], name)()
        if name == "chainDeferred":
            return self.pool[args[0]].chainDeferred(self.pool[args[1]])
        if name == "addBound":
            index, method, other = args
            deferred, other = self.pool[index], self.pool[other]
            if method == "addCallbacks":
                return deferred.addCallbacks(other.callback, other.errback)
            bound = other.errback if method == "addErrback" else other.callback
            return getattr(deferred, method)(bound)
        if name == "succeed":
            created = defer.succeed(label)
        elif name == "fail":
            created = defer.fail(exceptions[args[0]](label))
        elif name == "DeferredList":
            members, on_callback, on_errback, consume = args
            created = defer.DeferredList(
                [self.pool[j] for j in members],
                fireOnOneCallback=on_callback,
                fireOnOneErrback=on_errback,
                consumeErrors=consume,
            )
        elif name == "gatherResults":
            members, consume = args
            created = defer.gatherResults([self.pool[j] for j in members], consumeErrors=consume)
        elif name == "inlineCallbacks":
            created = defer.inlineCallbacks(self.generator(label, args[0]))()
        else:
            raise AssertionError(f"unknown op {op!r}")
        self.pool.append(created)
        return created

    def finals(self) -> list:
        return [
            (
                f"d{index}",
                deferred.called,
                deferred.paused,
                self.render(getattr(deferred, "result", _UNFIRED)),
                self.render_repr(deferred),
            )
            for index, deferred in enumerate(self.pool)
        ]

    def render_repr(self, deferred: Any) -> str:
        """``repr(deferred)`` up to its result, with pool Deferreds named.

        The result itself is compared by ``render``; its repr would bring in
        Failure reprs (failure.py's business, and they embed tracebacks).  A
        Deferred whose result is a Deferred whose result is the first one has
        an endlessly recursive repr; that is recorded as such.
        """
        try:
            text = repr(deferred)
        except RecursionError:
            return "RecursionError"
        text = re.sub(r" current result: .*", " current result: ...>", text, flags=re.S)
        for index, member in enumerate(self.pool):
            text = text.replace(f" at 0x{id(member):x}", f" d{index}")
        return re.sub(r"0x[0-9a-f]+", "0x...", text)


@dataclass
class _LogRecorder:
    """A legacy log observer that keeps only rendered reports, never the events.

    Twisted logs an unhandled error in a Deferred as two events: a critical
    "Unhandled error in Deferred:" message, then one carrying the Failure.  Both
    that and a single event with both parts count as one report
    ``("Unhandled error in Deferred", exception type name)``.  Any other error
    event is reported as its text and exception type name.
    """

    reports: list = field(default_factory=list)
    awaiting_failure: int = 0

    def __call__(self, event: dict) -> None:
        text = _event_text(event)
        failure = event.get("failure")
        kind = None if failure is None else failure.type.__name__
        if "Unhandled error in Deferred" in text:
            if failure is None:
                self.awaiting_failure += 1
            else:
                self.reports.append(("Unhandled error in Deferred", kind))
        elif failure is not None and self.awaiting_failure:
            self.awaiting_failure -= 1
            self.reports.append(("Unhandled error in Deferred", kind))
        elif failure is not None or event.get("isError"):
            self.reports.append((text, kind))

    def collected(self) -> list:
        missing = [("Unhandled error in Deferred", None)] * self.awaiting_failure
        return sorted(self.reports + missing, key=repr)


def _event_text(event: dict) -> str:
    """The text of a legacy log event: its message, else its format, else its why."""
    message = event.get("message") or ()
    if message:
        return " ".join(str(part) for part in message)
    if event.get("format"):
        try:
            return str(event["format"] % event)
        except Exception:
            return str(event["format"])
    return str(event.get("why") or "")


def trace(impl: Implementation, program: Program) -> Trace:
    """Run ``program`` on ``impl`` and return what it observably did.

    After the ops, the final state of every Deferred is read, then every
    reference to the program's objects is dropped and ``gc.collect()`` runs, so
    unhandled errors are logged while the recorder is still attached.
    """
    recorder = _LogRecorder()
    interpreter = _Interpreter(impl, program)
    with impl.quiet(), warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        impl.log.addObserver(recorder)
        # A full collection of the test process takes tens of milliseconds;
        # freezing what exists before the run makes gc.collect() look only at
        # the objects the program created, a hundred times faster.
        gc.freeze()
        try:
            interpreter.run()
            events, finals = interpreter.events, interpreter.finals()
            interpreter.pool.clear()
            interpreter.failures.clear()
            del interpreter
            gc.collect()
        finally:
            gc.unfreeze()
            impl.log.removeObserver(recorder)
    warnings_seen = [(w.category.__name__, str(w.message).splitlines()[0]) for w in warned]
    return Trace(events, finals, recorder.collected(), warnings_seen)


# Programs for the reference's tricky cases (section 2), used as @examples ----------

#: §2.1: a callback returning an unfired Deferred pauses the outer one until it fires.
RETURNED_DEFERRED_PAUSES = Program(
    (None, None),
    (
        ("addCallback", 0, ("deferred", 1), False),
        ("addCallback", 0, ("value",), False),
        ("callback", 0, ("value",)),
        ("callback", 1, ("value",)),
    ),
)

#: §2.2: callbacks and errbacks alternate; addCallbacks puts both at one level.
ALTERNATION = Program(
    (None,),
    (
        ("addCallback", 0, ("raise", "ValueError"), False),
        ("addCallback", 0, ("value",), False),
        ("addErrback", 0, ("value",), False),
        ("addCallbacks", 0, ("raise", "KeyError"), ("value",), False),
        ("addErrback", 0, ("trap", "LookupError"), False),
        ("addCallback", 0, ("failure", "ValueError"), True),
        ("addBoth", 0, ("passthrough",), False),
        ("addErrback", 0, ("trap", "KeyError"), False),
        ("callback", 0, ("value",)),
    ),
)

#: §2.5: after cancel() without a canceller one late callback is swallowed, the
#: next raises AlreadyCalledError; with a canceller, the first one raises.
ALREADY_CALLED = Program(
    (None, "noop"),
    (
        ("cancel", 0),
        ("callback", 0, ("value",)),
        ("callback", 0, ("value",)),
        ("errback", 0, ("exception", "ValueError")),
        ("cancel", 1),
        ("callback", 1, ("value",)),
        ("addErrback", 1, ("trap", "CancelledError"), False),
    ),
)

#: §2.6: cancelling a Deferred that waits on another cancels the inner one,
#: and cancelling an inlineCallbacks Deferred throws into the generator.
CANCEL_FORWARDING = Program(
    ("noop", "noop", None),
    (
        ("addCallback", 0, ("deferred", 1), False),
        ("callback", 0, ("value",)),
        ("cancel", 0),
        ("inlineCallbacks", (("yield", ("deferred", 2), True),)),
        ("cancel", 3),
        ("addErrback", 0, ("value",), False),
    ),
)

#: §2.8 and §2.9: DeferredList and gatherResults results, FirstError, consumeErrors.
DEFERRED_LISTS = Program(
    (None, None, None),
    (
        ("DeferredList", (0, 1, 2), False, False, False),
        ("DeferredList", (0, 1), False, True, False),
        ("gatherResults", (1, 2), False),
        ("DeferredList", (2, 0), True, False, False),
        ("DeferredList", (), True, False, False),
        ("gatherResults", (), False),
        ("DeferredList", (1,), False, False, True),
        ("callback", 0, ("value",)),
        ("errback", 1, ("exception", "KeyError")),
        ("callback", 2, ("value",)),
        ("addErrback", 5, ("trap", "FirstError"), False),
    ),
)

def explain(program: Program, expected: Trace, actual: Trace, name: str) -> str:
    """A failure message: the program, then each part of the traces that differs."""
    lines = ["program:", *("    " + line for line in describe(program).splitlines())]
    for part in Trace._fields:
        wanted, got = getattr(expected, part), getattr(actual, part)
        if wanted != got:
            lines.append(f"{part} differ; twisted:")
            lines.extend(f"    {item!r}" for item in wanted)
            lines.append(f"{name}:")
            lines.extend(f"    {item!r}" for item in got)
    return "\n".join(lines)

#: A DeferredList chained into a gatherResults: gatherResults checks that its input
#: holds only successes, so the failed member makes it fail with AssertionError.
#: (Found by a random survey: minitwisted once returned the Failure as a value.)
LIST_INTO_GATHER = Program(
    (None, None),
    (
        ("DeferredList", (0,), False, False, True),
        ("gatherResults", (1,), False),
        ("chainDeferred", 2, 3),
        ("errback", 0, ("exception", "ValueError")),
    ),
)
