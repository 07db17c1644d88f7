"""TestCase classes for code that uses Deferreds and the reactor.

Mirrors ``twisted.trial.unittest`` (Twisted 26.10).  Taught in
``notebooks/06_testing_with_trial.ipynb``; tested side by side with real trial by
``tests/trial/test_unittest.py``.

Read it in this order:

1. ``Todo``/``makeTodo`` and ``_LogObserver``: the two things a result depends on
   besides the test's own outcome (an expected failure, an error in the log);
2. ``SynchronousTestCase``: the assertions, then ``run``, which reports skips, runs
   ``setUp``, the test, the cleanups and ``tearDown``, then fails the test for any
   error logged and not flushed;
3. ``TestCase``: the same steps, but each may return a Deferred (or be ``async def``)
   and the global reactor runs until it fires, with a timeout; afterwards
   ``util._Janitor`` fails the test if it left the reactor dirty.

Both classes subclass the standard library's ``unittest.TestCase`` and report through
the standard ``TestResult`` methods, so pytest, ``python -m unittest`` and
minitwisted's trial runner all run them alike.

Differs from Twisted:

- A todo test reports through the standard ``addExpectedFailure(test, excInfo)`` and
  ``addUnexpectedSuccess(test)``.  Twisted passes a third ``todo`` argument there,
  which a standard ``unittest.TestResult`` rejects with a ``TypeError``, so only
  trial's own results can run Twisted's todo tests.
- ``SynchronousTestCase`` runs ``gc.collect()`` after each test, so an "Unhandled
  error in Deferred" from a garbage Deferred is always charged to the test that
  made it.  Twisted collects garbage only when the test does.
- During a test ``reactor.stop`` is replaced by ``crash`` (as trial does), but
  ``crash``, ``iterate`` and ``stop`` do not emit DeprecationWarnings; warnings are
  not collected, so there is no ``flushWarnings``, ``callDeprecated``, ``suppress``
  or ``getDeprecatedModuleAttribute``.
- ``patch`` returns a small object with ``patch()`` and ``restore()`` rather than a
  ``twisted.python.monkey.MonkeyPatcher``.
- A logged Failure that has no traceback (``log.err(Failure(ValueError()))``) is
  reported with a one-frame traceback pointing into this module, because a standard
  ``TestResult`` (and pytest) needs a traceback; trial prints the bare
  ``Failure: builtins.ValueError: ...`` line.
"""

import gc
import inspect
import os
import sys
import tempfile
import unittest as pyunit
import warnings

from minitwisted.internet import defer
from minitwisted.python import log
from minitwisted.python.failure import Failure
from minitwisted.trial import util


class FailTest(AssertionError):
    """An assertion of a trial test failed: the test is reported as a failure, not an error."""


SkipTest = pyunit.SkipTest


# --- Expected failures ----------------------------------------------------------------


class Todo:
    """A test is expected to fail, for ``reason``, with one of ``errors`` (None: any error)."""

    def __init__(self, reason, errors=None):
        self.reason = reason
        self.errors = errors

    def __repr__(self):
        return f"<Todo reason={self.reason!r} errors={self.errors!r}>"

    def expected(self, failure):
        """True if ``failure`` is the kind of failure this todo expects."""
        return self.errors is None or bool(failure.check(*self.errors))


def makeTodo(value):
    """Make a Todo from a ``todo`` attribute: a reason, or ``(errors, reason)``."""
    if isinstance(value, str):
        return Todo(value)
    errors, reason = value
    if isinstance(errors, type):
        errors = [errors]
    return Todo(reason, list(errors))


# --- Errors logged during a test --------------------------------------------------------


class _LogObserver:
    """Collects the Failures logged (``log.err``) while any test runs.

    One observer serves every test; ``_added`` counts the tests using it, so it is
    added to the log once and removed when the last one is done.
    """

    def __init__(self):
        self._errors = []
        self._added = 0

    def _add(self):
        if self._added == 0:
            log.addObserver(self.gotEvent)
        self._added += 1

    def _remove(self):
        self._added -= 1
        if self._added == 0:
            log.removeObserver(self.gotEvent)

    def gotEvent(self, event):
        if event.get("isError") and "failure" in event:
            self._errors.append(event["failure"])

    def getErrors(self):
        return self._errors

    def flushErrors(self, *errorTypes):
        """Remove and return the errors of ``errorTypes`` (all errors if none given)."""
        if not errorTypes:
            flushed, self._errors = self._errors, []
            return flushed
        flushed = [f for f in self._errors if f.check(*errorTypes)]
        self._errors = [f for f in self._errors if not f.check(*errorTypes)]
        return flushed


_logObserver = _LogObserver()


def _excInfo(failure):
    """The ``(type, value, traceback)`` triple a standard TestResult wants, from a Failure."""
    tb = failure.tb or failure.value.__traceback__
    if tb is None:
        # pytest cannot show an error with no traceback: give it a one-line one.
        try:
            raise failure.value
        except BaseException as e:
            tb = e.__traceback__
    return (failure.type, failure.value, tb)


class _Patch:
    """One attribute replaced by ``TestCase.patch``; ``restore()`` puts the old value back."""

    _missing = object()

    def __init__(self, obj, attribute, value):
        self.obj, self.attribute, self.value = obj, attribute, value
        self.original = self._missing

    def patch(self):
        self.original = getattr(self.obj, self.attribute, self._missing)
        setattr(self.obj, self.attribute, self.value)

    def restore(self):
        if self.original is self._missing:
            delattr(self.obj, self.attribute)  # it did not exist before the patch
        else:
            setattr(self.obj, self.attribute, self.original)


# --- Assertions --------------------------------------------------------------------------


class _Assertions(pyunit.TestCase):
    """Twisted's assertions: they return their first argument, and keep the old names."""

    failureException = FailTest

    def fail(self, msg=None):
        raise self.failureException(msg)

    def assertTrue(self, condition, msg=None):
        super().assertTrue(condition, msg)
        return condition

    def assertFalse(self, condition, msg=None):
        super().assertFalse(condition, msg)
        return condition

    def assertEqual(self, first, second, msg=None):
        super().assertEqual(first, second, msg)
        return first

    def assertNotEqual(self, first, second, msg=None):
        if not first != second:
            raise self.failureException(msg or f"{first!r} == {second!r}")
        return first

    def assertIs(self, first, second, msg=None):
        if first is not second:
            raise self.failureException(msg or f"{first!r} is not {second!r}")
        return first

    def assertIsNot(self, first, second, msg=None):
        if first is second:
            raise self.failureException(msg or f"{first!r} is {second!r}")
        return first

    def assertIn(self, containee, container, msg=None):
        if containee not in container:
            raise self.failureException(msg or f"{containee!r} not in {container!r}")
        return containee

    def assertNotIn(self, containee, container, msg=None):
        if containee in container:
            raise self.failureException(msg or f"{containee!r} in {container!r}")
        return containee

    def assertAlmostEqual(self, first, second, places=7, msg=None, delta=None):
        if round(second - first, places) != 0:
            raise self.failureException(
                msg or f"{first!r} != {second!r} within {places!r} places")
        return first

    def assertNotAlmostEqual(self, first, second, places=7, msg=None, delta=None):
        if round(second - first, places) == 0:
            raise self.failureException(
                msg or f"{first!r} == {second!r} within {places!r} places")
        return first

    def assertApproximates(self, first, second, tolerance, msg=None):
        """Fail unless ``first`` and ``second`` differ by at most ``tolerance``."""
        if abs(first - second) > tolerance:
            raise self.failureException(msg or f"{first} ~== {second}")
        return first

    def assertSubstring(self, substring, astring, msg=None):
        return self.assertIn(substring, astring, msg)

    def assertNotSubstring(self, substring, astring, msg=None):
        return self.assertNotIn(substring, astring, msg)

    def assertIsInstance(self, instance, classOrTuple, message=None):
        if not isinstance(instance, classOrTuple):
            suffix = "" if message is None else ": " + message
            self.fail(f"{instance!r} is not an instance of {classOrTuple}{suffix}")

    def assertNotIsInstance(self, instance, classOrTuple):
        if isinstance(instance, classOrTuple):
            self.fail(f"{instance!r} is an instance of {classOrTuple}")

    def assertRaises(self, exception, f=None, *args, **kwargs):
        """Call ``f(*args, **kwargs)``, fail unless it raises ``exception``; return the exception.

        Without ``f`` it is the standard library's context manager.
        """
        if f is None:
            return super().assertRaises(exception)
        try:
            returned = f(*args, **kwargs)
        except exception as e:
            return e
        except BaseException:
            problem = Failure()
            self.fail("{}.{} raised instead of {}:\n {}".format(
                problem.type.__module__, problem.type.__qualname__,
                getattr(exception, "__name__", exception), problem.getTraceback()))
        self.fail("{} not raised ({} returned)".format(
            getattr(exception, "__name__", exception), returned))

    def assertWarns(self, category, message, filename, f, *args, **kwargs):
        """Call ``f``; fail unless it warns ``message`` of ``category`` from ``filename``."""
        with warnings.catch_warnings(record=True) as shown:
            warnings.simplefilter("always")  # a warning seen before must still show
            result = f(*args, **kwargs)
        if not shown:
            self.fail("No warnings emitted")
        first = shown[0]
        for other in shown[1:]:
            if (str(other.message), other.category) != (str(first.message), first.category):
                self.fail("Can't handle different warnings")
        self.assertEqual(str(first.message), message)
        self.assertIs(first.category, category)
        # startswith: the compiled file may be named where the source was expected.
        self.assertTrue(filename.startswith(first.filename),
                        f"Warning in {first.filename!r}, expected {filename!r}")
        return result

    # Twisted 26.10 still offers these names.
    assertNot = failIf = failUnlessFalse = assertFalse
    assert_ = failUnless = failUnlessTrue = assertTrue
    assertEquals = failUnlessEqual = failUnlessEquals = assertEqual
    assertNotEquals = failIfEqual = failIfEquals = assertNotEqual
    assertIdentical = failUnlessIdentical = assertIs
    assertNotIdentical = failIfIdentical = assertIsNot
    failUnlessIn = assertIn
    failIfIn = assertNotIn
    assertAlmostEquals = failUnlessAlmostEqual = assertAlmostEqual
    assertNotAlmostEquals = failIfAlmostEqual = failIfAlmostEquals = assertNotAlmostEqual
    failUnlessApproximates = assertApproximates
    failUnlessSubstring = assertSubstring
    failIfSubstring = assertNotSubstring
    failUnlessIsInstance = assertIsInstance
    failIfIsInstance = assertNotIsInstance
    failUnlessRaises = assertRaises
    failUnlessWarns = assertWarns

    # -- Results of Deferreds, without running the reactor --------------------------------

    def _resultOf(self, deferred):
        """The current result of ``deferred`` (or a coroutine), or [] if it has none."""
        deferred = defer.ensureDeferred(deferred)
        results = []
        deferred.addBoth(results.append)
        return deferred, results

    def successResultOf(self, deferred):
        """Return the result ``deferred`` already has; fail if none, or if it is a Failure."""
        deferred, results = self._resultOf(deferred)
        if not results:
            self.fail(f"Success result expected on {deferred!r}, found no result instead")
        if isinstance(results[0], Failure):
            self.fail(f"Success result expected on {deferred!r}, found failure result "
                      f"instead:\n{results[0].getTraceback()}")
        return results[0]

    def failureResultOf(self, deferred, *expectedExceptionTypes):
        """Return the Failure ``deferred`` already has; fail if none, a success, or another type."""
        deferred, results = self._resultOf(deferred)
        if not results:
            self.fail(f"Failure result expected on {deferred!r}, found no result instead")
        result = results[0]
        if not isinstance(result, Failure):
            self.fail(f"Failure result expected on {deferred!r}, found success result "
                      f"({result!r}) instead")
        if expectedExceptionTypes and not result.check(*expectedExceptionTypes):
            expected = " or ".join(f"{t.__module__}.{t.__name__}"
                                   for t in expectedExceptionTypes)
            self.fail(f"Failure of type ({expected}) expected on {deferred!r}, found type "
                      f"{result.type!r} instead: {result.getTraceback()}")
        return result

    def assertNoResult(self, deferred):
        """Fail if ``deferred`` has a result; leave it untouched if it has none."""
        deferred = defer.ensureDeferred(deferred)
        results = []

        def keep(result):
            results.append(result)
            return result  # pass it on: the Deferred must be left as it was

        deferred.addBoth(keep)
        if results:
            deferred.addErrback(lambda _: None)  # self.fail reports it; don't log it too
            self.fail(f"No result expected on {deferred!r}, found {results[0]!r} instead")


# --- SynchronousTestCase -------------------------------------------------------------------


class SynchronousTestCase(_Assertions):
    """A test case that runs no reactor: setUp, test, cleanups, tearDown, all plain calls.

    ``skip`` (a reason) or ``todo`` (a reason, or ``(errors, reason)``) may be set on
    the test method, the class or the module.  An error logged during the test and not
    removed with ``flushLoggedErrors`` fails the test.
    """

    def __init__(self, methodName="runTest"):
        super().__init__(methodName)
        self._passed = False
        self._cleanups = []
        # Where skip, todo and timeout are looked up, nearest first.
        self._parents = [getattr(self, methodName), self,
                         sys.modules.get(type(self).__module__)]

    def __eq__(self, other):
        # Two instances for one method are two runs, not one test (trial runs both).
        if isinstance(other, SynchronousTestCase):
            return self is other
        return NotImplemented

    def __hash__(self):
        return hash((type(self), self._testMethodName))

    def shortDescription(self):
        return super().shortDescription() or self._testMethodName

    def runTest(self):
        """The test run when no method name is given: it does nothing."""

    def getSkip(self):
        """``(True, reason)`` if the test is to be skipped, else ``(False, None)``."""
        reason = util.acquireAttribute(self._parents, "skip", None)
        if reason is not None:
            return True, reason
        if getattr(self, "__unittest_skip__", False):  # the standard @unittest.skip
            return True, getattr(self, "__unittest_skip_why__", "")
        return False, None

    def getTodo(self):
        """The Todo for this test, or None."""
        todo = util.acquireAttribute(self._parents, "todo", None)
        return None if todo is None else makeTodo(todo)

    # -- Helpers for the test's body ------------------------------------------------------

    def addCleanup(self, f, *args, **kwargs):
        """Call ``f(*args, **kwargs)`` after the test, before tearDown; last added runs first."""
        self._cleanups.append((f, args, kwargs))

    def patch(self, obj, attribute, value):
        """Set ``obj.attribute = value`` until the test ends."""
        patch = _Patch(obj, attribute, value)
        patch.patch()
        self.addCleanup(patch.restore)
        return patch

    def flushLoggedErrors(self, *errorTypes):
        """Remove (and return) the logged errors of these types, so they don't fail the test."""
        return _logObserver.flushErrors(*errorTypes)

    def mktemp(self):
        """Return a new relative path ``module/class/method/<random>/temp`` that does not exist.

        Its parent directory exists; the path itself is left for the test to create.
        """
        longest = 32  # some file systems limit name lengths
        base = os.path.join(type(self).__module__[:longest], type(self).__name__[:longest],
                            self._testMethodName[:longest])
        os.makedirs(base, exist_ok=True)
        return os.path.join(os.path.relpath(tempfile.mkdtemp("", "", base)), "temp")

    # -- Reporting --------------------------------------------------------------------------

    def _addError(self, result, failure):
        result.addError(self, _excInfo(failure))

    def _addFailureOrError(self, result, failure, todo):
        """Report an exception from the test method: expected, failure, skip or error."""
        if todo is not None and todo.expected(failure):
            result.addExpectedFailure(self, _excInfo(failure))
        elif failure.check(SkipTest):
            result.addSkip(self, failure.value.args[0] if failure.value.args else "")
        elif failure.check(self.failureException, FailTest):
            result.addFailure(self, _excInfo(failure))
        else:
            self._addError(result, failure)

    def _reportLoggedErrors(self, result):
        """Fail the test for each unflushed logged error; return True if there were some."""
        gc.collect()  # a garbage Deferred logs its unhandled error now, inside this test
        errors = _logObserver.flushErrors()
        for error in errors:
            self._addError(result, error)
        return bool(errors)

    # -- Running ------------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        return self.run(*args, **kwargs)

    def run(self, result=None):
        """Run the test, reporting its outcome to ``result`` (a standard TestResult)."""
        if result is None:
            result = self.defaultTestResult()
        log.msg("--> %s <--" % (self.id(),))
        result.startTest(self)
        skip, reason = self.getSkip()
        if skip:
            result.addSkip(self, reason)
        else:
            self._passed = False
            _logObserver._add()
            try:
                self._runFixturesAndTest(result)
            finally:
                _logObserver._remove()
        result.stopTest(self)

    def _call(self, method, result, todo=None):
        """Call one fixture or the test; report and return True if it did not pass."""
        try:
            method()
        except BaseException:
            self._addFailureOrError(result, Failure(), todo)
            return True
        return False

    def _runFixturesAndTest(self, result):
        if self._call(self.setUp, result):
            self._runCleanups(result)
            self._reportLoggedErrors(result)
            return
        todo = self.getTodo()
        try:
            failed = self._call(getattr(self, self._testMethodName), result, todo)
        finally:
            # As in trial, cleanups run before tearDown, not after it as in the stdlib.
            self._runCleanups(result)
        if todo is not None and not failed:
            result.addUnexpectedSuccess(self)
        failed = self._call(self.tearDown, result) or failed
        failed = self._reportLoggedErrors(result) or failed
        if not (failed or todo):
            result.addSuccess(self)

    def _runCleanups(self, result):
        while self._cleanups:
            f, args, kwargs = self._cleanups.pop()
            try:
                f(*args, **kwargs)
            except BaseException:
                self._addError(result, Failure())


# --- TestCase ------------------------------------------------------------------------------


class TestCase(SynchronousTestCase):
    """A test case whose setUp, test, cleanups and tearDown may return Deferreds.

    The global reactor runs until each Deferred fires.  Each step gets ``timeout``
    seconds (set on the method, class or module; default
    ``util.DEFAULT_TIMEOUT_DURATION``).  After the test, pending calls and leftover
    selectables make it fail with ``util.DirtyReactorAggregateError``.
    """

    def assertFailure(self, deferred, *expectedFailures):
        """Return ``deferred``, made to fire with the exception if it fails as expected.

        Return it from the test: it fails the test if ``deferred`` succeeds or fails
        with another type.
        """

        def succeeded(result):
            raise self.failureException(f"did not catch an error, instead got {result!r}")

        def failed(failure):
            if failure.check(*expectedFailures):
                return failure.value
            raise self.failureException(
                f"\nExpected: {expectedFailures!r}\nGot:\n{failure}")

        return deferred.addCallbacks(succeeded, failed)

    failUnlessFailure = assertFailure

    def getTimeout(self):
        """Seconds each step may take (method, class, module, else the default)."""
        timeout = util.acquireAttribute(self._parents, "timeout",
                                        util.DEFAULT_TIMEOUT_DURATION)
        try:
            return float(timeout)
        except (TypeError, ValueError):
            warnings.warn("'timeout' attribute needs to be a number.",
                          category=DeprecationWarning)
            return util.DEFAULT_TIMEOUT_DURATION

    def _runStep(self, func, description, result):
        """Call ``func``; return a Deferred of its result that fails if it takes too long."""
        from minitwisted.internet import reactor

        timeout = self.getTimeout()
        if inspect.isgeneratorfunction(func):
            return defer.fail(TypeError(
                f"{func!r} is a generator function and therefore will never run"))
        d = defer.maybeDeferred(func)  # also turns a coroutine into a Deferred

        def onTimeout():
            failure = Failure(defer.TimeoutError(
                f"{self!r} ({description}) still running at {timeout} secs"))
            try:
                d.errback(failure)
            except defer.AlreadyCalledError:
                # d is paused on a Deferred that never fires: give up on it here.
                self._timedOut = True
                self._stopWaiting()
                todo = self.getTodo()
                if todo is not None and todo.expected(failure):
                    result.addExpectedFailure(self, _excInfo(failure))
                else:
                    self._addError(result, failure)

        call = reactor.callLater(timeout, onTimeout)

        def cancelTimeout(passThrough):
            if call.active():
                call.cancel()
            return passThrough

        return d.addBoth(cancelTimeout)

    async def _runAllSteps(self, result):
        """setUp, the test, the cleanups, then tearDown (only if setUp worked)."""
        setUpWorked = False
        try:
            try:
                await self._runStep(self.setUp, "setUp", result)
            except SkipTest as e:
                result.addSkip(self, e.args[0] if e.args else "")
                return
            except BaseException:
                self._addError(result, Failure())
                return
            setUpWorked = True
            todo = self.getTodo()
            try:
                await self._runStep(getattr(self, self._testMethodName),
                                    self._testMethodName, result)
            except BaseException:
                self._addFailureOrError(result, Failure(), todo)
            else:
                if todo is not None:
                    result.addUnexpectedSuccess(self)
                else:
                    self._passed = True
        finally:
            await self._runCleanupSteps(result)
            if setUpWorked:
                try:
                    await self._runStep(self.tearDown, "tearDown", result)
                except BaseException:
                    self._addError(result, Failure())
                    self._passed = False

    async def _runCleanupSteps(self, result):
        failures = []
        while self._cleanups:
            f, args, kwargs = self._cleanups.pop()
            try:
                await self._runStep(lambda: f(*args, **kwargs),
                                    f"cleanup function {f.__name__}", result)
            except Exception:
                failures.append(Failure())
        for failure in failures:  # reported after all ran, as trial does
            self._addError(result, failure)
            self._passed = False

    def _runFixturesAndTest(self, result):
        self._timedOut = False
        try:
            self._wait(defer.ensureDeferred(self._runAllSteps(result)))
        finally:
            self._cleanUp(result)

    def _cleanUp(self, result):
        """The janitor's two sweeps, and the logged errors; then success if all was well."""
        janitor = util._Janitor(self, lambda test, failure: self._addError(result, failure))
        if not janitor.postCaseCleanup():
            self._passed = False
        if self._reportLoggedErrors(result):
            self._passed = False
        if self._passed:
            result.addSuccess(self)
        # As in trial, leftover selectables are reported after the success.
        janitor.postClassCleanup()

    def _wait(self, d):
        """Run the global reactor until ``d`` (which never fails) has fired."""
        from minitwisted.internet import reactor

        results = []
        d.addBoth(results.append)
        if results:
            return
        waiting = [True]

        def stopWaiting(ignored=None):
            if waiting:  # crash once: after a timeout, d may still fire much later
                waiting.clear()
                reactor.crash()

        self._stopWaiting = stopWaiting
        d.addBoth(stopWaiting)
        reactor.stop = reactor.crash  # a test's reactor.stop() must not end the run for good
        try:
            reactor.run(installSignalHandlers=False)
        finally:
            del reactor.stop
            waiting.clear()
        if not (results or self._timedOut):
            raise KeyboardInterrupt()  # the loop ended but d has not fired: interrupted
