"""Tests for minitwisted.trial.runner: the same command lines on real trial and on ours.

Each test runs ``python -m twisted.trial`` and ``python -m minitwisted.trial`` on the same
arguments from the same empty folder (the ``trials`` fixture in ``conftest.py``) and
compares the whole output, with durations and addresses masked, and the exit status.
Tests that pin a deliberate difference say so in their docstring.
"""

import os

import pytest

from minitwisted.trial import runner
from tests.trial.trialruns import Trial, mask_frames, mask_twins

SAMPLES = "tests.trial.samples"


# --- Finding and ordering tests -----------------------------------------------------------


def test_passing_module_reports_the_same_and_exits_0(trials):
    """A module whose tests all pass gives trial's exact report and exit status 0."""
    theirs, ours = trials.both(SAMPLES + ".test_passing")
    assert ours == theirs
    assert ours[0] == 0
    assert "PASSED (successes=4)" in ours[1]


def test_trial_test_cases_with_problems_report_the_same_and_exit_1(trials):
    """A failure, an error, a skip and a skipped class give trial's report and status 1."""
    theirs, ours = trials.both(SAMPLES + ".test_outcomes")
    assert ours == theirs
    assert ours[0] == 1


def test_trial_todos_report_the_same(trials):
    """A todo attribute on a method or a class gives [TODO] and [SUCCESS!?!] as under trial."""
    theirs, ours = trials.both(SAMPLES + ".test_todos")
    assert ours == theirs
    assert ours[0] == 0
    assert "PASSED (expectedFailures=3, unexpectedSuccesses=1)" in ours[1]


def test_plain_unittest_cases_report_the_same(trials):
    """Plain unittest cases, an unexpected success and a skipped class too, report as trial."""
    theirs, ours = trials.both(SAMPLES + ".test_pyunit")
    assert ours == theirs
    assert "[SUCCESS!?!]" in ours[1]


def test_plain_unittest_expected_failure_is_reported(trials):
    """Differs from Twisted: a plain unittest expected failure prints [TODO]; trial crashes."""
    theirs, ours = trials.both(SAMPLES + ".pyunit_todo")
    assert "AttributeError: 'tuple' object has no attribute 'frames'" in theirs[1]
    assert ours[0] == 0
    assert "[TODO]\nReason: 'Test expected to fail'\nTraceback" in ours[1]


def test_classes_methods_and_files_load_as_under_trial(trials):
    """A method name, a class name and a file path load and report as under trial."""
    args = [SAMPLES + ".test_pyunit.PlainOutcomes.test_fail",
            SAMPLES + ".test_passing.Strings",
            os.path.join(os.path.dirname(__file__), "samples", "test_outcomes.py")]
    theirs, ours = trials.both(*args)
    assert ours == theirs


def test_a_name_given_twice_runs_once(trials):
    """A test named twice on the command line runs once, as under trial."""
    name = SAMPLES + ".test_passing.Strings.test_upper"
    theirs, ours = trials.both(name, name)
    assert ours == theirs
    assert "Ran 1 tests" in ours[1]


def test_package_by_name_runs_its_test_modules_in_order(trials, sample_package):
    """A package name runs every test_ module in it, sorted as trial sorts them."""
    theirs, ours = trials.both(sample_package)
    assert ours == theirs
    assert "Ran 22 tests" in ours[1]


def test_folder_path_runs_like_the_package(trials, sample_package):
    """A folder path runs the package in it, as under trial."""
    theirs, ours = trials.both("." + os.sep + sample_package)
    assert ours == theirs


def test_missing_attribute_name_reports_trial_error(trials):
    """A missing name gives trial's [ERROR] block; Differs from Twisted: the frames are ours."""
    theirs, ours = trials.both("tests.nope.x")
    assert ours[0] == theirs[0] == 1
    assert mask_frames(ours[1]) == mask_frames(theirs[1])
    assert "builtins.AttributeError: tests.nope.x does not exist." in ours[1]


def test_missing_top_level_module_error_type_differs(trials):
    """Differs from Twisted: a missing top module gives ModuleNotFoundError, not ModuleNotFound."""
    theirs, ours = trials.both("nope")
    assert "twisted.python.reflect.ModuleNotFound: No module named 'nope'" in theirs[1]
    assert "builtins.ModuleNotFoundError: No module named 'nope'" in ours[1]
    assert ours[0] == theirs[0] == 1


def test_package_inside_a_namespace_package_loads(trials):
    """Differs from Twisted: a package in a namespace package loads; trial reports a TypeError."""
    theirs, ours = trials.both(SAMPLES)
    assert "builtins.TypeError" in theirs[1]
    assert "Ran 22 tests" in ours[1]


# --- Options --------------------------------------------------------------------------------


def test_exitfirst_stops_after_the_first_problem(trials):
    """-x stops the run after the first failure or error, as under trial."""
    theirs, ours = trials.both("-x", SAMPLES + ".test_pyunit")
    assert ours == theirs
    assert "Ran 1 tests" in ours[1]


@pytest.mark.parametrize("reporter", ["text", "summary", "verbose"])
def test_reporters_print_as_trial(trials, sample_package, reporter):
    """Each reporter prints what trial's reporter of that name prints."""
    theirs, ours = trials.both("--reporter=" + reporter, sample_package)
    assert ours == theirs


def test_random_order_is_trials_for_the_same_seed(trials, sample_package):
    """-z prints the seed and shuffles modules, classes and tests exactly as trial does."""
    theirs, ours = trials.both("-z", "7", sample_package)
    assert ours == theirs
    assert ours[1].startswith("Running tests shuffled with seed 7\n\n")


def test_until_failure_repeats_until_a_test_fails(trials):
    """-u prints 'Test Pass N' and reruns the tests until one fails, as trial does."""
    theirs, ours = trials.both("-u", SAMPLES + ".flaky")
    assert ours == theirs
    assert "Test Pass 3" in ours[1]


def test_tests_run_inside_an_emptied_trial_temp(trials, tmp_path):
    """Tests run with _trial_temp as cwd; it holds _trial_marker and test.log afterwards."""
    (tmp_path / "_trial_temp").mkdir()
    (tmp_path / "_trial_temp" / "stale.txt").write_text("old")
    status, output = trials.ours(SAMPLES + ".test_workdir")
    assert status == 0, output
    assert sorted(os.listdir(tmp_path / "_trial_temp")) == [
        "_trial_marker", "test.log", "written_by_test.txt"]
    log = (tmp_path / "_trial_temp" / "test.log").read_text()
    assert "--> tests.trial.samples.test_workdir.WorkingDirectory." in log


def test_temp_directory_option_names_the_folder(trials, tmp_path):
    """--temp-directory makes the run happen in the named folder instead."""
    status, output = trials.ours("--temp-directory", "elsewhere", SAMPLES + ".test_passing")
    assert status == 0
    assert (tmp_path / "elsewhere" / "_trial_marker").exists()
    assert not (tmp_path / "_trial_temp").exists()


def test_trial_temp_in_use_moves_to_the_next_free_folder(trials, tmp_path):
    """A _trial_temp locked by a live process makes the run use _trial_temp-1, as under trial."""
    os.symlink(str(os.getpid()), tmp_path / "_trial_temp.lock")
    theirs, ours = trials.both(SAMPLES + ".test_passing")
    assert ours == theirs
    assert (tmp_path / "_trial_temp-1" / "_trial_marker").exists()
    assert sorted(os.listdir(tmp_path)) == ["_trial_temp-1", "_trial_temp.lock"]


def test_stale_lock_is_taken_over(trials, tmp_path):
    """A lock naming a process that is gone is replaced, and _trial_temp is used and unlocked."""
    os.symlink("999999999", tmp_path / "_trial_temp.lock")
    status, _ = trials.ours(SAMPLES + ".test_passing")
    assert status == 0
    assert sorted(os.listdir(tmp_path)) == ["_trial_temp"]


def test_log_file_holds_one_line_per_test(trials, tmp_path):
    """Differs from Twisted: test.log holds 'Log opened.' and one '--> id <--' line per test."""
    trials.ours(SAMPLES + ".test_passing")
    lines = (tmp_path / "_trial_temp" / "test.log").read_text().splitlines()
    assert lines[0].endswith(" [-] Log opened.")
    assert [line.split(" [-] ")[1] for line in lines[1:]] == [
        "--> tests.trial.samples.test_passing.%s <--" % name for name in (
            "Arithmetic.test_add", "Arithmetic.test_multiply", "Strings.test_upper",
            "Waiting.test_deferred")]


def test_unsupported_trial_option_is_a_usage_error(trials):
    """Differs from Twisted: -j (and trial's other extra options) are not recognised."""
    status, output = trials.ours("-j", "2", SAMPLES + ".test_passing")
    assert status == 1
    assert "option -j not recognized" in output


def test_help_lists_the_options(trials):
    """--help, or no arguments at all, prints the options and exits 0."""
    for args in (["--help"], []):
        status, output = trials.ours(*args)
        assert status == 0
        for option in ("--exitfirst", "--reporter", "--random", "--until-failure",
                       "--temp-directory"):
            assert option in output


def test_unknown_reporter_is_a_usage_error(trials):
    """Differs from Twisted (wording): an unknown --reporter exits 1 naming the choices."""
    status, output = trials.ours("--reporter=nope", SAMPLES + ".test_passing")
    assert status == 1
    assert "summary, text, verbose" in output


# --- The loader on its own ------------------------------------------------------------------


def test_loader_sorts_tests_by_id():
    """loadByNames returns one module's tests sorted by class name, then method name."""
    suite = runner.TestLoader().loadByNames([SAMPLES + ".test_pyunit"])
    ids = [test.id().rsplit(".", 2)[1:] for test in _flatten(suite)]
    assert ids == sorted(ids)
    assert ids[0] == ["PlainOutcomes", "test_error"]


def test_filename_to_module_name_walks_up_packages():
    """A file's dotted name includes each parent folder that holds an __init__.py."""
    path = os.path.join(os.path.dirname(__file__), "samples", "test_pyunit.py")
    assert runner.filenameToModuleName(path) == "samples.test_pyunit"


def _flatten(suite):
    for item in suite:
        if hasattr(item, "_tests"):
            yield from _flatten(item)
        else:
            yield item


# --- minitwisted's own TestCase -------------------------------------------------------------


@pytest.mark.parametrize("args", [[], ["-x"], ["-z", "3"], ["--reporter=text"]],
                         ids=["verbose", "exitfirst", "random", "text"])
def test_minitwisted_test_cases_report_as_twisted_ones_under_trial(twin_packages, args):
    """Samples on minitwisted.trial.unittest report under ours as twisted ones under trial."""
    theirs_dir, ours_dir = twin_packages
    theirs = Trial(theirs_dir).theirs(*args, "samplepkg")
    ours = Trial(ours_dir).ours(*args, "samplepkg")
    assert ours[0] == theirs[0]
    assert mask_twins(ours[1], ours_dir) == mask_twins(theirs[1], theirs_dir)


def test_consoleScriptRunsTheRunner(tmp_path):
    """The installed minitrial command is the runner: --help describes it and exits 0."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "minitrial"
    finished = subprocess.run([str(script), "--help"], capture_output=True, text=True,
                              timeout=60, cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert "--reporter" in finished.stdout and "--exitfirst" in finished.stdout


def test_log_file_holds_what_the_tests_log(trials, tmp_path):
    """Errors a minitwisted test logs go to test.log, once per test after its '--> id <--' line."""
    (tmp_path / "logging_sample.py").write_text(
        "from minitwisted.python import log\n"
        "from minitwisted.trial import unittest\n\n\n"
        "class Logs(unittest.TestCase):\n"
        "    def test_logs(self):\n"
        "        log.msg('a plain message')\n"
        "        log.err(ValueError('caught and logged'))\n"
        "        self.flushLoggedErrors(ValueError)\n")
    status, output = trials.ours("logging_sample")
    assert status == 0, output
    lines = (tmp_path / "_trial_temp" / "test.log").read_text().splitlines()
    texts = [line.split(" [-] ", 1)[1] for line in lines if " [-] " in line]
    assert texts[:4] == ["Log opened.", "--> logging_sample.Logs.test_logs <--",
                         "a plain message", "Unhandled Error"]
    assert "ValueError: caught and logged" in "\n".join(lines)
