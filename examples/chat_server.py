"""A line-based chat server: pick a nickname, then every line you send goes to everyone else.

Explained in notebooks/05_protocols_and_factories.ipynb, section "Shared state lives in the
factory".  Run it with a port (0 lets the system pick one; "listening on ..." shows it):

    python examples/chat_server.py 8000

and talk to it from two terminals with ``nc 127.0.0.1 8000`` (or ``telnet``).  The first
line you type is your nickname.  Stop the server with Ctrl-C.
"""

import sys

from minitwisted.internet import protocol, reactor
from minitwisted.protocols.basic import LineReceiver


class Chat(LineReceiver):
    """One connected user; it asks for a nickname first, then relays lines."""

    def __init__(self, users):
        self.users = users  # the factory's dict, shared by every connection
        self.name = None  # None until the first line has given us a free nickname

    def connectionMade(self):
        self.sendLine(b"What is your name?")

    def connectionLost(self, reason):
        if self.name in self.users:
            del self.users[self.name]
            self.broadcast(f"* {self.name} left")
            print(f"{self.name} left")

    def lineReceived(self, line):
        # Two states, chosen by whether we know the name yet.
        if self.name is None:
            self.handleName(line.decode("utf-8", "replace"))
        else:
            self.broadcast(f"<{self.name}> {line.decode('utf-8', 'replace')}")

    def handleName(self, name):
        # On a bad name we stay in the "no name yet" state: the next line is another try.
        if not name:
            self.sendLine(b"Please type a name.")
            return
        if name in self.users:
            self.sendLine(b"That name is taken, please choose another.")
            return
        self.name = name
        self.users[name] = self
        self.sendLine(f"Welcome, {name}!".encode())
        self.broadcast(f"* {name} joined")
        print(f"{name} joined")

    def broadcast(self, message):
        """Send message to every user except this one."""
        for name, user in self.users.items():
            if user is not self:
                user.sendLine(message.encode())


class ChatFactory(protocol.Factory):
    """Builds one Chat per connection and keeps who is online, by nickname."""

    def __init__(self):
        self.users = {}  # nickname -> Chat; outlives every single connection

    def buildProtocol(self, addr):
        return Chat(self.users)


def main(port):
    listening = reactor.listenTCP(port, ChatFactory(), interface="127.0.0.1")
    print(f"listening on 127.0.0.1:{listening.getHost().port}")
    reactor.run()


if __name__ == "__main__":
    main(int(sys.argv[1]))
