"""Tests that return Deferreds or are ``async def``, plus a skip and a todo, in trial style.

A ``TestCase`` runs the global reactor until the Deferred a test returns has fired.
Run by ``tests/trial/test_twisted_style.py`` under real trial, and again under
``python -m minitwisted.trial`` with ``twisted`` renamed ``minitwisted`` in the imports.
"""

from twisted.internet import defer, reactor, task
from twisted.trial import unittest


def slowDouble(x):
    """Doubles ``x`` on the next turn of the reactor."""
    return task.deferLater(reactor, 0, lambda: x * 2)


class DeferredTests(unittest.TestCase):
    def setUp(self):
        # setUp may return a Deferred too: the test starts once it has fired.
        def remember(answer):
            self.answer = answer

        return slowDouble(21).addCallback(remember)

    def test_setUpDeferredFiredFirst(self):
        """The Deferred returned by setUp has fired before the test runs."""
        self.assertEqual(self.answer, 42)

    def test_returnedDeferredIsWaitedFor(self):
        """The test's assertion runs in a callback, after the reactor has turned."""
        d = slowDouble(2)
        d.addCallback(self.assertEqual, 4)
        return d

    async def test_asyncDefTest(self):
        """An ``async def`` test awaits Deferreds."""
        self.assertEqual(await slowDouble(3), 6)
        self.assertEqual(await slowDouble(4), 8)

    @defer.inlineCallbacks
    def test_inlineCallbacksTest(self):
        """An ``inlineCallbacks`` test yields Deferreds."""
        result = yield slowDouble(5)
        self.assertEqual(result, 10)

    def test_cleanupMayReturnADeferred(self):
        """A cleanup that returns a Deferred is waited for as well."""
        self.addCleanup(slowDouble, 1)

    def test_wrongAnswerInACallback(self):
        """Fails on purpose: the assertion in the callback expects 5, the result is 4."""
        return slowDouble(2).addCallback(self.assertEqual, 5)

    async def test_asyncDefRaises(self):
        """Errors on purpose: the coroutine raises ValueError after awaiting."""
        await slowDouble(1)
        raise ValueError("after the await")

    def test_skipped(self):
        """Skipped on purpose, with a reason."""
        raise unittest.SkipTest("needs a network")

    def test_knownBug(self):
        """Expected to fail (todo): doubling is not tripling."""
        return slowDouble(3).addCallback(self.assertEqual, 9)

    test_knownBug.todo = "tripling is not written yet"

    def test_timedOut(self):
        """Errors on purpose: the returned Deferred never fires, so the test times out."""
        return defer.Deferred()

    test_timedOut.timeout = 0.1


class SkippedClassTests(unittest.TestCase):
    skip = "the whole class is skipped"

    def test_neverRuns(self):
        """Skipped on purpose with its class."""
        raise AssertionError("never runs")
