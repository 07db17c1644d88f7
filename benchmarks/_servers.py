"""The servers that bench_echo.py and bench_stream.py measure, one per process.

Run as a script, one server per process, so that its CPU time and peak memory are its
own and not the load generator's::

    python benchmarks/_servers.py echo twisted
    python benchmarks/_servers.py stream minitwisted
    python benchmarks/_servers.py echo asyncio --profile echo.prof

The first argument is the workload: ``echo`` (write back what arrives) or ``stream``
(the same, with flow control, for one connection carrying hundreds of megabytes).
The second is the framework:

- ``minitwisted`` and ``twisted`` run the *same* Twisted-shaped code, below; only the
  package name that the reactor and ``Protocol``/``Factory`` are imported from
  differs.  Twisted's reactor is the one its ``twisted.internet.reactor`` installs by
  default, which on Linux is the epoll reactor.
- ``asyncio`` is an ``asyncio.Protocol`` server on a fresh default event loop.
- ``selectors`` (echo only) is a plain ``selectors`` loop with no framework at all:
  the floor that shows what the Python interpreter and the kernel cost by themselves.

Every server listens on 127.0.0.1, on a port the kernel picks, and announces it with
one line ``PORT <number>`` on stdout; the benchmark reads that line and connects.  A
server that cannot start (``minitwisted`` before its reactor exists, say) dies with a
traceback on stderr, and the benchmark reports that framework as FAILED with the last
line of it.  Servers run until the benchmark kills them.

With ``--profile FILE`` the server runs under cProfile and, on SIGUSR1, writes the
statistics to FILE and exits (SIGUSR1 because neither reactor handles it itself).

Flow control for ``stream``: an echo server that writes whatever it reads buffers
without limit when its peer reads more slowly than it writes.  Twisted's TCP
transport is itself a push producer (``pauseProducing`` stops reading,
``resumeProducing`` starts again), so the streaming protocol registers the transport
as the producer of its own output::

    def connectionMade(self):
        self.transport.registerProducer(self.transport, True)

When a ``write`` takes the transport's buffer past its ``bufferSize`` (64 KiB on
Twisted), the transport pauses the producer, that is, stops reading from the socket;
when the buffer has drained, it resumes it and reading starts again.  The asyncio
server does the same by hand: ``pause_writing`` calls ``pause_reading`` and
``resume_writing`` calls ``resume_reading``.
"""

import argparse
import asyncio
import cProfile
import importlib
import os
import selectors
import signal
import socket
import sys

BACKLOG = 1024  # 1,000 clients connect in a burst; Twisted's default of 50 would drop SYNs
READ_SIZE = 65536  # the most one recv takes, as in Twisted's TCP transport


def announce(port):
    """Tell the benchmark where to connect: one line on stdout."""
    print(f"PORT {port}", flush=True)


# --- Twisted-shaped: the same code for minitwisted and twisted ---------------------------


def load_reactor(package):
    """Return ``package``'s global reactor, as ``from <package>.internet import reactor`` would."""
    importlib.import_module(f"{package}.internet.reactor")
    # Installing a reactor replaces the ``reactor`` module in sys.modules with the
    # reactor object itself, so read it from there rather than from the import.
    return sys.modules[f"{package}.internet.reactor"]


def echo_protocol(protocol):
    """Return an echo Protocol class built on ``protocol`` (a ``<package>.internet.protocol``)."""

    class Echo(protocol.Protocol):
        def dataReceived(self, data):
            self.transport.write(data)

    return Echo


def streaming_echo_protocol(protocol):
    """Return an echo Protocol class that stops reading while its write buffer is full."""

    class StreamingEcho(protocol.Protocol):
        def connectionMade(self):
            # The transport is a push producer: registered as the producer of its own
            # output, it stops reading when a write fills its buffer, and starts again
            # when the buffer has drained.  So the buffer stays near bufferSize.
            self.transport.registerProducer(self.transport, True)

        def dataReceived(self, data):
            self.transport.write(data)

    return StreamingEcho


def run_twisted_shaped(package, workload, tracing=None):
    reactor = load_reactor(package)
    if tracing == "after":
        # A tracing block entered and left: the reactor must be as fast as if never traced.
        from minitwisted.internet import trace

        with trace.tracing(reactor):
            pass
    elif tracing == "on":
        from minitwisted.internet import task, trace

        recording = trace.tracing(reactor)
        events = recording.__enter__().events
        # Drop what was recorded every second: the cost measured is recording, not memory.
        task.LoopingCall(events.clear).start(1.0)
    protocol = importlib.import_module(f"{package}.internet.protocol")
    build = {"echo": echo_protocol, "stream": streaming_echo_protocol}[workload]
    factory = protocol.Factory.forProtocol(build(protocol))
    factory.noisy = False  # no "Starting factory" log lines in the measurement
    port = reactor.listenTCP(0, factory, backlog=BACKLOG, interface="127.0.0.1")
    announce(port.getHost().port)
    reactor.run()


# --- asyncio --------------------------------------------------------------------------


class AsyncioEcho(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)

    # asyncio calls these when the write buffer crosses its high / low water marks
    # (64 KiB / 16 KiB by default): stop reading while the peer is behind.
    def pause_writing(self):
        self.transport.pause_reading()

    def resume_writing(self):
        self.transport.resume_reading()


def run_asyncio(workload):
    # One protocol for both workloads: the flow control only ever acts when the
    # write buffer fills, which the 64-byte echo never does.
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(
        loop.create_server(AsyncioEcho, "127.0.0.1", 0, backlog=BACKLOG)
    )
    announce(server.sockets[0].getsockname()[1])
    loop.run_forever()


# --- plain selectors ------------------------------------------------------------------


def run_selectors(workload):
    if workload != "echo":
        sys.exit(f"the selectors server only does echo, not {workload}")
    selector = selectors.DefaultSelector()
    listener = socket.create_server(("127.0.0.1", 0), backlog=BACKLOG)
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ)
    unsent = {}  # socket -> bytes the kernel did not take yet
    announce(listener.getsockname()[1])
    while True:
        for key, events in selector.select():
            sock = key.fileobj
            if sock is listener:
                conn, _ = listener.accept()
                conn.setblocking(False)
                selector.register(conn, selectors.EVENT_READ)
            elif events & selectors.EVENT_WRITE:
                send_pending(selector, sock, unsent)
            else:
                echo_once(selector, sock, unsent)


def echo_once(selector, sock, unsent):
    try:
        data = sock.recv(READ_SIZE)
    except ConnectionError:
        data = b""
    if not data:  # the peer closed
        selector.unregister(sock)
        sock.close()
        return
    sent = sock.send(data)
    if sent < len(data):
        # A partial send: keep the rest, and stop reading until it has gone, so
        # the buffer never holds more than one read.
        unsent[sock] = data[sent:]
        selector.modify(sock, selectors.EVENT_WRITE)


def send_pending(selector, sock, unsent):
    data = unsent.pop(sock)
    sent = sock.send(data)
    if sent < len(data):
        unsent[sock] = data[sent:]
    else:
        selector.modify(sock, selectors.EVENT_READ)


# --- entry point ----------------------------------------------------------------------


def run(workload, framework):
    if framework in ("minitwisted", "twisted"):
        run_twisted_shaped(framework, workload)
    elif framework == "minitwisted-traced":
        run_twisted_shaped("minitwisted", workload, tracing="on")
    elif framework == "minitwisted-after-tracing":
        run_twisted_shaped("minitwisted", workload, tracing="after")
    elif framework == "asyncio":
        run_asyncio(workload)
    elif framework == "selectors":
        run_selectors(workload)
    else:
        sys.exit(f"unknown framework {framework!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=["echo", "stream"])
    parser.add_argument("framework", choices=["minitwisted", "twisted", "asyncio", "selectors",
                                              "minitwisted-traced",
                                              "minitwisted-after-tracing"])
    parser.add_argument("--profile", metavar="FILE", help="cProfile; write FILE on SIGUSR1")
    args = parser.parse_args()
    if args.profile is None:
        run(args.workload, args.framework)
        return
    profiler = cProfile.Profile()

    def dump_and_exit(signum, frame):
        profiler.disable()
        profiler.dump_stats(args.profile)
        os._exit(0)  # at once: no reactor shutdown in the middle of a profile

    signal.signal(signal.SIGUSR1, dump_and_exit)
    profiler.enable()
    run(args.workload, args.framework)


if __name__ == "__main__":
    main()
