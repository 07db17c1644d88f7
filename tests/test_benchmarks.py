"""Smoke test for ``benchmarks/bench_defer.py``: it runs and reports every workload.

This checks that the benchmark runs, not how fast anything is: no test asserts timings.
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
