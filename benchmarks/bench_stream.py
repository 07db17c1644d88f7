"""Streaming benchmark: 256 MiB through one echo connection, on minitwisted, Twisted and asyncio.

What is measured: one TCP connection to an echo server in its own process; the client
(this process) sends 256 MiB and reads the echo back at the same time.  Per framework:

- throughput, in MB/s (10^6 bytes per second), from the first byte sent to the last
  byte received back;
- the server's peak resident memory (``ru_maxrss`` of the server process, read with
  ``os.wait4`` when it is ended), and its growth over the memory it had before the
  connection (``VmRSS`` then): a server without flow control would grow by about as
  much as the client gets behind;
- the server's CPU time (user + system) per MiB, as in bench_echo.py.

The servers are in ``_servers.py``.  minitwisted and Twisted run the *same* code: an
echo ``Protocol`` whose ``connectionMade`` registers the transport as its own push
producer (``self.transport.registerProducer(self.transport, True)``), so reading
pauses while the write buffer is full; the docstring of ``_servers.py`` explains the
pattern.  asyncio's ``Protocol`` does the same with ``pause_reading`` in
``pause_writing`` and ``resume_reading`` in ``resume_writing``.

Why: the echo benchmark measures the cost of many small events; this one measures
the cost per byte (reads, buffer joins, writes) and checks that flow control keeps
the server's memory bounded while a fast peer pushes data at it.

How it is run: for each repeat (3, or 1 with --quick), each framework in turn gets a
fresh server and one transfer; the best throughput and the highest peak memory are
reported.  The data is a seeded pseudo-random pattern whose period is a prime number
of bytes (1,000,003), so it lines up with no buffer size; every received byte is
compared with the byte sent at that position, and a wrong, missing or extra byte fails
the framework, which the table shows as FAILED with the reason below it.

How to run, from the repository root, with the kit's virtualenv::

    .venv/bin/python benchmarks/bench_stream.py            # full run, 256 MiB, under a minute
    .venv/bin/python benchmarks/bench_stream.py --quick    # smoke run, 8 MiB
    .venv/bin/python benchmarks/bench_stream.py --json results.json

This is a benchmark, not a test: no test asserts timings.  ``tests/test_benchmarks.py``
only checks that ``--quick`` runs and prints a row for each framework.
"""

import argparse
import random
import select
import socket
import sys
import time

from _harness import (
    Failed,
    ServerProcess,
    environment,
    format_number,
    format_ratio,
    print_environment,
    ratio,
    write_json,
)

FRAMEWORKS = ["minitwisted", "twisted", "asyncio"]
MIB = 2**20
TOTAL, QUICK_TOTAL = 256 * MIB, 8 * MIB
REPEATS = 3
STALL_SECONDS = 10
CHUNK = 256 * 1024  # the most one send offers or one recv takes
PERIOD = 1_000_003  # a prime: the pattern's repeats line up with no buffer size
PATTERN = random.Random(20261121).randbytes(PERIOD)
# The pattern and its first CHUNK bytes again, so any CHUNK bytes of the endless
# stream are one contiguous slice: stream[n:n + k] == DOUBLED[n % PERIOD:][:k].
DOUBLED = PATTERN + PATTERN[:CHUNK]


def stream_through(port, total):
    """Send ``total`` bytes to the echo server at ``port`` and check the echo; return seconds."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=STALL_SECONDS)
    sock.setblocking(False)
    poller = select.epoll()
    poller.register(sock.fileno(), select.EPOLLIN | select.EPOLLOUT)
    outgoing = memoryview(DOUBLED)
    sent = received = 0
    start = time.perf_counter()
    try:
        while received < total:
            ready = poller.poll(STALL_SECONDS)
            if not ready:  # a server that stops reading or writing for good must not hang us
                raise Failed(f"no progress for {STALL_SECONDS} s, {sent:,} bytes sent,"
                             f" {received:,} received")
            for _, events in ready:
                if events & select.EPOLLOUT:
                    at = sent % PERIOD
                    sent += sock.send(outgoing[at:at + min(CHUNK, total - sent)])
                    if sent == total:  # all sent: from now on, only read
                        poller.modify(sock.fileno(), select.EPOLLIN)
                if events & select.EPOLLIN:
                    data = sock.recv(CHUNK)
                    if not data:
                        raise Failed(f"the server closed the connection after {received:,} bytes")
                    at = received % PERIOD
                    if data != DOUBLED[at:at + len(data)]:
                        raise Failed(
                            f"wrong data in the {len(data):,} bytes from offset {received:,}")
                    received += len(data)
                    if received > sent:
                        raise Failed(f"{received - sent:,} bytes came back that were never sent")
        return time.perf_counter() - start
    finally:
        poller.close()
        sock.close()


def measure(framework, total):
    """One transfer through a fresh server: a dict of the figures, or Failed."""
    server = ServerProcess("stream", framework)
    try:
        baseline, cpu = server.rss_bytes(), server.cpu_seconds()
        seconds = stream_through(server.port, total)
        cpu = server.cpu_seconds() - cpu
    except OSError as exc:
        raise Failed(f"{type(exc).__name__}: {exc}") from None
    finally:
        peak = server.stop()
    return {
        "mb_per_s": total / seconds / 1e6,
        "seconds": seconds,
        "peak_rss_mib": peak / MIB,
        "baseline_rss_mib": baseline / MIB,
        "growth_mib": (peak - baseline) / MIB,
        "cpu_ms_per_mib": cpu / (total / MIB) * 1e3,
    }


def best_of(runs):
    """The fastest transfer's figures, with the highest peak memory seen in any."""
    best = dict(max(runs, key=lambda run: run["mb_per_s"]))
    best["peak_rss_mib"] = max(run["peak_rss_mib"] for run in runs)
    best["growth_mib"] = max(run["growth_mib"] for run in runs)
    best["cpu_ms_per_mib"] = min(run["cpu_ms_per_mib"] for run in runs)
    return best


def run_all(total, repeats):
    runs = {name: [] for name in FRAMEWORKS}
    errors = {}
    for repeat in range(repeats):
        print(f"repeat {repeat + 1} of {repeats} ...", file=sys.stderr)
        for name in FRAMEWORKS:
            if name in errors:
                continue
            try:
                runs[name].append(measure(name, total))
            except Failed as exc:
                errors[name] = str(exc)
    results = {name: best_of(runs[name]) for name in FRAMEWORKS if name not in errors}
    return results, errors


def ratios(results):
    """Ratios above 1 when minitwisted is better: throughput, and (inverted) peak growth."""
    rate = {name: r["mb_per_s"] for name, r in results.items()}
    cpu = {name: r["cpu_ms_per_mib"] for name, r in results.items()}
    return {
        f"rate_minitwisted_over_{other}": ratio(rate.get("minitwisted"), rate.get(other))
        for other in ("twisted", "asyncio")
    } | {
        f"cpu_{other}_over_minitwisted": ratio(cpu.get(other), cpu.get("minitwisted"))
        for other in ("twisted", "asyncio")
    }


def print_report(env, results, errors, total, repeats, quick):
    print_environment(env, quick)
    print(f"{total // MIB} MiB echoed through one connection, best of {repeats}:")
    print()
    print("| framework | MB/s | server CPU ms/MiB | peak RSS MiB | growth MiB"
          " | MB/s mini/X | CPU X/mini |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    r = ratios(results)
    for name in FRAMEWORKS:
        if name in errors:
            print(f"| {name} | FAILED | FAILED | FAILED | FAILED | n/a | n/a |")
            continue
        figures = results[name]
        rate_ratio = cpu_ratio = "" if name == "minitwisted" else None
        if name != "minitwisted":
            rate_ratio = format_ratio(r[f"rate_minitwisted_over_{name}"])
            cpu_ratio = format_ratio(r[f"cpu_{name}_over_minitwisted"])
        print(
            f"| {name} | {format_number(figures['mb_per_s'])}"
            f" | {format_number(figures['cpu_ms_per_mib'], 2)}"
            f" | {format_number(figures['peak_rss_mib'], 1)}"
            f" | {format_number(figures['growth_mib'], 1)} | {rate_ratio} | {cpu_ratio} |"
        )
    print()
    print("MB/s mini/X = minitwisted MB/s / X's; CPU X/mini = X's CPU per MiB / minitwisted's;")
    print("both above 1 when minitwisted is the better one.  Growth = peak RSS minus the RSS")
    print("before the connection; it stays small when flow control works.")
    for name, error in errors.items():
        print(f"FAILED {name}: {error}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_TOTAL // MIB} MiB, once (a smoke run)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    total, repeats = (QUICK_TOTAL, 1) if args.quick else (TOTAL, REPEATS)
    env = environment()  # first, so its load average is from before the run
    results, errors = run_all(total, repeats)
    print_report(env, results, errors, total, repeats, args.quick)
    if args.json:
        write_json(args.json, {
            **env,
            "quick": args.quick,
            "bytes": total,
            "repeats": repeats,
            "results": results,
            "errors": errors,
            "ratios": ratios(results),
        })
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
