"""A line-based key-value server: SET, GET and DEL over TCP, one command per line.

Explained in notebooks/05_protocols_and_factories.ipynb, section "A tiny database
server".  Run it with a port (0 lets the system pick one; "listening on ..." shows it):

    python examples/kv_server.py 8000

then ``nc 127.0.0.1 8000`` and type, for example::

    SET colour deep blue    ->  OK
    GET colour              ->  VALUE deep blue
    DEL colour              ->  DELETED
    GET colour              ->  NOT FOUND
    FLY away                ->  ERROR unknown command: FLY

A bad line gets an ERROR answer and the connection stays open.  The data lives in the
factory, so every client sees the same store until the server stops (Ctrl-C).
"""

import sys

from minitwisted.internet import protocol, reactor
from minitwisted.protocols.basic import LineReceiver

USAGE = {"SET": "SET key value", "GET": "GET key", "DEL": "DEL key"}


class KeyValue(LineReceiver):
    """Parse one command per line and answer with one line."""

    def lineReceived(self, line):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            self.sendLine(b"ERROR line is not UTF-8")
            return
        self.sendLine(self.answer(text).encode("utf-8"))

    def answer(self, text):
        # maxsplit=2 keeps the spaces inside a value: "SET k a b" stores "a b".
        command, *args = text.split(" ", 2)
        store = self.factory.store
        if not command:
            return "ERROR empty command"
        if command not in USAGE:
            return f"ERROR unknown command: {command}"
        if len(args) != USAGE[command].count(" "):
            return f"ERROR usage: {USAGE[command]}"
        if command == "SET":
            key, value = args
            store[key] = value
            return "OK"
        key = args[0]
        if key not in store:
            return "NOT FOUND"
        if command == "GET":
            return f"VALUE {store[key]}"
        del store[key]
        return "DELETED"


class KeyValueFactory(protocol.Factory):
    """Builds a KeyValue per connection; the store is shared by all of them."""

    protocol = KeyValue

    def __init__(self):
        self.store = {}  # key -> value, both str


def main(port):
    listening = reactor.listenTCP(port, KeyValueFactory(), interface="127.0.0.1")
    print(f"listening on 127.0.0.1:{listening.getHost().port}")
    reactor.run()


if __name__ == "__main__":
    main(int(sys.argv[1]))
