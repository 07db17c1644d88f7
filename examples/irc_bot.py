"""An IRC bot: joins a channel and answers "!hello" with a greeting.

Explained in notebooks/05_protocols_and_factories.ipynb, section "A bot that speaks IRC".
Start ``examples/irc_server.py`` (or use any IRC server), then give the bot its port,
and optionally the host first and the channel last:

    python examples/irc_bot.py 6667
    python examples/irc_bot.py 127.0.0.1 6667 workshop

``IRCClient`` does the IRC work (registering, answering PING, parsing each line); the bot
only overrides the callbacks it cares about.  It exits when the server closes the
connection.  Replace ``minitwisted`` by ``twisted`` and it runs on real Twisted.
"""

import sys

from minitwisted.internet import defer, task
from minitwisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from minitwisted.words.protocols import irc


class GreeterBot(irc.IRCClient):
    """Join ``channel`` once signed on; greet whoever says "!hello" there or in private."""

    nickname = "minibot"
    realname = "minitwisted example bot"

    def __init__(self, channel):
        self.channel = channel
        self.finished = defer.Deferred()  # fires when the connection has closed

    def connectionMade(self):
        print("connected")
        irc.IRCClient.connectionMade(self)  # sends NICK and USER

    def signedOn(self):
        print(f"signed on as {self.nickname}")
        self.join(self.channel)

    def joined(self, channel):
        print(f"joined {channel}")

    def privmsg(self, user, channel, message):
        nick = user.split("!")[0]  # user is "nick!username@host"
        if message.strip() != "!hello":
            return
        # A message to our own nick is private: answer the sender, not a channel.
        target = nick if channel == self.nickname else channel
        self.msg(target, f"Hello, {nick}!")
        print(f"greeted {nick} in {target}")

    def connectionLost(self, reason):
        irc.IRCClient.connectionLost(self, reason)
        print("disconnected")
        self.finished.callback(None)


async def main(reactor, *argv):
    host, port, channel = "127.0.0.1", None, "workshop"
    if len(argv) == 1:
        port = argv[0]
    elif len(argv) >= 2:
        host, port, *rest = argv
        channel = rest[0] if rest else channel
    endpoint = TCP4ClientEndpoint(reactor, host, int(port))
    bot = await connectProtocol(endpoint, GreeterBot(channel))
    await bot.finished


if __name__ == "__main__":
    task.react(main, sys.argv[1:])
