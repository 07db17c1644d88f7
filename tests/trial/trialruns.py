"""Run real trial and minitwisted's trial on the same arguments, and mask what varies.

Both run in subprocesses (``python -m twisted.trial`` / ``python -m minitwisted.trial``)
with the repository on ``PYTHONPATH``, so the sample modules under
``tests/trial/samples`` import the same way for both.  Used by ``test_runner.py`` and
``test_reporter.py``; the fixtures are in ``conftest.py``.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = Path(__file__).resolve().parent / "samples"


def mask(text):
    """Hide what changes from run to run: durations and memory addresses."""
    text = re.sub(r"Ran (\d+) tests in \d+\.\d+s", r"Ran \1 tests in X.XXXs", text)
    text = re.sub(r"^[\d.e-]+( \d+ \d+ \d+ \d+ \d+)$", r"X.XXX\1", text, flags=re.M)
    return re.sub(r"0x[0-9a-fA-F]+", "0x...", text)


def mask_frames(text):
    """Also hide traceback frames, for errors raised inside the runners themselves."""
    return re.sub(r'^  File "[^\n]*\n    [^\n]*\n', "", text, flags=re.M)


class Trial:
    """Runs one of the two trials in a folder; ``run`` returns (exit status, masked output)."""

    def __init__(self, cwd):
        self.cwd = cwd

    def run(self, module, *args):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        proc = subprocess.run(
            [sys.executable, "-m", module, *args], cwd=self.cwd, env=env,
            capture_output=True, text=True, timeout=120)
        return proc.returncode, mask(proc.stdout + proc.stderr)

    def theirs(self, *args):
        return self.run("twisted.trial", *args)

    def ours(self, *args):
        return self.run("minitwisted.trial", *args)

    def both(self, *args):
        return self.theirs(*args), self.ours(*args)


def mask_twins(text, folder):
    """Make one twin's run comparable with the other's: folder, trial's frames, module names."""
    text = text.replace(str(folder), "<folder>")
    text = re.sub(r'^  File "[^"]*/(mini)?twisted/trial/[^"]*", line \d+, in (\w+)\n    [^\n]*\n',
                  r'  File "<trial>", in \2\n', text, flags=re.M)
    return text.replace("minitwisted.trial.unittest.", "twisted.trial.unittest.")
