"""Reporters: turn test outcomes into trial's tree, its dots, or its one-line summary.

Mirrors ``twisted.trial.reporter`` (Twisted 26.10): ``Reporter`` keeps the outcomes and
prints the problem blocks and the summary, ``TreeReporter`` (trial's default,
``--reporter=verbose``) prints one line per test, ``TextReporter`` one character per
test and ``MinimalReporter`` (``--reporter=summary``) only counts.  The workshop uses
it in ``notebooks/06_testing_with_trial.ipynb``; tested by ``tests/trial/test_reporter.py``
(report by report against real trial).

A reporter is a standard ``unittest.TestResult``: any ``unittest.TestCase`` can report
to it, and the trial extras arrive through the standard methods (``addSkip``,
``addExpectedFailure``, ``addUnexpectedSuccess``).  An outcome's error may be an
``exc_info`` tuple or a ``Failure`` (anything with ``type``, ``value`` and ``frames``).

Differs from Twisted:

- No ANSI colours, even on a terminal: the status words are plain text.
- A plain ``unittest`` expected failure (its error is an ``exc_info`` tuple) prints a
  ``[TODO]`` block; trial's reporter crashes on it in ``done()`` with
  ``AttributeError: 'tuple' object has no attribute 'frames'``.
"""

import linecache
import time
import unittest

from minitwisted.python import log
from minitwisted.trial.unittest import SynchronousTestCase

_TRIAL_DIRS = ("/twisted/trial/", "/minitwisted/trial/")
_FRAMEWORK_DIRS = ("/twisted/", "/minitwisted/")
_DEFAULT_TODO = "Test expected to fail"


# --- Turning an error into trial's traceback text ----------------------------------------


def _qual(cls):
    return "%s.%s" % (cls.__module__, cls.__qualname__)


def _framesOf(error):
    """Return ``(type, value, [(funcName, fileName, lineNumber), ...])``, outermost first."""
    if isinstance(error, tuple):
        excType, value, tb = error
        frames = []
        while tb is not None:
            code = tb.tb_frame.f_code
            frames.append((code.co_name, code.co_filename, tb.tb_lineno))
            tb = tb.tb_next
        return excType, value, frames
    return error.type, error.value, [tuple(frame[:3]) for frame in error.frames]


def _inAny(fileName, dirs):
    fileName = fileName.replace("\\", "/")
    return any(d in fileName for d in dirs)


def trimFrames(frames):
    """Drop the test framework's own frames around the test's code, as trial does.

    A traceback that starts in a trial package (Twisted's or ours) loses its leading
    framework frames (the runner, Deferred and warning helpers) up to the first frame of
    the test's own code, and a last frame that
    is one of the ``fail*`` assertion helpers goes too.  A plain ``unittest`` traceback
    starts in the standard library and keeps every frame, as under trial.
    """
    frames = list(frames)
    userFrames = [i for i, f in enumerate(frames) if not _inAny(f[1], _FRAMEWORK_DIRS)]
    # An error raised by the runner itself (a name that does not load) has no frame
    # of user code: it keeps all its frames, as trial keeps its own there.
    if frames and userFrames and _inAny(frames[0][1], _TRIAL_DIRS):
        del frames[:userFrames[0]]
    if frames and frames[-1][0].startswith("fail") and _inAny(frames[-1][1], _TRIAL_DIRS):
        frames.pop()
    return frames


def formatError(error):
    """Format an ``exc_info`` tuple or ``Failure`` the way trial's problem blocks show it."""
    excType, value, frames = _framesOf(error)
    lines = ["Traceback (most recent call last):\n"]
    frames = trimFrames(frames)
    for funcName, fileName, lineNumber in frames:
        lines.append('  File "%s", line %s, in %s\n' % (fileName, lineNumber, funcName))
        lines.append("    %s\n" % linecache.getline(fileName, lineNumber).strip())
    if not frames:
        lines.append("Failure: ")  # trial's marker for an error with no frames left
    lines.append("%s: %s\n" % (_qual(excType), value))
    return "".join(lines)


def _todoReason(test, todo):
    """The reason of a todo: from ``todo``, else the test's ``getTodo()``, else trial's default."""
    if todo is None and hasattr(test, "getTodo"):
        todo = test.getTodo()
    return _DEFAULT_TODO if todo is None else todo.reason


# --- Reporters ----------------------------------------------------------------------------


class Reporter(unittest.TestResult):
    """Keep every outcome, then print trial's problem blocks and summary in ``done()``.

    Invariants: ``skips``, ``expectedFailures``, ``failures``, ``errors`` and
    ``unexpectedSuccesses`` hold ``(test, detail)`` pairs in the order they happened;
    ``successes`` counts; ``testsRun`` (from ``unittest.TestResult``) counts every start.
    """

    separator = "-" * 79
    doubleSeparator = "=" * 79

    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.skips = []
        self.expectedFailures = []
        self.unexpectedSuccesses = []
        self.successes = 0
        self._startTime = None

    def __conform__(self, interface):
        # zope.interface asks an object to adapt itself before anything else.  Twisted's
        # TestCase asks for its IReporter and, without one, wraps us in an adapter that
        # turns todos into failures; answering by name keeps Twisted out of our imports.
        if interface.__name__ == "IReporter":
            return self
        return None

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()  # a line shows up while its test runs, as with trial

    def _writeln(self, text):
        self._write(text + "\n")

    # The outcomes, as the unittest protocol reports them.

    def startTest(self, test):
        super().startTest(test)
        if self._startTime is None:
            self._startTime = time.time()
        if not isinstance(test, SynchronousTestCase):
            # minitwisted's TestCases log this line themselves; other tests get it here.
            # Either way it reaches test.log through the runner's log observer.
            log.msg("--> %s <--" % (test.id(),))

    def addSuccess(self, test):
        self.successes += 1

    def addFailure(self, test, err):
        self.failures.append((test, err))

    def addError(self, test, err):
        self.errors.append((test, err))

    def addSkip(self, test, reason):
        self.skips.append((test, reason))

    def addExpectedFailure(self, test, err, todo=None):
        self.expectedFailures.append((test, (err, _todoReason(test, todo))))

    def addUnexpectedSuccess(self, test, todo=None):
        self.unexpectedSuccesses.append((test, _todoReason(test, todo)))

    def wasSuccessful(self):
        # As trial (and Python before 3.4): unexpected successes do not fail the run.
        return not self.failures and not self.errors

    # The end-of-run report.

    def _printResults(self, flavor, outcomes, formatter):
        groups = {}  # one block per distinct text, listing every test that gave it
        for test, detail in outcomes:
            groups.setdefault(formatter(detail), []).append(test)
        for text, tests in groups.items():
            self._writeln(self.doubleSeparator)
            self._writeln(flavor)
            self._write(text)
            self._writeln("")
            for test in tests:
                self._writeln(test.id())

    def _printErrors(self):
        self._write("\n")
        self._printResults("[SKIPPED]", self.skips, lambda reason: "%s\n" % reason)
        self._printResults(
            "[TODO]", self.expectedFailures,
            lambda detail: "Reason: %r\n%s" % (detail[1], formatError(detail[0])))
        self._printResults("[FAIL]", self.failures, formatError)
        self._printResults("[ERROR]", self.errors, formatError)
        self._printResults(
            "[SUCCESS!?!]", self.unexpectedSuccesses, lambda reason: "Reason: %r\n" % reason)

    def _getSummary(self):
        counts = [
            (key, len(getattr(self, key)))
            for key in ("skips", "expectedFailures", "failures", "errors",
                        "unexpectedSuccesses")]
        counts.append(("successes", self.successes))
        parts = ["%s=%d" % (key, n) for key, n in counts if n]
        return " (%s)" % ", ".join(parts) if parts else ""

    def _elapsed(self):
        return 0 if self._startTime is None else time.time() - self._startTime

    def _printSummary(self):
        status = "PASSED" if self.wasSuccessful() else "FAILED"
        self._writeln(status + self._getSummary())

    def done(self):
        """Print the problem blocks, the run's size and time, and the verdict."""
        self._printErrors()
        self._writeln(self.separator)
        if self._startTime is not None:
            self._writeln("Ran %d tests in %.3fs" % (self.testsRun, self._elapsed()))
        self._write("\n")
        self._printSummary()


class TextReporter(Reporter):
    """One character per test (``.``, ``F``, ``E``, ``S``, ``T``, ``!``), then the report."""

    def addSuccess(self, test):
        super().addSuccess(test)
        self._write(".")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._write("F")

    def addError(self, test, err):
        super().addError(test, err)
        self._write("E")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._write("S")

    def addExpectedFailure(self, test, err, todo=None):
        super().addExpectedFailure(test, err, todo)
        self._write("T")

    def addUnexpectedSuccess(self, test, todo=None):
        super().addUnexpectedSuccess(test, todo)
        self._write("!")


class MinimalReporter(Reporter):
    """No problem blocks; the last line is ``time tests tests errors failures skips``."""

    def _printErrors(self):
        pass

    def _printSummary(self):
        numbers = (self._elapsed(), self.testsRun, self.testsRun,
                   len(self.errors), len(self.failures), len(self.skips))
        self._writeln(" ".join(map(str, numbers)))


class TreeReporter(Reporter):
    """trial's default report: module, class and test indented, the status at column 79."""

    indent = "  "
    columns = 79

    def __init__(self, stream):
        super().__init__(stream)
        self._lastSegments = []  # the module and class of the previous test
        self._currentLine = ""  # the test's "name ... " text, to pad the status word

    def _prelude(self, testId):
        """Write the module and class lines that differ from the previous test's."""
        parts = testId.split(".")[:-1]
        segments = [s for s in (".".join(parts[:-1]), parts[-1] if parts else "") if s]
        for level, segment in enumerate(segments):
            changed = level >= len(self._lastSegments) or segment != self._lastSegments[level]
            if changed:
                self._write("%s%s\n" % (self.indent * level, segment))
        self._lastSegments = segments

    def startTest(self, test):
        self._prelude(test.id())
        self._currentLine = "%s%s ... " % (
            self.indent * len(self._lastSegments), test.id().split(".")[-1])
        self._write(self._currentLine)
        super().startTest(test)

    def _endLine(self, status):
        self._write(" " * (self.columns - len(self._currentLine) - len(status)) + status + "\n")

    def addSuccess(self, test):
        super().addSuccess(test)
        self._endLine("[OK]")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._endLine("[FAIL]")

    def addError(self, test, err):
        super().addError(test, err)
        self._endLine("[ERROR]")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._endLine("[SKIPPED]")

    def addExpectedFailure(self, test, err, todo=None):
        super().addExpectedFailure(test, err, todo)
        self._endLine("[TODO]")

    def addUnexpectedSuccess(self, test, todo=None):
        super().addUnexpectedSuccess(test, todo)
        self._endLine("[SUCCESS!?!]")


reporters = {"verbose": TreeReporter, "text": TextReporter, "summary": MinimalReporter}
