"""Tests for workshop.notebooks and notebooks/: the files agree with the agenda, and every link resolves.

The notebooks' outputs themselves are checked by nbval (``--nbval`` in pyproject's addopts).
"""

import re
import shutil

import nbformat
import pytest

from workshop import agenda, notebooks

SECTIONS = list(agenda.ALL_SECTIONS)
IDS = [section.label for section in SECTIONS]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def read(section):
    return nbformat.read(notebooks.NOTEBOOKS / section.notebook, as_version=4)


def test_every_notebook_in_the_folder_is_on_the_agenda():
    """notebooks/ holds exactly one notebook per section and appendix, named from the agenda."""
    on_disk = sorted(path.name for path in notebooks.NOTEBOOKS.glob("*.ipynb"))
    assert on_disk == sorted(section.notebook for section in SECTIONS)


def test_appendices_are_labelled_after_the_sections():
    """Appendices are labelled A1, A2, ... and carry no minutes of the 150."""
    assert [s.label for s in agenda.APPENDICES] == ["A%d" % n for n in
                                                     range(1, len(agenda.APPENDICES) + 1)]
    assert all(s.minutes == 0 for s in agenda.APPENDICES)


@pytest.mark.parametrize("section", SECTIONS, ids=IDS)
def test_generated_cells_are_up_to_date(section, tmp_path):
    """Syncing a copy of the notebook from the agenda changes nothing."""
    shutil.copy(notebooks.NOTEBOOKS / section.notebook, tmp_path)
    _, changed = notebooks.sync(section, tmp_path)
    assert not changed, "run 'python -m workshop notebooks %s'" % section.label


@pytest.mark.parametrize("section", SECTIONS, ids=IDS)
def test_contract_comes_first_and_navigation_last(section):
    """The first cell is the contract, with title, minutes and objectives; the last is navigation."""
    nb = read(section)
    first, last = nb.cells[0], nb.cells[-1]
    assert first.metadata["workshop"] == "contract"
    assert first.source.startswith("# %s · %s" % (section.label, section.title))
    for objective in section.objectives:
        assert objective in first.source
    assert last.metadata["workshop"] == "navigation"


@pytest.mark.parametrize("section", SECTIONS, ids=IDS)
def test_every_relative_link_resolves(section):
    """Each relative link in a markdown cell names a file that exists (and a heading, for #anchors)."""
    for cell in read(section).cells:
        if cell.cell_type != "markdown":
            continue
        for target in LINK.findall(cell.source):
            if re.match(r"[a-z]+:", target):
                continue  # an absolute address: nothing here to resolve
            name, _, anchor = target.partition("#")
            path = (notebooks.NOTEBOOKS / name).resolve()
            assert path.exists(), "%s links to missing %s" % (section.notebook, target)
            if anchor and path.suffix == ".md":
                headings = {re.sub(r"[^\w\- ]", "", line.lstrip("#").strip()).lower()
                            .replace(" ", "-")
                            for line in path.read_text(encoding="utf-8").splitlines()
                            if line.startswith("#")}
                assert anchor in headings, "%s: no heading for #%s" % (name, anchor)


def test_navigation_runs_through_every_notebook_once():
    """Following the 'next' links from 00 visits every section, then every appendix, in order."""
    visited = [SECTIONS[0]]
    while True:
        _, after = notebooks.neighbours(visited[-1])
        if after is None:
            break
        visited.append(after)
    assert visited == SECTIONS


@pytest.mark.parametrize("section", SECTIONS, ids=IDS)
def test_stored_outputs_come_from_one_top_to_bottom_run(section):
    """Code cells were run in order in one kernel, and only cells tagged raises-exception hold errors."""
    nb = read(section)
    assert nb.metadata.kernelspec.name == notebooks.KERNEL["name"]
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    for cell in code:
        errors = [out for out in cell.outputs if out.output_type == "error"]
        if errors:
            assert "raises-exception" in cell.metadata.get("tags", []), cell.source


@pytest.mark.parametrize("section", SECTIONS, ids=IDS)
def test_sections_with_exercises_link_them_at_the_end(section):
    """A notebook whose section has exercises ends with a link to them."""
    has_exercises = (notebooks.ROOT / "solutions" / section.notebook).exists()
    link = "](../exercises/%s)" % section.notebook
    assert (link in read(section).cells[-1].source) == has_exercises
