"""Deferred: a promise of a result that is not there yet, and the chain of callbacks that will get it.

Mirrors ``twisted.internet.defer`` (Twisted 26.10): same names, same signatures, same
behaviour, checked side by side against real Twisted by ``tests/internet/test_defer.py``.
The workshop builds it step by step in ``notebooks/03_callbacks_and_deferreds.ipynb``.

Read it in this order:

1. the exceptions, then ``succeed``/``fail``/``maybeDeferred``: the ways in;
2. ``Deferred``: ``addCallbacks`` stores (callback, errback) pairs; ``callback`` and
   ``errback`` store the first result and start ``_runCallbacks``, the loop that passes
   the result down the chain, switching between the callback and errback columns;
3. ``DeferredList``, ``gatherResults``, ``race``: waiting for several Deferreds;
4. ``inlineCallbacks`` and ``ensureDeferred``: writing the chain as straight-line code;
5. ``DeferredLock``, ``DeferredSemaphore``, ``DeferredQueue``: coordination without threads.

Differs from Twisted:

- The callback loop is iterative for ``chainDeferred`` too (and for any callback that is
  another Deferred's bound ``callback``/``errback``), not only for returned Deferreds, so
  a chain of 10,000 ``chainDeferred`` calls works; Twisted fails near depth 331 with a
  ``RecursionError``.  Results are otherwise identical.
- ``AlreadyCalledError`` carries a message naming the Deferred; Twisted's is empty unless
  debugging is on.  The exception type is the same.
- ``returnValue``'s deprecation warning names ``minitwisted.internet.defer.returnValue``.
"""

import inspect
import traceback
import warnings
from contextvars import copy_context
from functools import wraps
from types import CoroutineType, GeneratorType, GenericAlias, MethodType

from minitwisted.python import log
from minitwisted.python.failure import Failure


# --- Exceptions ------------------------------------------------------------------------


class AlreadyCalledError(Exception):
    """A Deferred was fired (``callback`` or ``errback``) a second time.

    A Deferred holds exactly one result; firing it twice is a bug in the caller, so it
    is raised at once rather than ignored.
    """


class CancelledError(Exception):
    """The default failure of a Deferred that was cancelled by ``Deferred.cancel``."""


class TimeoutError(Exception):
    """The default failure of a Deferred that ``Deferred.addTimeout`` timed out.

    Its arguments are the timeout and the word ``"Deferred"``: ``str`` is
    ``"(5, 'Deferred')"``, as in Twisted.
    """


class NotACoroutineError(TypeError):
    """``ensureDeferred`` or ``Deferred.fromCoroutine`` got something that is not a coroutine."""


class FirstError(Exception):
    """The first failure of a ``DeferredList`` with ``fireOnOneErrback`` (and of ``gatherResults``).

    ``subFailure`` is the member's Failure and ``index`` its position in the list.
    """

    def __init__(self, failure, index):
        Exception.__init__(self, failure, index)
        self.subFailure = failure
        self.index = index

    def __repr__(self):
        return "FirstError[#%d, %r]" % (self.index, self.subFailure.value)

    def __str__(self):
        return "FirstError[#%d, %s]" % (self.index, self.subFailure)

    def __eq__(self, other):
        if isinstance(other, FirstError):
            return (self.index, self.subFailure) == (other.index, other.subFailure)
        return False

    __hash__ = Exception.__hash__


class FailureGroup(Exception):
    """Every Deferred given to ``race`` failed; ``failures`` lists their Failures in order."""

    def __init__(self, failures):
        Exception.__init__(self)
        self.failures = failures


class QueueOverflow(Exception):
    """``DeferredQueue.put`` on a queue that already holds ``size`` objects."""


class QueueUnderflow(Exception):
    """``DeferredQueue.get`` when ``backlog`` gets are already waiting."""


# --- The ways in: already-fired Deferreds and wrapped calls ----------------------------


def succeed(result):
    """Return a Deferred that has already fired with ``result``.

    Use it to answer synchronously through an asynchronous interface: the caller adds
    callbacks as usual and they run at once.
    """
    d = Deferred()
    d.called = True
    d.result = result
    return d


def fail(result=None):
    """Return a Deferred that has already failed with ``result``.

    ``result`` is a Failure, an exception (wrapped in a Failure), or ``None`` inside an
    ``except`` block to use the exception being handled.
    """
    d = Deferred()
    d.errback(result)
    return d


def execute(callable, *args, **kwargs):
    """Call ``callable(*args, **kwargs)`` now and return a fired Deferred of its outcome."""
    try:
        result = callable(*args, **kwargs)
    except BaseException:
        return fail()
    return succeed(result)


def maybeDeferred(f, *args, **kwargs):
    """Call ``f`` and always return a Deferred, whatever ``f`` gave back.

    A Deferred is returned as it is; a Failure or a raised exception becomes a failed
    Deferred; a coroutine is run with ``Deferred.fromCoroutine``; any other value becomes
    a fired Deferred.  This is how framework code calls user code that may or may not be
    asynchronous.
    """
    try:
        result = f(*args, **kwargs)
    except BaseException:
        return fail(Failure(captureVars=Deferred.debug))
    if isinstance(result, Deferred):
        return result
    if isinstance(result, Failure):
        return fail(result)
    if type(result) is CoroutineType:
        return Deferred.fromCoroutine(result)
    return succeed(result)


def passthru(arg):
    """Return ``arg`` unchanged: the callback half of ``addErrback``."""
    return arg


def _failthru(arg):
    """Return the Failure unchanged: the errback half of ``addCallback``."""
    return arg


def logError(err):
    """Log a Failure and pass it on: an errback that reports without handling."""
    log.failure("", err)
    return err


def setDebugging(on):
    """Turn Deferred debugging on or off for every Deferred created from now on.

    When on, each Deferred records the stack where it was created and the stack that
    first fired it; both are added to ``AlreadyCalledError`` and to the "Unhandled error
    in Deferred" report, which otherwise cannot say where the Deferred came from.
    """
    Deferred.debug = bool(on)


def getDebugging():
    """Return whether Deferred debugging is on."""
    return Deferred.debug


class _DebugInfo:
    """What a Deferred knows for error reports: its unhandled Failure and, when debugging, stacks.

    The report of an unhandled error lives here, in ``__del__``, rather than on the
    Deferred itself: only the Deferred refers to this object, so it dies exactly when
    the Deferred is garbage collected, and at that moment nobody can handle the
    Failure any more.
    """

    failResult = None
    creator = None
    invoker = None

    def _getDebugTracebacks(self):
        info = ""
        if self.creator is not None:
            info += " C: Deferred was created:\n C:"
            info += "".join(self.creator).rstrip().replace("\n", "\n C:") + "\n"
        if self.invoker is not None:
            info += " I: First Invoker was:\n I:"
            info += "".join(self.invoker).rstrip().replace("\n", "\n I:") + "\n"
        return info

    def __del__(self):
        if self.failResult is not None:
            # Two events, as Twisted logs them: the headline, then the Failure
            # (with the creator and invoker stacks when debugging is on).
            log.msg(format="Unhandled error in Deferred:", isError=True)
            debugInfo = self._getDebugTracebacks()
            log.failure("(debug: {debugInfo})" if debugInfo else "", self.failResult,
                        debugInfo=debugInfo)


# --- Deferred --------------------------------------------------------------------------

#: The keyword arguments of a callback added without any; shared, and never changed.
_NO_KWARGS = {}

#: What ``getattr(d, "result", _NO_RESULT)`` gives for a Deferred that has not fired.
_NO_RESULT = object()

#: Marks the callback that hands a result from an inner Deferred to the outer Deferred
#: waiting on it (see ``_continuation``).  It is never called.
_CONTINUE = object()


class Deferred:
    """A result that is not there yet, and the callbacks that will process it.

    Code that starts something slow (a network request, a timer) returns a Deferred at
    once.  The caller attaches what to do next with ``addCallback`` (on success) and
    ``addErrback`` (on failure); whoever produces the result later calls ``callback``
    or ``errback`` exactly once.  The result then flows down the chain of
    (callback, errback) pairs: each step's return value is the next step's input, an
    exception (or a returned Failure) switches to the errback column, and an errback
    that returns a plain value switches back.  A callback that returns another
    Deferred makes this one wait for it, then carry on with its result.

    Attributes (the invariants the loop relies on):

    - ``callbacks``: the pairs still to run, ``((callback, args, kwargs), (errback,
      args, kwargs))``; the loop pops from the front.
    - ``called``: ``True`` once ``callback`` or ``errback`` was called.
    - ``result``: absent until then; afterwards the current value in the chain (a
      Failure on the error path, or the inner Deferred while waiting on it).
    - ``paused``: a counter; callbacks run only while it is 0.  Waiting on an inner
      Deferred counts as one pause.
    - ``debug``: a class attribute set by ``setDebugging``.

    ``Deferred[int]`` works in annotations, as in Twisted, but minitwisted carries no
    type stubs or overloads: the annotation is for the reader.

    Differs from Twisted: see the module docstring for ``chainDeferred`` and
    ``AlreadyCalledError``.
    """

    debug = False
    called = False
    paused = 0
    _runningCallbacks = False
    _suppressAlreadyCalled = False
    _chainedTo = None
    _debugInfo = None

    __class_getitem__ = classmethod(GenericAlias)

    def __init__(self, canceller=None):
        """``canceller(deferred)``, if given, is called by ``cancel`` to stop the work."""
        self.callbacks = []
        self._canceller = canceller
        if self.debug:
            self._debugInfo = _DebugInfo()
            self._debugInfo.creator = traceback.format_stack()[:-1]

    # Building the chain ----------------------------------------------------------------

    def addCallbacks(self, callback, errback=None, callbackArgs=(), callbackKeywords=None,
                     errbackArgs=(), errbackKeywords=None):
        """Add a callback and an errback at the same level of the chain; return self.

        Being at the same level means an exception raised by ``callback`` is *not* seen
        by ``errback``: it goes to the next errback down the chain.
        """
        if errback is None:
            errback = _failthru
        self.callbacks.append(((callback, callbackArgs or (), callbackKeywords or _NO_KWARGS),
                               (errback, errbackArgs or (), errbackKeywords or _NO_KWARGS)))
        if self.called:
            self._runCallbacks()
        return self

    # addCallback, addErrback and addBoth append their pair directly instead of going
    # through addCallbacks: one call less per callback, a third of the cost of
    # attaching (benchmarks/bench_defer.py, rows a, b and e).

    def addCallback(self, callback, *args, **kwargs):
        """Add a callback for the success path (a failure passes it by); return self."""
        self.callbacks.append(((callback, args, kwargs), (_failthru, (), _NO_KWARGS)))
        if self.called:
            self._runCallbacks()
        return self

    def addErrback(self, errback, *args, **kwargs):
        """Add an errback for the failure path (a success passes it by); return self."""
        self.callbacks.append(((passthru, (), _NO_KWARGS), (errback, args, kwargs)))
        if self.called:
            self._runCallbacks()
        return self

    def addBoth(self, callback, *args, **kwargs):
        """Add one function as both callback and errback (like ``finally``); return self."""
        call = (callback, args, kwargs)
        self.callbacks.append((call, call))
        if self.called:
            self._runCallbacks()
        return self

    def addTimeout(self, timeout, clock, onTimeoutCancel=None):
        """Cancel this Deferred if it has not fired ``timeout`` seconds from now; return self.

        ``clock`` is anything with ``callLater`` (the reactor, or ``task.Clock`` in
        tests).  A timed-out Deferred fails with ``TimeoutError`` unless
        ``onTimeoutCancel(result, timeout)`` is given, whose return value is used
        instead.  Firing before the timeout cancels the timer.
        """
        timedOut = []

        def timeItOut():
            timedOut.append(True)
            self.cancel()

        delayedCall = clock.callLater(timeout, timeItOut)

        def convertCancelled(result):
            if timedOut:
                return (onTimeoutCancel or _cancelledToTimedOutError)(result, timeout)
            return result

        def cancelTimeout(result):
            if delayedCall.active():
                delayedCall.cancel()
            return result

        self.addBoth(convertCancelled)
        return self.addBoth(cancelTimeout)

    def chainDeferred(self, d):
        """Fire ``d`` with this Deferred's result (success or failure); return self.

        After that this Deferred's own chain continues with ``None``: the result was
        handed over, not copied.
        """
        d._chainedTo = self
        return self.addCallbacks(d.callback, d.errback)

    # Firing ----------------------------------------------------------------------------

    def callback(self, result):
        """Fire with a success ``result`` (a Failure here means the error path).

        Raises ``AlreadyCalledError`` if this Deferred has fired before.
        """
        self._startRunCallbacks(result)

    def errback(self, fail=None):
        """Fire with a failure: a Failure, an exception, or ``None`` inside ``except``.

        Outside an ``except`` block, ``errback()`` raises ``NoCurrentExceptionError``.
        """
        if fail is None:
            fail = Failure(captureVars=self.debug)
        elif not isinstance(fail, Failure):
            fail = Failure(fail)
        self._startRunCallbacks(fail)

    def pause(self):
        """Hold back the callbacks until a matching ``unpause``."""
        self.paused += 1

    def unpause(self):
        """Undo one ``pause``; when none are left, run the callbacks that were held back."""
        self.paused -= 1
        if self.paused:
            return
        if self.called:
            self._runCallbacks()

    def cancel(self):
        """Say the result is no longer wanted.

        Unfired: call the canceller, and if that did not fire this Deferred, errback
        with ``CancelledError``.  Waiting on an inner Deferred: cancel that one instead.
        Fired: do nothing.  Without a canceller the work goes on, so the one late
        ``callback`` it will eventually make is silently swallowed.
        """
        if not self.called:
            if self._canceller is not None:
                self._canceller(self)
            else:
                self._suppressAlreadyCalled = True
            if not self.called:
                self.errback(Failure(CancelledError()))
        elif isinstance(self.result, Deferred):
            self.result.cancel()

    def _fire(self, result):
        """Store the first result; return False when it is a swallowed late result.

        Shared by ``callback``/``errback`` and by the loop when it fires a chained
        Deferred itself.
        """
        if self.called:
            if self._suppressAlreadyCalled:
                self._suppressAlreadyCalled = False
                return False
            extra = ""
            if self.debug:
                if self._debugInfo is None:
                    self._debugInfo = _DebugInfo()
                extra = "\n" + self._debugInfo._getDebugTracebacks()
            raise AlreadyCalledError(
                "%s was already fired; a Deferred can be fired only once.%s"
                % (_shortRepr(self), extra))
        if self.debug:
            if self._debugInfo is None:
                self._debugInfo = _DebugInfo()
            self._debugInfo.invoker = traceback.format_stack()[:-3]
        self.called = True
        self.result = result
        return True

    def _startRunCallbacks(self, result):
        if self._fire(result):
            self._runCallbacks()

    def _continuation(self):
        """The pair that, added to an inner Deferred, hands its result back to ``self``."""
        triple = (_CONTINUE, (self,), None)
        return (triple, triple)

    def _runCallbacks(self):
        """Pass the result down the chain: the heart of Deferred.

        The loop is iterative, never recursive, so chains of any depth use constant
        stack.  ``chain`` is a stack of Deferreds whose callbacks are being run: when a
        callback returns an unfired Deferred, the current one pauses and leaves a
        ``_CONTINUE`` marker on the inner one; when the inner one fires, reaching the
        marker pushes the waiting Deferred on the stack and the loop carries on with
        it, instead of calling into it.  The same trick fires a Deferred whose bound
        ``callback``/``errback`` sits in the chain (that is what ``chainDeferred``
        adds): it is pushed rather than called, and ``boundaries`` remembers where,
        because if it pauses, only its part of the stack stops.
        """
        if self._runningCallbacks:
            # A callback of ours added more callbacks: the loop below is already
            # running further up the call stack and will get to them.
            return
        chain = [self]
        boundaries = None  # a list once needed: firing chained Deferreds is rare
        while chain:
            current = chain[-1]
            if current.paused:
                # It cannot produce a result now; everything waiting on it must wait.
                if not boundaries:
                    return
                # ...but the Deferred that fired it is not waiting: resume that one.
                del chain[boundaries.pop():]
                _returnFromFiring(chain[-1])
                continue
            finished = True
            current._chainedTo = None
            while current.callbacks:
                item = current.callbacks.pop(0)
                isFailure = isinstance(current.result, Failure)
                callback, args, kwargs = item[1] if isFailure else item[0]

                if callback is _CONTINUE:
                    # Hand our result to the Deferred that waited on us, and forget it.
                    chainee = args[0]
                    chainee.result = current.result
                    current.result = None
                    if current._debugInfo is not None:
                        current._debugInfo.failResult = None
                    chainee.paused -= 1
                    chain.append(chainee)
                    finished = False
                    break

                if (type(callback) is MethodType and not args and not kwargs
                        and (callback.__func__ is _deferredCallback
                             or (callback.__func__ is _deferredErrback and isFailure))):
                    # Firing another Deferred (chainDeferred): push it, don't recurse.
                    target = callback.__self__
                    try:
                        fired = target._fire(current.result)
                    except BaseException:
                        current.result = Failure(captureVars=self.debug)
                        continue
                    if fired:
                        # As if we were still inside target.callback(): current keeps
                        # its result and its callbacks wait until target is done.
                        current._runningCallbacks = True
                        if boundaries is None:
                            boundaries = []
                        boundaries.append(len(chain))
                        chain.append(target)
                        finished = False
                        break
                    current.result = None  # what callback() returns
                    continue

                try:
                    current._runningCallbacks = True
                    try:
                        current.result = callback(current.result, *args, **kwargs)
                    finally:
                        current._runningCallbacks = False
                    if current.result is current:
                        _warnAboutFunction(callback, _SELF_RETURN_WARNING)
                except BaseException:
                    current.result = Failure(captureVars=self.debug)
                    continue

                if isinstance(current.result, Deferred):
                    inner = current.result
                    innerResult = getattr(inner, "result", _NO_RESULT)
                    if (innerResult is _NO_RESULT or isinstance(innerResult, Deferred)
                            or inner.paused):
                        # No result yet: wait for it.  inner is not running its
                        # callbacks (it has no result), so appending is safe.
                        current.pause()
                        current._chainedTo = inner
                        inner.callbacks.append(current._continuation())
                        break
                    # It has a result already: take it (the inner one keeps None).
                    inner.result = None
                    if inner._debugInfo is not None:
                        inner._debugInfo.failResult = None
                    current.result = innerResult

            if finished:
                # Done for now.  Remember an unhandled Failure for the report at
                # garbage collection; forget it once something handled it.
                if isinstance(current.result, Failure):
                    if current._debugInfo is None:
                        current._debugInfo = _DebugInfo()
                    current._debugInfo.failResult = current.result
                elif current._debugInfo is not None:
                    current._debugInfo.failResult = None
                chain.pop()
                if boundaries and boundaries[-1] == len(chain):
                    boundaries.pop()
                    _returnFromFiring(chain[-1])

    # Looking at it ---------------------------------------------------------------------

    def __str__(self):
        if self._chainedTo is not None:
            state = " waiting on Deferred at 0x%x" % (id(self._chainedTo),)
        elif hasattr(self, "result"):
            state = " current result: %r" % (self.result,)
        else:
            state = ""
        return "<%s at 0x%x%s>" % (type(self).__name__, id(self), state)

    __repr__ = __str__

    # Coroutines and asyncio ------------------------------------------------------------

    def __iter__(self):
        """Let ``await d`` (and ``yield from d``) work under ``ensureDeferred``.

        Yielding the Deferred itself asks the driver (``_inlineCallbacks``) to resume
        us when it fires; the driver resumes us from inside its callback, while
        ``self.result`` still holds the value.
        """
        while True:
            if not self.called or self.paused:
                yield self
                continue
            result = self.result
            if isinstance(result, Failure):
                # Raised into the awaiting code: it counts as handled.
                if self._debugInfo is not None:
                    self._debugInfo.failResult = None
                result.raiseException()
            return result

    __await__ = __iter__

    def asFuture(self, loop):
        """Return an asyncio Future on ``loop`` that completes when this Deferred fires.

        The Future takes the result: afterwards this Deferred's chain carries ``None``.
        Cancelling the Future cancels this Deferred.
        """
        future = loop.create_future()

        def checkCancel(futureAgain):
            if futureAgain.cancelled():
                self.cancel()

        def maybeFail(failure):
            if not future.cancelled():
                future.set_exception(failure.value)

        def maybeSucceed(result):
            if not future.cancelled():
                future.set_result(result)

        self.addCallbacks(maybeSucceed, maybeFail)
        future.add_done_callback(checkCancel)
        return future

    @classmethod
    def fromFuture(cls, future):
        """Return a Deferred that fires when the asyncio ``future`` completes.

        Cancelling the Deferred cancels the Future; the Deferred then fails with
        ``CancelledError`` once the Future reports it was cancelled.
        """
        cancelled = object()
        actual = []

        def adapt(result):
            try:
                extracted = result.result()
            except BaseException:
                extracted = Failure()
            (actual[0] if actual else self).callback(extracted)

        def cancel(reself):
            future.cancel()
            reself.callback(cancelled)

        def uncancel(result):
            # After a cancel, wait for the Future's own (cancelled) outcome.
            if result is cancelled:
                actual.append(Deferred())
                return actual[0]
            return result

        self = cls(cancel)
        self.addCallback(uncancel)
        future.add_done_callback(adapt)
        return self

    @classmethod
    def fromCoroutine(cls, coro):
        """Run a coroutine (or generator) that awaits Deferreds; return its Deferred.

        Raises ``NotACoroutineError`` for anything else.
        """
        if inspect.iscoroutine(coro) or inspect.isgenerator(coro):
            return _cancellableInlineCallbacks(coro)
        raise NotACoroutineError("%r is not a coroutine" % (coro,))


def _returnFromFiring(d):
    """Finish, for ``d``, the ``callback`` call on a chained Deferred that the loop made."""
    d._runningCallbacks = False
    d.result = None  # the return value of callback()


_deferredCallback = Deferred.callback
_deferredErrback = Deferred.errback

_SELF_RETURN_WARNING = (
    "Callback returned the Deferred it was attached to; this breaks the callback "
    "chain and will raise an exception in the future.")


def _shortRepr(d):
    return "<%s at 0x%x>" % (type(d).__name__, id(d))


def _warnAboutFunction(function, message):
    """Warn with ``message``, pointing at where ``function`` is defined."""
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    if code is None:
        warnings.warn(message, DeprecationWarning, stacklevel=3)
    else:
        warnings.warn_explicit(message, DeprecationWarning,
                               code.co_filename, code.co_firstlineno)


def _cancelledToTimedOutError(value, timeout):
    """``addTimeout``'s default: turn the CancelledError it caused into TimeoutError."""
    if isinstance(value, Failure):
        value.trap(CancelledError)
        raise TimeoutError(timeout, "Deferred")
    return value


# --- Waiting for several Deferreds ------------------------------------------------------

SUCCESS = True
FAILURE = False


class DeferredList(Deferred):
    """A Deferred that fires when all (or, optionally, the first) of several Deferreds fire.

    Its result is a list of ``(success, result)`` pairs in the order given.  With
    ``fireOnOneCallback`` it fires with ``(result, index)`` of the first success; with
    ``fireOnOneErrback`` it fails with ``FirstError`` on the first failure.  With
    ``consumeErrors`` each member's failure is replaced by ``None`` in that member's own
    chain, so it is not reported as unhandled.
    """

    def __init__(self, deferredList, fireOnOneCallback=False, fireOnOneErrback=False,
                 consumeErrors=False):
        self._deferredList = list(deferredList)
        self.resultList = [None] * len(self._deferredList)
        Deferred.__init__(self)
        if not self._deferredList and not fireOnOneCallback:
            self.callback([])
        # Set before adding callbacks: members that already fired call back at once.
        self.fireOnOneCallback = fireOnOneCallback
        self.fireOnOneErrback = fireOnOneErrback
        self.consumeErrors = consumeErrors
        self.finishedCount = 0
        for index, deferred in enumerate(self._deferredList):
            deferred.addCallbacks(self._cbDeferred, self._cbDeferred,
                                  callbackArgs=(index, SUCCESS),
                                  errbackArgs=(index, FAILURE))

    def _cbDeferred(self, result, index, succeeded):
        self.resultList[index] = (succeeded, result)
        self.finishedCount += 1
        if not self.called:
            if succeeded == SUCCESS and self.fireOnOneCallback:
                self.callback((result, index))
            elif succeeded == FAILURE and self.fireOnOneErrback:
                self.errback(Failure(FirstError(result, index)))
            elif self.finishedCount == len(self.resultList):
                self.callback(self.resultList)
        if succeeded == FAILURE and self.consumeErrors:
            return None
        return result

    def cancel(self):
        """Cancel every member, unless this list has fired already."""
        if not self.called:
            for deferred in self._deferredList:
                try:
                    deferred.cancel()
                except BaseException:
                    log.err(None, "Exception raised from user supplied canceller")


def _parseDeferredListResult(resultList):
    """Unpack a DeferredList result that holds only successes, as gatherResults expects.

    The assertions catch a result that is not such a list (a DeferredList chained
    into a gatherResults by hand, say), as Twisted's do: the chain fails with
    AssertionError instead of passing Failures on as values.
    """
    values = []
    for item in resultList:
        assert item is not None
        success, value = item
        assert success
        values.append(value)
    return values


def gatherResults(deferredList, consumeErrors=False):
    """Return a Deferred of the list of results, failing with ``FirstError`` on the first failure.

    The simple form of ``DeferredList``: no ``(success, result)`` pairs to unpack.
    Cancelling it cancels every member.
    """
    d = DeferredList(deferredList, fireOnOneErrback=True, consumeErrors=consumeErrors)
    return d.addCallback(_parseDeferredListResult)


def race(ds):
    """Return a Deferred of ``(index, result)`` for the first member to succeed.

    The others are cancelled then.  If all of them fail, it fails with
    ``FailureGroup``.  Cancelling it cancels them all.
    """
    toCancel = list(ds)
    winner = []
    failures = []

    def cancel(result):
        for d in toCancel:
            d.cancel()

    finalResult = Deferred(canceller=cancel)

    def succeeded(output, index):
        if not winner:
            winner.append(toCancel[index])
            for d in toCancel:
                if d is not winner[0]:
                    d.cancel()
            finalResult.callback((index, output))

    def failed(failure, index):
        failures.append((index, failure))
        if len(failures) == len(toCancel):
            failures.sort(key=lambda pair: pair[0])
            finalResult.errback(FailureGroup([f for _, f in failures]))

    for index, d in enumerate(toCancel):
        d.addCallbacks(succeeded, failed, callbackArgs=(index,), errbackArgs=(index,))
    return finalResult


# --- inlineCallbacks and coroutines -----------------------------------------------------


class _DefGen_Return(BaseException):
    """Carries the value of the deprecated ``returnValue`` out of a generator."""

    def __init__(self, value):
        self.value = value


def returnValue(val):
    """Deprecated: return ``val`` from an ``inlineCallbacks`` generator.

    Write a plain ``return val`` instead (generators may return values since Python 3.3).
    It still works, by raising an exception the driver catches, and warns as Twisted
    does since 24.7.0.

    Differs from Twisted: the warning names ``minitwisted.internet.defer.returnValue``.
    """
    warnings.warn(
        "minitwisted.internet.defer.returnValue was deprecated in Twisted 24.7.0; "
        "please use standard return statement instead",
        DeprecationWarning, stacklevel=2)
    raise _DefGen_Return(val)


class _CancellationStatus:
    """What a running inlineCallbacks generator is doing.

    ``deferred`` is the Deferred to fire when the generator finishes, and
    ``waitingOn`` the Deferred it is waiting for now.
    """

    def __init__(self, deferred):
        self.deferred = deferred
        self.waitingOn = None


def _inlineCallbacks(result, gen, status, context):
    """Drive ``gen``: send it each result, until it yields a Deferred that has not fired.

    Then add a callback to that Deferred that calls us again, and return.  A Deferred
    that has already fired gives its result at once and the loop goes on, so a
    generator yielding many fired Deferreds uses no extra stack.
    """
    # waiting[0]: we are still inside this call when the yielded Deferred fires;
    # waiting[1]: the result it gave, picked up by the loop instead of recursing.
    waiting = [True, None]
    while True:
        try:
            if isinstance(result, Failure):
                result = context.run(result.throwExceptionIntoGenerator, gen)
            else:
                result = context.run(gen.send, result)
        except StopIteration as e:
            status.deferred.callback(e.value)
            return
        except _DefGen_Return as e:
            _warnIfReturnValueEscaped(e, gen)
            status.deferred.callback(e.value)
            return
        except BaseException:
            status.deferred.errback()
            return

        isDeferred = isinstance(result, Deferred)
        if not isDeferred and (inspect.iscoroutine(result) or inspect.isgenerator(result)):
            # A coroutine or generator was yielded: run it as a nested inlineCallbacks.
            result = _cancellableInlineCallbacks(result)
            isDeferred = True
        if isDeferred:
            result.addBoth(_gotResultInlineCallbacks, waiting, gen, status, context)
            if waiting[0]:
                # Not fired yet: its callback will resume the generator later.
                waiting[0] = False
                status.waitingOn = result
                return
            result = waiting[1]
            waiting[0] = True
            waiting[1] = None
        # Anything else that was yielded is sent straight back.


def _gotResultInlineCallbacks(r, waiting, gen, status, context):
    if waiting[0]:
        waiting[0] = False
        waiting[1] = r
    else:
        _inlineCallbacks(r, gen, status, context)


def _warnIfReturnValueEscaped(exc, gen):
    """Warn when ``returnValue`` was called by a helper rather than by the generator itself.

    The exception unwound the helper's frame too, ending the generator from a function
    that may not even know it runs inside one.
    """
    entries = []
    tb = exc.__traceback__
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    code = getattr(gen, "gi_code", None) or getattr(gen, "cr_code", None)
    if len(entries) < 2 or code is None:
        return
    caller = entries[-2]  # entries[-1] is returnValue itself
    if caller.tb_frame.f_code is not code:
        warnings.warn_explicit(
            "returnValue() in %r causing %r to exit: returnValue should only be "
            "invoked by functions decorated with inlineCallbacks"
            % (caller.tb_frame.f_code.co_name, code.co_name),
            DeprecationWarning, caller.tb_frame.f_code.co_filename, caller.tb_lineno)


class _InternalInlineCallbacksCancelledError(Exception):
    """Used only to recognise our own cancellation of an inlineCallbacks Deferred."""


def _cancellableInlineCallbacks(gen):
    """Start driving ``gen``; return the Deferred of its outcome, which can be cancelled.

    Cancelling must not fire that Deferred with ``CancelledError`` straight away: the
    generator decides what happens.  So the canceller fails the Deferred with a private
    error, which an errback placed first in the chain catches and turns into "wait on a
    fresh Deferred"; then it cancels whatever the generator is waiting on, which raises
    ``CancelledError`` at its ``yield``.  The generator's eventual outcome fires the
    fresh Deferred, and through it the one the caller holds.
    """
    deferred = Deferred(lambda d: _addCancelCallbackToDeferred(d, status))
    status = _CancellationStatus(deferred)
    _inlineCallbacks(None, gen, status, copy_context())
    return deferred


def _addCancelCallbackToDeferred(it, status):
    later = it.callbacks
    it.callbacks = []
    it.addErrback(_handleCancelInlineCallbacks, status)
    it.callbacks.extend(later)
    it.errback(_InternalInlineCallbacksCancelledError())


def _handleCancelInlineCallbacks(result, status):
    result.trap(_InternalInlineCallbacksCancelledError)
    status.deferred = Deferred(lambda d: _addCancelCallbackToDeferred(d, status))
    if status.waitingOn is not None:
        status.waitingOn.cancel()
    return status.deferred


def inlineCallbacks(f):
    """Decorate a generator function so that ``x = yield d`` waits for Deferred ``d``.

    The decorated function returns a Deferred of what the generator returns.  At each
    ``yield`` of a Deferred the generator is suspended until the Deferred fires; then it
    resumes with the result, or with the failure's exception raised at the ``yield``.
    An exception escaping the generator fails the returned Deferred.  Cancelling the
    returned Deferred cancels the Deferred the generator is waiting on.

    ``async def`` functions with ``await`` under ``ensureDeferred`` are the modern
    spelling of the same thing.
    """
    @wraps(f)
    def unwindGenerator(*args, **kwargs):
        try:
            gen = f(*args, **kwargs)
        except _DefGen_Return:
            raise TypeError(
                "inlineCallbacks requires %r to produce a generator; instead"
                "caught returnValue being used in a non-generator" % (f,))
        if not isinstance(gen, GeneratorType):
            raise TypeError(
                "inlineCallbacks requires %r to produce a generator; instead got %r"
                % (f, gen))
        return _cancellableInlineCallbacks(gen)

    return unwindGenerator


def ensureDeferred(coro):
    """Run a coroutine that awaits Deferreds and return its Deferred; a Deferred is returned as is.

    Raises ``NotACoroutineError`` for anything else.
    """
    if isinstance(coro, Deferred):
        return coro
    try:
        return Deferred.fromCoroutine(coro)
    except NotACoroutineError:
        raise NotACoroutineError("%r is not a coroutine or a Deferred" % (coro,))


# --- Coordination without threads -------------------------------------------------------


class _ConcurrencyPrimitive:
    """What DeferredLock and DeferredSemaphore share: ``run`` and ``async with``."""

    def __init__(self):
        self.waiting = []

    def _releaseAndReturn(self, r):
        self.release()
        return r

    def run(self, f, *args, **kwargs):
        """Acquire, call ``f(*args, **kwargs)``, release when its result (or Deferred) is in."""
        def execute(ignoredResult):
            return maybeDeferred(f, *args, **kwargs).addBoth(self._releaseAndReturn)

        return self.acquire().addCallback(execute)

    def __aenter__(self):
        return self.acquire()

    def __aexit__(self, excType, excValue, tb):
        self.release()
        return succeed(False)

    def _cancelAcquire(self, d):
        # Only an unfired acquire can be cancelled, and unfired ones are in the list.
        self.waiting.remove(d)


class DeferredLock(_ConcurrencyPrimitive):
    """A lock for code that runs on the event loop: ``acquire`` returns a Deferred.

    ``locked`` is true while someone holds it.  Waiters get it in the order they asked.
    """

    locked = False

    def acquire(self):
        """Return a Deferred that fires with this lock once it is yours."""
        d = Deferred(canceller=self._cancelAcquire)
        if self.locked:
            self.waiting.append(d)
        else:
            self.locked = True
            d.callback(self)
        return d

    def release(self):
        """Release the lock, handing it to the first waiter if there is one."""
        assert self.locked, "Tried to release an unlocked lock"
        self.locked = False
        if self.waiting:
            self.locked = True
            self.waiting.pop(0).callback(self)


class DeferredSemaphore(_ConcurrencyPrimitive):
    """A semaphore for code on the event loop: at most ``limit`` holders at once.

    ``tokens`` is how many more may acquire it now.
    """

    def __init__(self, tokens):
        _ConcurrencyPrimitive.__init__(self)
        if tokens < 1:
            raise ValueError("DeferredSemaphore requires tokens >= 1")
        self.tokens = tokens
        self.limit = tokens

    def acquire(self):
        """Return a Deferred that fires with this semaphore once a token is yours."""
        d = Deferred(canceller=self._cancelAcquire)
        if not self.tokens:
            self.waiting.append(d)
        else:
            self.tokens -= 1
            d.callback(self)
        return d

    def release(self):
        """Give a token back, handing it to the first waiter if there is one."""
        assert self.tokens < self.limit, \
            "Someone released me too many times: too many tokens!"
        self.tokens += 1
        if self.waiting:
            self.tokens -= 1
            self.waiting.pop(0).callback(self)


class DeferredQueue:
    """A queue whose ``get`` returns a Deferred that fires when an object is available.

    ``size`` bounds the objects waiting in ``pending`` (``QueueOverflow`` beyond it);
    ``backlog`` bounds the gets waiting in ``waiting`` (``QueueUnderflow`` beyond it).
    ``None`` means no bound.
    """

    def __init__(self, size=None, backlog=None):
        self.waiting = []
        self.pending = []
        self.size = size
        self.backlog = backlog

    def _cancelGet(self, d):
        self.waiting.remove(d)

    def put(self, obj):
        """Give ``obj`` to the oldest waiting get, or keep it until someone asks."""
        if self.waiting:
            self.waiting.pop(0).callback(obj)
        elif self.size is None or len(self.pending) < self.size:
            self.pending.append(obj)
        else:
            raise QueueOverflow()

    def get(self):
        """Return a Deferred of the next object."""
        if self.pending:
            return succeed(self.pending.pop(0))
        if self.backlog is None or len(self.waiting) < self.backlog:
            d = Deferred(canceller=self._cancelGet)
            self.waiting.append(d)
            return d
        raise QueueUnderflow()


__all__ = [
    "AlreadyCalledError", "CancelledError", "Deferred", "DeferredList",
    "DeferredLock", "DeferredQueue", "DeferredSemaphore", "FAILURE", "FailureGroup",
    "FirstError", "NotACoroutineError", "QueueOverflow", "QueueUnderflow", "SUCCESS",
    "TimeoutError", "ensureDeferred", "execute", "fail", "gatherResults",
    "getDebugging", "inlineCallbacks", "logError", "maybeDeferred", "passthru",
    "race", "returnValue", "setDebugging", "succeed",
]
