"""A UDP echo client: send a few datagrams one by one, print each echo, then exit.

Explained in notebooks/04_transports.ipynb, section "UDP: datagrams, not streams".
Start ``examples/udp_echo_server.py`` first, then give this client the server's port:

    python examples/udp_echo_client.py 9000

UDP promises nothing: a datagram can be lost, and nobody may be listening.  So the client
gives up with an error after 5 seconds without the last echo, and also as soon as the
system reports the server port closed (``connectionRefused``), when it does.
"""

import sys

from minitwisted.internet import defer, task
from minitwisted.internet.protocol import DatagramProtocol

MESSAGES = [b"ping", b"hello over UDP", b"bye"]


class EchoClient(DatagramProtocol):
    """Send the next message only when the previous echo is back."""

    def __init__(self, port, messages):
        self.port = port
        self.messages = list(messages)
        self.finished = defer.Deferred()  # fires when every echo has arrived

    def startProtocol(self):
        # A "connected" UDP port talks to one peer: write() needs no address, and an
        # ICMP "port unreachable" becomes a connectionRefused() call.
        self.transport.connect("127.0.0.1", self.port)
        self.sendNext()

    def sendNext(self):
        if self.messages:
            self.transport.write(self.messages.pop(0))
        else:
            self.finished.callback(None)

    def datagramReceived(self, datagram, addr):
        print("echo:", datagram.decode())
        self.sendNext()

    def connectionRefused(self):
        self.finished.errback(ConnectionRefusedError("no UDP echo server on that port"))


async def main(reactor, port):
    client = EchoClient(int(port), MESSAGES)
    listening = reactor.listenUDP(0, client, interface="127.0.0.1")
    # Without a deadline a lost datagram would leave us waiting forever.
    client.finished.addTimeout(5, reactor)
    await client.finished
    await listening.stopListening()
    print("done")


if __name__ == "__main__":
    task.react(main, sys.argv[1:])
