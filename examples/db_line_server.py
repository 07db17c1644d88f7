"""A line server backed by a database: ADD stores a row in sqlite3, LIST sends the rows back.

Explained in notebooks/05_protocols_and_factories.ipynb, section "A tiny database
server", as the database-backed sibling of kv_server.py.  Run it with a port (0 lets
the system pick one; "listening on ..." shows it) and, if you like, a database file:

    python examples/db_line_server.py 8000 [notes.sqlite]

then ``nc 127.0.0.1 8000`` and type, for example::

    ADD buy milk     ->  ADDED 1
    ADD call mum     ->  ADDED 2
    LIST             ->  ROW 1 buy milk
                         ROW 2 call mum
                         END
    FLY away         ->  ERROR unknown command: FLY

Without a file name the rows live in a fresh temporary folder, removed when the server
stops (Ctrl-C).  sqlite3 blocks, so every statement runs in a thread of an
``adbapi.ConnectionPool``; the protocol only ever sees Deferreds.  Answers to one
client come in the order of its commands, even when it sends several at once.
"""

import os
import sys
import tempfile

from minitwisted.enterprise import adbapi
from minitwisted.internet import defer, protocol, reactor
from minitwisted.protocols.basic import LineReceiver

USAGE = {"ADD": "ADD text", "LIST": "LIST"}


class Notes(LineReceiver):
    """Parse one command per line; answer each with its lines, in order."""

    def connectionMade(self):
        # One Deferred per connection is its queue of commands: a callback that returns
        # a Deferred pauses the chain, so each command waits for the one before it.  A
        # LIST sent right after an ADD sees that row, and answers never overtake.
        self.commands = defer.succeed(None)

    def lineReceived(self, line):
        self.commands.addCallback(lambda ignored: self.answer(line))
        self.commands.addErrback(
            lambda failure: [f"ERROR database: {failure.getErrorMessage()}"])
        self.commands.addCallback(self.sendAnswer)

    def sendAnswer(self, lines):
        for text in lines:
            self.sendLine(text.encode("utf-8"))

    def answer(self, line):
        """The lines that answer ``line``, or a Deferred of them."""
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            return ["ERROR line is not UTF-8"]
        command, *args = text.split(" ", 1)  # maxsplit=1: the note keeps its spaces
        if not command:
            return ["ERROR empty command"]
        if command not in USAGE:
            return [f"ERROR unknown command: {command}"]
        if len(args) != USAGE[command].count(" ") or args == [""]:
            return [f"ERROR usage: {USAGE[command]}"]
        pool = self.factory.pool
        if command == "ADD":
            d = pool.runInteraction(addNote, args[0])
            return d.addCallback(lambda rowID: [f"ADDED {rowID}"])
        d = pool.runQuery("SELECT id, text FROM notes ORDER BY id")
        return d.addCallback(lambda rows: [f"ROW {rowID} {note}" for rowID, note in rows] + ["END"])


def addNote(transaction, text):
    """Insert one note (in a pool thread) and return its row id."""
    transaction.execute("INSERT INTO notes (text) VALUES (?)", (text,))
    return transaction.lastrowid


class NotesFactory(protocol.Factory):
    """Builds a Notes per connection; all of them share one connection pool."""

    protocol = Notes

    def __init__(self, pool):
        self.pool = pool


def main(port, path):
    # check_same_thread=False: the pool closes its connections from the reactor thread
    # at shutdown; it still uses each one from a single pool thread only.
    pool = adbapi.ConnectionPool("sqlite3", path, check_same_thread=False)
    created = pool.runOperation(
        "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")

    def listen(ignored):
        # Only now: a command arriving before the table exists would fail.
        listening = reactor.listenTCP(port, NotesFactory(pool), interface="127.0.0.1")
        print(f"listening on 127.0.0.1:{listening.getHost().port}")

    def giveUp(failure):
        print(f"cannot open the database {path}: {failure.getErrorMessage()}", file=sys.stderr)
        reactor.stop()

    created.addCallbacks(listen, giveUp)
    reactor.run()


if __name__ == "__main__":
    if len(sys.argv) > 2:
        main(int(sys.argv[1]), sys.argv[2])
    else:
        with tempfile.TemporaryDirectory() as folder:
            main(int(sys.argv[1]), os.path.join(folder, "notes.sqlite"))
