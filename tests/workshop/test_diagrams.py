"""Tests for workshop.diagrams: the pictures render, say what they should, and the runs are real."""

import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no window, and the same pixels on every machine

import matplotlib.text  # noqa: E402
import pytest  # noqa: E402
from matplotlib.testing.compare import compare_images  # noqa: E402

from workshop import diagrams  # noqa: E402

BASELINE = Path(__file__).parent / "baseline"
COUNTS = {"wait": 12, "dispatch": 30, "timer": 3, "callback": 40}
DELAY = 0.2


def texts(fig):
    """Every string the figure draws, after rendering it with Agg."""
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


@pytest.fixture(scope="module")
def runs():
    """One real measurement of the three servers, shared by the tests that read it."""
    return diagrams.measure_three_models(DELAY)


def test_reactor_loop_shows_its_four_steps():
    """The reactor loop draws the label of each of its four steps."""
    drawn = texts(diagrams.reactor_loop())
    for _, label, _ in diagrams.LOOP_STEPS:
        assert label in drawn
    assert "wait for\nevents" in drawn


def test_reactor_loop_without_counts_shows_no_count():
    """Without counts, no box carries a count."""
    assert not any(text.endswith("×") for text in texts(diagrams.reactor_loop()))


def test_reactor_loop_annotates_each_step_with_its_count():
    """Given counts, each step shows its count."""
    drawn = texts(diagrams.reactor_loop(COUNTS))
    for count in COUNTS.values():
        assert "%d×" % count in drawn


def test_reactor_loop_matches_its_baseline_image(tmp_path):
    """The reactor loop renders the same pixels as the stored baseline."""
    actual = tmp_path / "reactor_loop.png"
    diagrams.save(diagrams.reactor_loop(), actual)
    assert compare_images(str(BASELINE / "reactor_loop.png"), str(actual), tol=2) is None


def test_three_models_draws_given_runs():
    """Given runs, three timelines appear, titled by model, one lane per request."""
    given = {model: [(1, 0.0, 0.2), (2, 0.2, 0.4), (3, 0.4, 0.6)] for model in diagrams.MODELS}
    fig = diagrams.three_models(given)
    drawn = texts(fig)
    for model in diagrams.MODELS:
        assert model in drawn
    for request in ("request 1", "request 2", "request 3"):
        assert request in drawn
    assert len(fig.axes) == 3


def test_measured_runs_have_three_requests_per_model(runs):
    """Each model serves three requests, each ending after it starts, timed from the first start."""
    for model in diagrams.MODELS:
        assert [request for request, _, _ in runs[model]] == [1, 2, 3]
        assert min(start for _, start, _ in runs[model]) == 0
        assert all(start < end for _, start, end in runs[model])


def test_blocking_serves_one_request_after_the_other(runs):
    """In the blocking server, each request starts after the previous one ends."""
    blocking = runs["blocking"]
    for (_, _, previous_end), (_, start, _) in zip(blocking, blocking[1:]):
        assert start >= previous_end


@pytest.mark.parametrize("model", ["threaded", "event-driven"])
def test_threaded_and_event_driven_serve_requests_together(runs, model):
    """In the threaded and event-driven servers, all three requests start before the first ends."""
    first_end = min(end for _, _, end in runs[model])
    assert all(start < first_end for _, start, _ in runs[model])


def test_three_models_without_runs_measures_them():
    """Called with no runs, the diagram measures the three servers itself."""
    drawn = texts(diagrams.three_models())
    assert "event-driven" in drawn
    assert "request 3" in drawn


def test_diagrams_command_writes_svg_and_png_for_each_diagram(tmp_path):
    """'python -m workshop diagrams OUTDIR' writes NAME.svg and NAME.png for every diagram."""
    env = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-m", "workshop", "diagrams", str(tmp_path)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == sorted(name + suffix for name in diagrams.DIAGRAMS
                             for suffix in (".svg", ".png"))


def test_svg_output_is_the_same_on_every_save(tmp_path):
    """Saving the reactor loop twice as SVG gives the same bytes."""
    first, second = tmp_path / "first.svg", tmp_path / "second.svg"
    diagrams.save(diagrams.reactor_loop(), first)
    diagrams.save(diagrams.reactor_loop(), second)
    assert first.read_bytes() == second.read_bytes()
