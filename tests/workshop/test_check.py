"""Tests for workshop.check: the set-up checks pass here and report failures clearly."""

import subprocess
import sys

from minitwisted.internet import defer
from workshop import check


def test_deferred_round_trip_recovers_from_the_error():
    """The round trip goes through a callback, an error and a recovering errback."""
    assert check.deferred_round_trip(defer) == ["recovered from ZeroDivisionError"]


def test_loopback_round_trip_echoes_on_a_fresh_reactor():
    """The loopback check echoes its message over real TCP with a reactor of its own."""
    from minitwisted.internet import protocol
    from minitwisted.internet.selectreactor import SelectReactor

    assert check.loopback_round_trip(SelectReactor(), protocol, b"hello") == b"hello"


def test_every_check_passes_in_the_kit_environment():
    """Each check passes in the environment the kit set up."""
    results = check.run_checks()
    assert [r.name for r in results if not r.ok] == []
    assert len(results) == len(check.CHECKS)


def test_a_check_that_raises_is_reported_as_failed():
    """A check that raises becomes a failed line naming the error, not a crash."""
    def broken():
        raise RuntimeError("no network")

    [result] = check.run_checks([broken])
    assert not result.ok
    assert result.detail == "RuntimeError: no network"
    assert check.report([result]) == "[FAILED] broken: RuntimeError: no network"


def test_check_command_prints_one_line_per_check():
    """'python -m workshop check' prints a line per check and exits 0."""
    result = subprocess.run([sys.executable, "-m", "workshop", "check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(check.CHECKS)
    assert all(line.startswith("[ok]     ") for line in lines)
