"""Keep the notebooks in step with the agenda, and run them to store their outputs.

Mirrors no Twisted module: this is the kit's own tooling for ``notebooks/``.  Each
notebook opens with a *contract* cell (title, minutes, prerequisites, what we build,
objectives, the Twisted API it rebuilds, previous/next links) and ends with a
*navigation* cell; both are generated from ``workshop.agenda`` and marked with
``metadata.workshop`` so that ``sync`` can find and rewrite them.  Everything between
them is written by hand.  Tests: ``tests/workshop/test_notebooks.py``; the notebooks
themselves run under nbval in the test suite.

``python -m workshop notebooks [--execute] [NAME ...]`` rewrites the generated cells
(creating a notebook that does not exist yet) and, with ``--execute``, runs each one
top to bottom in a fresh kernel and stores its outputs, the same run nbval repeats.
"""

import time
from pathlib import Path

import nbformat

from workshop import agenda
from workshop.check import KERNEL_NAME

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = ROOT / "exercises"  # generated from solutions/ (workshop/exercises.py)
KERNEL = {"name": KERNEL_NAME, "display_name": "Python 3 (Twisted workshop)",
          "language": "python"}
README_AGENDA = "../README.md#the-agenda"


def _link(section):
    return "[%s %s](%s)" % (section.label, section.title, section.notebook)


def neighbours(section):
    """The sections before and after ``section`` in reading order (``None`` at the ends).

    The appendices follow each other after the 150 minutes; the first appendix's
    previous link goes back to the last section.
    """
    order = agenda.ALL_SECTIONS
    index = order.index(section)
    before = order[index - 1] if index > 0 else None
    after = order[index + 1] if index + 1 < len(order) else None
    return before, after


def navigation_line(section):
    """``← previous · agenda · next →``, as markdown links."""
    before, after = neighbours(section)
    parts = []
    if before is not None:
        parts.append("← " + _link(before))
    parts.append("[agenda](%s)" % README_AGENDA)
    if after is not None:
        parts.append(_link(after) + " →")
    return " · ".join(parts)


def contract_source(section):
    """The markdown of a notebook's first cell, from its agenda entry."""
    if section.appendix:
        time_line = "*Appendix, outside the 150 minutes.*"
    else:
        time_line = "*%d minutes of the 150-minute workshop.*" % section.minutes
    if section.prerequisites:
        needs = ", ".join(_link(agenda.by_label(label)) for label in section.prerequisites)
    else:
        needs = "Python, and nothing else"
    lines = ["# %s · %s" % (section.label, section.title), "", time_line, "",
             section.builds, "", "**Before this:** %s." % needs, "",
             "**You will be able to:**", ""]
    lines += ["- " + objective for objective in section.objectives]
    lines += ["", "**Twisted API:** %s." % section.rebuilds, "", navigation_line(section)]
    return "\n".join(lines)


def navigation_source(section):
    """The markdown of a notebook's last cell: the section's exercises, and where next."""
    before, after = neighbours(section)
    parts = []
    if (EXERCISES / section.notebook).exists():
        parts.append("**Practise:** [exercises/%s](../exercises/%s): run its self-check "
                     "cells for feedback." % (section.notebook, section.notebook))
    if after is not None:
        parts.append("**Next:** " + _link(after))
    else:
        parts.append("**That was the last notebook.** Back to the [agenda](%s)."
                     % README_AGENDA)
    return "\n\n".join(parts + [navigation_line(section)])


def _generated(kind, source):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["workshop"] = kind
    return cell


def writes(nb):
    """The notebook as text, without what changes from run to run or machine to machine.

    Used for every notebook the kit writes: ``notebooks/`` here, and ``exercises/`` by
    ``workshop.exercises``.  It normalises ``nb`` itself.
    """
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata["language_info"] = {"name": "python"}  # not the version that ran it
    for cell in nb.cells:
        cell.pop("id", None)  # ids are random: they would change on every write
        cell.metadata.pop("execution", None)  # timestamps
    nb.nbformat_minor = 4  # the minor version without cell ids
    return nbformat.writes(nb)


def sync(section, directory=NOTEBOOKS):
    """Write the contract and navigation cells of ``section``'s notebook; return its path.

    A missing notebook is created with just those two cells.  Hand-written cells are
    kept as they are.  Returns the path, and whether the file changed.
    """
    path = Path(directory) / section.notebook
    if path.exists():
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
    else:
        nb = nbformat.v4.new_notebook()
        before = None
    cells = [cell for cell in nb.cells if "workshop" not in cell.metadata]
    nb.cells = ([_generated("contract", contract_source(section))] + cells
                + [_generated("navigation", navigation_source(section))])
    text = writes(nb)
    if text != before:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path, text != before


def execute(path, timeout=60):
    """Run the notebook at ``path`` top to bottom in a fresh kernel and store its outputs.

    Runs in the notebook's folder, as JupyterLab and nbval do.  Cells tagged
    ``raises-exception`` may fail; any other error stops the run and leaves the file
    unchanged.  Returns the seconds the run took.
    """
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL["name"],
                            resources={"metadata": {"path": str(path.parent)}},
                            record_timing=False)
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    path.write_text(writes(nb), encoding="utf-8")
    return elapsed


def select(names):
    """The sections named by ``names`` (labels such as ``03``, slugs or file names); all if empty."""
    if not names:
        return list(agenda.ALL_SECTIONS)
    chosen = []
    for name in names:
        matches = [s for s in agenda.ALL_SECTIONS
                   if name in (s.label, s.slug, s.notebook, s.notebook[:-len(".ipynb")])]
        if not matches:
            raise SystemExit("no notebook called %r; try a label such as 03" % (name,))
        chosen.extend(matches)
    return chosen


def main(names, run=False, timeout=60):
    """The ``notebooks`` command: sync, and with ``run`` execute, the chosen notebooks.

    A name that is the path of a notebook elsewhere (``solutions/04_transports.ipynb``)
    is only executed, with ``--execute``: it has no agenda cells to write.
    """
    others = [Path(name) for name in names
              if name.endswith(".ipynb") and Path(name).parent.resolve() != NOTEBOOKS
              and Path(name).exists()]
    if others and not run:
        raise SystemExit("notebooks outside notebooks/ can only be run: add --execute")
    for path in others:
        print("%s: ran in %.1f s" % (path, execute(path, timeout)))
    names = [name for name in names if Path(name) not in others]
    if others and not names:
        return 0
    for section in select(names):
        path, changed = sync(section)
        note = "updated" if changed else "unchanged"
        if run:
            note = "ran in %.1f s" % execute(path, timeout)
        print("%s: %s" % (path.relative_to(ROOT), note))
    return 0
