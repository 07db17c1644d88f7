"""Timer benchmark: 100,000 callLater calls, half cancelled, on minitwisted, Twisted and asyncio.

What is measured: the time to schedule 100,000 delayed calls with seeded random
delays in [0, 0.05) s, cancel a seeded random half of them, and run the event loop
until every remaining call has fired, after which the last one stops the loop.
Per framework, from a fresh process each time:

- total wall time, from the first ``callLater`` to the return of ``run()``; the
  delays put a floor of about 0.05 s under it, the same for everyone;
- the part of it spent scheduling and cancelling, before the loop runs;
- the CPU time of the whole (``time.process_time``), which has no such floor.

minitwisted and Twisted run the *same* code (``reactor.callLater``,
``DelayedCall.cancel``, ``reactor.run``, ``reactor.stop``; only the package differs;
Twisted's is its default reactor, epoll on Linux); asyncio runs the same plan with
``loop.call_later``, ``TimerHandle.cancel``, ``loop.run_forever`` and ``loop.stop``.

Why: a reactor keeps its timers in a heap, and cancelling is where designs differ
(remove at once, or mark and skip, or rebuild the heap when too many are dead).  This
shows what minitwisted's choice costs at a scale where a linear scan would show.

How it is run: each measurement is a fresh worker process (this script with
``--worker``), because a reactor is a global that runs once per process.  For each of
3 repeats (1 with --quick) each framework runs once, in rotated order; the best time
is reported.  The worker checks that exactly the calls that were not cancelled fired,
each once; a framework that fails that, or cannot start, is shown as FAILED with the
reason below the table.

How to run, from the repository root, with the kit's virtualenv::

    .venv/bin/python benchmarks/bench_timers.py            # full run, about 10 s
    .venv/bin/python benchmarks/bench_timers.py --quick    # smoke run, 2,000 calls
    .venv/bin/python benchmarks/bench_timers.py --json results.json

This is a benchmark, not a test: no test asserts timings.  ``tests/test_benchmarks.py``
only checks that ``--quick`` runs and prints a row for each framework.
"""

import argparse
import asyncio
import importlib
import json
import random
import subprocess
import sys
import time

from _harness import (
    Failed,
    environment,
    format_number,
    format_ratio,
    last_line,
    print_environment,
    python_command,
    ratio,
    write_json,
)

FRAMEWORKS = ["minitwisted", "twisted", "asyncio"]
CALLS, QUICK_CALLS = 100_000, 2_000
MAX_DELAY = 0.05
SEED = 20261121
REPEATS = 3
WORKER_SECONDS, QUICK_WORKER_SECONDS = 120, 20  # a worker slower than this has hung


def plan(calls):
    """The seeded delays, and the indices of the calls to cancel (a random half)."""
    rng = random.Random(SEED)
    delays = [rng.uniform(0, MAX_DELAY) for _ in range(calls)]
    return delays, rng.sample(range(calls), calls // 2)


def load_reactor(package):
    importlib.import_module(f"{package}.internet.reactor")
    # Installing a reactor puts the reactor object in sys.modules in place of the module.
    return sys.modules[f"{package}.internet.reactor"]


def time_reactor(package, delays, cancelled):
    """Run the plan on ``package``'s reactor; return the timings and the calls that fired."""
    reactor = load_reactor(package)
    fired = []
    expected = len(delays) - len(cancelled)

    def fire(index):
        fired.append(index)
        if len(fired) == expected:  # the last call left stops the reactor
            reactor.stop()

    cpu, start = time.process_time(), time.perf_counter()
    calls = [reactor.callLater(delay, fire, index) for index, delay in enumerate(delays)]
    for index in cancelled:
        calls[index].cancel()
    scheduled = time.perf_counter()
    reactor.run()
    return start, scheduled, time.perf_counter(), cpu, fired


def time_asyncio(delays, cancelled):
    """Run the plan on a fresh asyncio event loop; return the timings and the calls that fired."""
    loop = asyncio.new_event_loop()
    fired = []
    expected = len(delays) - len(cancelled)

    def fire(index):
        fired.append(index)
        if len(fired) == expected:
            loop.stop()

    cpu, start = time.process_time(), time.perf_counter()
    handles = [loop.call_later(delay, fire, index) for index, delay in enumerate(delays)]
    for index in cancelled:
        handles[index].cancel()
    scheduled = time.perf_counter()
    loop.run_forever()
    end = time.perf_counter()
    loop.close()
    return start, scheduled, end, cpu, fired


def worker(framework, calls):
    """Measure once, in this (fresh) process; print the figures as one JSON line."""
    delays, cancelled = plan(calls)
    if framework == "asyncio":
        start, scheduled, end, cpu, fired = time_asyncio(delays, cancelled)
    else:
        start, scheduled, end, cpu, fired = time_reactor(framework, delays, cancelled)
    cpu = time.process_time() - cpu
    wanted = set(range(calls)) - set(cancelled)
    if len(fired) != len(wanted) or set(fired) != wanted:
        raise SystemExit(
            f"{len(fired):,} calls fired, {len(set(fired) - wanted):,} of them cancelled"
            f" ones; expected the {len(wanted):,} calls that were not cancelled, each once"
        )
    print(json.dumps({"total": end - start, "schedule": scheduled - start, "cpu": cpu}))


def measure(framework, calls, limit):
    """Run one worker process; return its figures, or raise Failed with its reason."""
    command, env = python_command()
    command += [__file__, "--worker", framework, "--calls", str(calls)]
    try:
        finished = subprocess.run(command, capture_output=True, text=True, env=env,
                                  timeout=limit)
    except subprocess.TimeoutExpired:
        raise Failed(f"did not finish in {limit} s") from None
    if finished.returncode != 0:
        raise Failed(last_line(finished.stderr))
    return json.loads(finished.stdout.strip().splitlines()[-1])


def run_all(calls, repeats, limit):
    best = {}
    errors = {}
    for repeat in range(repeats):
        print(f"repeat {repeat + 1} of {repeats} ...", file=sys.stderr)
        # Rotate the order each repeat, so no framework always goes first.
        order = FRAMEWORKS[repeat % len(FRAMEWORKS):] + FRAMEWORKS[:repeat % len(FRAMEWORKS)]
        for name in order:
            if name in errors:
                continue
            try:
                figures = measure(name, calls, limit)
            except Failed as exc:
                errors[name] = str(exc)
                continue
            # Keep the fastest run whole, so its three figures belong together.
            if name not in best or figures["total"] < best[name]["total"]:
                best[name] = figures
    return best, errors


def ratios(best):
    """Speed ratios, above 1 when minitwisted takes less time."""
    return {
        f"{key}_{other}_over_minitwisted": ratio(
            best.get(other, {}).get(key), best.get("minitwisted", {}).get(key))
        for key in ("total", "cpu")
        for other in ("twisted", "asyncio")
    }


def print_report(env, best, errors, calls, repeats, quick):
    print_environment(env, quick)
    print(f"{calls:,} delayed calls (delays in [0, {MAX_DELAY}) s), half cancelled,"
          f" run to completion; best of {repeats}, in seconds:")
    print()
    print("| framework | total | scheduling + cancelling | CPU | total X/mini | CPU X/mini |")
    print("|---|---:|---:|---:|---:|---:|")
    r = ratios(best)
    for name in FRAMEWORKS:
        if name in errors:
            print(f"| {name} | FAILED | FAILED | FAILED | n/a | n/a |")
            continue
        figures = best[name]
        total_ratio = cpu_ratio = ""
        if name != "minitwisted":
            total_ratio = format_ratio(r[f"total_{name}_over_minitwisted"])
            cpu_ratio = format_ratio(r[f"cpu_{name}_over_minitwisted"])
        print(
            f"| {name} | {format_number(figures['total'], 3)}"
            f" | {format_number(figures['schedule'], 3)} | {format_number(figures['cpu'], 3)}"
            f" | {total_ratio} | {cpu_ratio} |"
        )
    print()
    print("X/mini = X's time / minitwisted's: above 1 when minitwisted is faster.")
    print(f"Total includes waiting for the last delay (at most {MAX_DELAY} s); CPU does not.")
    for name, error in errors.items():
        print(f"FAILED {name}: {error}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_CALLS:,} calls, once (a smoke run)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--worker", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, default=CALLS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.calls)
        return 0

    calls, repeats, limit = (QUICK_CALLS, 1, QUICK_WORKER_SECONDS) if args.quick else (
        CALLS, REPEATS, WORKER_SECONDS)
    env = environment()  # first, so its load average is from before the run
    best, errors = run_all(calls, repeats, limit)
    print_report(env, best, errors, calls, repeats, args.quick)
    if args.json:
        write_json(args.json, {
            **env,
            "quick": args.quick,
            "calls": calls,
            "max_delay": MAX_DELAY,
            "repeats": repeats,
            "seconds": best,
            "errors": errors,
            "ratios": ratios(best),
        })
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
