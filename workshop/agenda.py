"""The workshop's agenda: the one manifest that names, orders and introduces its sections.

File names, each notebook's opening contract and its previous/next links, the README's
agenda table and the slide order all come from ``AGENDA`` (and ``APPENDICES``); nothing
else spells them out.  ``python -m workshop agenda`` prints the README table;
``python -m workshop notebooks`` writes the contract and navigation cells into the
notebooks (``workshop/notebooks.py``).  Tests: ``tests/workshop/test_agenda.py`` and
``tests/workshop/test_notebooks.py`` fail when a copy differs.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """One section of the workshop: a numbered part of the 150 minutes, or an appendix.

    ``builds`` is the contract's paragraph on what the notebook builds; ``objectives``
    are what a learner can do afterwards; ``prerequisites`` are the labels of the
    sections to have done first; ``rebuilds`` names the Twisted API the notebook
    rebuilds or uses.  Appendices have no minutes: they sit outside the 150.
    """

    number: int
    slug: str
    title: str
    minutes: int
    core_idea: str
    builds: str = ""
    objectives: tuple = ()
    prerequisites: tuple = ()
    rebuilds: str = ""
    appendix: bool = False

    @property
    def label(self):
        """``"03"`` for a section, ``"A1"`` for an appendix."""
        return ("A%d" if self.appendix else "%02d") % self.number

    @property
    def notebook(self):
        """The notebook's file name, ``NN_slug.ipynb`` (``AN_slug.ipynb`` for appendices)."""
        return "%s_%s.ipynb" % (self.label, self.slug)


AGENDA = (
    Section(
        0, "introduction", "Introduction: event-driven programming, the event loop", 20,
        "blocking vs non-blocking I/O; from a naive polling loop to `select`",
        builds="We start with no framework at all: a blocking echo server that stalls on "
        "its second client, a threaded one, a naive polling loop that burns the CPU, and "
        "finally a loop around `selectors` that waits for the operating system to say which "
        "socket is ready. That last loop is the seed of the reactor.",
        objectives=("Explain why a blocking server serves one client at a time.",
                    "Compare blocking, threaded and event-driven servers on the same requests.",
                    "Write an event loop with `selectors` that serves several clients "
                    "in one thread."),
        rebuilds="the idea behind `twisted.internet.reactor`: one loop, many sockets"),
    Section(
        1, "installation", "Installation", 10,
        "set-up on Linux, macOS, Windows; checking the kit works",
        builds="We install the kit on Linux, macOS or Windows, check from inside this "
        "notebook that Python, the kernel, minitwisted and real Twisted are there, make a "
        "loopback round trip, and see how `minitwisted` maps onto `twisted` module by module.",
        objectives=("Set up the kit with one command on your system.",
                    "Check the set-up from a notebook: versions, kernel, a loopback echo.",
                    "Find the Twisted module that a minitwisted module mirrors."),
        prerequisites=("00",),
        rebuilds="nothing yet: `python -m workshop check` and the module map"),
    Section(
        2, "reactor", "The reactor", 20,
        "readers, writers, timers (`callLater`), `run`/`stop`, system events",
        builds="We build a small reactor step by step: a heap of timers behind "
        "`callLater`, a `DelayedCall` that can be cancelled, readers and writers waited "
        "on with `selectors`, `run` and `stop`, and system event triggers. Then we read "
        "minitwisted's own reactor and run the same checks on both, and on real Twisted's "
        "reactor and `task.Clock`.",
        objectives=("Schedule, cancel and reschedule timers with `callLater`.",
                    "Describe one turn of the reactor loop: wait, dispatch, run timers.",
                    "Register readers and writers and stop the reactor cleanly.",
                    "Run code at startup and shutdown with `addSystemEventTrigger`."),
        prerequisites=("00", "01"),
        rebuilds="`twisted.internet.base.ReactorBase`, `DelayedCall`, "
        "`twisted.internet.selectreactor.SelectReactor`, `twisted.internet.task.Clock`"),
    Section(
        3, "callbacks_and_deferreds", "Callbacks and Deferreds", 20,
        "success/failure paths, chains, `Failure`, chaining Deferreds, "
        "`inlineCallbacks`, `async`/`await`",
        builds="We untangle success and failure callbacks by building a Deferred in "
        "steps: a list of callback pairs, `callback` and `errback`, `Failure`, results "
        "passed down the chain, and a callback that returns another Deferred. Then "
        "`DeferredList`, `inlineCallbacks` and `async`/`await` on top, and the ladder "
        "diagram of real chains.",
        objectives=("Predict which callback or errback runs next in a chain.",
                    "Build a Deferred with `callback`, `errback` and chaining.",
                    "Write the same logic with callbacks, `inlineCallbacks` and `async`/`await`.",
                    "Find and fix an unhandled error in a Deferred."),
        prerequisites=("02",),
        rebuilds="`twisted.internet.defer.Deferred`, `DeferredList`, `gatherResults`, "
        "`inlineCallbacks`, `ensureDeferred`, `twisted.python.failure.Failure`"),
    Section(
        4, "transports", "Transports", 20,
        "buffered writes, `loseConnection`, producers/consumers, TCP and UDP",
        builds="We build the transport a protocol writes to: a write buffer that copes "
        "with partial sends, `loseConnection` that waits for the buffer and "
        "`abortConnection` that does not, producers that are paused when the buffer "
        "fills, and UDP's datagrams beside TCP's stream. `StringTransport` stands in for "
        "a socket in tests.",
        objectives=("Explain why `write` never blocks and where the bytes wait.",
                    "Choose between `loseConnection` and `abortConnection`.",
                    "Pause and resume a producer when the consumer is full."),
        prerequisites=("02", "03"),
        rebuilds="`twisted.internet.abstract.FileDescriptor`, `twisted.internet.tcp`, "
        "`twisted.internet.udp`, `twisted.internet.testing.StringTransport`"),
    Section(
        5, "protocols_and_factories", "Protocols and factories", 15,
        "connection lifecycle, `LineReceiver`, an IRC bot in ten minutes",
        builds="We follow one connection from `listenTCP` and `connectTCP` through "
        "`buildProtocol`, `connectionMade`, `dataReceived` and `connectionLost`, drawn "
        "as a sequence diagram from a traced run; keep shared state in the factory; "
        "split a stream into lines with `LineReceiver`; and write an IRC bot against the "
        "kit's local IRC server.",
        objectives=("Name the calls of a connection's lifecycle in order.",
                    "Keep state per connection in the protocol and shared state in the factory.",
                    "Write a line-based protocol and an IRC bot."),
        prerequisites=("04",),
        rebuilds="`twisted.internet.protocol`, `twisted.protocols.basic.LineReceiver`, "
        "`twisted.words.protocols.irc.IRCClient`"),
    Section(
        6, "testing_with_trial", "Testing with trial", 30,
        "`StringTransport`, `Clock`, Deferred-returning tests, a clean reactor",
        builds="We test protocols without a network: feed bytes to a protocol on a "
        "`StringTransport` and check what it wrote, move time with `Clock`, test "
        "Deferreds with `successResultOf`, return Deferreds from tests, see why touching "
        "the real reactor makes tests dirty (and use `MemoryReactor` instead), stand in "
        "for a web response with a hand-written fake and with `unittest.mock`, and read "
        "the trial runner's report.",
        objectives=("Test a protocol with `StringTransport` and a `Clock`.",
                    "Test Deferred code with `successResultOf` and Deferred-returning tests.",
                    "Keep the reactor clean and read a trial report."),
        prerequisites=("05",),
        rebuilds="`twisted.trial.unittest`, `twisted.trial.runner`, `twisted.trial.util` "
        "(the janitor), `twisted.trial.reporter`, `twisted.internet.testing`, "
        "`twisted.internet.task.Clock`"),
    Section(
        7, "deployment", "Deployment", 10,
        "`Application`, services, `twistd`, plugins, logging",
        builds="We deploy a server the Twisted way: services in an `Application`, a "
        "`.tac` file run by `minitwistd` with a pidfile and a logfile, a plugin with a "
        "`tapname` and `usage.Options`, access logs, and the same file under real "
        "`twistd`.",
        objectives=("Wrap a server in services and an `Application`.",
                    "Run a `.tac` file under `minitwistd` with a pidfile and a logfile.",
                    "Read a server's pidfile and log, and stop it cleanly with a signal.",
                    "Write a plugin with `usage.Options`."),
        prerequisites=("05",),
        rebuilds="`twisted.application.service`, `twisted.application.internet`, "
        "`twistd`, `twisted.plugin`, `twisted.python.usage`"),
    Section(
        8, "community", "Community and next steps", 5,
        "asyncio vs Twisted, moving to real Twisted, where to get help",
        builds="We compare asyncio and Twisted on the same echo server, move our code to "
        "real Twisted by renaming the imports, live, and list where to get help.",
        objectives=("Say what asyncio gives and what Twisted adds.",
                    "Move a minitwisted program to real Twisted."),
        prerequisites=("07",),
        rebuilds="`asyncio.Protocol` next to `twisted.internet.protocol`; every "
        "`minitwisted` import renamed to `twisted`"),
)

APPENDICES = (
    Section(
        1, "asyncio_interop", "Appendix: asyncio interop and the live reactor", 0,
        "a reactor on asyncio's loop; servers that live across notebook cells",
        builds="We run minitwisted on asyncio's event loop, turn Deferreds into asyncio "
        "futures and back, and keep servers running across notebook cells with the "
        "live reactor.",
        objectives=("Run a reactor on asyncio's loop.",
                    "Await a Deferred from asyncio, and a coroutine as a Deferred."),
        prerequisites=("03", "05"),
        rebuilds="`twisted.internet.asyncioreactor`, `Deferred.fromFuture`, "
        "`Deferred.asFuture`, `ensureDeferred`",
        appendix=True),
    Section(
        2, "web_in_sixty_seconds", "Appendix: Twisted Web in sixty seconds", 0,
        "static and dynamic resources, a request at a time",
        builds="We serve static files and dynamic resources with minitwisted's web "
        "server, one small complete program per idea, and fetch them with its client.",
        objectives=("Serve a resource tree with `Site`.",
                    "Answer a request later with `NOT_DONE_YET`."),
        prerequisites=("05",),
        rebuilds="`twisted.web.server`, `twisted.web.resource`, `twisted.web.static`, "
        "`twisted.web.pages`, `twisted.web.client.Agent`",
        appendix=True),
    Section(
        3, "database_in_threads", "Appendix: database access in threads", 0,
        "blocking libraries in a thread pool, results as Deferreds",
        builds="We keep a blocking database off the reactor's thread: `deferToThread`, "
        "`blockingCallFromThread`, the thread pool, and `adbapi.ConnectionPool` on SQLite "
        "(one connection per thread, and what that means for `:memory:`).",
        objectives=("Run blocking code in a thread and get a Deferred back.",
                    "Query SQLite through a `ConnectionPool`."),
        prerequisites=("03",),
        rebuilds="`twisted.internet.threads`, `twisted.enterprise.adbapi`",
        appendix=True),
    Section(
        4, "updating_running_code", "Appendix: updating running code", 0,
        "reloading a module under a running server",
        builds="We change a protocol's code while its server keeps running, with "
        "`rebuild`, and see what it can and cannot update.",
        objectives=("Update a running server's protocol with `rebuild`.",
                    "Say which references `rebuild` updates and which it cannot (module "
                    "state, bound methods, classes held in attributes)."),
        prerequisites=("05",),
        rebuilds="`twisted.python.rebuild`",
        appendix=True),
)

ALL_SECTIONS = AGENDA + APPENDICES
TOTAL_MINUTES = sum(section.minutes for section in AGENDA)


def by_label(label):
    """The section or appendix with this label (``"03"``, ``"A1"``)."""
    for section in ALL_SECTIONS:
        if section.label == label:
            return section
    raise KeyError("no section labelled %r" % (label,))


def markdown_table(agenda=AGENDA):
    """Render the agenda as the README's markdown table, ending with the total."""
    lines = ["| # | section | minutes | core idea |", "|---|---|---|---|"]
    for section in agenda:
        lines.append("| %s | [%s](notebooks/%s) | %d | %s |" % (
            section.label, section.title, section.notebook, section.minutes,
            section.core_idea))
    lines.append("| | **total** | **%d** | |" % sum(s.minutes for s in agenda))
    return "\n".join(lines)
