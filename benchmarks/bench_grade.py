"""Grading benchmark: ``python -m workshop grade`` on a class of 30 submissions of one exercise notebook.

What is measured: the wall time of the whole command, from start to exit, grading a
class folder of 30 learners who each handed in ``02_reactor.ipynb``: a third the
solution, a third the fresh exercise, a third a wrong answer (the timer heap on a
plain list).  It is measured with ``--jobs 1`` and with ``--jobs 2``.  Each notebook
costs a fresh Jupyter kernel (nbclient) and a fresh checks process
(``workshop.grade_worker``), so the time is mostly process start-up: kernels starting
and importing the kit.

Why: an instructor grades a class at the end of a workshop while people wait; the
goal is under a minute for 30 learners with two jobs.

How it is run: the class folder is written in a temporary folder; each setting runs
the command once per repeat (``REPEATS``, 1 with --quick) in rotated order, and the
best time is reported, with the clock's resolution (``time.perf_counter``).  Before a
time counts, the CSV the command wrote is checked: one row per learner, full marks for
each solution, zero for each fresh exercise; a run that fails that is reported as
FAILED with the reason.

How to run, from the repository root, with the kit's virtualenv::

    .venv/bin/python benchmarks/bench_grade.py            # 30 learners, about 2 minutes
    .venv/bin/python benchmarks/bench_grade.py --quick    # smoke run: 4 learners, once
    .venv/bin/python benchmarks/bench_grade.py --json results.json

This is a benchmark, not a test: no test asserts timings.
"""

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import (
    Failed,
    environment,
    last_line,
    print_environment,
    python_command,
    write_json,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "02_reactor.ipynb"
LEARNERS, QUICK_LEARNERS = 30, 4
JOBS = [1, 2]
REPEATS = 2
SECONDS_LIMIT = 600  # a grading run slower than this has hung


def write_class(folder, learners):
    """``learners`` folders, each with one NOTEBOOK: solution, fresh exercise or wrong answer, in turn."""
    solution = (ROOT / "solutions" / NOTEBOOK).read_text(encoding="utf-8")
    fresh = (ROOT / "exercises" / NOTEBOOK).read_text(encoding="utf-8")
    wrong = solution.replace("heapq.heappush(self._timers, call)", "self._timers.append(call)")
    kinds = {}
    for number in range(learners):
        kind = ("solution", "fresh", "wrong")[number % 3]
        name = "learner%02d" % number
        (folder / name).mkdir(parents=True)
        text = {"solution": solution, "fresh": fresh, "wrong": wrong}[kind]
        (folder / name / NOTEBOOK).write_text(text, encoding="utf-8")
        kinds[name] = kind
    return kinds


def check_csv(path, kinds):
    """Raise ``Failed`` unless the CSV grades every learner as their submission deserves."""
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    if sorted(row["learner"] for row in rows) != sorted(kinds):
        raise Failed("the CSV has %d rows for %d learners" % (len(rows), len(kinds)))
    for row in rows:
        kind = kinds[row["learner"]]
        if kind == "solution" and row["total"] != row["max_total"]:
            raise Failed("%s (a solution) got %s of %s" % (row["learner"], row["total"],
                                                         row["max_total"]))
        if kind == "fresh" and row["total"] != "0":
            raise Failed("%s (a fresh exercise) got %s" % (row["learner"], row["total"]))


def time_grading(folder, jobs, kinds):
    """Grade ``folder`` once with ``jobs``; return the seconds, or raise ``Failed``."""
    command, env = python_command()
    grades = folder.parent / ("grades-%d.csv" % jobs)
    command += ["-m", "workshop", "grade", str(folder), "--jobs", str(jobs), "--csv", str(grades)]
    start = time.perf_counter()
    try:
        finished = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT,
                                  timeout=SECONDS_LIMIT)
    except subprocess.TimeoutExpired:
        raise Failed("did not finish in %d s" % SECONDS_LIMIT) from None
    seconds = time.perf_counter() - start
    if finished.returncode != 0:
        raise Failed(last_line(finished.stderr))
    check_csv(grades, kinds)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="%d learners, once (a smoke run)" % QUICK_LEARNERS)
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    learners, repeats = (QUICK_LEARNERS, 1) if args.quick else (LEARNERS, REPEATS)

    env = environment()  # first, so its load average is from before the run
    best, errors = {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        folder = Path(tmp) / "class"
        kinds = write_class(folder, learners)
        for repeat in range(repeats):
            print("repeat %d of %d ..." % (repeat + 1, repeats), file=sys.stderr)
            order = JOBS[repeat % len(JOBS):] + JOBS[:repeat % len(JOBS)]
            for jobs in order:
                if jobs in errors:
                    continue
                try:
                    seconds = time_grading(folder, jobs, kinds)
                except Failed as exc:
                    errors[jobs] = str(exc)
                    continue
                best[jobs] = min(seconds, best.get(jobs, seconds))

    resolution = time.get_clock_info("perf_counter").resolution
    print_environment(env, args.quick)
    print("Grading %d learners x 1 notebook (%s), whole command, best of %d, in seconds"
          " (clock resolution %.0e s):" % (learners, NOTEBOOK, repeats, resolution))
    print()
    print("| --jobs | seconds | per notebook |")
    print("|---:|---:|---:|")
    for jobs in JOBS:
        if jobs in errors:
            print("| %d | FAILED | FAILED |" % jobs)
        else:
            print("| %d | %.2f | %.2f |" % (jobs, best[jobs], best[jobs] / learners))
    for jobs, error in errors.items():
        print("FAILED --jobs %d: %s" % (jobs, error))
    if args.json:
        write_json(args.json, {**env, "quick": args.quick, "learners": learners,
                               "notebook": NOTEBOOK, "repeats": repeats,
                               "clock_resolution": resolution,
                               "seconds": {str(jobs): best.get(jobs) for jobs in JOBS},
                               "errors": {str(jobs): e for jobs, e in errors.items()}})
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
