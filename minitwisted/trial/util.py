"""The janitor that checks the reactor is clean after each test, and its error.

Mirrors ``twisted.trial.util`` (Twisted 26.10): ``DEFAULT_TIMEOUT_DURATION``,
``DirtyReactorAggregateError``, ``acquireAttribute`` and ``_Janitor``.  Taught in
``notebooks/06_testing_with_trial.ipynb``; tested by ``tests/trial/test_util.py``.

A test that leaves a pending ``callLater`` or a listening port behind would leak it
into the next test, which then fails for no reason of its own.  So after every
``TestCase`` test the janitor lists what is left, reports it as an error of the test
that left it, and clears it away.
"""

DEFAULT_TIMEOUT_DURATION = 120.0

_NOTHING = object()


class DirtyReactorAggregateError(Exception):
    """A test left pending DelayedCalls or registered selectables in the reactor.

    ``delayedCalls`` and ``selectables`` are lists of the strings describing them;
    ``str`` lists both under headings, word for word as Twisted's.
    """

    def __init__(self, delayedCalls, selectables=None):
        self.delayedCalls = delayedCalls
        self.selectables = selectables

    def __str__(self):
        lines = ["Reactor was unclean."]
        if self.delayedCalls:
            # The advice names Twisted's module, as Twisted's message does.
            lines.append("DelayedCalls: (set twisted.internet.base.DelayedCall.debug"
                         " = True to debug)")
            lines.extend(map(str, self.delayedCalls))
        if self.selectables:
            lines.append("Selectables:")
            lines.extend(map(str, self.selectables))
        return "\n".join(lines)


def acquireAttribute(objects, attr, default=_NOTHING):
    """Return ``attr`` of the first of ``objects`` that has it (method, class, module)."""
    for obj in objects:
        if hasattr(obj, attr):
            return getattr(obj, attr)
    if default is not _NOTHING:
        return default
    raise AttributeError(f"attribute {attr!r} not found in {objects!r}")


class _Janitor:
    """Cleans the reactor after ``test`` and reports the mess to ``result``.

    ``report(test, failure)`` is the TestCase's own way of adding an error to a
    result, so the janitor needs to know nothing about result classes.
    """

    def __init__(self, test, report, reactor=None):
        self.test = test
        self.report = report
        self.reactor = reactor

    def _getReactor(self):
        if self.reactor is not None:
            return self.reactor
        from minitwisted.internet import reactor

        return reactor

    def postCaseCleanup(self):
        """Report and cancel pending DelayedCalls; return True if there were none."""
        calls = self._cleanPending()
        if calls:
            self._reportDirt(calls, None)
            return False
        return True

    def postClassCleanup(self):
        """Remove leftover selectables and calls, report them, stop the thread pool."""
        selectables = self._cleanReactor()
        calls = self._cleanPending()
        if selectables or calls:
            self._reportDirt(calls, selectables)
        self._cleanThreads()

    def _reportDirt(self, calls, selectables):
        from minitwisted.python.failure import Failure

        self.report(self.test, Failure(DirtyReactorAggregateError(calls, selectables)))

    def _cleanPending(self):
        reactor = self._getReactor()
        # Two passes give calls that are due right now (callLater(0)) a chance to run.
        reactor.iterate(0)
        reactor.iterate(0)
        leftovers = []
        for call in reactor.getDelayedCalls():
            leftovers.append(str(call))  # before cancel(), so it reads cancelled=0
            call.cancel()
        return leftovers

    def _cleanReactor(self):
        # removeAll leaves the waker registered: it belongs to the reactor, not the test.
        return [repr(selectable) for selectable in self._getReactor().removeAll()]

    def _cleanThreads(self):
        reactor = self._getReactor()
        if getattr(reactor, "_threadpool", None) is not None:
            reactor._stopThreadPool()
