"""Tests for workshop.exercises and the notebooks in solutions/ and exercises/: one source, no drift, runnable.

Whether the solutions' stored outputs come back the same is nbval's job; here: the
generated files are up to date and byte-for-byte deterministic, the stubs keep their
indentation, a broken source is refused with the cell named, the nbgrader metadata
follows the v3 schema, every exercise id ties prose, cell and checks together, and
each exercise notebook runs top to bottom with its self-checks reporting "todo".
"""

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from workshop import check, checks, exercises
from workshop.__main__ import main as workshop_main
from workshop.exercises import EXERCISES, SOLUTIONS, SourceError, clear_solutions, nbgrader

SOLUTION_FILES = sorted(path.name for path in SOLUTIONS.glob("*.ipynb"))
ALL = checks.load_all()


def read(path):
    return nbformat.read(path, as_version=4)


def nbgrader_cell(source, grade_id, cell_type="code", **flags):
    cell = (new_code_cell if cell_type == "code" else new_markdown_cell)(source)
    meta = {"schema_version": 3, "grade_id": grade_id, "solution": False, "grade": False,
            "locked": False}
    meta.update(flags)
    cell.metadata["nbgrader"] = meta
    return cell


SOLVED = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"


def test_exercises_are_up_to_date():
    """exercises/ is exactly what 'python -m workshop build exercises' writes from solutions/."""
    assert exercises.stale() == [], "run 'python -m workshop build exercises'"


def test_build_check_exits_0_when_up_to_date(capsys):
    """'build exercises --check' writes nothing and exits 0 when nothing is out of date."""
    assert workshop_main(["build", "exercises", "--check"]) == 0


def test_build_writes_the_same_bytes_twice_and_removes_orphans(tmp_path):
    """Building twice gives identical files; an exercise without a solution is removed."""
    (tmp_path / "99_orphan.ipynb").write_text("{}")
    assert exercises.build(SOLUTIONS, tmp_path)
    first = {path.name: path.read_bytes() for path in tmp_path.glob("*.ipynb")}
    assert exercises.build(SOLUTIONS, tmp_path) == []
    assert first == {path.name: path.read_bytes() for path in tmp_path.glob("*.ipynb")}
    assert sorted(first) == SOLUTION_FILES
    assert exercises.stale(SOLUTIONS, tmp_path) == []


def test_stale_names_a_file_edited_by_hand(tmp_path):
    """An exercise file that differs from its generated text is reported as out of date."""
    exercises.build(SOLUTIONS, tmp_path)
    edited = tmp_path / SOLUTION_FILES[0]
    edited.write_text(edited.read_text().replace("YOUR CODE HERE", "MY CODE HERE"))
    assert exercises.stale(SOLUTIONS, tmp_path) == [SOLUTION_FILES[0]]


def test_a_solution_block_becomes_an_indented_stub():
    """Each block becomes nbgrader's stub at the block's own indentation; other lines stay."""
    source = ("class A:\n    def f(self):\n        x = 1\n        ### BEGIN SOLUTION\n"
              "        return x\n        ### END SOLUTION\n\n    def g(self):\n"
              "        ### BEGIN SOLUTION\n        pass\n        ### END SOLUTION")
    assert clear_solutions(source, "code") == (
        "class A:\n    def f(self):\n        x = 1\n        # YOUR CODE HERE\n"
        "        raise NotImplementedError()\n\n    def g(self):\n"
        "        # YOUR CODE HERE\n        raise NotImplementedError()")


def test_a_markdown_answer_becomes_the_text_stub():
    """In a markdown cell the block becomes nbgrader's 'YOUR ANSWER HERE'."""
    source = "Why?\n\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION"
    assert clear_solutions(source, "markdown") == "Why?\n\nYOUR ANSWER HERE"


@pytest.mark.parametrize("source, error", [
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "inside a function or method"),
    ("def f():\n    ### BEGIN SOLUTION\n    return 1", "never closed"),
    ("def f():\n    return 1\n    ### END SOLUTION", "without"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n", "inside another block"),
], ids=["top level", "unclosed", "end without begin", "nested"])
def test_a_broken_block_is_refused_with_the_cell_named(source, error):
    """A block that would make a broken exercise raises SourceError naming the cell."""
    with pytest.raises(SourceError, match=error) as raised:
        clear_solutions(source, "code", "x.ipynb cell 3")
    assert "x.ipynb cell 3" in str(raised.value)


@pytest.mark.parametrize("cell, error", [
    (new_code_cell(SOLVED), "no nbgrader metadata"),
    (nbgrader_cell(SOLVED, "ex"), "not a solution cell"),
    (nbgrader_cell("def f():\n    return 1", "ex", solution=True), "without ### BEGIN"),
    (nbgrader_cell("selfcheck('ex')", "ex_check", grade=True, locked=True), "needs points"),
    (nbgrader_cell("x = 1", "has space", locked=True), "letters, digits"),
    (nbgrader_cell("x = 1", "ex", locked=True, weight=1), "unknown"),
], ids=["no metadata", "not solution", "no block", "no points", "bad id", "unknown key"])
def test_metadata_nbgrader_would_reject_is_refused(cell, error):
    """Metadata outside nbgrader's v3 schema, or markers in the wrong cell, raise SourceError."""
    with pytest.raises(SourceError, match=error):
        exercises.validate(new_notebook(cells=[cell]), "x.ipynb")


def test_a_grade_id_used_twice_is_refused():
    """Two cells with one grade_id would confuse nbgrader and the grader: refused."""
    nb = new_notebook(cells=[nbgrader_cell("x = 1", "same", locked=True),
                             nbgrader_cell("y = 2", "same", locked=True)])
    with pytest.raises(SourceError, match="used twice"):
        exercises.validate(nb, "x.ipynb")


@pytest.mark.parametrize("name", SOLUTION_FILES)
def test_every_exercise_ties_prose_cell_and_checks_by_its_id(name):
    """Each exercise id has a solution cell, a prose cell naming it, checks, and a self-check cell."""
    nb = read(SOLUTIONS / name)
    by_id = {nbgrader(cell).get("grade_id"): cell for cell in nb.cells}
    solution_ids = [gid for gid, cell in by_id.items() if nbgrader(cell).get("solution")]
    assert sorted(solution_ids) == sorted(ex.id for ex in checks.exercises_of(name))
    assert len(solution_ids) >= 2
    for ex_id in solution_ids:
        assert "`%s`" % ex_id in by_id[ex_id + "_prompt"].source
        selfcheck = by_id[ex_id + "_selfcheck"]
        assert selfcheck.source == 'selfcheck("%s")' % ex_id
        meta = nbgrader(selfcheck)
        assert meta["grade"] and meta["locked"] and meta["points"] == ALL[ex_id].max_points


@pytest.mark.parametrize("name", SOLUTION_FILES)
def test_exercise_notebooks_have_stubs_and_no_outputs(name):
    """An exercise notebook holds no solution, no output and no execution count."""
    nb = read(EXERCISES / name)
    text = (EXERCISES / name).read_text()
    assert "### BEGIN SOLUTION" not in text and "### END SOLUTION" not in text
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    stubs = sum(cell.source.count("raise NotImplementedError()") for cell in code)
    assert stubs == sum(cell.source.count("### BEGIN SOLUTION")
                        for cell in read(SOLUTIONS / name).cells)


def test_every_registered_exercise_is_in_a_solution_notebook():
    """No check module registers an exercise that no solution notebook holds."""
    assert {ex.notebook for ex in ALL.values()} <= set(SOLUTION_FILES)


@pytest.mark.parametrize("name", SOLUTION_FILES)
def test_exercise_notebooks_run_and_report_todo(name, tmp_path):
    """Each exercise notebook runs top to bottom without error; every self-check line says todo."""
    from nbclient import NotebookClient

    nb = read(EXERCISES / name)
    NotebookClient(nb, timeout=60, kernel_name=check.KERNEL_NAME, record_timing=False,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    for cell in nb.cells:
        if nbgrader(cell).get("grade"):
            lines = "".join(out.get("text", "") for out in cell.outputs).splitlines()
            assert lines and all(line.startswith("todo  ") for line in lines[:-1]), lines
            assert re.match(r"ex\d\d_\w+: 0 of \d+ checks pass", lines[-1])
