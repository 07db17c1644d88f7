"""Fixtures for the trial runner tests: run folders holding copies of the sample tests."""

import shutil

import pytest

from tests.trial.trialruns import SAMPLES, Trial


@pytest.fixture
def trials(tmp_path):
    """Both trials, run from an empty folder."""
    return Trial(tmp_path)


@pytest.fixture
def sample_package(tmp_path):
    """A copy of the samples as a top-level package ``samplepkg`` in the run folder.

    Real trial cannot load a package inside a namespace package (``tests`` has no
    ``__init__.py``), so package and folder runs use this copy.
    """
    shutil.copytree(SAMPLES, tmp_path / "samplepkg",
                    ignore=shutil.ignore_patterns("__pycache__", "conftest.py"))
    return "samplepkg"


@pytest.fixture
def twin_packages(tmp_path):
    """The trial samples twice as package ``samplepkg``: on twisted, and on minitwisted.

    Returns ``(theirs, ours)``: two folders to run real trial and our trial from.
    """
    folders = []
    for side, prefix in (("theirs", "twisted."), ("ours", "minitwisted.")):
        package = tmp_path / side / "samplepkg"
        package.mkdir(parents=True)
        for name in ("__init__.py", "test_passing.py", "test_outcomes.py", "test_todos.py"):
            source = (SAMPLES / name).read_text()
            package.joinpath(name).write_text(source.replace("from twisted.", "from " + prefix))
        folders.append(tmp_path / side)
    return folders
