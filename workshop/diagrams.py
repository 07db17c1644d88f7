"""Diagrams for the slides and notebooks: each function returns a matplotlib Figure.

Mirrors no Twisted module: these are the workshop's pictures (the reactor loop, and
blocking vs threaded vs event-driven servers) for notebooks/02_reactor.ipynb and the
introduction.  Tested by ``tests/workshop/test_diagrams.py``.

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


# -- The registry the command uses ---------------------------------------------------------------

DIAGRAMS = {
    "reactor_loop": reactor_loop,
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
