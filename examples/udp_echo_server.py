"""A UDP echo server: every datagram goes back to the address it came from.

Explained in notebooks/04_transports.ipynb, section "UDP: datagrams, not streams".
Run it with a port (0 lets the system pick one; "listening on ..." shows it):

    python examples/udp_echo_server.py 9000
    python examples/udp_echo_client.py 9000      # in a second terminal

There is no connection: one DatagramProtocol serves every sender.  Stop it with Ctrl-C.
"""

import sys

from minitwisted.internet import reactor
from minitwisted.internet.protocol import DatagramProtocol


class Echo(DatagramProtocol):
    """Answer each datagram with itself."""

    def datagramReceived(self, datagram, addr):
        # addr is the sender's (host, port): UDP needs it on every write.
        self.transport.write(datagram, addr)


def main(port):
    listening = reactor.listenUDP(port, Echo(), interface="127.0.0.1")
    print(f"listening on 127.0.0.1:{listening.getHost().port}")
    reactor.run()


if __name__ == "__main__":
    main(int(sys.argv[1]))
