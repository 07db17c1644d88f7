"""``python -m workshop grade PATH``: grade a notebook, a learner's folder, or a whole class.

Mirrors no Twisted module; it does what ``nbgrader autograde`` + ``nbgrader export``
and ``otter run`` do, for the kit's exercises.  PATH is one notebook, a folder of
notebooks (one learner), or a class folder (one subfolder per learner).  A notebook is
matched to its solution notebook by file name (``02_reactor.ipynb`` is graded against
``solutions/02_reactor.ipynb``), or else by the exercise ids in its cells' nbgrader
metadata; the checks are those ``workshop.checks`` registers for that notebook.

Grading one notebook, in a fresh temporary folder holding a copy of it:

1. **The kernel run.**  The copy runs top to bottom in a fresh Jupyter kernel
   (nbclient) whose working folder is the temporary one, with a per-cell timeout and
   a budget for the whole notebook.  It records which cells raised, timed out or
   killed the kernel; what the cells print is dropped (never trusted, and a huge
   output must not fill the grader's memory).
2. **The checks run** in a second, fresh Python process (``workshop.grade_worker``,
   whose docstring says why it resists tampering), at the same time as the kernel
   run: it re-runs the notebook's code cells, with the given (nbgrader ``locked``)
   cells restored from the solution notebook, as nbgrader does, and the self-check
   cells left out, each cell under the same time limit; a cell that ends the process
   is left out and the process started again.  Then it runs every check, hidden
   ones included, on the names the notebook defined.  If that process dies
   (``os._exit`` inside a checked function), the exercise it was checking fails with
   the reason, and a new process checks the rest.

Why the checks do not run in the kernel: there, the learner's code has already run
and may have replaced the self-check helpers or the check module; the new process
imports the pristine checks before any learner code, and puts them back before each
exercise.  Why the kernel run is kept: it is the notebook as the learner runs it, and
its errors and timeouts are the notes an instructor reads first.

A broken submission never stops the class: an unreadable notebook, a syntax error, an
infinite loop, a dead kernel, a deleted function or a huge output each turn into
failed checks with a reason, and notes in the report.  Nothing outside the temporary
folder is written by the grader, and the submission is only read; code that writes
files by relative path writes them in the temporary folder.  (Code that writes by
absolute path is not contained: that needs a container.)

The report: a table on the terminal, ``--csv`` (one row per learner, one column per
exercise, then the total and the maximum, like nbgrader's ``grades.csv``) and
``--json`` (per learner, per exercise, per check: passed, message, points).  The exit
status is 0 whenever grading completed, whatever the scores, and 2 only when the
grader cannot run at all (no such path, no notebooks, no Jupyter kernel, or Windows:
the checks process needs POSIX pipes and signals, so instructors on Windows grade in
WSL; learners' self-checks work everywhere).
Tests: ``tests/workshop/test_grade.py``; timing: ``benchmarks/bench_grade.py``.
"""

import csv
import json
import os
import secrets
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from workshop import check, checks
from workshop.exercises import SOLUTIONS, nbgrader
from workshop.notebooks import ROOT

KERNEL_NAME = check.KERNEL_NAME  # the kernel kit.py registers
CELL_SECONDS = 30
TOTAL_SECONDS = 120
STARTUP_SECONDS = 60  # for a kernel to start, when many start at once


class GradingError(Exception):
    """The grader itself cannot run (no such path, no notebooks, no kernel): the only non-zero exit."""


# --- Finding the submissions ----------------------------------------------------------------


def _notebooks_in(folder):
    return sorted(path for path in folder.glob("*.ipynb") if path.is_file())


def find_submissions(path):
    """``[(learner, [notebook paths])]`` for a notebook, a learner's folder or a class folder."""
    path = Path(path)
    if path.is_file():
        return [(path.parent.name or path.stem, [path])]
    if not path.is_dir():
        raise GradingError("%s: no such notebook or folder" % path)
    if _notebooks_in(path):
        return [(path.name, _notebooks_in(path))]
    learners = [(sub.name, _notebooks_in(sub)) for sub in sorted(path.iterdir())
                if sub.is_dir() and not sub.name.startswith(".")]
    if not any(notebooks for _, notebooks in learners):
        raise GradingError("%s holds no notebooks, nor folders of notebooks" % path)
    return learners


def master_for(path, solutions=SOLUTIONS):
    """The solution notebook's file name that ``path`` answers, or None."""
    path = Path(path)
    if (Path(solutions) / path.name).exists():
        return path.name
    try:
        ids = {nbgrader(cell).get("grade_id") for cell in
               nbformat.read(path, as_version=4).cells}
    except Exception:  # unreadable: it cannot be matched by content either
        return None
    for ex in checks.load_all().values():
        if ex.id in ids:
            return ex.notebook
    return None


# --- Step 1: the kernel run -----------------------------------------------------------------


def _kernel_env():
    env = dict(os.environ)
    # The kernel imports workshop and minitwisted from this checkout, wherever it runs.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_in_kernel(nb, folder, cell_seconds, deadline):
    """Run ``nb`` in a fresh kernel in ``folder``; return ``{cell index: what went wrong}``.

    A cell that times out or kills the kernel ends the run: the cells after it are not
    run in the kernel (the checks run still runs them).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    class RecordingClient(NotebookClient):
        def output(self, outs, msg, display_id, cell_index):
            # Keep errors only: printed output is never trusted, and may be huge.
            if msg["msg_type"] == "error":
                return super().output(outs, msg, display_id, cell_index)
            return None

    current = {"index": None}

    def on_cell_start(cell, cell_index, **kwargs):
        current["index"] = cell_index

    def cell_timeout(cell):
        return max(1, min(cell_seconds, deadline - time.monotonic()))

    client = RecordingClient(
        nb, timeout_func=cell_timeout, kernel_name=KERNEL_NAME, allow_errors=True,
        interrupt_on_timeout=False, record_timing=False, startup_timeout=STARTUP_SECONDS,
        shutdown_kernel="immediate", on_cell_start=on_cell_start,
        resources={"metadata": {"path": str(folder)}})
    problems = {}
    try:
        # The kernel's own stdout and stderr (its start-up warnings) are not the notebook's.
        client.execute(env=_kernel_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except CellTimeoutError:
        index = current["index"]
        over = time.monotonic() >= deadline
        problems[index] = ("ran past the notebook's time budget" if over
                           else "timed out after %s s" % cell_seconds)
    except DeadKernelError:
        problems[current["index"]] = "the kernel died while running it"
    except Exception as exc:  # the kernel could not start, or nbclient failed: note it, go on
        problems[current["index"]] = "the kernel run failed: %s: %s" % (type(exc).__name__,
                                                                        checks.short(exc))
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and index not in problems:
                problems[index] = "%s: %s" % (out.get("ename"),
                                              checks.short(out.get("evalue")))
    return problems


# --- Step 2: the checks run -----------------------------------------------------------------


def cells_to_check(nb, master, skip=()):
    """The code cells the checks run re-runs, and notes on what was changed or left out."""
    by_id = {nbgrader(cell).get("grade_id"): cell for cell in master.cells if nbgrader(cell)}
    cells, notes, present = [], [], set()
    for index, cell in enumerate(nb.cells):
        grade_id = nbgrader(cell).get("grade_id")
        given = by_id.get(grade_id)
        present.add(grade_id)
        if cell.cell_type != "code":
            continue
        if given is not None and nbgrader(given).get("grade"):
            continue  # a self-check cell: the grader runs the checks itself
        if index in skip:
            continue
        source = cell.source
        if given is not None and nbgrader(given).get("locked") and given.source != source:
            source = given.source  # given code is put back, as nbgrader does
            notes.append("cell %d (%s) was changed; the original was run" % (index, grade_id))
        cells.append({"index": index, "source": source})
    for grade_id, cell in by_id.items():
        if cell.cell_type == "code" and grade_id not in present:
            notes.append("cell %s is missing from the notebook" % grade_id)
    return cells, notes


def _worker_env(folder):
    env = _kernel_env()
    env["IPYTHONDIR"] = str(folder / ".ipython")  # no profile written in the user's home
    env["MPLBACKEND"] = "Agg"
    return env


def run_checks(cells, exercise_ids, folder, cell_seconds, deadline):
    """Run the checks of ``exercise_ids`` in fresh processes; ``({id: [result dicts]}, problems)``.

    A process that dies while re-running a cell is started again without that cell; one
    that dies while checking an exercise fails that exercise's checks, and a new one
    checks the rest.
    """
    results, problems = {}, {}
    remaining = list(exercise_ids)
    reason = None
    while remaining:
        seconds = deadline - time.monotonic()
        if seconds <= 0:
            reason = "the notebook used up its time budget before these checks could run"
            break
        lines, status = _run_worker(cells, remaining, folder, cell_seconds, seconds)
        cell, started = None, None
        for line in lines:
            if line["kind"] == "cell":
                cell = line["index"]
            elif line["kind"] == "problem":
                problems[line["index"]] = line["problem"]
            elif line["kind"] == "start":
                started, cell = line["exercise"], None
            elif line["kind"] == "exercise":
                results[line["exercise"]] = line["results"]
                started = None
        remaining = [ex_id for ex_id in remaining if ex_id not in results]
        if not remaining:
            break
        if status == "timeout":
            reason = ("the checks did not finish within the notebook's time budget "
                      "(a function that never returns?)")
            break
        if started is not None:
            results[started] = _all_failed(
                started, "the grading process ended (%s) while these checks ran: does your "
                "code call os._exit or kill the process?" % status)
            remaining.remove(started)
        elif cell is not None:  # died while re-running a cell: run again without it
            problems[cell] = "ended the Python process (%s); left out" % status
            cells = [c for c in cells if c["index"] != cell]
        else:
            reason = "the grading process could not start (%s)" % status
            break
    for ex_id in remaining:
        results[ex_id] = _all_failed(ex_id, reason)
    return results, problems


def _run_worker(cells, exercise_ids, folder, cell_seconds, seconds):
    """One worker process; return its token lines (decoded) and how it ended."""
    token = secrets.token_hex(16)
    job = {"token": token, "cells": cells, "exercises": exercise_ids,
           "cell_seconds": cell_seconds, "check_seconds": min(checks.CHECK_SECONDS, cell_seconds)}
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [sys.executable, "-m", "workshop.grade_worker", str(write_end)], cwd=folder,
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        pass_fds=(write_end,), env=_worker_env(folder), start_new_session=True)
    os.close(write_end)
    feeder = threading.Thread(target=_feed, args=(process.stdin, json.dumps(job)), daemon=True)
    feeder.start()
    data, status = _read_until(read_end, time.monotonic() + seconds)
    os.close(read_end)
    try:
        os.killpg(process.pid, 9)  # the worker and anything the learner's code started
    except ProcessLookupError:
        pass
    code = process.wait()
    if status != "timeout":
        status = "exit status %s" % code
    prefix = token + " "
    lines = [json.loads(line[len(prefix):]) for line in data.decode("utf-8", "replace").split("\n")
             if line.startswith(prefix)]
    return lines, status


def _feed(pipe, text):
    try:
        pipe.write(text.encode("utf-8"))
        pipe.close()
    except OSError:  # the worker died before reading its job
        pass


def _read_until(fd, deadline):
    """Read ``fd`` to its end, or until ``deadline``; ``(bytes, "eof" or "timeout")``."""
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"".join(chunks), "timeout"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(chunks), "eof"
            chunks.append(chunk)


def _all_failed(exercise_id, reason):
    return [{"name": check.name, "passed": False, "message": reason, "points": 0,
             "max_points": check.points, "hidden": check.hidden}
            for check in checks.load_all()[exercise_id].checks]


# --- One notebook, one learner, a class -------------------------------------------------------


def grade_notebook(path, master_name, cell_seconds=CELL_SECONDS, total_seconds=TOTAL_SECONDS):
    """Grade one notebook against ``solutions/<master_name>``; a dict (see ``report_json``)."""
    deadline = time.monotonic() + total_seconds
    exercise_ids = [ex.id for ex in checks.exercises_of(master_name)]
    notes = []
    with tempfile.TemporaryDirectory(prefix="workshop-grade-", ignore_cleanup_errors=True) as tmp:
        kernel_folder, checks_folder = Path(tmp, "kernel"), Path(tmp, "checks")
        kernel_folder.mkdir()
        checks_folder.mkdir()
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:
            reason = "the notebook could not be read (%s: %s)" % (type(exc).__name__,
                                                                   str(exc)[:200])
            return {"notebook": Path(path).name, "exercises":
                    {ex_id: _all_failed(ex_id, reason) for ex_id in exercise_ids},
                    "notes": [reason]}
        for folder in (kernel_folder, checks_folder):
            shutil.copyfile(path, folder / Path(path).name)
        master = nbformat.read(Path(SOLUTIONS) / master_name, as_version=4)
        cells, cell_notes = cells_to_check(nb, master)
        # The two runs are independent (the checks run finds slow or deadly cells by
        # itself), so they overlap: most of their time is processes starting up.
        with ThreadPoolExecutor(max_workers=1) as beside:
            checking = beside.submit(run_checks, cells, exercise_ids, checks_folder,
                                     cell_seconds, deadline)
            kernel_problems = run_in_kernel(nb, kernel_folder, cell_seconds, deadline)
            results, problems = checking.result()
        notes += ["in the kernel, cell %s: %s" % (index, problem) for index, problem
                  in sorted(kernel_problems.items(), key=lambda item: item[0] or 0)]
        notes += cell_notes
        # The checks run repeats the kernel's errors; note only what it adds.
        notes += ["in the checks run, cell %s: %s" % (index, problem)
                  for index, problem in sorted(problems.items()) if index not in kernel_problems]
    return {"notebook": Path(path).name, "exercises": results, "notes": notes}


def _exercise_summary(results):
    return {"points": sum(r["points"] for r in results),
            "max_points": sum(r["max_points"] for r in results), "checks": results}


def _check_kernel():
    """Raise ``GradingError`` if the kernel the notebooks run in is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        raise GradingError("no Jupyter kernel called %r: 'python -m workshop check' says how "
                           "to install it" % KERNEL_NAME) from None


def grade(path, jobs=1, cell_seconds=CELL_SECONDS, total_seconds=TOTAL_SECONDS, log=None):
    """Grade everything under ``path``; return the report as a dict (see ``report_json``)."""
    submissions = find_submissions(path)
    _check_kernel()
    masters = {}
    work = []
    for learner, notebooks in submissions:
        for notebook in notebooks:
            master = master_for(notebook)
            masters[(learner, notebook)] = master
            if master is not None:
                work.append((learner, notebook, master))
    graded_masters = sorted({master for _, _, master in work})
    exercise_ids = [ex.id for master in graded_masters for ex in checks.exercises_of(master)]

    def one(item):
        learner, notebook, master = item
        outcome = grade_notebook(notebook, master, cell_seconds, total_seconds)
        if log is not None:
            log("graded %s/%s" % (learner, notebook.name))
        return item, outcome

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        outcomes = dict(pool.map(one, work))

    learners = []
    for learner, notebooks in submissions:
        exercises, notes = {}, []
        for notebook in notebooks:
            master = masters[(learner, notebook)]
            if master is None:
                notes.append("%s: not an exercise notebook; skipped" % notebook.name)
                continue
            outcome = outcomes[(learner, notebook, master)]
            notes += ["%s: %s" % (notebook.name, note) for note in outcome["notes"]]
            for ex_id, results in outcome["exercises"].items():
                exercises[ex_id] = _exercise_summary(results)
        for ex_id in exercise_ids:
            if ex_id not in exercises:
                notebook = checks.load_all()[ex_id].notebook
                exercises[ex_id] = _exercise_summary(
                    _all_failed(ex_id, "%s was not submitted" % notebook))
        ordered = {ex_id: exercises[ex_id] for ex_id in exercise_ids}
        learners.append({"learner": learner,
                         "total": sum(ex["points"] for ex in ordered.values()),
                         "max_total": sum(ex["max_points"] for ex in ordered.values()),
                         "exercises": ordered, "notes": notes})
    return {"exercises": {ex_id: {"title": checks.load_all()[ex_id].title,
                                  "notebook": checks.load_all()[ex_id].notebook,
                                  "max_points": checks.load_all()[ex_id].max_points}
                          for ex_id in exercise_ids},
            "learners": learners}


# --- Reports ----------------------------------------------------------------------------------


def report_table(report):
    """The terminal table: one row per learner, ``points/max`` per exercise, then notes.

    For a single learner, every check follows, with its message when it failed.
    """
    ids = list(report["exercises"])
    header = ["learner"] + ids + ["total"]
    rows = [[entry["learner"]]
            + ["%g/%g" % (entry["exercises"][i]["points"], entry["exercises"][i]["max_points"])
               for i in ids]
            + ["%g/%g" % (entry["total"], entry["max_total"])] for entry in report["learners"]]
    widths = [max(len(row[col]) for row in [header] + rows) for col in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in [header] + rows]
    for entry in report["learners"]:
        lines += ["%s: %s" % (entry["learner"], note) for note in entry["notes"]]
    if len(report["learners"]) == 1:  # one learner: show each check, as the self-checks do
        for ex_id, exercise in report["learners"][0]["exercises"].items():
            lines += ["", "%s: %g/%g" % (ex_id, exercise["points"], exercise["max_points"])]
            lines += ["  ok    " + check["name"] if check["passed"]
                      else "  FAIL  %s: %s" % (check["name"], check["message"])
                      for check in exercise["checks"]]
    return "\n".join(lines)


def write_csv(report, path):
    """One row per learner: the points of each exercise, the total and the maximum."""
    ids = list(report["exercises"])
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["learner"] + ids + ["total", "max_total"])
        for entry in report["learners"]:
            writer.writerow([entry["learner"]]
                            + ["%g" % entry["exercises"][i]["points"] for i in ids]
                            + ["%g" % entry["total"], "%g" % entry["max_total"]])


def report_json(report, path):
    """The whole report: each learner's exercises, each exercise's checks, and the notes."""
    with open(path, "w", encoding="utf-8") as out:
        json.dump(report, out, indent=2)
        out.write("\n")


def main(path, jobs=1, csv_path=None, json_path=None, cell_timeout=CELL_SECONDS,
         total_timeout=TOTAL_SECONDS):
    """The ``grade`` command: 0 once grading completed, whatever the scores."""
    if os.name != "posix":
        # The checks process relies on pass_fds, select() on pipes and SIGALRM.
        print("error: the grader runs on Linux and macOS (or WSL), not on %s" % sys.platform,
              file=sys.stderr)
        return 2
    try:
        report = grade(path, jobs, cell_timeout, total_timeout,
                       log=lambda line: print(line, file=sys.stderr))
    except GradingError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
    print(report_table(report))
    if csv_path:
        write_csv(report, csv_path)
    if json_path:
        report_json(report, json_path)
    return 0
