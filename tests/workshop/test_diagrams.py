"""Tests for workshop.diagrams: the pictures render, say what they should, and the runs are real."""

import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no window, and the same pixels on every machine

import matplotlib.text  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.testing.compare import compare_images  # noqa: E402

from minitwisted.internet import defer, trace  # noqa: E402
from minitwisted.internet.trace import Event, Trace  # noqa: E402
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
    assert_matches_baseline(diagrams.reactor_loop(), "reactor_loop", tmp_path)


def assert_matches_baseline(fig, name, tmp_path):
    actual = tmp_path / (name + ".png")
    diagrams.save(fig, actual)
    assert compare_images(str(BASELINE / (name + ".png")), str(actual), tol=2) is None


# -- The ladder ------------------------------------------------------------------------------


def boxes(fig):
    """The ladder's boxes by gid, each with its fill colour."""
    return {patch.get_gid(): patch.get_facecolor() for patch in fig.axes[0].patches
            if (patch.get_gid() or "").startswith("ladder-")}


def recorded_chain(fail_at_the_end=False):
    """A real chain that raises, skips a callback, recovers and (maybe) fails again."""
    def explode(value):
        raise ValueError(value)

    def recover(failure):
        failure.trap(ValueError)
        return "recovered"

    def refuse(value):
        raise KeyError(value)

    d = defer.Deferred()
    history = trace.history(d)
    d.addCallback(explode)
    d.addCallback(str.upper)
    d.addErrback(recover)
    if fail_at_the_end:
        d.addCallback(refuse)
    d.callback("x")
    if fail_at_the_end:
        d.addErrback(lambda failure: None)  # handled, after the recording saw the failure
    return d, history


def test_ladder_draws_one_row_per_pair_in_two_columns():
    """Each pair of the chain is a row with a callback box and an errback box."""
    _, history = recorded_chain()
    fig = diagrams.ladder(history)
    assert set(boxes(fig)) == {"ladder-%d-%s" % (row, kind) for row in range(3)
                               for kind in ("callback", "errback")}
    drawn = texts(fig)
    assert {"callbacks", "errbacks", "explode", "str.upper", "recover", "pass-through"} <= set(drawn)


def test_ladder_highlights_exactly_the_steps_the_deferred_ran():
    """The boxes filled as run are the (row, column) pairs of the recorded steps, red where they raised."""
    _, history = recorded_chain()
    drawn = boxes(diagrams.ladder(history))
    ran = {"ladder-%d-%s" % (step.row, step.kind): step for step in history.steps}
    assert set(ran) == {"ladder-0-callback", "ladder-2-errback"}
    for gid, colour in drawn.items():
        if gid not in ran:
            expected = diagrams.NOT_RUN
        elif ran[gid].raised is not None:
            expected = diagrams.RAN_RAISED
        else:
            expected = diagrams.RAN_OK
        assert colour == to_rgba(expected), gid


def test_ladder_marks_success_and_failure_and_the_result():
    """What each step did is written in its box, and the final result under the ladder."""
    drawn = texts(diagrams.ladder(recorded_chain()[1]))
    assert "raised ValueError" in drawn
    assert "returned 'recovered'" in drawn
    assert "result: 'recovered'" in drawn


def test_ladder_of_a_chain_ending_in_failure_says_so():
    """A chain whose last recorded step raised ends with the Failure's type."""
    d, history = recorded_chain(fail_at_the_end=True)
    drawn = texts(diagrams.ladder(history))
    assert "raised KeyError" in drawn


def test_ladder_arrows_follow_the_path():
    """One arrow enters the chain, one links each pair of steps, one leaves to the result."""
    _, history = recorded_chain()
    fig = diagrams.ladder(history)
    arrows = [p for p in fig.axes[0].patches if p.get_gid() is None]
    assert len(arrows) == len(history.steps) + 1
    colours = [arrow.get_edgecolor() for arrow in arrows]
    # Into explode: a value; into recover: a Failure; out to the result: a value.
    assert colours == [to_rgba(diagrams.SUCCESS_PATH), to_rgba(diagrams.FAILURE_PATH),
                       to_rgba(diagrams.SUCCESS_PATH)]


def test_ladder_demo_shows_the_nested_deferred_it_waited_on():
    """The demo's chain waits on a Deferred, whose own chain is drawn beside the step."""
    drawn = texts(diagrams.ladder_demo())
    assert "waited on a Deferred" in drawn
    assert any(text.startswith("waited on:\n") for text in drawn)
    assert "result: 'answer: 42'" in drawn


def test_ladder_demo_matches_its_baseline_image(tmp_path):
    """The demo ladder renders the same pixels as the stored baseline."""
    assert_matches_baseline(diagrams.ladder_demo(), "ladder", tmp_path)


# -- The timeline ----------------------------------------------------------------------------


def bars(fig):
    """The timeline's bars by event index: (left, lane label)."""
    ax = fig.axes[0]
    labels = [label.get_text() for label in ax.get_yticklabels()]
    found = {}
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if gid.startswith("timeline-"):
            lane = round(patch.get_y() + patch.get_height() / 2)
            found[int(gid.split("-")[1])] = (patch.get_x(), labels[lane])
    return found


@pytest.fixture(scope="module")
def echo_trace():
    """One traced real echo exchange, shared by the tests that read it."""
    return diagrams.record_echo_run()


def test_timeline_has_a_bar_for_each_event_in_its_lane(echo_trace):
    """Every wait, dispatch, timer and thread call is one bar, in its own lane, at its start."""
    found = bars(diagrams.timeline(echo_trace))
    drawn = [i for i, e in enumerate(echo_trace.events) if e.kind != "call"]
    assert sorted(found) == drawn
    t0 = echo_trace.events[drawn[0]].start
    for index in drawn:
        event = echo_trace.events[index]
        left, lane = found[index]
        assert lane == diagrams.timeline_lane(event)
        assert left == pytest.approx((event.start - t0) * 1000)


def test_timeline_lanes_name_the_connections_and_timers(echo_trace):
    """The lanes are the wait lane, the descriptors dispatched to and the timers that fired."""
    lanes = [label.get_text() for label in
             diagrams.timeline(echo_trace).axes[0].get_yticklabels()]
    assert lanes[0] == diagrams.WAIT_LANE
    assert "timer: FileDescriptor.write" in lanes  # the client's second line, sent later
    assert any(lane.startswith("Echo,") for lane in lanes)


def test_timeline_draws_a_given_trace():
    """A hand-made trace of one wait and one dispatch draws two bars in two lanes."""
    t = Trace(reactor=None)
    t.events = [Event("wait", 1.0, 0.5, details={"waited": 0.5}),
                Event("dispatch", 1.5, 0.01, name="Echo,0,127.0.0.1")]
    found = bars(diagrams.timeline(t))
    assert found == {0: (0.0, diagrams.WAIT_LANE), 1: (500.0, "Echo,0,127.0.0.1")}


# -- The lifecycle ---------------------------------------------------------------------------

CALLS = [
    ("your code", "reactor", "listenTCP"),
    ("your code", "reactor", "connectTCP"),
    ("reactor", "Factory (server)", "buildProtocol"),
    ("reactor", "Echo (server)", "makeConnection"),
    ("Echo (server)", "Echo (server)", "connectionMade"),
    ("reactor", "ClientFactory (client)", "buildProtocol"),
    ("reactor", "EchoClient (client)", "makeConnection"),
    ("EchoClient (client)", "EchoClient (client)", "connectionMade"),
    ("EchoClient (client)", "reactor", "write"),
    ("reactor", "Echo (server)", "dataReceived"),
    ("Echo (server)", "reactor", "write"),
    ("reactor", "EchoClient (client)", "dataReceived"),
    ("EchoClient (client)", "reactor", "loseConnection"),
    ("reactor", "EchoClient (client)", "connectionLost"),
    ("reactor", "Echo (server)", "connectionLost"),
]


def arrow_labels(fig):
    """The lifecycle's arrow labels, top to bottom (the monospace texts, in drawing order)."""
    return [t.get_text() for t in fig.axes[0].texts if t.get_fontfamily() == ["monospace"]]


def test_lifecycle_has_one_arrow_per_call_in_order():
    """Each call is an arrow labelled with its method, in the order the calls ran."""
    labels = arrow_labels(diagrams.lifecycle(CALLS))
    assert labels == [("transport." + method if target == "reactor" and caller != "your code"
                       else method) for caller, target, method in CALLS]


def test_lifecycle_has_a_lifeline_per_participant():
    """Your code and the reactor come first, then each factory and protocol as it appears."""
    drawn = texts(diagrams.lifecycle(CALLS))
    for lane in ("your code", "reactor &\ntransports", "Factory\n(server)", "Echo\n(server)",
                 "ClientFactory\n(client)", "EchoClient\n(client)"):
        assert lane in drawn


def test_lifecycle_of_a_recorded_run_follows_the_trace(echo_trace):
    """Drawn from a real traced echo exchange, the arrows are the trace's calls, in order."""
    calls = echo_trace.calls()
    labels = arrow_labels(diagrams.lifecycle(echo_trace))
    assert [label.rpartition(".")[2] for label in labels] == [m for _, _, m in calls]
    assert "dataReceived" in labels and "transport.loseConnection" in labels


def test_lifecycle_matches_its_baseline_image(tmp_path):
    """The lifecycle of a fixed list of calls renders the same pixels as the stored baseline."""
    assert_matches_baseline(diagrams.lifecycle(CALLS), "lifecycle", tmp_path)


# -- Three models ----------------------------------------------------------------------------


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


def test_loop_counts_come_from_the_trace(echo_trace):
    """The loop's counts are the trace's waits, dispatches and timers, and the loop's calls into protocols."""
    counts = diagrams.loop_counts(echo_trace)
    assert counts["wait"] == len(echo_trace.ofKind("wait")) > 0
    assert counts["dispatch"] == len(echo_trace.ofKind("dispatch")) > 0
    assert counts["timer"] == len(echo_trace.ofKind("timer")) > 0
    calls = [c for c in echo_trace.calls() if c[0] == "reactor" and c[1] != "reactor"]
    assert counts["callback"] == len(calls) and ("reactor", "Echo (server)", "dataReceived") in calls


def test_reactor_loop_demo_shows_a_real_runs_counts():
    """The demo loop carries a count in each of its four boxes."""
    drawn = texts(diagrams.reactor_loop_demo())
    assert sum(text.endswith("×") for text in drawn) == 4
