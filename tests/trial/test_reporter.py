"""Tests for minitwisted.trial.reporter, side by side with twisted.trial.reporter.

The same suite runs into Twisted's reporter and into ours, in this process, and the
two reports are compared whole (durations masked).  The sample cases below are
``SynchronousTestCase``s, so no reactor runs; ``__test__ = False`` keeps pytest from
collecting them.  Whole command-line runs are compared in ``test_runner.py``.
"""

import io
import sys
import unittest

import pytest
from twisted.trial import itrial
from twisted.trial import reporter as treporter
from twisted.trial.unittest import SkipTest, SynchronousTestCase

from minitwisted.python.failure import Failure
from minitwisted.trial import reporter as mreporter
from tests.trial.trialruns import mask


class Outcomes(SynchronousTestCase):
    __test__ = False  # run by the reporters under test, not by pytest

    def test_pass(self):
        pass

    def test_fail(self):
        self.assertEqual("a", "b")

    def test_error(self):
        raise KeyError("k")

    def test_skip(self):
        raise SkipTest("no network")

    def test_skip_too(self):
        raise SkipTest("no network")

    def test_todo(self):
        1 / 0

    test_todo.todo = "divides by zero"

    def test_unexpected(self):
        pass

    test_unexpected.todo = "should not pass"


class Passing(SynchronousTestCase):
    __test__ = False

    def test_one(self):
        pass


REPORTERS = {
    "verbose": (treporter.TreeReporter, mreporter.TreeReporter),
    "text": (treporter.TextReporter, mreporter.TextReporter),
    "summary": (treporter.MinimalReporter, mreporter.MinimalReporter),
}


def report(reporter_class, *cases):
    """Run the cases (classes) into a fresh reporter; return (reporter, masked report)."""
    stream = io.StringIO()
    result = reporter_class(stream)
    loader = unittest.TestLoader()
    suite = unittest.TestSuite([loader.loadTestsFromTestCase(case) for case in cases])
    suite.run(result)
    result.done()
    return result, mask(stream.getvalue())


def both(name, *cases):
    theirs_class, ours_class = REPORTERS[name]
    return report(theirs_class, *cases)[1], report(ours_class, *cases)[1]


# --- Whole reports, compared with Twisted's -------------------------------------------------


def test_all_passing_report_matches_trial():
    """A passing run prints the tree, the separator, 'Ran', and PASSED with its count, as trial."""
    theirs, ours = both("verbose", Passing)
    assert ours == theirs
    assert ours.endswith("\nPASSED (successes=1)\n")


@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_every_outcome_reports_as_trial(name):
    """Each outcome prints the same status, problem block and summary as trial's reporter."""
    theirs, ours = both(name, Outcomes, Passing)
    assert ours == theirs


def test_empty_run_reports_as_trial():
    """A run with no tests prints no 'Ran' line and a bare PASSED, as trial does."""
    theirs, ours = both("verbose")
    assert ours == theirs
    assert ours.endswith("PASSED\n")


def test_summary_keys_come_in_trials_order():
    """The summary keys come as skips, expectedFailures, failures, errors, ..., successes."""
    _, ours = report(mreporter.TreeReporter, Outcomes)
    assert ours.splitlines()[-1] == (
        "FAILED (skips=2, expectedFailures=1, failures=1, errors=1, "
        "unexpectedSuccesses=1, successes=1)")


# --- Pieces of the report -------------------------------------------------------------------


def test_status_words_end_at_column_79():
    """Every test line of the tree is 79 characters long, ending with its status word."""
    _, ours = report(mreporter.TreeReporter, Outcomes)
    lines = [line for line in ours.splitlines() if " ... " in line]
    assert len(lines) == 7
    assert {len(line) for line in lines} == {79}


def test_identical_skip_reasons_share_one_block():
    """Two tests skipped for the same reason are listed under one [SKIPPED] block."""
    _, ours = report(mreporter.TreeReporter, Outcomes)
    assert ours.count("[SKIPPED]\nno network\n") == 1
    assert "Outcomes.test_skip\ntests.trial.test_reporter.Outcomes.test_skip_too\n" in ours


def test_unexpected_success_does_not_fail_the_run():
    """wasSuccessful stays true after an unexpected success, as in trial."""
    result = mreporter.Reporter(io.StringIO())
    result.addUnexpectedSuccess(Passing("test_one"))
    assert result.wasSuccessful()


def test_error_may_be_a_minitwisted_failure():
    """An error given as a Failure is formatted from its frames, with the qualified type."""
    try:
        raise ValueError("bad value")
    except ValueError:
        fail = Failure()
    text = mreporter.formatError(fail)
    assert text.startswith("Traceback (most recent call last):\n  File ")
    assert 'raise ValueError("bad value")' in text
    assert text.endswith("builtins.ValueError: bad value\n")


def test_error_may_be_an_exc_info_tuple():
    """An error given as sys.exc_info() is formatted the same way."""
    try:
        raise ValueError("bad value")
    except ValueError:
        text = mreporter.formatError(sys.exc_info())
    assert text.endswith('    raise ValueError("bad value")\nbuiltins.ValueError: bad value\n')


def test_runner_frames_are_kept_when_no_user_code_failed():
    """Frames all inside the trial package are kept; framework frames before user code go."""
    runner_only = [("loadByName", "/x/minitwisted/trial/runner.py", 1),
                   ("findByName", "/x/minitwisted/trial/runner.py", 2)]
    assert mreporter.trimFrames(runner_only) == runner_only
    with_user = [("run", "/x/minitwisted/trial/unittest.py", 1),
                 ("test_x", "/y/test_x.py", 2),
                 ("fail", "/x/minitwisted/trial/unittest.py", 3)]
    assert mreporter.trimFrames(with_user) == [("test_x", "/y/test_x.py", 2)]


def test_todo_reason_comes_from_the_test_when_not_given():
    """addExpectedFailure without a todo asks the test's getTodo(), else uses trial's default."""
    result = mreporter.Reporter(io.StringIO())
    test = Outcomes("test_todo")
    try:
        1 / 0
    except ZeroDivisionError:
        result.addExpectedFailure(test, sys.exc_info())
        result.addExpectedFailure(Passing("test_one"), sys.exc_info())
    reasons = [detail[1] for _, detail in result.expectedFailures]
    assert reasons == ["divides by zero", "Test expected to fail"]


def test_twisted_test_cases_see_an_ireporter():
    """Twisted's IReporter(reporter) is the reporter, so trial's TestCase reports todos to it."""
    result = mreporter.TreeReporter(io.StringIO())
    assert itrial.IReporter(result, None) is result


def test_no_ansi_colours_on_a_terminal():
    """Differs from Twisted: the tree has no ANSI colour codes, even on a terminal stream."""

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    result = mreporter.TreeReporter(stream)
    unittest.TestLoader().loadTestsFromTestCase(Outcomes).run(result)
    result.done()
    assert "\x1b[" not in stream.getvalue()
