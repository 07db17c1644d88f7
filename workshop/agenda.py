"""The workshop's agenda: the one list that names and orders its sections.

File names, previous/next links, the README's agenda table and the slide order all
come from ``AGENDA``; nothing else spells them out.  ``python -m workshop agenda``
prints the README table; ``tests/workshop/test_agenda.py`` fails when the README's
copy differs.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """One section of the 150-minute workshop."""

    number: int
    slug: str
    title: str
    minutes: int
    core_idea: str

    @property
    def notebook(self):
        """The notebook's file name, ``NN_slug.ipynb``."""
        return "%02d_%s.ipynb" % (self.number, self.slug)


AGENDA = (
    Section(0, "introduction", "Introduction: event-driven programming, the event loop", 20,
            "blocking vs non-blocking I/O; from a naive polling loop to `select`"),
    Section(1, "installation", "Installation", 10,
            "set-up on Linux, macOS, Windows; checking the kit works"),
    Section(2, "reactor", "The reactor", 20,
            "readers, writers, timers (`callLater`), `run`/`stop`, system events"),
    Section(3, "callbacks_and_deferreds", "Callbacks and Deferreds", 20,
            "success/failure paths, chains, `Failure`, chaining Deferreds, "
            "`inlineCallbacks`, `async`/`await`"),
    Section(4, "transports", "Transports", 20,
            "buffered writes, `loseConnection`, producers/consumers, TCP and UDP"),
    Section(5, "protocols_and_factories", "Protocols and factories", 15,
            "connection lifecycle, `LineReceiver`, an IRC bot in ten minutes"),
    Section(6, "testing_with_trial", "Testing with trial", 30,
            "`StringTransport`, `Clock`, Deferred-returning tests, a clean reactor"),
    Section(7, "deployment", "Deployment", 10,
            "`Application`, services, `twistd`, plugins, logging"),
    Section(8, "community", "Community and next steps", 5,
            "asyncio vs Twisted, moving to real Twisted, where to get help"),
)

TOTAL_MINUTES = sum(section.minutes for section in AGENDA)


def markdown_table(agenda=AGENDA):
    """Render the agenda as the README's markdown table, ending with the total."""
    lines = ["| # | section | minutes | core idea |", "|---|---|---|---|"]
    for section in agenda:
        lines.append("| %02d | %s | %d | %s |" % (
            section.number, section.title, section.minutes, section.core_idea))
    lines.append("| | **total** | **%d** | |" % sum(s.minutes for s in agenda))
    return "\n".join(lines)
