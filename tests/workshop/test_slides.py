"""Tests for workshop.slides: decks come from the notebooks' slide metadata and the agenda.

These build decks from small notebooks written by the tests; the built decks are opened
in a real browser by ``test_slides_browser.py``.
"""

import nbformat
import pytest

from workshop import agenda, lab, slides

SECTION = agenda.Section(2, "reactor", "The reactor", 3, "timers",
                         builds="We build timers.", objectives=("Use `callLater`.",))


def cell(kind, source, slide_type=None, minutes=None, **metadata):
    new = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    made = new(source)
    if slide_type is not None:
        made.metadata["slideshow"] = {"slide_type": slide_type}
    if minutes is not None:
        made.metadata["slide_minutes"] = minutes
    made.metadata.update(metadata)
    return made


def good_cells():
    """Two content slides of a minute each, with notes; the rest is notebook-only."""
    printed = cell("code", "print('tick')", "fragment")
    printed.outputs = [nbformat.v4.new_output("stream", text="tick\n")]
    return [
        cell("markdown", "A long notebook-only paragraph."),
        cell("markdown", "## Timers in a heap", "slide", 1),
        printed,
        cell("markdown", "Say why a heap.", "notes"),
        cell("markdown", "## The loop", "slide", 1),
        cell("code", "diagrams.reactor_loop()", "-", diagram="reactor_loop"),
        cell("markdown", "Walk round the loop.", "notes"),
        cell("code", "secret = 1", "skip"),
    ]


@pytest.fixture
def notebooks(tmp_path):
    """A notebooks folder whose 02_reactor.ipynb has the given cells."""
    def write(cells):
        nb = nbformat.v4.new_notebook()
        nb.cells = cells
        nbformat.write(nb, tmp_path / SECTION.notebook)
        return tmp_path
    return write


def test_deck_has_title_content_and_closing_slides(notebooks):
    """A deck is the title slide, one slide per marked slide, and the closing slide."""
    deck = slides.deck(SECTION, notebooks(good_cells()))
    assert len(deck) == 4
    assert "02 · The reactor" in deck[0].parts[0]
    assert "3 minutes" in deck[0].parts[0]
    assert "Use <code>callLater</code>." in deck[0].parts[0]
    assert "02 · done" in deck[-1].parts[0]


def test_unmarked_and_skipped_cells_stay_out_of_the_deck(notebooks):
    """Cells without slide metadata, and skipped ones, are in the notebook only."""
    html = slides.render(SECTION, slides.deck(SECTION, notebooks(good_cells())))
    assert "notebook-only" not in html
    assert "secret" not in html


def test_code_fragments_outputs_and_diagrams_are_rendered(notebooks):
    """Code is highlighted with its output, fragments step in, and diagram cells show the SVG."""
    html = slides.render(SECTION, slides.deck(SECTION, notebooks(good_cells())))
    assert '<div class="fragment"><pre><code class="language-python"' in html
    assert "print(&#x27;tick&#x27;)" in html
    assert '<pre class="output">tick</pre>' in html
    assert '<img class="diagram" src="diagrams/reactor_loop.svg"' in html
    assert "diagrams.reactor_loop()" not in html


def test_every_slide_carries_its_notes_and_timing(notebooks):
    """Each <section> has data-timing in seconds and an aside of notes; totalTime is the agenda's."""
    html = slides.render(SECTION, slides.deck(SECTION, notebooks(good_cells())))
    assert html.count("<section ") == 4
    assert html.count('<aside class="notes">') == 4
    assert html.count('data-timing="60"') == 2 and html.count('data-timing="30"') == 2
    assert "totalTime: 180" in html
    assert "Say why a heap." in html


def test_a_slide_without_notes_is_refused(notebooks):
    """A content slide with no notes cell stops the build, naming the slide."""
    cells = [c for c in good_cells() if c.source != "Say why a heap."]
    with pytest.raises(slides.SlideError, match="cell 1 has no speaker notes"):
        slides.deck(SECTION, notebooks(cells))


def test_a_slide_without_minutes_is_refused(notebooks):
    """A content slide with no slide_minutes stops the build."""
    cells = good_cells()
    del cells[4].metadata["slide_minutes"]
    with pytest.raises(slides.SlideError, match="cell 4 has no slide_minutes"):
        slides.deck(SECTION, notebooks(cells))


def test_minutes_that_do_not_add_up_are_refused(notebooks):
    """Slides taking more or less than the section's minutes stop the build."""
    cells = good_cells()
    cells[1].metadata["slide_minutes"] = 2
    with pytest.raises(slides.SlideError, match="take 4 minutes, the agenda gives 3"):
        slides.deck(SECTION, notebooks(cells))


def test_a_notebook_with_no_slides_is_refused(notebooks):
    """A notebook with no cell marked for slides makes no deck."""
    with pytest.raises(slides.SlideError, match="no slides marked"):
        slides.deck(SECTION, notebooks([cell("markdown", "only prose")]))


@pytest.mark.skipif(not (slides.REVEAL / "dist" / "reveal.js").exists(),
                    reason="reveal.js is not installed (python3 kit.py setup installs it)")
def test_build_writes_decks_reveal_and_diagrams_and_a_stamp(notebooks, tmp_path):
    """A build writes the deck, the index, reveal.js, the SVG diagrams and the sources' stamp."""
    source = notebooks(good_cells())
    out = tmp_path / "out"
    paths = slides.build(out, source, sections=[SECTION])
    assert paths == [out / "02_reactor.html"]
    assert (out / "reveal.js" / "dist" / "reveal.js").exists()
    assert (out / "reveal.js" / "plugin" / "notes" / "notes.js").exists()
    assert (out / "diagrams" / "reactor_loop.svg").read_text().startswith("<?xml")
    assert "02_reactor.html" in (out / "index.html").read_text()
    assert not slides.is_stale(out, source)
    (source / SECTION.notebook).write_text(
        (source / SECTION.notebook).read_text().replace("Walk round", "Go round"))
    assert slides.is_stale(out, source)


def test_the_workshop_command_rebuilds_stale_slides_only(monkeypatch):
    """Starting the lab builds the decks when stale, skips them when fresh, and survives failure."""
    built = []
    monkeypatch.setattr(slides, "build", lambda: built.append(True))
    monkeypatch.setattr(slides, "is_stale", lambda: True)
    assert lab.refresh_slides() is True and built == [True]
    monkeypatch.setattr(slides, "is_stale", lambda: False)
    assert lab.refresh_slides() is True and built == [True]

    def broken():
        raise slides.SlideError("no slides marked")

    monkeypatch.setattr(slides, "is_stale", lambda: True)
    monkeypatch.setattr(slides, "build", broken)
    assert lab.refresh_slides() is False


@pytest.mark.parametrize("section", agenda.AGENDA, ids=[s.label for s in agenda.AGENDA])
def test_every_section_makes_a_deck(section):
    """Each agenda section's notebook marks slides that make a deck of its minutes."""
    deck = slides.deck(section)
    assert sum(slide.minutes for slide in deck) == section.minutes
    assert len(deck) >= 4


def test_outputs_join_streams_and_render_markdown():
    """Stream chunks join before lines are counted, and displayed markdown renders as HTML."""
    shown = cell("code", "show(f)")
    shown.outputs = [nbformat.v4.new_output("stream", text="one\n"),
                     nbformat.v4.new_output("stream", text="\ntwo\n"),
                     nbformat.v4.new_output("display_data",
                                            data={"text/markdown": "```python\ndef f(): pass\n```",
                                                  "text/plain": "<Markdown object>"})]
    block = slides.output_block(shown)
    assert '<pre class="output">one\n\ntwo</pre>' in block
    assert '<code class="language-python" data-trim data-noescape>def f(): pass' in block
    assert "Markdown object" not in block


def test_links_point_to_decks_or_back_to_the_notebooks():
    """A link to a section's notebook leads to its deck; any other notebook, to notebooks/."""
    rendered = slides.markdown("[05](05_protocols_and_factories.ipynb) and "
                               "[A1](A1_asyncio_interop.ipynb#part-2) and [web](https://x.org/a.ipynb)")
    assert 'href="05_protocols_and_factories.html"' in rendered
    assert 'href="../notebooks/A1_asyncio_interop.ipynb#part-2"' in rendered
    assert 'href="https://x.org/a.ipynb"' in rendered
