"""Tests for workshop.agenda: the one agenda, and the README's copy of it."""

from pathlib import Path

from workshop import agenda

README = Path(__file__).resolve().parents[2] / "README.md"


def test_agenda_adds_up_to_150_minutes():
    """The sections' minutes add up to the workshop's 150."""
    assert agenda.TOTAL_MINUTES == 150


def test_sections_are_numbered_in_order():
    """Sections are numbered 00 to 08 and their notebooks are named NN_slug.ipynb."""
    assert [s.number for s in agenda.AGENDA] == list(range(9))
    assert agenda.AGENDA[3].notebook == "03_callbacks_and_deferreds.ipynb"


def test_readme_table_is_the_generated_one():
    """The README's agenda table is exactly what 'python -m workshop agenda' prints."""
    assert agenda.markdown_table() in README.read_text(encoding="utf-8")


def test_readme_table_links_each_notebook():
    """Each row of the README's table links the section's notebook, which exists."""
    for section in agenda.AGENDA:
        assert "](notebooks/%s)" % section.notebook in agenda.markdown_table()
        assert (README.parent / "notebooks" / section.notebook).exists()
