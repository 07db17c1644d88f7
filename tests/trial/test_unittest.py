"""Tests for minitwisted.trial.unittest, side by side with twisted.trial.unittest.

The sample test cases in ``tests/trial/sample_cases.py`` are written once and built
for each framework; each sample runs on both and the outcomes are compared.  Our
samples report to a standard ``unittest.TestResult``; Twisted's report to trial's own
``reporter.TestResult`` (a standard one cannot take Twisted's todo reports).
"""

import re
import types
import unittest as pyunit

import pytest

from minitwisted.internet import defer as mdefer
from minitwisted.internet import protocol as mprotocol
from minitwisted.python import log as mlog
from minitwisted.trial import unittest as munittest
from tests.trial import sample_cases

CATEGORIES = ("failures", "errors", "skipped", "expectedFailures", "unexpectedSuccesses")


def _framework(name):
    if name == "minitwisted":
        from minitwisted.internet import reactor
        ns = types.SimpleNamespace(unittest=munittest, defer=mdefer, log=mlog,
                                   reactor=reactor, protocol=mprotocol)
    else:
        from twisted.internet import defer, protocol, reactor
        from twisted.python import log
        from twisted.trial import unittest
        ns = types.SimpleNamespace(unittest=unittest, defer=defer, log=log,
                                   reactor=reactor, protocol=protocol)
    ns.name = name
    ns.ports = []
    ns.listen = lambda: ns.ports.append(ns.reactor.listenTCP(
        0, ns.protocol.ServerFactory(), interface="127.0.0.1"))
    ns.samples = sample_cases.build(ns)
    return ns


@pytest.fixture(scope="module")
def frameworks():
    return {name: _framework(name) for name in ("minitwisted", "twisted")}


def _text(error):
    """The last line of a report: 'ExceptionName: message' (dotted prefix dropped)."""
    if isinstance(error, str):
        last = error.rstrip("\n").split("\n")
        # The message may span lines: it starts after the indented traceback.
        frames = [i for i, line in enumerate(last)
                  if line.startswith(("  ", "Traceback"))]
        start = frames[-1] + 1 if frames else 0
        text = "\n".join(last[start:])
    else:
        text = f"{error.type.__name__}: {error.getErrorMessage()}"
    text = re.sub(r"^[\w.]*\.(\w+: )", r"\1", text)
    text = re.sub(r"0x[0-9a-f]+", "0x…", text)
    text = re.sub(r"\[[0-9.]+s\]", "[…s]", text)
    text = re.sub(r"'(minitwisted|twisted)\.", "'…twisted.", text)
    return re.sub(r" on \d+>", " on …>", text)


def run_sample(ns, className, methodName):
    """Run one sample test; return {category: [message, ...]} and the success count."""
    if ns.name == "minitwisted":
        result = pyunit.TestResult()
    else:
        from twisted.trial import reporter
        result = reporter.TestResult()
    getattr(ns.samples, className)(methodName).run(result)
    outcome = {}
    for category in CATEGORIES:
        key = "skips" if (category == "skipped" and ns.name == "twisted") else category
        entries = getattr(result, key)
        if category == "unexpectedSuccesses":
            outcome[category] = len(entries)
        elif category == "skipped":
            outcome[category] = [entry[1] for entry in entries]
        else:
            outcome[category] = [_text(entry[1]) for entry in entries]
    for port in ns.ports:
        port.socket.close()  # the janitor unregistered it; free the socket too
    del ns.ports[:]
    return outcome


SAMPLES = [
    ("Sync", name) for name in (
        "test_pass", "test_fail", "test_error", "test_skipAttribute", "test_raiseSkip",
        "test_todoFails", "test_todoPasses", "test_todoWrongType", "test_loggedError",
        "test_flushedError", "test_garbageDeferred", "test_cleanupFails")
] + [("SkippedClass", "test_one")] + [
    ("Async", name) for name in (
        "test_pass", "test_deferredPasses", "test_deferredFails", "test_coroutine",
        "test_coroutineFails", "test_timeout", "test_timeoutMethod", "test_todoTimeout",
        "test_dirtyDelayedCall", "test_dirtyReader", "test_assertFailure",
        "test_assertFailureWrong", "test_deferredSetUpRuns", "test_deferredCleanup")
]


@pytest.mark.parametrize("className, methodName", SAMPLES)
def test_sampleOutcomeMatchesTwisted(frameworks, className, methodName):
    """A sample test has the same outcome and messages on minitwisted and Twisted."""
    ours = run_sample(frameworks["minitwisted"], className, methodName)
    theirs = run_sample(frameworks["twisted"], className, methodName)
    assert ours == theirs


def test_deferredCleanupRunsBeforeTheTestEnds(frameworks):
    """A cleanup that returns a Deferred is waited for, on both frameworks."""
    for ns in frameworks.values():
        del ns.samples.events[:]
        assert run_sample(ns, "Async", "test_deferredCleanup")["errors"] == []
        assert ns.samples.events == ["cleaned"]


def test_nothingLeaksIntoTheReactorAfterDirtyTests(frameworks):
    """After dirty samples the global reactor has no delayed calls and only the waker."""
    ns = frameworks["minitwisted"]
    for name in ("test_dirtyDelayedCall", "test_dirtyReader", "test_timeout"):
        run_sample(ns, "Async", name)
    assert ns.reactor.getDelayedCalls() == []
    assert ns.reactor.getReaders() == [ns.reactor.waker]
    assert ns.reactor.getWriters() == []


def test_todoReportsToAStandardResult(frameworks):
    """Differs from Twisted: todo outcomes go to a standard TestResult; Twisted's raise TypeError."""
    result = pyunit.TestResult()
    frameworks["minitwisted"].samples.Sync("test_todoFails").run(result)
    frameworks["minitwisted"].samples.Sync("test_todoPasses").run(result)
    assert (len(result.expectedFailures), len(result.unexpectedSuccesses)) == (1, 1)
    with pytest.raises(TypeError):
        frameworks["twisted"].samples.Sync("test_todoFails").run(pyunit.TestResult())


def test_garbageCycleErrorIsChargedToItsTest():
    """Differs from Twisted: a failed Deferred kept alive by a cycle fails its own test."""

    class Sample(munittest.SynchronousTestCase):
        def test_cycle(self):
            d = mdefer.fail(ValueError("cycle"))
            d.cycle = d

    result = pyunit.TestResult()
    Sample("test_cycle").run(result)
    assert [_text(e[1]) for e in result.errors] == ["ValueError: cycle"]


# --- Assertions, side by side ------------------------------------------------------------


@pytest.fixture(params=["minitwisted", "twisted"])
def case(request, frameworks):
    """A bare SynchronousTestCase of one framework, for calling its assertions."""
    ns = frameworks[request.param]
    instance = ns.unittest.SynchronousTestCase()
    instance.ns = ns
    return instance


def failure_message(call, *args):
    with pytest.raises(AssertionError) as info:
        call(*args)
    return str(info.value)


def test_assertionsReturnTheirFirstArgument(case):
    """Passing assertions return their first argument."""
    marker = object()
    assert case.assertIdentical(marker, marker) is marker
    assert case.assertEqual(3, 3) == 3
    assert case.assertSubstring("b", "abc") == "b"
    assert case.assertApproximates(1.0, 1.05, 0.1) == 1.0


def test_failedAssertionsRaiseFailTestWithTwistedMessages(case):
    """Failed assertions raise the framework's FailTest with Twisted's messages."""
    assert issubclass(case.failureException, AssertionError)
    assert failure_message(case.assertIdentical, 1, 2) == "1 is not 2"
    assert failure_message(case.assertNotIdentical, None, None) == "None is None"
    assert failure_message(case.assertSubstring, "x", "abc") == "'x' not in 'abc'"
    assert failure_message(case.assertNotSubstring, "b", "abc") == "'b' in 'abc'"
    assert failure_message(case.assertApproximates, 1, 2, 0.5) == "1 ~== 2"
    assert failure_message(case.assertIsInstance, 1, str) == "1 is not an instance of <class 'str'>"
    assert failure_message(case.assertNotEqual, 1, 1) == "1 == 1"
    assert failure_message(case.assertRaises, ValueError, lambda: 5) == "ValueError not raised (5 returned)"


def test_oldAliasesAreTheSame():
    """Every failUnless*/failIf*/assert* alias of Twisted's TestCase exists here too."""
    from twisted.trial import unittest

    def names(cls):
        return {n for n in dir(cls) if n.startswith(("fail", "assert"))}

    assert names(unittest.SynchronousTestCase) - names(munittest.SynchronousTestCase) == set()
    assert "failUnlessFailure" in dir(munittest.TestCase)


def test_assertRaisesReturnsTheException(case):
    """assertRaises with a callable returns the exception it raised."""
    error = case.assertRaises(ValueError, int, "x")
    assert isinstance(error, ValueError)


def test_assertRaisesWrongExceptionNamesIt(case):
    """assertRaises fails naming the exception that was raised instead."""
    message = failure_message(case.assertRaises, KeyError, int, "x")
    assert message.startswith("builtins.ValueError raised instead of KeyError:\n")


def test_assertWarnsChecksMessageAndCategory(case):
    """assertWarns returns f's result when f warns as described."""
    import warnings

    def f(x):
        warnings.warn("old", DeprecationWarning)
        return x

    assert case.assertWarns(DeprecationWarning, "old", __file__, f, 7) == 7
    assert failure_message(case.assertWarns, UserWarning, "old", __file__, lambda: 1) == \
        "No warnings emitted"


def test_resultOfHelpers(case):
    """successResultOf, failureResultOf and assertNoResult read a Deferred's current result."""
    defer = case.ns.defer
    assert case.successResultOf(defer.succeed(4)) == 4
    assert case.failureResultOf(defer.fail(ValueError("v")), ValueError).check(ValueError)
    case.assertNoResult(defer.Deferred())
    message = failure_message(case.successResultOf, defer.Deferred())
    assert re.sub("0x[0-9a-f]+", "X", message) == \
        "Success result expected on <Deferred at X>, found no result instead"
    message = failure_message(case.failureResultOf, defer.succeed(2))
    assert re.sub("0x[0-9a-f]+", "X", message) == ("Failure result expected on "
        "<Deferred at X current result: None>, found success result (2) instead")
    message = failure_message(case.assertNoResult, defer.succeed(2))
    assert re.sub("0x[0-9a-f]+", "X", message) == \
        "No result expected on <Deferred at X current result: 2>, found 2 instead"


def test_patchIsUndoneAfterTheTest(frameworks):
    """patch replaces an attribute during the test and restores it afterwards."""
    target = types.SimpleNamespace(value=1)
    seen = []
    for ns in frameworks.values():
        class Sample(ns.unittest.SynchronousTestCase):
            def test_patched(self):
                self.patch(target, "value", 2)
                seen.append(target.value)

        Sample("test_patched").run(pyunit.TestResult())
        assert target.value == 1
    assert seen == [2, 2]


def test_mktempIsUnderTheTestId(tmp_path, monkeypatch):
    """mktemp gives module/class/method/<random>/temp, with the parent made."""
    monkeypatch.chdir(tmp_path)

    class Sample(munittest.SynchronousTestCase):
        def test_temp(self):
            pass

    path = Sample("test_temp").mktemp()
    parts = path.split("/")
    assert parts[:3] == [__name__, "Sample", "test_temp"] and parts[4] == "temp"
    assert (tmp_path / parts[0] / parts[1] / parts[2] / parts[3]).is_dir()


def test_standardRunnerRunsTheTestCase(frameworks):
    """A standard TextTestRunner runs a TestCase whose test returns a Deferred."""
    import io

    suite = pyunit.TestSuite([frameworks["minitwisted"].samples.Async("test_deferredPasses"),
                              frameworks["minitwisted"].samples.Async("test_deferredFails")])
    result = pyunit.TextTestRunner(stream=io.StringIO()).run(suite)
    assert (result.testsRun, len(result.errors)) == (2, 1)


def test_pytestRunsTheTestCase(tmp_path):
    """pytest runs a TestCase: Deferred and async tests pass, dirt and timeouts fail, todo xfails."""
    import os
    import subprocess
    import sys

    (tmp_path / "test_sample.py").write_text(
        "from minitwisted.trial import unittest\n"
        "from minitwisted.internet import defer, reactor\n"
        "class T(unittest.TestCase):\n"
        "    timeout = 0.2\n"
        "    def test_ok(self):\n"
        "        d = defer.Deferred(); reactor.callLater(0, d.callback, 1); return d\n"
        "    async def test_async(self):\n"
        "        d = defer.Deferred(); reactor.callLater(0, d.callback, 1); await d\n"
        "    def test_timeout(self):\n"
        "        return defer.Deferred()\n"
        "    def test_dirty(self):\n"
        "        reactor.callLater(10, print)\n"
        "    def test_todo(self):\n"
        "        self.fail('x')\n"
        "    test_todo.todo = 'later'\n")
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "test_sample.py"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert "2 failed, 2 passed, 1 xfailed" in run.stdout
    assert "Reactor was unclean." in run.stdout
