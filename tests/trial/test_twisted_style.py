"""Test modules written for Twisted's trial give the same results under our trial.

Each module in ``tests/trial/twisted_style/`` is written as a Twisted user writes trial
tests, importing from ``twisted``.  Each test here copies one of them into a run folder
twice: unchanged, and with ``twisted`` renamed ``minitwisted`` in its import lines.  It
runs ``python -m twisted.trial`` on the first and ``python -m minitwisted.trial`` on the
second, side by side in subprocesses, and compares the tree of per-test status words,
the problem reports (status word and test id, in order), the summary line and the exit
status; and, separately, what each wrote to stderr.  The expected summary is pinned
too, so that both runners failing the same way (an import error, say) cannot pass.
The twin runs happen once per module and are shared by the two tests.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

STYLE = Path(__file__).resolve().parent / "twisted_style"
ROOT = Path(__file__).resolve().parents[2]
RULE = "=" * 79
END = "-" * 79


def minitwisted_version(source):
    """``source`` with ``twisted`` renamed ``minitwisted`` in its import lines only."""
    return re.sub(r"^(\s*)(from|import) twisted\b", r"\1\2 minitwisted", source, flags=re.M)


def start(module, folder, name):
    """Start ``python -m module`` on the test module ``name`` in ``folder``."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", module, "--temp-directory", str(folder / "_trial_temp"), name],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc):
    """Wait for a run; return (exit status, stdout, stderr)."""
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def results(run):
    """What must agree between the runners: exit status, tree, problems, summary."""
    status, out, _ = run
    lines = out.rstrip("\n").splitlines()
    cut = next(i for i, line in enumerate(lines) if line in (RULE, END))
    tree = [line.rstrip() for line in lines[:cut]]
    # Each problem block starts with its status word and ends with the test id.
    report = "\n".join(lines[cut:lines.index(END)])
    problems = [(block.splitlines()[0], block.splitlines()[-1])
                for block in report.split(RULE + "\n")[1:]]
    return {"status": status, "tree": tree, "problems": problems, "summary": lines[-1]}


@pytest.fixture(scope="module")
def run_both(tmp_path_factory):
    """Run a twisted_style module under real trial and its renamed twin under ours, once.

    Returns ``(theirs, ours)``, each ``(exit status, stdout, stderr)``; the runs are
    kept for the module, since two tests look at each pair.
    """
    runs = {}

    def run(name):
        if name not in runs:
            source = (STYLE / f"{name}.py").read_text()
            tmp_path = tmp_path_factory.mktemp(name)
            procs = []
            for side, text, module in (
                    ("theirs", source, "twisted.trial"),
                    ("ours", minitwisted_version(source), "minitwisted.trial")):
                folder = tmp_path / side
                folder.mkdir()
                (folder / f"{name}.py").write_text(text)
                procs.append(start(module, folder, name))
            runs[name] = tuple(finish(proc) for proc in procs)
        return runs[name]

    return run


MODULES = {
    "test_echo_protocol": "FAILED (failures=1, errors=1, successes=6)",
    "test_clock": "FAILED (failures=1, successes=11)",
    "test_logged_errors": "FAILED (errors=3, successes=6)",
    "test_results": "FAILED (failures=5, successes=6)",
    "test_deferreds":
        "FAILED (skips=2, expectedFailures=1, failures=1, errors=2, successes=5)",
}


def test_renaming_touches_only_import_lines():
    """Only ``from twisted``/``import twisted`` lines are renamed, not other mentions."""
    source = "from twisted.internet import task\n# twisted here\nimport twisted.trial\n"
    assert minitwisted_version(source) == (
        "from minitwisted.internet import task\n# twisted here\nimport minitwisted.trial\n")


@pytest.mark.parametrize("name", list(MODULES))
def test_module_gives_the_same_results_under_both_trials(run_both, name):
    """A Twisted-style module reports the same statuses, summary and exit status on both."""
    theirs, ours = run_both(name)
    assert results(theirs)["summary"] == MODULES[name], theirs[1] + theirs[2]
    assert results(ours) == results(theirs), ours[1] + ours[2]
    assert ours[0] == 1


@pytest.mark.parametrize("name", MODULES)
def test_module_writes_the_same_stderr_under_both_trials(run_both, name):
    """Nothing a Twisted-style module does (errors it logs included) reaches stderr under either trial."""
    theirs, ours = run_both(name)
    assert theirs[2] == ""
    assert ours[2] == theirs[2]
