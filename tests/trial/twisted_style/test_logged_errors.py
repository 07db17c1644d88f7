"""Errors that reach the log during a test, and ``flushLoggedErrors``, as a Twisted user writes it.

Under trial an error logged during a test (``log.err``, or a failed Deferred that is
garbage-collected unhandled) fails that test unless the test flushes it.  Run by
``tests/trial/test_twisted_style.py`` under real trial, and again under
``python -m minitwisted.trial`` with ``twisted`` renamed ``minitwisted`` in the imports.
"""

import gc

from twisted.internet import defer
from twisted.python import log
from twisted.trial import unittest


class Worker:
    """Runs jobs; a job that raises is logged and the worker goes on."""

    def __init__(self):
        self.done = []

    def run(self, jobs):
        for job in jobs:
            try:
                self.done.append(job())
            except Exception:
                log.err(None, "job failed")


def broken():
    raise ZeroDivisionError("no jobs today")


class FlushLoggedErrorsTests(unittest.TestCase):
    def test_nothingLoggedPasses(self):
        """A test that logs no error passes."""
        Worker().run([lambda: 1])

    def test_flushedErrorIsReturned(self):
        """``flushLoggedErrors`` returns the logged Failures, so the test passes."""
        worker = Worker()
        worker.run([lambda: 1, broken, lambda: 3])
        self.assertEqual(worker.done, [1, 3])
        errors = self.flushLoggedErrors(ZeroDivisionError)
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0].getErrorMessage(), "no jobs today")

    def test_flushWithNoTypeTakesEverything(self):
        """``flushLoggedErrors()`` with no type flushes errors of every type."""
        log.err(ValueError("one"))
        log.err(KeyError("two"))
        self.assertEqual(len(self.flushLoggedErrors()), 2)

    def test_unhandledDeferredErrorIsLoggedWhenCollected(self):
        """A failed Deferred nobody handles logs its error when it is garbage-collected."""
        d = defer.fail(RuntimeError("nobody listens"))
        del d
        gc.collect()
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)

    def test_handledDeferredErrorIsNotLogged(self):
        """A failed Deferred whose errback handles the error logs nothing."""
        d = defer.fail(RuntimeError("handled"))
        d.addErrback(lambda failure: None)
        del d
        gc.collect()
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_unflushedErrorFailsTheTest(self):
        """Errors on purpose: the logged ZeroDivisionError is never flushed."""
        Worker().run([broken])

    def test_flushingAnotherTypeLeavesTheError(self):
        """Errors on purpose: flushing KeyError leaves the logged ValueError in the log."""
        log.err(ValueError("still here"))
        self.assertEqual(self.flushLoggedErrors(KeyError), [])


class SynchronousLoggedErrorsTests(unittest.SynchronousTestCase):
    def test_synchronousCaseFlushesToo(self):
        """A SynchronousTestCase flushes logged errors in the same way."""
        log.err(ValueError("sync"))
        self.assertEqual(len(self.flushLoggedErrors(ValueError)), 1)

    def test_synchronousCaseReportsUnflushedErrors(self):
        """Errors on purpose: a SynchronousTestCase also fails on an unflushed error."""
        log.err(ValueError("sync and forgotten"))
