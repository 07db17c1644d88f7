"""The built decks in a real browser: headless Chromium, driven by Playwright.

Every deck is built once from the real notebooks, then opened from the file system (and
one from a local HTTP server) with every request recorded: nothing may leave the
machine.  The first and a middle slide must render, every slide must have speaker
notes, the timings must add up to the agenda's minutes, the speaker view must open
with notes and its pacing timer, and ``--pdf`` must print one page per slide.

Chromium is Debian's package (``.ci/run`` installs it); without it these tests skip.
"""

import functools
import http.server
import io
import threading

import pytest

from workshop import agenda, slides

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(slides.chromium() is None,
                                reason="Chromium is not installed (.ci/run installs it)")

SECTIONS = list(agenda.AGENDA)
IDS = [section.label for section in SECTIONS]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every deck, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("slides")
    slides.build(out)
    return out


@pytest.fixture(scope="module")
def browser():
    with slides.headless_chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser):
    """A fresh page that records the address of every request it makes."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.requests = []
    context.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()


def deck_url(built, section):
    return (built / section.notebook.replace(".ipynb", ".html")).as_uri()


def visit_every_slide(page):
    """Step through the deck, so that every image and fragment gets loaded."""
    total = page.evaluate("Reveal.getTotalSlides()")
    for index in range(total):
        page.evaluate("index => Reveal.slide(index)", index)
    return total


def is_blank(png):
    """True when a screenshot is (nearly) one flat colour."""
    from matplotlib.image import imread

    pixels = imread(io.BytesIO(png), format="png")[..., :3]
    return float(pixels.std()) < 0.02


@pytest.mark.parametrize("section", SECTIONS, ids=IDS)
def test_deck_loads_nothing_from_outside_its_folder(built, page, section):
    """Opened from the file system, a deck requests only files beside it."""
    slides.load_deck(page, deck_url(built, section))
    visit_every_slide(page)
    outside = [url for url in page.requests if not url.startswith(built.as_uri() + "/")]
    assert page.requests and outside == []


@pytest.mark.parametrize("section", SECTIONS, ids=IDS)
def test_first_and_middle_slides_render(built, page, section):
    """The title slide and a slide from the middle draw something, not a blank page."""
    slides.load_deck(page, deck_url(built, section))
    assert not is_blank(page.screenshot())
    total = page.evaluate("Reveal.getTotalSlides()")
    page.evaluate("index => Reveal.slide(index)", total // 2)
    page.wait_for_timeout(300)  # the slide transition
    assert not is_blank(page.screenshot())


@pytest.mark.parametrize("section", SECTIONS, ids=IDS)
def test_every_slide_has_speaker_notes(built, page, section):
    """Reveal finds speaker notes on every slide of the deck."""
    slides.load_deck(page, deck_url(built, section))
    notes = page.evaluate(
        "Reveal.getSlides().map(s => (Reveal.getSlideNotes(s) || '').trim().length)")
    assert notes and all(length > 0 for length in notes)


@pytest.mark.parametrize("section", SECTIONS, ids=IDS)
def test_timings_add_up_to_the_agenda(built, page, section):
    """The slides' timings and the pacing total are the section's minutes."""
    slides.load_deck(page, deck_url(built, section))
    timings = page.evaluate("Reveal.getSlides().map(s => Number(s.dataset.timing))")
    assert sum(timings) == section.minutes * 60
    assert page.evaluate("Reveal.getConfig().totalTime") == section.minutes * 60


def test_speaker_view_opens_with_notes_and_pacing(built, page):
    """Pressing S opens the speaker view, with the slide's notes and the pacing timer, loading nothing remote."""
    section = SECTIONS[2]
    slides.load_deck(page, deck_url(built, section))
    with page.context.expect_page() as opened:
        page.keyboard.press("s")
    speaker = opened.value
    notes = speaker.locator(".speaker-controls-notes .value")
    notes.wait_for(state="visible")
    speaker.wait_for_function(
        "document.querySelector('.speaker-controls-notes .value').textContent.trim() !== ''")
    assert section.builds[:40] in notes.text_content()
    assert speaker.locator(".speaker-controls-time .pacing").is_visible()
    # The speaker view loads the deck again (current and next slide): still only local files.
    outside = [url for url in page.requests if not url.startswith(built.as_uri() + "/")
               and url != "about:blank"]
    assert outside == []


def test_deck_served_by_a_local_server_stays_local(built, page):
    """Served over HTTP on 127.0.0.1, a deck requests only that server."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = "http://127.0.0.1:%d/" % server.server_address[1]
        slides.load_deck(page, base + SECTIONS[3].notebook.replace(".ipynb", ".html"))
        visit_every_slide(page)
        assert page.requests and all(url.startswith(base) for url in page.requests)
    finally:
        server.shutdown()
        server.server_close()


def test_pdf_handout_has_a_page_per_slide(built, browser, tmp_path):
    """--pdf prints the deck's print view: a PDF with one page per slide."""
    section = SECTIONS[5]
    pdf = slides.write_pdf(built / section.notebook.replace(".ipynb", ".html"),
                           tmp_path / "handout.pdf", browser)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    assert pages == len(slides.deck(section))
