"""A TCP echo client: send a few lines, print each echo, then exit.

Explained in notebooks/04_transports.ipynb, section "A client that knows when it is done".
Start ``examples/echo_server.py`` first, then give this client the server's port:

    python examples/echo_client.py 8000

``task.react`` runs the reactor until ``main``'s result is ready, then exits the process.
"""

import sys

from minitwisted.internet import defer, task
from minitwisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from minitwisted.protocols.basic import LineReceiver

LINES = [b"hello", b"echo me", b"goodbye"]


class EchoClient(LineReceiver):
    """Send all LINES at once and hang up when the last echo is back."""

    def __init__(self, lines):
        self.lines = lines
        self.pending = len(lines)
        self.finished = defer.Deferred()  # fires when the connection has closed

    def connectionMade(self):
        for line in self.lines:
            self.sendLine(line)

    def lineReceived(self, line):
        print("echo:", line.decode())
        self.pending -= 1
        if self.pending == 0:
            self.transport.loseConnection()

    def connectionLost(self, reason):
        self.finished.callback(None)


async def main(reactor, port):
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", int(port))
    client = await connectProtocol(endpoint, EchoClient(LINES))
    await client.finished
    print("done")


if __name__ == "__main__":
    task.react(main, sys.argv[1:])
