"""Diagrams for the slides and notebooks: each function returns a matplotlib Figure.

Mirrors no Twisted module: these are the workshop's pictures, for the notebooks from
``notebooks/00_introduction.ipynb`` on and for the slides.  Tested by
``tests/workshop/test_diagrams.py``.

- ``reactor_loop(counts)``: one turn of the loop, annotated with a real run's counts
  (``loop_counts(trace)`` counts them);
- ``ladder(history)``: a Deferred's callback/errback ladder, with the path it took;
- ``timeline(trace)``: a reactor run, one lane per connection or timer;
- ``lifecycle(trace)``: a connection's lifecycle as a sequence diagram;
- ``three_models(runs)``: blocking, threaded and event-driven servers side by side.

Each draws from data (a ``minitwisted.internet.trace`` record, or measured runs) and has
a demo form that records a small real run itself (``reactor_loop_demo``, ``ladder_demo``,
``timeline_demo``, ``lifecycle_demo``; ``three_models()`` with no runs measures them).

Every diagram is drawn for a projector: a fixed size, large fonts and few words.  The
figures are built with ``matplotlib.figure.Figure`` rather than ``pyplot``, so making one
opens no window and leaves no global state; a notebook shows a returned Figure inline.

To add a diagram, write one function returning a Figure and add it to ``DIAGRAMS``;
``python -m workshop diagrams OUTDIR`` then writes it as SVG and PNG.
"""

import socket
import threading
import time
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

FIGSIZE = (10, 7)  # inches; with DPI, a 1000x700 picture that fills a slide
DPI = 100
FONT_SIZE = 20

# The reactor loop, in the order one turn runs: (key in ``counts``, box label, centre).
LOOP_STEPS = (
    ("wait", "wait for\nevents", (0.0, 0.75)),
    ("dispatch", "dispatch to\nreaders & writers", (1.0, 0.0)),
    ("timer", "run due\ntimers", (0.0, -0.75)),
    ("callback", "your\ncallbacks", (-1.0, 0.0)),
)
BOX_HALF_WIDTH = 0.58
BOX_HALF_HEIGHT = 0.3

MODELS = ("blocking", "threaded", "event-driven")
MODEL_COLOURS = {"blocking": "tab:red", "threaded": "tab:orange", "event-driven": "tab:green"}


def _display_figures_inline():
    """In a Jupyter kernel, show a returned Figure as a picture, as pyplot figures are.

    Figures made without pyplot have no inline display of their own; without this a
    cell ending in ``diagrams.reactor_loop()`` would print ``<Figure size ...>`` only.
    """
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:  # not in IPython: nothing to display on
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "kernel"):
        select_figure_formats(shell, {"png"}, dpi=DPI)


_display_figures_inline()


# -- The reactor loop ----------------------------------------------------------------------------

def _arrow_ends(start, end):
    """The points where an arrow leaves the box at ``start`` and enters the box at ``end``.

    Boxes sit on a diamond, so going round clockwise each arrow leaves a top or bottom
    box from its side and enters a left or right box from above or below (and back).
    """
    (x0, y0), (x1, y1) = start, end
    if x0 == 0.0:  # leaving the top or bottom box sideways, towards the next box
        tail = (x0 + BOX_HALF_WIDTH * (1 if x1 > x0 else -1), y0)
        head = (x1, y1 + BOX_HALF_HEIGHT * (1 if y0 > y1 else -1))
    else:  # leaving a side box vertically, towards the top or bottom box
        tail = (x0, y0 + BOX_HALF_HEIGHT * (1 if y1 > y0 else -1))
        head = (x1 + BOX_HALF_WIDTH * (1 if x0 > x1 else -1), y1)
    return tail, head


def reactor_loop(counts=None):
    """Draw one turn of the reactor loop as four boxes in a clockwise cycle.

    ``counts`` maps the steps' keys (``"wait"``, ``"dispatch"``, ``"timer"``,
    ``"callback"``) to how often each ran in a real run; each given count is written
    in its box as ``12×``.
    """
    counts = counts or {}
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-1.75, 1.75)
    ax.set_ylim(-1.25, 1.25)
    ax.set_axis_off()

    for key, label, (x, y) in LOOP_STEPS:
        ax.add_patch(FancyBboxPatch(
            (x - BOX_HALF_WIDTH, y - BOX_HALF_HEIGHT), 2 * BOX_HALF_WIDTH, 2 * BOX_HALF_HEIGHT,
            boxstyle="round,pad=0.02", facecolor="#dceefc", edgecolor="#1f4e79", linewidth=2))
        if key not in counts:
            ax.text(x, y, label, ha="center", va="center", fontsize=FONT_SIZE)
            continue
        # With a count, the label moves up to make room for the count inside the box.
        ax.text(x, y + 0.08, label, ha="center", va="center", fontsize=FONT_SIZE)
        ax.text(x, y - 0.19, "%d×" % counts[key], ha="center", va="center",
                fontsize=FONT_SIZE, fontweight="bold", color="#1f4e79")

    centres = [centre for _, _, centre in LOOP_STEPS]
    for start, end in zip(centres, centres[1:] + centres[:1]):
        tail, head = _arrow_ends(start, end)
        ax.add_patch(FancyArrowPatch(tail, head, connectionstyle="arc3,rad=-0.3",
                                     arrowstyle="-|>", mutation_scale=30,
                                     linewidth=2.5, color="#1f4e79"))

    ax.text(0, 0, "reactor.run()", ha="center", va="center", fontsize=FONT_SIZE,
            family="monospace", color="#555555")
    return fig


# -- Three models: blocking, threaded, event-driven ----------------------------------------------

def three_models(runs=None):
    """Draw blocking, threaded and event-driven serving of the same three slow requests.

    ``runs`` maps each of ``MODELS`` to ``[(request, start, end), ...]`` in seconds;
    without it, the three servers are measured now (``measure_three_models``).  The
    three timelines share their time axis, so the blocking one is visibly longer.
    """
    if runs is None:
        runs = measure_three_models()
    fig = Figure(figsize=(15, 5), dpi=DPI)
    axes = fig.subplots(1, len(MODELS), sharex=True, sharey=True)
    for ax, model in zip(axes, MODELS):
        intervals = sorted(runs[model], key=lambda run: run[0])
        for lane, (request, start, end) in enumerate(intervals):
            ax.barh(lane, end - start, left=start, height=0.6, color=MODEL_COLOURS[model])
        ax.set_yticks(range(len(intervals)),
                      ["request %s" % request for request, _, _ in intervals])
        ax.invert_yaxis()  # request 1 on top, as a reader reads
        ax.set_title(model, fontsize=FONT_SIZE + 4)
        ax.set_xlabel("seconds", fontsize=FONT_SIZE)
        ax.tick_params(labelsize=FONT_SIZE - 4)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.2, top=0.85, wspace=0.1)
    return fig


def _run_clients(port, number=3):
    """Start ``number`` clients that connect at once and send one request each; return them."""
    def client():
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"request\n")
            while sock.recv(1024):  # read the reply until the server closes
                pass

    threads = [threading.Thread(target=client) for _ in range(number)]
    for thread in threads:
        thread.start()
    return threads


def _listen():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)  # the three clients queue here while a blocking server is busy
    return server


def _serve_one(conn, delay, record):
    """Serve one connection by blocking: read the request, sleep, reply, close."""
    with conn:
        conn.recv(1024)
        start = time.monotonic()
        time.sleep(delay)  # the slow work, done the blocking way
        conn.sendall(b"done\n")
        record(start, time.monotonic())


def _recorder():
    """A list of (request, start, end) and a thread-safe function that appends to it."""
    runs = []
    lock = threading.Lock()

    def record(start, end):
        with lock:
            runs.append((len(runs) + 1, start, end))
    return runs, record


def measure_blocking(delay=0.2, number=3):
    """Serve ``number`` simultaneous clients one after the other; return (request, start, end)."""
    runs, record = _recorder()
    with _listen() as server:
        clients = _run_clients(server.getsockname()[1], number)
        for _ in range(number):
            _serve_one(server.accept()[0], delay, record)  # the next waits in the backlog
        for client in clients:
            client.join()
    return runs


def measure_threaded(delay=0.2, number=3):
    """Serve ``number`` simultaneous clients with one thread each; return (request, start, end)."""
    runs, record = _recorder()
    with _listen() as server:
        clients = _run_clients(server.getsockname()[1], number)
        workers = []
        for _ in range(number):
            worker = threading.Thread(target=_serve_one, args=(server.accept()[0], delay, record))
            worker.start()  # accept the next client at once; this one sleeps in its own thread
            workers.append(worker)
        for thread in workers + clients:
            thread.join()
    return runs


def measure_event_driven(delay=0.2, number=3):
    """Serve ``number`` simultaneous clients on a minitwisted reactor; return the runs."""
    from minitwisted.internet import protocol
    from minitwisted.internet.selectreactor import SelectReactor

    reactor = SelectReactor()  # a fresh reactor: the global one stays untouched
    runs, record = _recorder()

    class Slow(protocol.Protocol):
        def dataReceived(self, data):
            # The slow work is a timer, so the reactor serves the others meanwhile.
            reactor.callLater(delay, self.reply, time.monotonic())

        def reply(self, start):
            self.transport.write(b"done\n")
            self.transport.loseConnection()
            record(start, time.monotonic())
            if len(runs) == number:
                reactor.stop()

    port = reactor.listenTCP(0, protocol.Factory.forProtocol(Slow), interface="127.0.0.1")
    clients = _run_clients(port.getHost().port, number)
    guard = reactor.callLater(10 + number * delay, reactor.stop)  # never hang
    reactor.run(installSignalHandlers=False)
    if guard.active():
        guard.cancel()
    port.stopListening()
    for client in clients:
        client.join()
    return runs


def measure_three_models(delay=0.2):
    """Measure the three servers; times are seconds after each run's first start."""
    measured = {"blocking": measure_blocking(delay), "threaded": measure_threaded(delay),
                "event-driven": measure_event_driven(delay)}
    runs = {}
    for model, intervals in measured.items():
        # Number the requests in the order they started, so lane 1 is the first served.
        intervals = sorted(intervals, key=lambda run: run[1])
        first = intervals[0][1]
        runs[model] = [(number, start - first, end - first)
                       for number, (_, start, end) in enumerate(intervals, 1)]
    return runs


# -- A Deferred's callback/errback ladder -----------------------------------------------------------

LADDER_COLUMNS = ("callbacks", "errbacks")
RAN_OK = "#b7e4c7"       # a box that ran and passed on a result
RAN_RAISED = "#f4a6a6"   # a box that ran and raised
NOT_RUN = "#f2f2f2"
SUCCESS_PATH = "tab:green"
FAILURE_PATH = "tab:red"


def _short(value, width=18):
    text = repr(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def _step_note(step):
    """What a step did, in a few words: returned, raised or waited."""
    from minitwisted.internet import trace

    if step.raised is not None:
        return "raised %s" % step.raised.__name__
    if step.returned == trace.WAITED:
        return "waited on a Deferred"
    return "returned %s" % _short(step.returned)


def _display_name(name):
    """A callable's name as a ladder shows it: ``parse``, not ``demo.<locals>.parse``."""
    return name.rpartition("<locals>.")[2] if name else name


# Where things sit on the ladder, in axis units: the two columns' centres, half a box.
LADDER_X = (0.8, 2.6)
LADDER_HALF_WIDTH = 0.75


def ladder(history, title=None):
    """Draw a Deferred's chain as a ladder, with the path it actually took highlighted.

    ``history`` is a ``minitwisted.internet.trace.history(d)`` record, taken before
    ``d`` fired.  Two columns (callbacks, errbacks), one row per ``addCallbacks`` pair;
    boxes that ran are green (passed a result on) or red (raised); the arrows follow
    the result down the chain, green while it is a value and red while it is a
    Failure.  A step that waited on another Deferred shows that one's chain beside it.
    Each box's ``gid`` is ``ladder-ROW-callback`` or ``ladder-ROW-errback``.
    """
    from minitwisted.python.failure import Failure

    rows = len(history.pairs)
    fig = Figure(figsize=(13, 2.6 + 1.1 * max(rows, 1)), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 5.2)
    ax.set_ylim(rows + 0.9, -1.9)  # row 0 at the top
    ax.set_axis_off()
    ran = {(step.row, step.kind): step for step in history.steps if step.row is not None}

    ax.text(LADDER_X[0], -1.6, title or "a Deferred's chain", ha="left", va="center",
            fontsize=FONT_SIZE + 2, fontweight="bold")
    for x, header in zip(LADDER_X, LADDER_COLUMNS):
        # Left-aligned, so the arrow into the first box passes beside the header.
        ax.text(x - LADDER_HALF_WIDTH, -0.55, header, ha="left", va="center",
                fontsize=FONT_SIZE, color="#555555")
    for row, pair in enumerate(history.pairs):
        for x, kind, name in ((LADDER_X[0], "callback", pair.callback),
                              (LADDER_X[1], "errback", pair.errback)):
            step = ran.get((row, kind))
            colour = NOT_RUN if step is None else (
                RAN_RAISED if step.raised is not None else RAN_OK)
            box = FancyBboxPatch((x - LADDER_HALF_WIDTH, row - 0.32), 2 * LADDER_HALF_WIDTH,
                                 0.64, boxstyle="round,pad=0.02", facecolor=colour,
                                 edgecolor="#1f4e79" if name else "#bbbbbb",
                                 linewidth=2.5 if step else 1.2,
                                 linestyle="-" if name else "--")
            box.set_gid("ladder-%d-%s" % (row, kind))
            ax.add_patch(box)
            label = _display_name(name) if name else "pass-through"
            ax.text(x, row - (0.1 if step else 0), label, ha="center", va="center",
                    fontsize=FONT_SIZE - 4 if name else FONT_SIZE - 8,
                    family="monospace", color="#000000" if name else "#999999")
            if step is not None:
                ax.text(x, row + 0.17, _step_note(step), ha="center", va="center",
                        fontsize=FONT_SIZE - 8, color="#333333")
                if step.waitedOn is not None:
                    _draw_nested(ax, step.waitedOn, row)

    # The path: from the firing, through each box that ran, to the final result.
    points = []
    first = next((s for s in history.steps if s.row is not None), None)
    if first is not None:
        start_x = LADDER_X[1] if first.gotFailure else LADDER_X[0]
        ax.text(start_x + 0.05, -1.05, "errback()" if first.gotFailure else "callback()",
                ha="left", va="center", fontsize=FONT_SIZE - 6, family="monospace")
        points.append(((start_x, -1.2), first.gotFailure))
    for step in history.steps:
        if step.row is not None:
            points.append(((LADDER_X[step.kind == "errback"], step.row), step.gotFailure))
    d = history.deferred
    if points and hasattr(d, "result") and not isinstance(d.result, type(d)):
        failed = isinstance(d.result, Failure)
        end_x = LADDER_X[failed]
        points.append(((end_x, rows + 0.3), failed))
        outcome = ("Failure: %s" % d.result.type.__name__) if failed else (
            "result: %s" % _short(d.result, 30))
        ax.text(end_x, rows + 0.55, outcome, ha="center", va="center",
                fontsize=FONT_SIZE - 4, family="monospace",
                color=FAILURE_PATH if failed else SUCCESS_PATH)
    for ((x0, y0), _), ((x1, y1), failing) in zip(points, points[1:]):
        # The arrow's colour is what travels along it: a value or a Failure.
        ax.add_patch(FancyArrowPatch((x0, y0 + (0.32 if y0 >= 0 else 0)),
                                     (x1, y1 - (0.32 if y1 < rows else 0)),
                                     arrowstyle="-|>", mutation_scale=22, linewidth=2.5,
                                     color=FAILURE_PATH if failing else SUCCESS_PATH,
                                     zorder=3))
    return fig


def _draw_nested(ax, nested, row):
    """Beside ``row``, the chain of the Deferred that row's step waited on."""
    x = LADDER_X[1] + LADDER_HALF_WIDTH + 0.25
    names = []
    done = {(s.row, s.kind) for s in nested.steps}
    for index, pair in enumerate(nested.pairs):
        name = _display_name(pair.callback or pair.errback) or "pass-through"
        mark = "✓" if (index, "callback") in done or (index, "errback") in done else "·"
        names.append("%s %s" % (mark, name))
    text = "waited on:\n" + ("\n".join(names) if names else "(no callbacks)")
    ax.text(x, row, text, ha="left", va="center", fontsize=FONT_SIZE - 8,
            family="monospace", bbox={"boxstyle": "round", "facecolor": "#fff7d6",
                                      "edgecolor": "#c9a227"})
    ax.add_patch(FancyArrowPatch((LADDER_X[0] + LADDER_HALF_WIDTH, row), (x - 0.05, row),
                                 arrowstyle="-", linestyle="--", linewidth=1.5,
                                 color="#c9a227", zorder=1))


def ladder_demo():
    """Record a real chain (it fails, recovers, waits on another Deferred) and draw it."""
    from minitwisted.internet import defer, task, trace

    clock = task.Clock()

    def parse(text):
        return int(text)  # "forty-two" is not a number: this raises

    def double(number):
        return number * 2

    def use_default(failure):
        failure.trap(ValueError)
        return 21

    def look_up(number):
        return task.deferLater(clock, 1.0, lambda: number * 2)  # an answer that comes later

    def announce(number):
        return "answer: %d" % number

    d = defer.Deferred()
    history = trace.history(d)
    d.addCallback(parse)
    d.addCallback(double)
    d.addErrback(use_default)
    d.addCallback(look_up)
    d.addCallback(announce)
    d.callback("forty-two")
    clock.advance(1.0)
    return ladder(history, title='d.callback("forty-two")')


# -- The timeline of a reactor run -----------------------------------------------------------------

WAIT_LANE = "loop waiting"
TIMELINE_COLOURS = {"dispatch": "tab:blue", "timer": "tab:orange", "fromThread": "tab:purple",
                    "wait": "#cccccc"}


def timeline_lane(event):
    """The lane an event is drawn in: the descriptor, the timer's callable, or waiting."""
    if event.kind == "wait":
        return WAIT_LANE
    if event.kind == "dispatch":
        return event.name
    if event.kind == "timer":
        return "timer: " + event.name
    return "from a thread: " + event.name


def timeline(trace, title="a reactor run"):
    """Draw a recorded reactor run: one lane per connection or timer, time across.

    ``trace`` is what ``minitwisted.internet.trace.tracing`` recorded.  Bars are where
    the loop ran something (a dispatch to a descriptor, a timer, a call from a thread);
    the top lane shows where it waited for I/O, and the gaps between bars elsewhere are
    that waiting.  Times are milliseconds after the first event.  Each bar's ``gid`` is
    ``timeline-N``, N being the event's index in ``trace.events``.
    """
    events = [(index, e) for index, e in enumerate(trace.events)
              if e.kind in TIMELINE_COLOURS]
    lanes = [WAIT_LANE]
    for _, event in events:
        lane = timeline_lane(event)
        if lane not in lanes:
            lanes.append(lane)
    t0 = events[0][1].start if events else 0.0
    end = max((e.start + e.duration - t0 for _, e in events), default=1e-3) * 1000
    fig = Figure(figsize=(14, 1.6 + 0.7 * len(lanes)), dpi=DPI)
    ax = fig.add_subplot()
    for index, event in events:
        waited = event.details.get("waited") if event.kind == "wait" else None
        width = (waited if waited is not None else event.duration) * 1000
        # A bar at least a little wide, or the shortest dispatches would be invisible.
        bar = ax.barh(lanes.index(timeline_lane(event)), max(width, end / 400),
                      left=(event.start - t0) * 1000, height=0.6,
                      color=TIMELINE_COLOURS[event.kind])
        bar.patches[0].set_gid("timeline-%d" % index)
    ax.set_yticks(range(len(lanes)), lanes, fontsize=FONT_SIZE - 6)
    ax.invert_yaxis()
    ax.set_xlabel("milliseconds", fontsize=FONT_SIZE - 4)
    ax.set_title(title, fontsize=FONT_SIZE)
    ax.tick_params(axis="x", labelsize=FONT_SIZE - 6)
    fig.subplots_adjust(left=0.3, right=0.98, top=0.85, bottom=0.25)
    return fig


def record_echo_run(reactor=None):
    """Trace a small real echo exchange on 127.0.0.1 and return the ``Trace``.

    A client connects, sends two lines 50 ms apart (a timer), reads the echoes and
    closes; the server echoes.  Runs on a fresh ``SelectReactor`` unless one is given.
    """
    from minitwisted.internet import protocol, trace
    from minitwisted.internet.selectreactor import SelectReactor

    own = reactor is None
    reactor = reactor or SelectReactor()

    class Echo(protocol.Protocol):
        def dataReceived(self, data):
            self.transport.write(data)

    class EchoClient(protocol.Protocol):
        def connectionMade(self):
            self.transport.write(b"hello\n")
            reactor.callLater(0.05, self.transport.write, b"world\n")

        def dataReceived(self, data):
            self.factory.received += data
            if self.factory.received.count(b"\n") == 2:
                self.transport.loseConnection()

    client_factory = protocol.ClientFactory.forProtocol(EchoClient)
    client_factory.received = b""
    client_factory.clientConnectionLost = lambda connector, reason: reactor.stop()
    with trace.tracing(reactor) as recorded:
        port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
        reactor.connectTCP("127.0.0.1", port.getHost().port, client_factory)
        guard = reactor.callLater(10, reactor.stop)  # a broken exchange must not hang
        reactor.run(installSignalHandlers=False)
        if guard.active():
            guard.cancel()
        port.stopListening()
    if own:
        reactor.disconnectAll()
        reactor.waker.connectionLost(None)
    return recorded


def timeline_demo():
    """Trace a real echo exchange and draw its timeline."""
    return timeline(record_echo_run(), title="an echo exchange, traced")


# -- The connection lifecycle as a sequence diagram -------------------------------------------------

FIRST_LANES = ("your code", "reactor")
LANE_LABELS = {"reactor": "reactor &\ntransports"}
REACTOR_METHODS = ("listenTCP", "connectTCP")


def _calls_of(trace_or_calls):
    if hasattr(trace_or_calls, "calls"):
        return trace_or_calls.calls()
    return list(trace_or_calls)


def lifecycle(trace_or_calls, title="a connection's lifecycle"):
    """Draw the calls of a connection's lifecycle as a sequence diagram.

    Takes a ``Trace`` from ``minitwisted.internet.trace.tracing`` (or its ``calls()``:
    ``(caller, target, method)`` triples).  One lifeline per participant: your code,
    the reactor with its transports, then each factory and protocol as it first
    appears; one arrow per call, top to bottom in the order they ran.  A call an object
    makes on itself (``makeConnection`` calling ``connectionMade``) is a loop on its
    lifeline.  Arrow labels are the methods, ``transport.write`` for transports (a
    timer writing, such as ``callLater(0.05, transport.write, ...)``, is a loop on the
    reactor's lifeline).
    """
    calls = _calls_of(trace_or_calls)
    lanes = list(FIRST_LANES)
    for caller, target, _ in calls:
        for name in (caller, target):
            if name not in lanes:
                lanes.append(name)
    fig = Figure(figsize=(2.6 * len(lanes) + 1, 1.8 + 0.55 * len(calls)), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-0.8, len(lanes) - 0.2)
    ax.set_ylim(len(calls) + 0.5, -2.2)
    ax.set_axis_off()
    ax.text((len(lanes) - 1) / 2, -1.75, title, ha="center", va="center",
            fontsize=FONT_SIZE + 2, fontweight="bold")
    for x, lane in enumerate(lanes):
        ax.text(x, -0.8, LANE_LABELS.get(lane, lane).replace(" (", "\n("), ha="center",
                va="center", fontsize=FONT_SIZE - 6,
                bbox={"boxstyle": "round", "facecolor": "#dceefc", "edgecolor": "#1f4e79"})
        ax.plot([x, x], [-0.3, len(calls) + 0.3], color="#999999", linewidth=1.2,
                linestyle="--")
    for y, (caller, target, method) in enumerate(calls):
        label = method
        if target == "reactor" and method not in REACTOR_METHODS:
            label = "transport." + method  # a protocol (or a timer) asking a transport
        x0, x1 = lanes.index(caller), lanes.index(target)
        if x0 == x1:
            ax.add_patch(FancyArrowPatch((x0, y - 0.15), (x0, y + 0.2),
                                         connectionstyle="arc3,rad=-1.2", arrowstyle="-|>",
                                         mutation_scale=16, linewidth=1.8, color="#1f4e79"))
            ax.text(x0 + 0.12, y + 0.03, label, ha="left", va="center",
                    fontsize=FONT_SIZE - 7, family="monospace")
            continue
        ax.add_patch(FancyArrowPatch((x0, y + 0.1), (x1, y + 0.1), arrowstyle="-|>",
                                     mutation_scale=18, linewidth=1.8, color="#1f4e79"))
        ax.text((x0 + x1) / 2, y - 0.05, label, ha="center", va="bottom",
                fontsize=FONT_SIZE - 7, family="monospace")
    return fig


def lifecycle_demo():
    """Trace a real echo exchange and draw its lifecycle."""
    return lifecycle(record_echo_run(), title="an echo exchange, traced")


# -- The reactor loop, counted from a real run -------------------------------------------------

def loop_counts(trace):
    """How often each step of ``reactor_loop`` ran in a recorded run.

    ``callback`` counts the calls the loop made into a program's objects: the
    lifecycle methods of its factories and protocols (see ``Trace.calls``).
    """
    counts = {kind: len(trace.ofKind(kind)) for kind in ("wait", "dispatch", "timer")}
    counts["callback"] = sum(1 for caller, target, _ in trace.calls()
                             if caller == "reactor" and target != "reactor")
    return counts


def reactor_loop_demo():
    """Trace a real echo exchange and draw the loop with how often each step ran."""
    return reactor_loop(loop_counts(record_echo_run()))


# -- The registry the command uses ---------------------------------------------------------------

DIAGRAMS = {
    "reactor_loop": reactor_loop,
    "reactor_loop_counted": reactor_loop_demo,
    "ladder": ladder_demo,
    "timeline": timeline_demo,
    "lifecycle": lifecycle_demo,
    "three_models": three_models,
}


def save(fig, path):
    """Save ``fig`` to ``path`` (SVG or PNG by its suffix), the same bytes on every run."""
    # A fixed hash salt and no date keep SVG ids and metadata from changing between runs.
    with matplotlib.rc_context({"svg.hashsalt": "twisted-workshop"}):
        metadata = {"Date": None} if str(path).endswith(".svg") else {}
        fig.savefig(path, dpi=DPI, metadata=metadata)


def write_all(outdir, diagrams=DIAGRAMS):
    """Write every diagram as ``NAME.svg`` and ``NAME.png`` into ``outdir``; return the paths."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in diagrams.items():
        fig = draw()
        for suffix in (".svg", ".png"):
            save(fig, outdir / (name + suffix))
            paths.append(outdir / (name + suffix))
    return paths
