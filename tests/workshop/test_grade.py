"""Tests for workshop.grade, workshop.grade_worker and workshop.checks: checks that can fail, a class graded whole.

The first part runs the checks in this process, on the names a notebook's code cells
define (run in an IPython shell, in a temporary folder): every solution passes every
check, every fresh exercise fails every check, and each wrong answer kept in
``grading/wrong*.py`` (one file per solution notebook) fails the checks it names.  The
second part grades one class folder once (module scope, through the command line):
a correct learner, a fresh one, and one learner per kind of broken submission; each
test looks at one broken learner and at the correct one, who must still get full marks.
"""

import csv
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from workshop import checks, grade, grade_worker
from workshop.exercises import EXERCISES, SOLUTIONS, nbgrader

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WRONG_ANSWERS = [wrong for path in sorted((HERE / "grading").glob("wrong*.py"))
                 for wrong in runpy.run_path(str(path))["WRONG_ANSWERS"]]
ALL = checks.load_all()
NOTEBOOK_OF = {ex_id: ex.notebook for ex_id, ex in ALL.items()}


@pytest.fixture(autouse=True)
def in_a_temporary_folder(tmp_path, monkeypatch):
    """Code run here that writes files writes them in a temporary folder."""
    monkeypatch.chdir(tmp_path)


def read(path):
    return nbformat.read(path, as_version=4)


def solution_source(exercise_id):
    for cell in read(SOLUTIONS / NOTEBOOK_OF[exercise_id]).cells:
        if nbgrader(cell).get("grade_id") == exercise_id:
            return cell.source
    raise LookupError(exercise_id)


def namespace(path, sources=None):
    """Run a notebook's code cells here, self-checks left out; ``sources`` replaces cells by grade_id.

    The cells run in the grader's own IPython shell (so magics work), emptied first;
    the names stay valid until the next call.
    """
    shell = grade_worker._shell()
    shell.reset(new_session=False)
    for cell in read(path).cells:
        meta = nbgrader(cell)
        if cell.cell_type != "code" or meta.get("grade"):
            continue
        source = (sources or {}).get(meta.get("grade_id"), cell.source)
        shell.run_cell(source, store_history=False, silent=True).raise_error()
    return dict(shell.user_ns)


def apply_edit(source, edit):
    for old, new in (edit if isinstance(edit, list) else [edit]):
        assert source.count(old) == 1, "the wrong answer's text is not in the solution once"
        source = source.replace(old, new)
    return source


# --- Checks, in this process ------------------------------------------------------------------


@pytest.mark.parametrize("exercise_id", sorted(ALL))
def test_every_solution_passes_every_check(exercise_id):
    """The solution notebook's code passes every check of the exercise, hidden ones included."""
    results = checks.run_exercise(exercise_id, namespace(SOLUTIONS / NOTEBOOK_OF[exercise_id]))
    assert [r.message for r in results if not r.passed] == []
    assert sum(r.points for r in results) == ALL[exercise_id].max_points


@pytest.mark.parametrize("exercise_id", sorted(ALL))
def test_every_fresh_exercise_fails_every_check_as_not_done(exercise_id):
    """The generated exercise fails every check, each saying the code is not done yet."""
    results = checks.run_exercise(exercise_id, namespace(EXERCISES / NOTEBOOK_OF[exercise_id]))
    assert results and all(not r.passed and r.points == 0 for r in results)
    assert all(r.message.startswith("not done yet") for r in results)


@pytest.mark.parametrize("wrong", WRONG_ANSWERS, ids=[w[1] for w in WRONG_ANSWERS])
def test_each_wrong_answer_fails_the_checks_it_names(wrong):
    """A plausible wrong answer fails the checks it is meant to catch, with a hint, in time."""
    exercise_id, _, must_fail, edit = wrong
    source = apply_edit(solution_source(exercise_id), edit)
    names = namespace(SOLUTIONS / NOTEBOOK_OF[exercise_id], {exercise_id: source})
    by_name = {check.name: check for check in ALL[exercise_id].checks}
    for name in must_fail:
        assert name in by_name, "no check named %r" % name
        result = checks.run_check(by_name[name], names)
        assert not result.passed
        assert "Hint: " in result.message
        assert not result.message.startswith("did not finish"), result.message


def test_every_check_has_a_wrong_answer_that_fails_it():
    """Each check of each exercise is named by at least one wrong answer: none is unfailable."""
    caught = {(ex_id, name) for ex_id, _, names, _ in WRONG_ANSWERS for name in names}
    every = {(check.exercise, check.name) for ex in ALL.values() for check in ex.checks}
    assert every - caught == set()


def test_every_exercise_has_visible_and_hidden_or_several_checks():
    """Each exercise has a visible check for the self-check cell, and at least two checks."""
    for ex in ALL.values():
        assert any(not check.hidden for check in ex.checks), ex.id
        assert len(ex.checks) >= 2, ex.id


def test_a_missing_name_fails_with_the_name():
    """A deleted or renamed class fails the checks with a message naming what is missing."""
    names = namespace(SOLUTIONS / "02_reactor.ipynb")
    del names["TinyReactor"]
    results = checks.run_exercise("ex02_timer_heap", names)
    assert all("TinyReactor is not defined" in r.message for r in results)


def test_a_check_that_never_returns_fails_with_a_timeout():
    """A learner's function that loops forever fails its check once the time limit is up."""
    source = solution_source("ex03_predict_chain").replace(
        'return ["double"', 'while True:\n        pass\n    return ["double"')
    names = namespace(SOLUTIONS / "03_callbacks_and_deferreds.ipynb",
                      {"ex03_predict_chain": source})
    result = checks.run_exercise("ex03_predict_chain", names, seconds=0.3)[0]
    assert not result.passed and result.message.startswith("did not finish within 0.3 s")


def test_selfcheck_prints_one_line_per_visible_check(capsys):
    """The self-check prints ok, todo or FAIL with a hint, one line per visible check, then a total."""
    checks.selfcheck("ex03_build_chain", namespace(SOLUTIONS / "03_callbacks_and_deferreds.ipynb"))
    solved = capsys.readouterr().out.splitlines()
    checks.selfcheck("ex03_build_chain", namespace(EXERCISES / "03_callbacks_and_deferreds.ipynb"))
    fresh = capsys.readouterr().out.splitlines()
    visible = [c for c in ALL["ex03_build_chain"].checks if not c.hidden]
    assert [line[:6] for line in solved[:-1]] == ["ok    "] * len(visible)
    assert [line[:6] for line in fresh[:-1]] == ["todo  "] * len(visible)
    assert fresh[-1] == ("ex03_build_chain: 0 of 2 checks pass; the grader runs 2 more, "
                         "hidden.")


def test_selfcheck_raises_under_nbgrader_when_a_check_fails(monkeypatch, capsys):
    """Under nbgrader's autograde the self-check runs the hidden checks and fails the cell."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AssertionError):
        checks.selfcheck("ex03_build_chain",
                         namespace(EXERCISES / "03_callbacks_and_deferreds.ipynb"))
    checks.selfcheck("ex03_build_chain", namespace(SOLUTIONS / "03_callbacks_and_deferreds.ipynb"))
    assert capsys.readouterr().out.count("ok    ") == len(ALL["ex03_build_chain"].checks)


def test_the_chain_to_predict_is_the_one_the_notebook_shows():
    """The predict exercise displays the very function its check runs."""
    sources = [cell.source for cell in read(SOLUTIONS / "03_callbacks_and_deferreds.ipynb").cells]
    assert "show(chain_to_predict)" in sources


# --- Finding and preparing submissions -----------------------------------------------------------


def test_find_submissions_takes_a_notebook_a_learner_or_a_class(tmp_path):
    """One notebook, a folder of notebooks and a folder of learner folders are each understood."""
    alice = tmp_path / "class" / "alice"
    alice.mkdir(parents=True)
    (alice / "02_reactor.ipynb").write_text("{}")
    (tmp_path / "class" / "bob").mkdir()
    assert grade.find_submissions(alice / "02_reactor.ipynb") == [
        ("alice", [alice / "02_reactor.ipynb"])]
    assert grade.find_submissions(alice) == [("alice", [alice / "02_reactor.ipynb"])]
    assert grade.find_submissions(tmp_path / "class") == [
        ("alice", [alice / "02_reactor.ipynb"]), ("bob", [])]
    with pytest.raises(grade.GradingError):
        grade.find_submissions(tmp_path / "nothing")


def test_a_renamed_notebook_is_matched_by_its_exercise_ids(tmp_path):
    """A notebook saved under another name is matched to its solution by its cells' grade_ids."""
    copy = tmp_path / "my work.ipynb"
    copy.write_bytes((EXERCISES / "02_reactor.ipynb").read_bytes())
    assert grade.master_for(copy) == "02_reactor.ipynb"
    (tmp_path / "notes.ipynb").write_text("not json")
    assert grade.master_for(tmp_path / "notes.ipynb") is None


def test_cells_to_check_restores_given_cells_and_drops_self_checks():
    """Given cells come back from the solution, self-check cells are left out, added cells stay."""
    master = read(SOLUTIONS / "02_reactor.ipynb")
    nb = read(EXERCISES / "02_reactor.ipynb")
    nb.cells[1].source = "FakeClock = None"  # the given cell, edited
    nb.cells.insert(2, new_code_cell("scratch = 1"))
    cells, notes = grade.cells_to_check(nb, master, skip={3})
    sources = [cell["source"] for cell in cells]
    assert sources[0] == master.cells[1].source
    assert sources[1] == "scratch = 1"
    assert 3 not in [cell["index"] for cell in cells]
    assert not any("selfcheck(" in source for source in sources)
    assert notes == ["cell 1 (ex02_given) was changed; the original was run"]


def test_a_notebook_past_its_total_budget_fails_with_the_reason(tmp_path):
    """A notebook that outruns --timeout-total is stopped, and its checks fail saying why."""
    path = tmp_path / D03
    path.write_text(variant(SOLUTIONS / D03, insert=[("ex03_given", "while True:\n    pass")]))
    outcome = grade.grade_notebook(path, D03, cell_seconds=60, total_seconds=4)
    assert any("time budget" in note for note in outcome["notes"])
    for results in outcome["exercises"].values():
        assert all("time budget" in result["message"] for result in results)


def canned_report(learners):
    results = [{"name": "runs", "passed": True, "message": "", "points": 1, "max_points": 1,
                "hidden": False},
               {"name": "stops", "passed": False, "message": "never stops. Hint: a flag",
                "points": 0, "max_points": 2, "hidden": True}]
    return {"exercises": {"ex": {"title": "T", "notebook": "n.ipynb", "max_points": 3}},
            "learners": [{"learner": name, "total": 1, "max_total": 3, "notes": ["n: a note"],
                          "exercises": {"ex": {"points": 1, "max_points": 3,
                                               "checks": results}}}
                         for name in learners]}


def test_the_table_lists_each_check_for_a_single_learner():
    """Grading one learner prints every check, with the message of each that failed."""
    assert grade.report_table(canned_report(["ann"])).splitlines() == [
        "learner  ex   total", "ann      1/3  1/3", "ann: n: a note", "", "ex: 1/3",
        "  ok    runs", "  FAIL  stops: never stops. Hint: a flag"]
    assert len(grade.report_table(canned_report(["ann", "bo"])).splitlines()) == 5


def test_grade_exits_2_when_there_is_nothing_to_grade(tmp_path, capsys):
    """A path that does not exist is one of the cases where the grader cannot run."""
    assert grade.main(str(tmp_path / "missing")) == 2
    assert "no such notebook or folder" in capsys.readouterr().err


def test_grade_exits_2_and_says_why_off_posix(monkeypatch, capsys):
    """Where POSIX pipes and signals are missing (Windows), the grader says so and grades nothing."""
    monkeypatch.setattr(grade.os, "name", "nt")
    assert grade.main(str(SOLUTIONS / R02)) == 2
    assert "runs on Linux and macOS (or WSL)" in capsys.readouterr().err


def test_grade_exits_2_without_the_workshop_kernel(monkeypatch, capsys):
    """Without its Jupyter kernel the grader cannot run, and says so instead of scoring zeros."""
    monkeypatch.setattr(grade, "KERNEL_NAME", "no-such-kernel")
    assert grade.main(str(SOLUTIONS / R02)) == 2
    assert "no Jupyter kernel called 'no-such-kernel'" in capsys.readouterr().err


# --- A whole class, graded once --------------------------------------------------------------------


def variant(source, edits=(), insert=()):
    """A copy of notebook ``source``: ``edits`` are (grade_id, old, new); ``insert`` (after id, code)."""
    nb = read(source)
    for grade_id, old, new in edits:
        cell = next(c for c in nb.cells if nbgrader(c).get("grade_id") == grade_id)
        assert old in cell.source
        cell.source = cell.source.replace(old, new)
    for after, code in insert:
        index = next(i for i, c in enumerate(nb.cells) if nbgrader(c).get("grade_id") == after)
        nb.cells.insert(index + 1, new_code_cell(code))
    return nbformat.writes(nb)


R02, D03 = "02_reactor.ipynb", "03_callbacks_and_deferreds.ipynb"

TAMPERING = '''
import sys, types
import workshop.checks as check_module

def selfcheck(exercise_id):
    print("every check passes")

check_module.selfcheck = selfcheck
check_module.run_check = lambda check, names, seconds=5: check_module.Result(
    check.exercise, check.name, True, "", check.points, check.points, check.hidden)
check_module.Result.as_dict = lambda self: {"name": self.name, "passed": True, "message": "",
    "points": self.max_points, "max_points": self.max_points, "hidden": self.hidden}
fake = types.ModuleType("workshop.checks")
fake.__dict__.update(vars(check_module))
sys.modules["workshop.checks"] = fake
print("12345678 {\\"kind\\": \\"exercise\\", \\"exercise\\": \\"ex02_timer_heap\\"}")
'''

WRITING = '''
import os, pathlib
pathlib.Path("notes.txt").write_text("scratch")
os.makedirs("build/out", exist_ok=True)
os.remove("02_reactor.ipynb")
pathlib.Path("../next_to_the_copy.txt").write_text("still inside the temporary folder")
'''


def class_files():
    """``{learner/notebook: text}``: one correct learner, one fresh, one per broken submission."""
    solution = {name: (SOLUTIONS / name).read_text() for name in (R02, D03)}
    fresh = {name: (EXERCISES / name).read_text() for name in (R02, D03)}
    return {
        "good/" + R02: solution[R02], "good/" + D03: solution[D03],
        "fresh/" + R02: fresh[R02], "fresh/" + D03: fresh[D03],
        "syntax/" + R02: variant(SOLUTIONS / R02, [(
            "ex02_timer_heap", "heapq.heappush(self._timers, call)",
            "heapq.heappush(self._timers, call")]),
        "loop/" + D03: variant(
            SOLUTIONS / D03,
            [("ex03_predict_chain", 'return ["double"', 'while True:\n        pass\n'
              '    return ["double"')],
            [("ex03_given", "while True:\n    pass")]),
        "dies/" + D03: variant(
            SOLUTIONS / D03,
            [("ex03_deferred_callback", "        if self.called:\n            raise",
              "        import os\n        os._exit(1)\n        if self.called:\n            raise")],
            [("ex03_build_chain_selfcheck", "import os\nos._exit(3)")]),
        "renamed/" + R02: variant(SOLUTIONS / R02, [
            ("ex02_timer_heap", "class TinyReactor:", "class TinyReactr:"),
            ("ex02_run_stop", "class RunnableReactor(TinyReactor):",
             "class RunnableReactor(TinyReactr):")]),
        "notjson/" + R02: '{"cells": [ this is not JSON',
        "huge/" + D03: variant(SOLUTIONS / D03, insert=[
            ("ex03_given", 'print("x" * 30_000_000)\nfor i in range(20_000):\n    print(i)')]),
        "tamper/" + R02: variant(EXERCISES / R02, insert=[("ex02_given", TAMPERING)]),
        "writer/" + R02: variant(SOLUTIONS / R02, insert=[("ex02_given", WRITING)]),
    }


def folder_state(folder):
    """Every file under ``folder`` with its bytes and modification time, and every folder."""
    return {str(path.relative_to(folder)): (path.read_bytes() if path.is_file() else None,
                                            path.stat().st_mtime_ns)
            for path in sorted(Path(folder).rglob("*"))}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class above, graded by ``python -m workshop grade`` with 4 jobs and short timeouts."""
    top = tmp_path_factory.mktemp("grading")
    folder = top / "class"
    for name, text in class_files().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    before = folder_state(folder)
    finished = subprocess.run(
        [sys.executable, "-m", "workshop", "grade", str(folder), "--jobs", "4",
         "--timeout-cell", "3", "--csv", str(top / "grades.csv"), "--json",
         str(top / "grades.json")],
        cwd=top, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    report = json.loads((top / "grades.json").read_text()) if finished.returncode == 0 else None
    return {"run": finished, "report": report, "before": before, "after": folder_state(folder),
            "csv": (top / "grades.csv").read_text() if finished.returncode == 0 else "",
            "top": top}


def learner(graded, name):
    return next(entry for entry in graded["report"]["learners"] if entry["learner"] == name)


def scores(graded, name):
    return {ex_id: ex["points"] for ex_id, ex in learner(graded, name)["exercises"].items()}


def messages(graded, name, exercise_id):
    return [check["message"] for check in learner(graded, name)["exercises"][exercise_id]["checks"]]


def full_marks(graded, name="good", only=None):
    entry = learner(graded, name)
    return all(ex["points"] == ex["max_points"] for ex_id, ex in entry["exercises"].items()
               if only is None or ex_id in only)


def of(notebook):
    return [ex_id for ex_id, name in NOTEBOOK_OF.items() if name == notebook]


CLASS_EXERCISES = of(R02) + of(D03)  # the class hands in these two notebooks only
CLASS_MAX = sum(ALL[ex_id].max_points for ex_id in CLASS_EXERCISES)


def test_grading_completes_with_exit_status_0_and_a_row_per_learner(graded):
    """Grading a class with broken submissions exits 0 and prints one table row per learner."""
    run = graded["run"]
    assert run.returncode == 0, run.stderr
    rows = run.stdout.splitlines()
    assert rows[0].split() == ["learner"] + CLASS_EXERCISES + ["total"]
    names = ["dies", "fresh", "good", "huge", "loop", "notjson", "renamed", "syntax", "tamper",
             "writer"]
    assert [row.split()[0] for row in rows[1:len(names) + 1]] == names


def test_the_correct_learner_gets_full_marks(graded):
    """The correct submission scores every point of every exercise, with no notes."""
    entry = learner(graded, "good")
    assert full_marks(graded)
    assert entry["total"] == entry["max_total"] == CLASS_MAX
    assert entry["notes"] == []


def test_fresh_exercises_score_zero_on_every_check(graded):
    """The generated exercises, handed in untouched, fail every check as not done yet."""
    for ex_id, ex in learner(graded, "fresh")["exercises"].items():
        assert ex["points"] == 0
        assert all(not c["passed"] and c["message"].startswith("not done yet")
                   for c in ex["checks"]), ex_id


def test_csv_has_a_row_per_learner_and_a_column_per_exercise(graded):
    """The CSV export has learner, one column per exercise, then total and maximum."""
    rows = list(csv.reader(graded["csv"].splitlines()))
    assert rows[0] == ["learner"] + CLASS_EXERCISES + ["total", "max_total"]
    good = next(row for row in rows if row[0] == "good")
    assert good[1:] == [str(ALL[ex_id].max_points) for ex_id in CLASS_EXERCISES] + [
        str(CLASS_MAX)] * 2


def test_json_has_every_check_with_passed_message_and_points(graded):
    """The JSON report holds, per learner and exercise, each check's outcome and points."""
    check = learner(graded, "fresh")["exercises"]["ex02_timer_heap"]["checks"][0]
    assert set(check) == {"name", "passed", "message", "points", "max_points", "hidden"}
    assert graded["report"]["exercises"]["ex02_run_stop"]["max_points"] == 5


def test_a_syntax_error_fails_that_exercise_and_says_why(graded):
    """A syntax error leaves the class undefined: its checks fail naming it, the note says why."""
    assert scores(graded, "syntax")["ex02_timer_heap"] == 0
    assert all("TinyReactor is not defined" in m for m in messages(graded, "syntax",
                                                                   "ex02_timer_heap"))
    assert any("SyntaxError" in note for note in learner(graded, "syntax")["notes"])
    assert full_marks(graded)


def test_an_infinite_loop_times_out_and_the_rest_is_graded(graded):
    """A looping cell is stopped and noted; a looping answer fails its check; the rest scores."""
    assert any("timed out after 3" in note for note in learner(graded, "loop")["notes"])
    assert messages(graded, "loop", "ex03_predict_chain")[0].startswith("did not finish")
    assert full_marks(graded, "loop", only=["ex03_deferred_callback", "ex03_build_chain"])
    assert full_marks(graded)


def test_a_dying_kernel_fails_the_checks_of_the_code_that_kills_it(graded):
    """os._exit in a cell is noted and left out; in an answer it fails that exercise only."""
    assert any("kernel died" in note for note in learner(graded, "dies")["notes"])
    assert all("os._exit" in m for m in messages(graded, "dies", "ex03_deferred_callback"))
    assert scores(graded, "dies")["ex03_deferred_callback"] == 0
    assert full_marks(graded, "dies", only=["ex03_predict_chain", "ex03_build_chain"])
    assert full_marks(graded)


def test_a_renamed_class_fails_with_the_missing_name(graded):
    """Renaming TinyReactor fails its exercise, naming what is missing; run/stop are graded alone."""
    assert scores(graded, "renamed") == {"ex02_timer_heap": 0, "ex02_run_stop": 5} | {
        ex_id: 0 for ex_id in of(D03)}
    assert all("TinyReactor is not defined" in m for m in messages(graded, "renamed",
                                                                   "ex02_timer_heap"))
    assert all(m == "03_callbacks_and_deferreds.ipynb was not submitted"
               for m in messages(graded, "renamed", "ex03_build_chain"))
    assert full_marks(graded)


def test_a_notebook_that_is_not_json_fails_with_the_reason(graded):
    """An unreadable notebook fails its exercises saying it could not be read."""
    assert all(m.startswith("the notebook could not be read")
               for ex_id in of(R02) for m in messages(graded, "notjson", ex_id))
    assert full_marks(graded)


def test_huge_output_does_not_matter(graded):
    """Tens of megabytes of output are dropped; the submission is graded as usual."""
    assert full_marks(graded, "huge", only=of(D03))
    assert learner(graded, "huge")["notes"] == []
    assert len(json.dumps(graded["report"])) < 200_000
    assert full_marks(graded)


def test_overwriting_the_checks_in_the_kernel_earns_nothing(graded):
    """Replacing selfcheck, the check functions and the check module still scores zero."""
    assert scores(graded, "tamper") == {ex_id: 0 for ex_id in CLASS_EXERCISES}
    assert all(m.startswith("not done yet") for m in messages(graded, "tamper",
                                                              "ex02_timer_heap"))
    assert full_marks(graded)


def test_a_submission_that_writes_files_changes_nothing_outside_its_copy(graded):
    """Files written, and the notebook deleted, by a submission leave the class folder as it was."""
    assert graded["after"] == graded["before"]
    assert sorted(path.name for path in graded["top"].iterdir()) == [
        "class", "grades.csv", "grades.json"]
    assert full_marks(graded, "writer", only=of(R02))
    assert full_marks(graded)
