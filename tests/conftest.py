"""Shared pytest set-up: refuse to compare against any Twisted but the pinned oracle.

The side-by-side tests treat real Twisted as the definition of correct behaviour, and
Twisted's behaviour changes between releases (for instance ``returnValue`` warns since
24.7.0).  A different installed version would make those comparisons mean something
else, so the run stops with a clear message instead.
"""

import pytest
import twisted

import minitwisted


def pytest_configure(config):
    if twisted.__version__ != minitwisted.TWISTED_ORACLE_VERSION:
        raise pytest.UsageError(
            "The tests compare minitwisted with Twisted %s, but Twisted %s is installed; "
            "run 'python3 kit.py setup' to install the pinned version."
            % (minitwisted.TWISTED_ORACLE_VERSION, twisted.__version__))
