"""Looking at a Deferred's result without a reactor, as a Twisted user writes it.

``successResultOf``, ``failureResultOf`` and ``assertNoResult`` check a Deferred at once;
``assertFailure`` returns a Deferred for the test to return.  Run by
``tests/trial/test_twisted_style.py`` under real trial, and again under
``python -m minitwisted.trial`` with ``twisted`` renamed ``minitwisted`` in the imports.
"""

from twisted.internet import defer
from twisted.trial import unittest


class Cache:
    """Looks keys up in a slow backend, once; later lookups come from memory."""

    def __init__(self, backend):
        self.backend = backend
        self.values = {}

    def get(self, key):
        if key in self.values:
            return defer.succeed(self.values[key])
        d = self.backend(key)

        def remember(value):
            self.values[key] = value
            return value

        return d.addCallback(remember)


class ResultTests(unittest.SynchronousTestCase):
    def setUp(self):
        self.pending = {}
        self.cache = Cache(self.lookup)

    def lookup(self, key):
        self.pending[key] = defer.Deferred()
        return self.pending[key]

    def test_noResultWhileTheBackendIsWaiting(self):
        """A lookup has no result until the backend answers."""
        self.assertNoResult(self.cache.get("a"))

    def test_successWhenTheBackendAnswers(self):
        """A lookup fires with the backend's answer."""
        d = self.cache.get("a")
        self.pending["a"].callback(1)
        self.assertEqual(self.successResultOf(d), 1)

    def test_secondLookupComesFromMemory(self):
        """A second lookup of a key has its result at once."""
        self.cache.get("a")
        self.pending.pop("a").callback(1)
        self.assertEqual(self.successResultOf(self.cache.get("a")), 1)
        self.assertEqual(self.pending, {})

    def test_backendFailureIsPassedOn(self):
        """A lookup fails with the backend's error, which is not remembered."""
        d = self.cache.get("a")
        self.pending["a"].errback(KeyError("a"))
        failure = self.failureResultOf(d, KeyError)
        self.assertEqual(failure.getErrorMessage(), "'a'")
        self.assertEqual(self.cache.values, {})

    def test_failureResultOfAcceptsAnyOfSeveralTypes(self):
        """``failureResultOf`` accepts a failure of any of the types it is given."""
        d = defer.fail(LookupError("gone"))
        self.failureResultOf(d, KeyError, LookupError)

    def test_successResultOfAWaitingDeferred(self):
        """Fails on purpose: the backend has not answered, so there is no result yet."""
        self.successResultOf(self.cache.get("a"))

    def test_failureResultOfTheWrongType(self):
        """Fails on purpose: the lookup failed with KeyError, not ValueError."""
        d = self.cache.get("a")
        self.pending["a"].errback(KeyError("a"))
        self.failureResultOf(d, ValueError)

    def test_assertNoResultOnAFiredDeferred(self):
        """Fails on purpose: the Deferred already has a result."""
        self.assertNoResult(defer.succeed("here"))


class AssertFailureTests(unittest.TestCase):
    def test_assertFailureFiresWithTheException(self):
        """``assertFailure`` fires with the exception when the Deferred fails with that type."""
        d = self.assertFailure(defer.fail(KeyError("k")), KeyError)
        d.addCallback(lambda e: self.assertEqual(e.args, ("k",)))
        return d

    def test_assertFailureOfASuccess(self):
        """Fails on purpose: the Deferred succeeds, so assertFailure fails the test."""
        return self.assertFailure(defer.succeed(1), KeyError)

    def test_assertFailureOfTheWrongType(self):
        """Fails on purpose: the Deferred fails with ValueError, not KeyError."""
        return self.assertFailure(defer.fail(ValueError("v")), KeyError)
