"""Sample test cases for tests/trial/test_unittest.py, written once for both frameworks.

``build(ns)`` takes the modules of one framework (``unittest``, ``defer``, ``log``,
``reactor``) and returns a namespace of TestCase classes written against them, so the
same scenarios run on minitwisted.trial and on twisted.trial.  The file is not named
``test_*.py`` and the classes are made inside a function, so pytest never collects them.
"""

import gc
import types
import warnings


def build(ns):
    unittest, defer, log, reactor = ns.unittest, ns.defer, ns.log, ns.reactor

    class Sync(unittest.SynchronousTestCase):
        def test_pass(self):
            pass

        def test_fail(self):
            self.fail("boom")

        def test_error(self):
            raise ValueError("oops")

        def test_skipAttribute(self):
            pass

        test_skipAttribute.skip = "not today"

        def test_raiseSkip(self):
            raise unittest.SkipTest("raised skip")

        def test_todoFails(self):
            self.fail("known bug")

        test_todoFails.todo = "later"

        def test_todoPasses(self):
            pass

        test_todoPasses.todo = "later"

        def test_todoWrongType(self):
            raise KeyError("other")

        test_todoWrongType.todo = (ValueError, "only ValueError")

        def test_loggedError(self):
            log.err(ValueError("logged"))

        def test_flushedError(self):
            log.err(ValueError("logged"))
            self.assertEqual(len(self.flushLoggedErrors(ValueError)), 1)

        def test_garbageDeferred(self):
            defer.fail(ValueError("lost"))
            gc.collect()

        def test_cleanupFails(self):
            self.addCleanup(lambda: 1 / 0)

    class SkippedClass(unittest.SynchronousTestCase):
        skip = "whole class"

        def test_one(self):
            pass

    class Async(unittest.TestCase):
        timeout = 0.2

        def test_pass(self):
            pass

        def test_deferredPasses(self):
            d = defer.Deferred()
            reactor.callLater(0, d.callback, None)
            return d

        def test_deferredFails(self):
            d = defer.Deferred()
            reactor.callLater(0, d.errback, ValueError("later"))
            return d

        async def test_coroutine(self):
            d = defer.Deferred()
            reactor.callLater(0, d.callback, 3)
            self.assertEqual(await d, 3)

        async def test_coroutineFails(self):
            d = defer.Deferred()
            reactor.callLater(0, d.callback, 3)
            self.assertEqual(await d, 4)

        def test_timeout(self):
            return defer.Deferred()

        def test_timeoutMethod(self):
            return defer.Deferred()

        test_timeoutMethod.timeout = 0.1

        def test_todoTimeout(self):
            return defer.Deferred()

        test_todoTimeout.todo = "slow"

        def test_dirtyDelayedCall(self):
            reactor.callLater(100, lambda: None)

        def test_dirtyReader(self):
            ns.listen()

        def test_assertFailure(self):
            return self.assertFailure(defer.fail(ValueError("x")), ValueError)

        def test_assertFailureWrong(self):
            return self.assertFailure(defer.succeed(1), ValueError)

        def test_deferredSetUpRuns(self):
            self.assertEqual(self.ready, True)

        def setUp(self):
            d = defer.Deferred()
            reactor.callLater(0, d.callback, None)
            d.addCallback(lambda _: setattr(self, "ready", True))
            return d

        def test_deferredCleanup(self):
            def cleanup():
                d = defer.Deferred()
                reactor.callLater(0, d.callback, None)
                return d.addCallback(lambda _: events.append("cleaned"))

            self.addCleanup(cleanup)

    events = []
    return types.SimpleNamespace(Sync=Sync, SkippedClass=SkippedClass, Async=Async,
                                 events=events, warnings=warnings)
