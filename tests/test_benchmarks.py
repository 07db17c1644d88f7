"""Smoke tests for the scripts in ``benchmarks/``: each runs and reports every workload.

These check that the benchmarks run, not how fast anything is: no test asserts timings.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

BENCH_DEFER = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_defer.py"
WORKLOADS = "abcde"


def run_quick(*args):
    return subprocess.run(
        [sys.executable, str(BENCH_DEFER), "--quick", *args],
        cwd=BENCH_DEFER.parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_quick_run_prints_a_row_per_workload(tmp_path):
    """A --quick run exits 0 and prints a table row, and a JSON result, for (a) to (e)."""
    results_file = tmp_path / "results.json"
    finished = run_quick("--json", str(results_file))
    assert finished.returncode == 0, finished.stdout + finished.stderr
    for key in WORKLOADS:
        assert re.search(rf"^\| \({key}\) ", finished.stdout, re.MULTILINE), (
            f"no row for workload ({key}) in:\n{finished.stdout}"
        )
    results = json.loads(results_file.read_text())["results"]
    assert [row["workload"] for row in results] == list(WORKLOADS)


BENCHMARKS = BENCH_DEFER.parent
FRAMEWORKS = ["minitwisted", "twisted", "asyncio"]


def run_benchmark_quick(script, tmp_path):
    """Run ``benchmarks/<script> --quick --json``; return (stdout, JSON results)."""
    results_file = tmp_path / "results.json"
    finished = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick", "--json", str(results_file)],
        cwd=BENCHMARKS.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = finished.stdout + finished.stderr
    assert finished.returncode == 0, report
    assert "FAILED" not in finished.stdout, report
    return finished.stdout, json.loads(results_file.read_text())


def test_echo_quick_run_prints_a_row_per_connection_count(tmp_path):
    """A --quick echo run prints both tables with a row per connection count, all measured."""
    stdout, results = run_benchmark_quick("bench_echo.py", tmp_path)
    for connections in ["1", "10", "100", "1,000"]:
        rows = re.findall(rf"^\| {connections} \|", stdout, re.MULTILINE)
        assert len(rows) == 2, f"no rows for {connections} connections in:\n{stdout}"
    assert [row["connections"] for row in results["results"]] == [1, 10, 100, 1000]
    for row in results["results"]:
        assert sorted(row["rate"]) == sorted(FRAMEWORKS + ["selectors"])


def test_stream_quick_run_prints_a_row_per_framework(tmp_path):
    """A --quick streaming run prints a measured row for minitwisted, twisted and asyncio."""
    stdout, results = run_benchmark_quick("bench_stream.py", tmp_path)
    for name in FRAMEWORKS:
        assert re.search(rf"^\| {name} \| [0-9]", stdout, re.MULTILINE), (
            f"no row for {name} in:\n{stdout}"
        )
    assert sorted(results["results"]) == sorted(FRAMEWORKS)


def test_timers_quick_run_prints_a_row_per_framework(tmp_path):
    """A --quick timer run prints a measured row for minitwisted, twisted and asyncio."""
    stdout, results = run_benchmark_quick("bench_timers.py", tmp_path)
    for name in FRAMEWORKS:
        assert re.search(rf"^\| {name} \| [0-9]", stdout, re.MULTILINE), (
            f"no row for {name} in:\n{stdout}"
        )
    assert sorted(results["seconds"]) == sorted(FRAMEWORKS)


def test_trace_quick_run_measures_tracing_off_after_and_on(tmp_path):
    """A --quick tracing-cost run measures every variant, 'before' too when git history has it."""
    results_file = tmp_path / "results.json"
    finished = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_trace.py"), "--quick", "--json",
         str(results_file)],
        cwd=BENCHMARKS.parent, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    has_history = subprocess.run(
        ["git", "cat-file", "-e", "109dde9^{commit}"], cwd=BENCHMARKS.parent,
        capture_output=True).returncode == 0
    expected = ["off", "after", "on"] + (["before"] if has_history else [])
    for row in json.loads(results_file.read_text())["results"]:
        assert sorted(row["cpu_us"]) == sorted(expected), finished.stdout


def test_grade_quick_run_reports_both_job_counts(tmp_path):
    """A --quick grading run grades its small class with one and with two jobs."""
    results_file = tmp_path / "results.json"
    finished = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_grade.py"), "--quick", "--json",
         str(results_file)],
        cwd=BENCHMARKS.parent, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "FAILED" not in finished.stdout, finished.stdout
    assert results_file.exists()
