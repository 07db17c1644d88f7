"""A TCP echo server: every byte a client sends comes straight back to it.

Explained in notebooks/04_transports.ipynb, section "An echo server with the reactor".
Run it with a port (0 lets the system pick one; the line "listening on ..." shows it):

    python examples/echo_server.py 8000
    python examples/echo_client.py 8000      # in a second terminal

Stop it with Ctrl-C.  Replace ``minitwisted`` by ``twisted`` and it runs on real Twisted.
"""

import sys

from minitwisted.internet import protocol, reactor


class Echo(protocol.Protocol):
    """Write back whatever arrives; the transport buffers and sends it for us."""

    def connectionMade(self):
        print("client connected")

    def dataReceived(self, data):
        # data may be part of a message or several at once: an echo does not care.
        self.transport.write(data)

    def connectionLost(self, reason):
        print("client disconnected")


def main(port):
    # A Factory makes one Echo per connection; listenTCP registers the socket with the reactor.
    listening = reactor.listenTCP(port, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
    print(f"listening on 127.0.0.1:{listening.getHost().port}")
    reactor.run()


if __name__ == "__main__":
    main(int(sys.argv[1]))
