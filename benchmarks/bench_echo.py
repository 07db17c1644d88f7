"""Echo benchmark: 64-byte round trips against minitwisted, Twisted, asyncio and plain selectors.

What is measured: a TCP echo server in its own process, and one load-generating
client (this process) that keeps 1, 10, 100 and 1,000 connections busy.  Each
connection sends a 64-byte request, waits until all 64 bytes have come back, checks
every byte, and sends the next; so each connection has exactly one request in flight.
Two figures per framework and connection count:

- round trips per second, over all connections together;
- the server's CPU time per round trip, in microseconds: user + system time of the
  server process over the timed window (from ``/proc/<pid>/schedstat``), divided by
  the round trips completed in it.

The machine has two cores and the client shares it, so round trips per second partly
measure the client; CPU time per round trip is the server's cost alone, and is the
figure to compare when they disagree.

The servers are in ``_servers.py``.  minitwisted and Twisted run the *same* code
(``Protocol.dataReceived`` calls ``self.transport.write(data)``; only the package the
reactor, ``Protocol`` and ``Factory`` come from differs); Twisted uses its default
reactor, epoll on Linux.  asyncio is an ``asyncio.Protocol`` server on the default
event loop; selectors is a plain ``selectors`` loop, the floor with no framework.

Why: the same as for bench_defer.py.  minitwisted is written to be read; this shows
what that costs on the path every byte takes (reactor loop, transport, protocol), as
ratios against Twisted and asyncio, so a slow spot is seen before anyone trades
clarity for speed.

How it is run: all four servers start at once (each announces its port on stdout).
For each connection count, each framework in turn gets its connections opened (the
server accepts them), a warm-up (0.3 s), then a timed window (1 s), then its
connections closed; that is done 3 times, in rotated order, and the best window is
reported (the highest rate, the lowest CPU per round trip), because other processes
on the machine can only make a window worse.  The client is a plain
``select.epoll`` loop over non-blocking sockets; each request carries the connection
number and a sequence number, and its other 56 bytes follow the sequence number, so a
reply that is late, crossed with another connection's, short or corrupted fails the
run.  A framework whose server cannot start or that echoes wrongly is shown as
FAILED, with the reason below the table; the others are still measured.  The fd
limit is raised for 1,000 connections.

How to run, from the repository root, with the kit's virtualenv::

    .venv/bin/python benchmarks/bench_echo.py              # full run, about a minute
    .venv/bin/python benchmarks/bench_echo.py --quick      # smoke run, a few seconds
    .venv/bin/python benchmarks/bench_echo.py --json results.json
    .venv/bin/python benchmarks/bench_echo.py --profile minitwisted   # cProfile the server
    .venv/bin/python benchmarks/bench_echo.py --profile twisted --connections 10

This is a benchmark, not a test: no test asserts timings.  ``tests/test_benchmarks.py``
only checks that ``--quick`` runs and prints a row for each connection count.
"""

import argparse
import pstats
import select
import signal
import socket
import struct
import sys
import tempfile
import time

from _harness import (
    FRAMEWORKS,
    ROOT,
    Failed,
    ServerProcess,
    environment,
    format_number,
    format_ratio,
    print_environment,
    raise_fd_limit,
    ratio,
    write_json,
)

CONNECTIONS = [1, 10, 100, 1000]
MESSAGE_SIZE = 64
WARMUP_SECONDS, WINDOW_SECONDS, REPEATS = 0.3, 1.0, 3
QUICK_WARMUP_SECONDS, QUICK_WINDOW_SECONDS = 0.05, 0.15
PROFILE_CONNECTIONS, PROFILE_SECONDS = 100, 3.0
CONNECT_SECONDS = 10  # a server that never accepts fails instead of hanging the run

HEADER = struct.Struct("!II")  # connection number, sequence number
# 256 different 56-byte bodies, chosen by the sequence number: the pattern changes
# from one request to the next, so a stale reply never passes for a fresh one.
BODIES = [bytes((seq + i) % 256 for i in range(MESSAGE_SIZE - HEADER.size)) for seq in range(256)]


def request(connection, seq):
    return HEADER.pack(connection, seq) + BODIES[seq % 256]


class EchoClient:
    """``connections`` sockets to one echo server, each with one request in flight.

    Invariants: ``expected[fd]`` is the request last sent on ``fd`` (so the reply it
    must get), ``partial[fd]`` the bytes of that reply received so far; ``done``
    counts verified round trips.
    """

    def __init__(self, port, connections):
        self.poller = select.epoll()
        self.sockets, self.number, self.seq, self.expected, self.partial = {}, {}, {}, {}, {}
        self.done = 0
        for number in range(connections):
            # A blocking connect, one at a time: a burst of 1,000 SYNs could
            # overflow the server's accept queue and stall for a retransmission.
            sock = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_SECONDS)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
            fd = sock.fileno()
            self.sockets[fd], self.number[fd], self.seq[fd] = sock, number, 0
            self.partial[fd] = b""
            self.poller.register(fd, select.EPOLLIN)
        for fd in self.sockets:
            self.send(fd)

    def send(self, fd):
        data = request(self.number[fd], self.seq[fd])
        # 64 bytes into an empty socket buffer (the last reply has arrived) go in one send.
        if self.sockets[fd].send(data) != MESSAGE_SIZE:
            raise Failed("the client's 64-byte send was cut short")
        self.expected[fd] = data

    def run_until(self, deadline):
        """Answer replies with new requests until ``deadline`` (a perf_counter time)."""
        poll, sockets = self.poller.poll, self.sockets
        partial, expected = self.partial, self.expected
        while (left := deadline - time.perf_counter()) > 0:
            for fd, _ in poll(left):
                try:
                    data = sockets[fd].recv(MESSAGE_SIZE)
                except ConnectionError as exc:
                    raise Failed(f"connection {self.number[fd]}: {exc}") from None
                if not data:
                    raise Failed(f"the server closed connection {self.number[fd]}")
                data = partial[fd] + data
                if len(data) < MESSAGE_SIZE:  # TCP may split a reply: wait for the rest
                    partial[fd] = data
                    continue
                partial[fd] = b""
                if data != expected[fd]:
                    raise Failed(
                        f"connection {self.number[fd]}, request {self.seq[fd]}:"
                        f" sent {expected[fd]!r}, got back {data!r}"
                    )
                self.done += 1
                self.seq[fd] += 1
                self.send(fd)

    def close(self):
        for sock in self.sockets.values():
            sock.close()
        self.poller.close()


def measure_cell(server, connections, warmup, window):
    """Return (round trips per second, server CPU microseconds per round trip)."""
    client = EchoClient(server.port, connections)
    try:
        client.run_until(time.perf_counter() + warmup)
        done, cpu = client.done, server.cpu_seconds()
        start = time.perf_counter()
        client.run_until(start + window)
        elapsed = time.perf_counter() - start
        done, cpu = client.done - done, server.cpu_seconds() - cpu
    finally:
        client.close()
    if done == 0:
        raise Failed("no round trip completed in the timed window")
    return done / elapsed, cpu / done * 1e6


def measure_best(server, name, row, connections, warmup, window):
    """Measure one cell once; keep the best rate and the lowest CPU seen in ``row``."""
    if not server.alive():
        row["errors"][name] = f"server died: {server.reason()}"
        return
    try:
        rate, cpu_us = measure_cell(server, connections, warmup, window)
    except (Failed, OSError) as exc:
        row["errors"][name] = str(exc)
        return
    # Other processes on the machine can only slow a window down, never speed it
    # up, so the best window is the closest to the framework's own speed.
    row["rate"][name] = max(rate, row["rate"].get(name, 0))
    row["cpu_us"][name] = min(cpu_us, row["cpu_us"].get(name, float("inf")))


def start_servers(frameworks, sources=None):
    """Start one echo server per name; a server that cannot start is its reason.

    ``frameworks`` lists the frameworks, or maps names to them; ``sources`` maps a name
    to the folder its minitwisted is imported from, or to the ``Failed`` that says why
    there is none (default: this checkout).
    """
    if not isinstance(frameworks, dict):
        frameworks = {name: name for name in frameworks}
    sources = sources or {}
    servers = {}
    for name, framework in frameworks.items():
        source = sources.get(name, ROOT)
        try:
            if isinstance(source, Failed):
                raise source
            servers[name] = ServerProcess("echo", framework, source=source)
        except Failed as exc:
            servers[name] = str(exc)
    return servers


def measure_rows(servers, connection_counts, quick):
    """Measure every server at each connection count; return one row dict per count.

    ``servers`` maps names to ``ServerProcess`` objects, or to the reason one did not
    start.  Each row holds the best ``rate`` and ``cpu_us`` per name, and ``errors``.
    """
    warmup, window = (QUICK_WARMUP_SECONDS, QUICK_WINDOW_SECONDS) if quick else (
        WARMUP_SECONDS, WINDOW_SECONDS)
    repeats = 1 if quick else REPEATS
    results = []
    for connections in connection_counts:
        print(f"{connections} connections ...", file=sys.stderr)
        row = {"connections": connections, "rate": {}, "cpu_us": {}, "errors": {}}
        for name, server in servers.items():
            if isinstance(server, str):
                row["errors"][name] = f"server did not start: {server}"
        for repeat in range(repeats):
            # Rotate the order each repeat, so no server always goes first.
            ready = [name for name in servers if name not in row["errors"]]
            shift = repeat % len(ready) if ready else 0
            for name in ready[shift:] + ready[:shift]:
                measure_best(servers[name], name, row, connections, warmup, window)
        results.append(row)
    return results


def measure_and_stop(servers, connection_counts, quick):
    """``measure_rows``, then stop every server that started, whatever happened."""
    try:
        return measure_rows(servers, connection_counts, quick)
    finally:
        for server in servers.values():
            if not isinstance(server, str):
                server.stop()


def run_all(quick):
    return measure_and_stop(start_servers(FRAMEWORKS), CONNECTIONS, quick)


def cell(row, key, name, digits=0):
    if name in row["errors"]:
        return "FAILED"
    return format_number(row[key].get(name), digits)


def ratios(row):
    """Speed ratios, above 1 when minitwisted is better: by rate, and by CPU per round trip."""
    rate, cpu = row["rate"], row["cpu_us"]
    return {
        f"rate_minitwisted_over_{other}": ratio(rate.get("minitwisted"), rate.get(other))
        for other in ("twisted", "asyncio", "selectors")
    } | {
        # Inverted, so that here too above 1 means minitwisted spends less CPU.
        f"cpu_{other}_over_minitwisted": ratio(cpu.get(other), cpu.get("minitwisted"))
        for other in ("twisted", "asyncio", "selectors")
    }


def print_report(env, results, quick, window, repeats):
    print_environment(env, quick)
    names = " | ".join(FRAMEWORKS)
    print("Round trips per second (64-byte request and reply; all connections together):")
    print()
    print(f"| connections | {names} | mini/twisted | mini/asyncio | mini/selectors |")
    print("|---:|" + "---:|" * (len(FRAMEWORKS) + 3))
    for row in results:
        r = ratios(row)
        print(
            f"| {row['connections']:,} | "
            + " | ".join(cell(row, "rate", name) for name in FRAMEWORKS)
            + " | " + " | ".join(format_ratio(r[f"rate_minitwisted_over_{o}"])
                                 for o in ("twisted", "asyncio", "selectors")) + " |"
        )
    print()
    print("Server CPU time per round trip, in microseconds (user + system, server process):")
    print()
    print(f"| connections | {names} | twisted/mini | asyncio/mini | selectors/mini |")
    print("|---:|" + "---:|" * (len(FRAMEWORKS) + 3))
    for row in results:
        r = ratios(row)
        print(
            f"| {row['connections']:,} | "
            + " | ".join(cell(row, "cpu_us", name, 1) for name in FRAMEWORKS)
            + " | " + " | ".join(format_ratio(r[f"cpu_{o}_over_minitwisted"])
                                 for o in ("twisted", "asyncio", "selectors")) + " |"
        )
    print()
    print("Every ratio is above 1 when minitwisted is the better one: mini/X divides")
    print("round trips per second, X/mini divides CPU microseconds per round trip.")
    print(f"Best of {repeats} timed windows of {window} s per cell, each after a warm-up,")
    print("frameworks rotated; the client is this process, on the same machine, so when")
    print("rates and CPU disagree, trust CPU.")
    failures = [(row["connections"], name, error)
                for row in results for name, error in row["errors"].items()]
    if failures:
        print()
        for connections, name, error in failures:
            print(f"FAILED at {connections:,} connections, {name}: {error}")


def profile(framework, connections, seconds):
    """cProfile ``framework``'s echo server under ``connections`` busy connections."""
    with tempfile.NamedTemporaryFile(suffix=".prof") as stats_file:
        server = ServerProcess("echo", framework, profile=stats_file.name)
        client = EchoClient(server.port, connections)
        try:
            client.run_until(time.perf_counter() + seconds)
        finally:
            client.close()
        done = client.done
        server.stop(signal.SIGUSR1)  # the server writes its profile and exits
        print(f"== echo server, {framework}: {connections:,} connections,"
              f" {seconds} s, {done:,} round trips ==")
        pstats.Stats(stats_file.name).sort_stats("tottime").print_stats(15)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="very short windows (a smoke run)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument(
        "--profile", metavar="FRAMEWORK", choices=FRAMEWORKS,
        help="instead of timing, cProfile one framework's server under load",
    )
    parser.add_argument(
        "--connections", type=int, default=PROFILE_CONNECTIONS,
        help=f"connections for --profile (default {PROFILE_CONNECTIONS})",
    )
    args = parser.parse_args(argv)
    raise_fd_limit(2 * max(CONNECTIONS) + 100)  # both ends of every connection, plus spare

    if args.profile:
        profile(args.profile, args.connections, 0.5 if args.quick else PROFILE_SECONDS)
        return 0
    env = environment()  # first, so its load average is from before the run
    results = run_all(args.quick)
    window = QUICK_WINDOW_SECONDS if args.quick else WINDOW_SECONDS
    repeats = 1 if args.quick else REPEATS
    print_report(env, results, args.quick, window, repeats)
    if args.json:
        write_json(args.json, {
            **env,
            "quick": args.quick,
            "window_seconds": window,
            "repeats": repeats,
            "message_size": MESSAGE_SIZE,
            "results": [row | {"ratios": ratios(row)} for row in results],
        })
    return 1 if any(row["errors"] for row in results) else 0


if __name__ == "__main__":
    sys.exit(main())
