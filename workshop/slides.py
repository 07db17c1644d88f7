"""Build the presenter's decks: one reveal.js deck per agenda section, from the notebooks.

Mirrors no Twisted module; it plays the part of nbconvert's slides exporter, with what a
workshop needs on top: a title slide and a closing slide from ``workshop.agenda``,
speaker notes and a time for every slide, diagrams drawn as SVG by
``workshop.diagrams``, and reveal.js loaded from the kit's own install, never a CDN.
Tests: ``tests/workshop/test_slides.py`` (the builder) and
``tests/workshop/test_slides_browser.py`` (the built decks, in headless Chromium).

How a notebook marks its slides (nbconvert's and RISE's metadata, so JupyterLab's
property inspector and ``jupyterlab-rise`` show the same slides):

- ``metadata.slideshow.slide_type``: ``"slide"`` starts a slide, ``"fragment"`` adds a
  step to it, ``"-"`` continues it, ``"notes"`` holds its speaker notes, ``"skip"``
  leaves a cell out.  Differs from nbconvert: a cell with no ``slide_type`` stays in
  the notebook only, so a deck shows the few cells marked for it.
- ``metadata.slide_minutes`` on a slide's first cell: how long to spend on it.  The
  title and closing slides take ``FRAME_MINUTES`` each, and with the content slides
  they must add up to the section's minutes in the agenda.
- ``metadata.diagram`` on a code cell: show that diagram of ``diagrams.DIAGRAMS`` (as
  SVG) instead of the cell's code.

``python -m workshop build slides [--pdf]`` writes ``slides/NN_slug.html`` for each
section, ``slides/index.html``, and beside them the diagrams and a copy of reveal.js
from the environment (``kit.py`` installs it); ``--pdf`` adds ``slides/pdf/NN_slug.pdf``
through headless Chromium's print-to-PDF of reveal's print view.  Open a deck from the
file system and press ``S`` for the speaker view, with notes and a pacing timer set to
the section's minutes.
"""

import hashlib
import html
import re
import shutil
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from workshop import agenda
from workshop.notebooks import EXERCISES, NOTEBOOKS, ROOT

SLIDES = ROOT / "slides"
REVEAL = Path(sys.prefix) / "share" / "reveal.js"  # where kit.py unpacks it
FRAME_MINUTES = 0.5  # the title slide, and again the closing slide
MAX_OUTPUT_LINES = 12  # longer outputs are cut on a slide; the notebook has them whole


ANCHOR = re.compile(r'<a class="anchor-link" href="#[^"]*">&#182;</a>')
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r'href="([^":#/][^":]*\.ipynb(?:#[^"]*)?)"')  # a relative link to a notebook


class SlideError(Exception):
    """A notebook's slides cannot make a deck: what is wrong, cell by cell."""


@dataclass
class Slide:
    """One slide: its HTML parts, speaker notes (HTML) and minutes."""

    parts: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    minutes: float = None
    cell: int = None  # the index of the notebook cell that starts it, for messages


def markdown(text):
    """Markdown to HTML, as JupyterLab renders a markdown cell (without heading anchors).

    Links to notebooks are rewritten for a deck in ``slides/``: to the section's deck
    when there is one, otherwise to the notebook beside the slides' folder.
    """
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    # Fenced code goes to reveal's highlighter, like code cells, not to Pygments' markup.
    blocks = []

    def hold(match):
        blocks.append(code_block(match.group(1)))
        return "\n\nSLIDECODEBLOCK%d\n\n" % (len(blocks) - 1)

    text = FENCE.sub(hold, text)
    rendered = LINK.sub(_relink, ANCHOR.sub("", markdown2html_mistune(text)))
    return re.sub(r"(?:<p>)?SLIDECODEBLOCK(\d+)(?:</p>)?",
                  lambda match: blocks[int(match.group(1))], rendered)


def _relink(match):
    target = match.group(1)
    name, _, anchor = target.partition("#")
    decks = {section.notebook for section in agenda.AGENDA}
    if name in decks:
        return 'href="%s"' % name.replace(".ipynb", ".html")
    return 'href="../notebooks/%s"' % target


def code_block(source):
    """A code block for reveal's highlight plugin."""
    return ('<pre><code class="language-python" data-trim data-noescape>%s</code></pre>'
            % html.escape(source))


def output_block(cell):
    """What a code cell printed or returned: text cut to ``MAX_OUTPUT_LINES``, markdown rendered.

    Streams are joined before they are split into lines, so how the kernel happened to
    cut its output into chunks does not show.  A displayed ``Markdown`` (such as
    ``workshop.reveal.show``) is rendered as the notebook renders it.
    """
    text, rendered = "", []
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if output.output_type == "stream":
            text += output.text
        elif "text/markdown" in data:
            rendered.append(markdown(data["text/markdown"]))
        elif output.output_type == "execute_result" and "text/plain" in data:
            if not any(key.startswith("image/") for key in data):
                text += data["text/plain"] + "\n"
        elif output.output_type == "error":
            text += "%s: %s\n" % (output.ename, output.evalue)
    lines = text.splitlines()
    if len(lines) > MAX_OUTPUT_LINES:
        lines = lines[:MAX_OUTPUT_LINES] + ["…"]
    block = '<pre class="output">%s</pre>' % html.escape("\n".join(lines)) if lines else ""
    return block + "".join(rendered)


def image_block(cell):
    """A PNG the cell displayed, inline; "" if none."""
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data:
            return '<img class="figure" src="data:image/png;base64,%s">' % (
                data["image/png"].replace("\n", ""))
    return ""


def cell_html(cell):
    """What a cell shows on a slide."""
    if cell.cell_type == "markdown":
        return markdown(cell.source)
    diagram = cell.metadata.get("diagram")
    if diagram:
        return '<img class="diagram" src="diagrams/%s.svg" alt="%s">' % (diagram, diagram)
    return code_block(cell.source) + output_block(cell) + image_block(cell)


def collect(nb):
    """The content slides of a notebook, from its cells' slide metadata."""
    slides = []
    for index, cell in enumerate(nb.cells):
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        if kind in (None, "skip"):
            continue
        if kind in ("slide", "subslide") or not slides:
            slides.append(Slide(cell=index))
        current = slides[-1]
        if "slide_minutes" in cell.metadata:
            current.minutes = float(cell.metadata["slide_minutes"])
        if kind == "notes":
            current.notes.append(markdown(cell.source))
        elif kind == "fragment":
            current.parts.append('<div class="fragment">%s</div>' % cell_html(cell))
        else:
            current.parts.append(cell_html(cell))
    return slides


def _inline(text):
    """Markdown for one line, without the paragraph around it."""
    return re.sub(r"^<p>|</p>$", "", markdown(text).strip())


def title_slide(section):
    objectives = "".join("<li>%s</li>" % _inline(o) for o in section.objectives)
    body = ('<h2>%s · %s</h2><p class="minutes">%d minutes</p><ul>%s</ul>'
            % (section.label, html.escape(section.title), section.minutes, objectives))
    notes = markdown(section.builds) + "<p>Objectives: read them out; they are what the " \
        "exercises check.</p>"
    return Slide([body], [notes], FRAME_MINUTES)


def closing_slide(section):
    exercise = EXERCISES / section.notebook
    lines = []
    if exercise.exists():
        lines.append('<p>Your turn: <a href="../exercises/%s"><code>exercises/%s</code></a></p>'
                     % (section.notebook, section.notebook))
    else:
        lines.append("<p>Questions?</p>")
    labels = [s.label for s in agenda.AGENDA]
    index = labels.index(section.label) if section.label in labels else len(labels)
    if index + 1 < len(agenda.AGENDA):
        after = agenda.AGENDA[index + 1]
        lines.append('<p>Next: <a href="%s">%s %s</a></p>' % (
            after.notebook.replace(".ipynb", ".html"), after.label, html.escape(after.title)))
    notes = ("<p>Point to the exercises and the self-check cells; the notebook "
             "<code>notebooks/%s</code> has everything the slides left out.</p>"
             % section.notebook)
    return Slide(["<h2>%s · done</h2>" % section.label] + lines, [notes], FRAME_MINUTES)


def check(section, slides):
    """The problems that stop ``slides`` from making ``section``'s deck (empty when none)."""
    problems = []
    if len(slides) < 3:  # the title and closing slides, and nothing from the notebook
        problems.append("no slides marked in the notebook (slideshow.slide_type)")
    for slide in slides:
        where = "the slide at cell %s" % slide.cell if slide.cell is not None else "a slide"
        if not slide.notes:
            problems.append("%s has no speaker notes" % where)
        if slide.minutes is None:
            problems.append("%s has no slide_minutes" % where)
    total = sum(slide.minutes or 0 for slide in slides)
    if abs(total - section.minutes) > 1e-9:
        problems.append("the slides take %g minutes, the agenda gives %d"
                        % (total, section.minutes))
    return problems


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="reveal.js/dist/reveal.css">
<link rel="stylesheet" href="reveal.js/dist/theme/white.css">
<link rel="stylesheet" href="reveal.js/plugin/highlight/monokai.css">
<style>
.reveal pre {{ width: 100%; font-size: 0.5em; }}
.reveal pre.output {{ background: #f4f4f4; padding: 0.4em; box-shadow: none;
                     white-space: pre-wrap; }}
.reveal img.diagram, .reveal img.figure {{ max-height: 640px; max-width: 100%;
                                           border: none; margin: 0; }}
.reveal .hljs-comment {{ color: #c8c4a8; }}  /* monokai's grey is too faint for a projector */
.reveal p.minutes {{ color: #777; }}
.reveal .slides section {{ text-align: left; }}
</style>
</head>
<body>
<div class="reveal"><div class="slides">
{sections}
</div></div>
<script src="reveal.js/dist/reveal.js"></script>
<script src="reveal.js/plugin/notes/notes.js"></script>
<script src="reveal.js/plugin/highlight/highlight.js"></script>
<script>
Reveal.initialize({{
  hash: true, width: 1280, height: 720, slideNumber: "c/t",
  totalTime: {seconds},
  pdfSeparateFragments: false,  // a handout page per slide, not per fragment step,
  pdfMaxPagesPerSlide: 1,       // and a tall slide does not spill onto a second page
  plugins: [RevealNotes, RevealHighlight]
}});
</script>
</body>
</html>
"""


def render(section, slides):
    """The deck's HTML: one <section> per slide, with data-timing and <aside class="notes">."""
    sections = []
    for slide in slides:
        sections.append('<section data-timing="%d">\n%s\n<aside class="notes">%s</aside>\n'
                        '</section>' % (round(slide.minutes * 60), "\n".join(slide.parts),
                                        "\n".join(slide.notes)))
    return PAGE.format(title=html.escape("%s · %s" % (section.label, section.title)),
                       sections="\n".join(sections), seconds=section.minutes * 60)


def read(section, notebooks=NOTEBOOKS):
    """``section``'s notebook, from the folder ``notebooks``."""
    return nbformat.read(Path(notebooks) / section.notebook, as_version=4)


def deck(section, notebooks=NOTEBOOKS, nb=None):
    """The slides of ``section``'s deck, title to closing; raises SlideError when unfit.

    ``nb`` is the notebook when the caller has read it already.
    """
    nb = read(section, notebooks) if nb is None else nb
    slides = [title_slide(section)] + collect(nb) + [closing_slide(section)]
    problems = check(section, slides)
    if problems:
        raise SlideError("%s:\n  %s" % (section.notebook, "\n  ".join(problems)))
    return slides


def diagrams_used(nb):
    return {cell.metadata["diagram"] for cell in nb.cells if cell.metadata.get("diagram")}


def sources_fingerprint(notebooks=NOTEBOOKS):
    """A hash of everything a build reads: notebooks, this module, diagrams, agenda, reveal."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in sorted(Path(notebooks).glob("*.ipynb")) + [
            here / "slides.py", here / "diagrams.py", here / "agenda.py"]:
        digest.update(path.name.encode() + path.read_bytes())
    digest.update(str(REVEAL).encode())
    return digest.hexdigest()


def index_page(sections):
    items = "".join('<li><a href="%s">%s · %s</a> (%d minutes)</li>' % (
        s.notebook.replace(".ipynb", ".html"), s.label, html.escape(s.title), s.minutes)
        for s in sections)
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Twisted "
            "workshop slides</title></head><body><h1>Twisted from the inside: the slides</h1>"
            "<p>Open a deck, press <kbd>S</kbd> for the speaker view.</p><ol start=\"0\">%s"
            "</ol></body></html>\n" % items)


def build(outdir=SLIDES, notebooks=NOTEBOOKS, sections=agenda.AGENDA, pdf=False):
    """Build every deck into ``outdir``; return the deck paths.  Raises SlideError first
    if any notebook's slides are unfit, so no half-built set is left."""
    from workshop import diagrams

    if not (REVEAL / "dist" / "reveal.js").exists():
        raise SlideError("reveal.js is not installed in %s: run 'python3 kit.py setup'"
                         % REVEAL)
    sources = {section: read(section, notebooks) for section in sections}
    decks = {section: deck(section, nb=nb) for section, nb in sources.items()}
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REVEAL, outdir / "reveal.js", dirs_exist_ok=True)
    wanted = set().union(*(diagrams_used(nb) for nb in sources.values()))
    (outdir / "diagrams").mkdir(exist_ok=True)
    for name in sorted(wanted):
        diagrams.save(diagrams.DIAGRAMS[name](), outdir / "diagrams" / (name + ".svg"))
    paths = []
    for section, slides in decks.items():
        path = outdir / section.notebook.replace(".ipynb", ".html")
        path.write_text(render(section, slides), encoding="utf-8")
        paths.append(path)
    (outdir / "index.html").write_text(index_page(sections), encoding="utf-8")
    (outdir / "built-from.txt").write_text(sources_fingerprint(notebooks) + "\n")
    if pdf:
        write_pdfs(paths, outdir / "pdf")
    return paths


def is_stale(outdir=SLIDES, notebooks=NOTEBOOKS):
    """True when the decks in ``outdir`` were not built from the current sources."""
    stamp = Path(outdir) / "built-from.txt"
    return not stamp.exists() or stamp.read_text().strip() != sources_fingerprint(notebooks)


def chromium():
    """The Chromium (or Chrome) executable, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def headless_chromium():
    """Headless Chromium (the system's, as Debian's package installs it) through Playwright.

    Yields the Playwright browser and closes it on leaving.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SlideError("this needs Playwright: python3 kit.py setup installs it") from None
    executable = chromium()
    if executable is None:
        raise SlideError("this needs Chromium (or Chrome) on the PATH")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def load_deck(page, url):
    """Open a deck in ``page`` and wait until reveal.js has laid it out."""
    page.goto(url)
    page.wait_for_function("window.Reveal && Reveal.isReady()")


def write_pdfs(paths, outdir):
    """Print every deck in ``paths`` to ``outdir``, with one browser."""
    with headless_chromium() as browser:
        return [write_pdf(path, Path(outdir) / path.with_suffix(".pdf").name, browser)
                for path in paths]


def write_pdf(deck_path, pdf_path, browser=None):
    """Print a deck's reveal print view (``?print-pdf``) to PDF with headless Chromium.

    Driven through Playwright so the page is printed only once reveal.js has laid out
    its print view; Chromium's own ``--print-to-pdf`` prints before that, blank.  Pass
    an open Playwright ``browser`` to reuse it; otherwise one is started and closed.
    """
    if browser is None:
        with headless_chromium() as browser:
            return write_pdf(deck_path, pdf_path, browser)
    pdf_path = Path(pdf_path)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    try:
        load_deck(page, Path(deck_path).resolve().as_uri() + "?print-pdf")
        # reveal lays out its print view after it reports ready: wait for the pages.
        page.wait_for_function("document.querySelectorAll('.pdf-page').length"
                               " === Reveal.getTotalSlides()")
        page.evaluate("document.fonts.ready")
        page.pdf(path=str(pdf_path), width="1280px", height="720px", print_background=True)
    finally:
        page.close()
    return pdf_path


def main(pdf=False):
    """The ``build slides`` command."""
    try:
        paths = build(pdf=pdf)
    except SlideError as error:
        print("cannot build the slides: %s" % error, file=sys.stderr)
        return 1
    for path in paths:
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(pdf="--pdf" in sys.argv))
