"""A small IRC server: nicknames, channels, messages, topics, built on LineReceiver.

Explained in notebooks/05_protocols_and_factories.ipynb, section "A chat server that
speaks IRC".  The protocol and factory live in ``minitwisted/words/ircserver.py``; this
program only starts them.  Run it with a port (0 lets the system pick one):

    python examples/irc_server.py 6667
    python examples/irc_bot.py 6667          # in a second terminal

Any IRC client can connect too (``irssi -c 127.0.0.1 -p 6667``).  Stop it with Ctrl-C.
This server is the workshop's own; real Twisted has no counterpart to rename it to.
"""

import sys

from minitwisted.internet import reactor
from minitwisted.words.ircserver import IRCServerFactory


def main(port):
    # One factory holds every nick and channel; each connection gets its own protocol.
    listening = reactor.listenTCP(port, IRCServerFactory(), interface="127.0.0.1")
    print(f"listening on 127.0.0.1:{listening.getHost().port}")
    reactor.run()


if __name__ == "__main__":
    main(int(sys.argv[1]))
