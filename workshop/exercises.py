"""Write ``exercises/`` from ``solutions/``: the solutions become stubs, the outputs go.

Mirrors nbgrader's ``generate_assignment`` (its ``ClearSolutions`` and
``ClearOutput`` preprocessors), not a Twisted module.  A solution notebook marks each
answer with ``### BEGIN SOLUTION`` / ``### END SOLUTION`` inside a cell whose
nbgrader metadata says ``solution: true``; the exercise notebook is the same notebook
with each marked block replaced by nbgrader's stub (``# YOUR CODE HERE`` then
``raise NotImplementedError()``, at the block's indentation), every output cleared,
every execution count emptied, and the ``locked`` cells (given code, prompts,
self-checks) made read-only in JupyterLab (``editable``/``deletable`` false), as
nbgrader's ``LockCells`` does.  The nbgrader metadata is kept, so an instructor can
also feed ``exercises/`` to nbgrader.

Nobody edits ``exercises/`` by hand: ``python -m workshop build exercises`` rewrites it,
the bytes depend only on the sources, and ``--check`` (and a test) fails when a file
is out of date.  ``validate`` refuses a source that would make a broken exercise: a
block outside a solution cell, a block at the top level of a cell (its stub would
raise while the exercise notebook runs, and exercise notebooks must run top to
bottom), an unclosed block, or metadata nbgrader's schema (v3) would reject.

Tests: ``tests/workshop/test_exercises.py``.
"""

import copy
import re
from pathlib import Path

import nbformat

from workshop.notebooks import EXERCISES, ROOT, writes

SOLUTIONS = ROOT / "solutions"

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")  # nbgrader's, for Python
TEXT_STUB = "YOUR ANSWER HERE"  # nbgrader's, for markdown answers
GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]*$")  # nbgrader's schema pattern
NBGRADER_KEYS = {"schema_version", "grade", "locked", "solution", "task", "grade_id",
                 "points", "checksum", "cell_type"}


class SourceError(ValueError):
    """A solution notebook that cannot make a working exercise; the message names the cell."""


def nbgrader(cell):
    """The cell's nbgrader metadata, or an empty dict."""
    return cell.metadata.get("nbgrader", {})


def validate(nb, name):
    """Raise ``SourceError`` unless ``nb``'s nbgrader metadata and solution markers are sound."""
    seen = set()
    for index, cell in enumerate(nb.cells):
        where = "%s cell %d" % (name, index)
        meta = nbgrader(cell)
        marked = BEGIN in cell.source or END in cell.source
        if not meta:
            if marked:
                raise SourceError("%s has a solution block but no nbgrader metadata" % where)
            continue
        missing = {"schema_version", "grade", "locked", "solution"} - set(meta)
        unknown = set(meta) - NBGRADER_KEYS
        if missing or unknown or meta["schema_version"] != 3:
            raise SourceError("%s: nbgrader v3 metadata needs schema_version 3, grade, locked "
                              "and solution, and nothing else (missing %s, unknown %s)"
                              % (where, sorted(missing), sorted(unknown)))
        grade_id = meta.get("grade_id")
        if grade_id is None or not GRADE_ID.match(grade_id):
            raise SourceError("%s: grade_id %r must be letters, digits, _ or -" % (where, grade_id))
        if grade_id in seen:
            raise SourceError("%s: grade_id %r is used twice" % (where, grade_id))
        seen.add(grade_id)
        if meta["grade"] and not isinstance(meta.get("points"), (int, float)):
            raise SourceError("%s: a graded cell needs points" % where)
        if marked and not meta["solution"]:
            raise SourceError("%s has a solution block but is not a solution cell" % where)
        if meta["solution"] and cell.cell_type == "code" and not marked:
            raise SourceError("%s is a solution cell without %s" % (where, BEGIN))
        if marked:
            clear_solutions(cell.source, cell.cell_type, where)  # raises on a bad block


def clear_solutions(source, cell_type, where="a cell"):
    """``source`` with each BEGIN/END SOLUTION block replaced by its stub."""
    lines = source.split("\n")
    out = []
    inside = None  # the indentation of the open block, or None
    for line in lines:
        stripped = line.strip()
        if stripped == BEGIN:
            if inside is not None:
                raise SourceError("%s: %s inside another block" % (where, BEGIN))
            inside = line[:len(line) - len(line.lstrip())]
            if cell_type == "code" and not inside:
                raise SourceError("%s: a solution block must sit inside a function or method: "
                                  "at the top level its stub would stop the exercise notebook"
                                  % where)
            stub = CODE_STUB if cell_type == "code" else (TEXT_STUB,)
            out.extend(inside + stub_line for stub_line in stub)
        elif stripped == END:
            if inside is None:
                raise SourceError("%s: %s without %s" % (where, END, BEGIN))
            inside = None
        elif inside is None:
            out.append(line)
    if inside is not None:
        raise SourceError("%s: %s is never closed" % (where, BEGIN))
    return "\n".join(out)


def exercise_notebook(nb, name="a notebook"):
    """A copy of solution notebook ``nb`` with its solutions stubbed out and its outputs cleared."""
    validate(nb, name)
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells):
        if nbgrader(cell).get("solution"):
            cell.source = clear_solutions(cell.source, cell.cell_type,
                                          "%s cell %d" % (name, index))
        if nbgrader(cell).get("locked"):  # read-only in JupyterLab, as nbgrader's LockCells does
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def generated(solutions=SOLUTIONS):
    """``{file name: text}`` of every exercise notebook, generated from ``solutions``."""
    texts = {}
    for path in sorted(Path(solutions).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        texts[path.name] = writes(exercise_notebook(nb, path.name))
    return texts


def stale(solutions=SOLUTIONS, exercises=EXERCISES):
    """The file names in ``exercises`` that are missing, out of date, or have no source."""
    texts = generated(solutions)
    exercises = Path(exercises)
    names = [name for name, text in texts.items()
             if not (exercises / name).exists()
             or (exercises / name).read_text(encoding="utf-8") != text]
    names += [path.name for path in sorted(exercises.glob("*.ipynb")) if path.name not in texts]
    return names


def build(solutions=SOLUTIONS, exercises=EXERCISES):
    """Write every exercise notebook; remove those whose source is gone.  Returns the changes."""
    texts = generated(solutions)
    exercises = Path(exercises)
    exercises.mkdir(parents=True, exist_ok=True)
    changes = []
    for name, text in texts.items():
        path = exercises / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changes.append("%s: written" % name)
    for path in sorted(exercises.glob("*.ipynb")):
        if path.name not in texts:
            path.unlink()
            changes.append("%s: removed (no solutions/%s)" % (path.name, path.name))
    return changes


def main(check=False):
    """The ``build exercises`` command; with ``check``, only report files that are out of date."""
    try:
        if check:
            names = stale()
            for name in names:
                print("exercises/%s is out of date: run 'python -m workshop build exercises'"
                      % name)
            return 1 if names else 0
        changes = build()
    except SourceError as exc:
        print("error: %s" % exc)
        return 1
    for change in changes:
        print("exercises/" + change)
    if not changes:
        print("exercises/ is up to date")
    return 0
