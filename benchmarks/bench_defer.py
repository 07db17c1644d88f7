"""Deferred benchmark: minitwisted against real Twisted (and an asyncio analogue) in one run.

What is measured: five Deferred workloads, each run unchanged on
``minitwisted.internet.defer`` and ``twisted.internet.defer`` (the same code, only
the module differs), reported as operations per second and as the ratio
minitwisted / twisted (above 1 means minitwisted is faster):

(a) create a Deferred, add 10 callbacks that each return their argument + 1, fire it
    with 0 (the result is 10); one operation is one Deferred.
(b) the same on the errback path: 10 errbacks, fired with ``errback(ValueError("boom"))``;
    the first 9 return the Failure they get, so a Failure flows down the chain, and the
    10th recovers (``trap`` and return the message), so no "Unhandled error in Deferred"
    is left behind; one operation is one Deferred.
(c) 10,000 nested returned Deferreds, formulated as a ladder: Deferreds d0 ... d9999 are
    created unfired; each d[i] gets a callback that *returns* d[i+1] and then a callback
    that adds 1, and d9999 gets a callback that adds 1.  d0 ... d9998 are fired in order,
    and each one pauses at once, because its callback returned a Deferred with no result
    yet.  Firing d9999 with 0 then resumes all 9,999 paused Deferreds, innermost first,
    each adding 1, so d0 ends with 10,000.  This is the "callback returns a Deferred, the
    outer chain pauses and resumes" path at depth 10,000 (Twisted resumes such chains
    without recursion; a recursive implementation fails here); one operation is the whole
    ladder.
(d) ``gatherResults`` of 10,000 already-fired Deferreds (made with ``succeed(i)``; the
    result is ``list(range(10000))``); one operation is the whole gather, creation of the
    10,000 Deferreds included.
(e) an ``inlineCallbacks`` function that yields 1,000 already-fired Deferreds
    (``succeed(i)``) and returns their sum; one operation is one call of the function.

Why: minitwisted is written to be read, and the project shows its performance side by
side with real Twisted and asyncio in one run, as ratios, so that a slow spot is seen,
and a speed-up is justified by a number, before anyone trades clarity for it.

The asyncio column runs an *analogue*, not the same work (asyncio has no callback
chains, no Failure and no pausing of a chain); each analogue is described in the
footnotes the script prints, and a row without a fair analogue would show "n/a".

How it is timed: ``timeit``-style.  For each workload and implementation the loop
count is first sized (1, 2, 5, 10, 20, ...) until a loop takes at least 0.2 s; then,
for 5 repeats, each implementation's loop is run once per repeat, in rotated order, so
that machine noise hits all of them; the best (fastest) repeat is reported.  The
garbage collector stays enabled, as in Twisted's own benchmarks and in pyperf:
allocations and reference cycles are part of what a Deferred costs, and a design that
makes more garbage should pay for collecting it.  ``gc.collect()`` runs before every
timed loop, so no implementation is charged for another's garbage.  Before any
timing, every implementation runs every workload once and its result is checked
(e.g. (a) gives 10, (d) gives ``list(range(10000))``), so a broken implementation is
reported as FAILED rather than measured.

How to run, from the repository root, with the kit's virtualenv::

    .venv/bin/python benchmarks/bench_defer.py            # full run, about half a minute
    .venv/bin/python benchmarks/bench_defer.py --quick    # smoke run: each loop once
    .venv/bin/python benchmarks/bench_defer.py --json results.json
    .venv/bin/python benchmarks/bench_defer.py --profile c   # cProfile one workload

This is a benchmark, not a test: no test asserts timings.  ``tests/test_benchmarks.py``
only checks that ``--quick`` runs and prints a row for each workload.
"""

import argparse
import asyncio
import cProfile
import gc
import importlib
import json
import platform
import pstats
import reprlib
import sys
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import twisted

import minitwisted
from _harness import machine_description

CALLBACKS = 10  # (a) and (b): callbacks / errbacks per Deferred
DEPTH = 10_000  # (c): Deferreds in the ladder
FAN_IN = 10_000  # (d): Deferreds gathered
YIELDS = 1_000  # (e): Deferreds yielded by the inlineCallbacks function

TARGET_SECONDS = 0.2  # each timed loop is sized to take at least this long
REPEATS = 5

#: The implementations with Twisted's API, by column name.
DEFER_MODULES = {
    "minitwisted": "minitwisted.internet.defer",
    "twisted": "twisted.internet.defer",
}


# Workloads on the Deferred API.  Each ``build`` takes a defer module and returns an
# operation: a function of no arguments that does the work once and returns the
# Deferred holding the outcome (which the check reads and the timed loop drops).


def add_one(value):
    return value + 1


def pass_failure(failure):
    return failure


def recover(failure):
    failure.trap(ValueError)
    return failure.value.args[0]


def build_callbacks(defer):
    Deferred = defer.Deferred

    def operation():
        d = Deferred()
        for _ in range(CALLBACKS):
            d.addCallback(add_one)
        d.callback(0)
        return d

    return operation


def build_errbacks(defer):
    Deferred = defer.Deferred

    def operation():
        d = Deferred()
        for _ in range(CALLBACKS - 1):
            d.addErrback(pass_failure)
        # The last errback recovers, so the benchmark leaves no unhandled Failure.
        d.addErrback(recover)
        d.errback(ValueError("boom"))
        return d

    return operation


def build_ladder(defer):
    Deferred = defer.Deferred

    def operation():
        ladder = [Deferred() for _ in range(DEPTH)]
        for outer, inner in zip(ladder, ladder[1:]):
            # Returning an unfired Deferred from a callback pauses ``outer`` until
            # ``inner`` has a result; ``outer`` then resumes with that result.
            outer.addCallback(lambda _, inner=inner: inner)
            outer.addCallback(add_one)
        ladder[-1].addCallback(add_one)
        for d in ladder[:-1]:
            d.callback(None)  # runs one callback, then pauses on the next rung
        ladder[-1].callback(0)  # resumes all the paused rungs, innermost first
        return ladder[0]

    return operation


def build_gather(defer):
    succeed, gatherResults = defer.succeed, defer.gatherResults

    def operation():
        return gatherResults([succeed(i) for i in range(FAN_IN)])

    return operation


def build_inline_callbacks(defer):
    succeed = defer.succeed

    @defer.inlineCallbacks
    def operation():
        total = 0
        for i in range(YIELDS):
            total += yield succeed(i)
        return total

    return operation


# The asyncio analogues.  Each ``build`` takes a running loop's ``create_future`` and
# returns a coroutine function doing the work once and returning its outcome.


def done_future(create_future, value):
    future = create_future()
    future.set_result(value)
    return future


def build_asyncio_callbacks(create_future):
    async def operation():
        future = create_future()
        results = []

        def add_one_to_result(future):
            results.append(future.result() + 1)

        for _ in range(CALLBACKS):
            future.add_done_callback(add_one_to_result)
        future.set_result(0)
        # Done callbacks never run synchronously: set_result schedules them, and
        # they run in the next turn of the loop, which sleep(0) waits for.
        await asyncio.sleep(0)
        return len(results)

    return operation


def build_asyncio_errbacks(create_future):
    async def operation():
        future = create_future()
        seen = []

        def retrieve_exception(future):
            # Retrieving the exception is what keeps asyncio from logging
            # "Future exception was never retrieved".
            seen.append(future.exception())

        for _ in range(CALLBACKS):
            future.add_done_callback(retrieve_exception)
        future.set_exception(ValueError("boom"))
        await asyncio.sleep(0)
        return seen[-1].args[0]

    return operation


def build_asyncio_ladder(create_future):
    async def operation():
        ladder = [create_future() for _ in range(DEPTH)]
        for outer, inner in zip(ladder, ladder[1:]):
            inner.add_done_callback(
                lambda inner, outer=outer: outer.set_result(inner.result() + 1)
            )
        ladder[-1].set_result(1)
        return await ladder[0]

    return operation


def build_asyncio_gather(create_future):
    async def operation():
        futures = [done_future(create_future, i) for i in range(FAN_IN)]
        return await asyncio.gather(*futures)

    return operation


def build_asyncio_coroutine(create_future):
    async def consume():
        total = 0
        for i in range(YIELDS):
            total += await done_future(create_future, i)
        return total

    async def operation():
        # The Task plays the part of the Deferred that inlineCallbacks returns.
        return await asyncio.get_running_loop().create_task(consume())

    return operation


@dataclass
class Workload:
    """One row of the table: the Deferred workload, its asyncio analogue, the result both give."""

    key: str
    title: str
    build: Callable[[Any], Callable[[], Any]]
    expected: Any
    asyncio_build: Callable[[Any], Callable[[], Awaitable[Any]]] | None
    asyncio_analogue: str


WORKLOADS = [
    Workload(
        key="a",
        title=f"{CALLBACKS} callbacks, fire",
        build=build_callbacks,
        expected=CALLBACKS,
        asyncio_build=build_asyncio_callbacks,
        asyncio_analogue=f"a Future with {CALLBACKS} done callbacks, set_result, one"
        " loop turn to run them; done callbacks cannot pass values along, so the"
        f" check is that all {CALLBACKS} ran",
    ),
    Workload(
        key="b",
        title=f"{CALLBACKS} errbacks, Failure flows",
        build=build_errbacks,
        expected="boom",
        asyncio_build=build_asyncio_errbacks,
        asyncio_analogue=f"a Future with {CALLBACKS} done callbacks that each retrieve"
        " the exception, set_exception, one loop turn; no Failure object, no recovery",
    ),
    Workload(
        key="c",
        title=f"{DEPTH:,} nested returned Deferreds",
        build=build_ladder,
        expected=DEPTH,
        asyncio_build=build_asyncio_ladder,
        asyncio_analogue=f"{DEPTH:,} Futures, each completed by a done callback on the"
        " next one; every link costs a loop turn, where the Deferred ladder resumes"
        " synchronously",
    ),
    Workload(
        key="d",
        title=f"gatherResults of {FAN_IN:,} fired",
        build=build_gather,
        expected=list(range(FAN_IN)),
        asyncio_build=build_asyncio_gather,
        asyncio_analogue=f"asyncio.gather of {FAN_IN:,} done Futures (creating them"
        " included)",
    ),
    Workload(
        key="e",
        title=f"inlineCallbacks yielding {YIELDS:,} fired",
        build=build_inline_callbacks,
        expected=sum(range(YIELDS)),
        asyncio_build=build_asyncio_coroutine,
        asyncio_analogue=f"a coroutine, run as a Task, awaiting {YIELDS:,} done Futures",
    ),
]


@dataclass
class Contender:
    """One implementation's version of one workload: how to check it and how to time it."""

    name: str
    check: Callable[[], Any]  # does the work once, returns the outcome
    timer: Callable[[int], float]  # timer(n): seconds for n operations
    ops_per_sec: float | None = None  # set by measure
    error: str | None = None  # set by verify if the result is wrong


def result_of(deferred):
    """Return what ``deferred`` holds now; complain if it has not fired."""
    box = []
    deferred.addBoth(box.append)  # also consumes a Failure, so it is not logged
    if not box:
        raise AssertionError("the Deferred did not fire")
    return box[0]


def deferred_contender(name, workload, defer):
    operation = workload.build(defer)

    def timer(number):
        gc.collect()
        start = time.perf_counter()
        for _ in range(number):
            operation()
        return time.perf_counter() - start

    return Contender(name, lambda: result_of(operation()), timer)


def asyncio_contender(workload, loop):
    operation = workload.asyncio_build(loop.create_future)

    async def timed_loop(number):
        start = time.perf_counter()
        for _ in range(number):
            await operation()
        return time.perf_counter() - start

    def timer(number):
        gc.collect()
        return loop.run_until_complete(timed_loop(number))

    return Contender("asyncio", lambda: loop.run_until_complete(operation()), timer)


def verify(contender, expected):
    """Run the workload once; if the result is wrong, mark the contender FAILED."""
    try:
        outcome = contender.check()
    except Exception as exc:  # a RecursionError in (c), say: that is a finding
        contender.error = f"raised {type(exc).__name__}: {exc}"
        return
    if outcome != expected:
        contender.error = f"gave {reprlib.repr(outcome)}, expected {reprlib.repr(expected)}"


def autorange(timer):
    """Return the first loop count in 1, 2, 5, 10, 20, ... taking TARGET_SECONDS."""
    number = 1
    while True:
        for multiplier in (1, 2, 5):
            if timer(number * multiplier) >= TARGET_SECONDS:
                return number * multiplier
        number *= 10


def measure(contenders, quick):
    """Set each contender's ops/s: best of REPEATS, implementations interleaved."""
    ready = [c for c in contenders if c.error is None]
    numbers = {c.name: 1 if quick else autorange(c.timer) for c in ready}
    best = {c.name: float("inf") for c in ready}  # seconds per operation
    for repeat in range(1 if quick else REPEATS):
        # Rotate the order each repeat, so no implementation always goes first.
        shift = repeat % len(ready) if ready else 0
        for contender in ready[shift:] + ready[:shift]:
            number = numbers[contender.name]
            seconds = contender.timer(number) / number
            best[contender.name] = min(best[contender.name], seconds)
    for contender in ready:
        contender.ops_per_sec = 1 / best[contender.name]


def load_defer_modules():
    modules = {}
    for name, module_name in DEFER_MODULES.items():
        try:
            modules[name] = importlib.import_module(module_name)
        except ImportError as exc:
            sys.exit(f"bench_defer: cannot import {module_name}: {exc}")
    return modules


def environment():
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "twisted": twisted.__version__,
        "minitwisted": minitwisted.__version__,
        "machine": machine_description(),
    }


def format_rate(ops_per_sec):
    if ops_per_sec >= 100:
        return f"{ops_per_sec:,.0f}"
    return f"{ops_per_sec:.1f}"


def cell(contender):
    if contender is None:
        return "n/a"
    if contender.error is not None:
        return "FAILED"
    return format_rate(contender.ops_per_sec)


def ratio(rows_by_name):
    mini, real = rows_by_name["minitwisted"], rows_by_name["twisted"]
    if mini.ops_per_sec is None or real.ops_per_sec is None:
        return None
    return mini.ops_per_sec / real.ops_per_sec


def print_report(env, results, quick):
    print(f"Python {env['python']}, Twisted {env['twisted']}, minitwisted {env['minitwisted']}")
    print(f"Machine: {env['machine']}")
    if quick:
        print("Quick run: each loop ran once, so these numbers are not measurements.")
    print()
    print(
        "| workload | minitwisted ops/s | twisted ops/s | ratio | asyncio ops/s (analogue) |"
    )
    print("|---|---:|---:|---:|---:|")
    for workload, by_name in results:
        r = ratio(by_name)
        print(
            f"| ({workload.key}) {workload.title} | {cell(by_name['minitwisted'])}"
            f" | {cell(by_name['twisted'])} | {'n/a' if r is None else f'{r:.2f}'}"
            f" | {cell(by_name.get('asyncio'))} |"
        )
    print()
    print("One operation is one Deferred in (a) and (b), and one whole workload in (c) to (e).")
    print(
        "ratio = minitwisted ops/s / twisted ops/s; above 1 means minitwisted is faster."
    )
    if not quick:
        print(
            f"Best of {REPEATS} repeats of a loop sized to at least {TARGET_SECONDS} s,"
            " implementations interleaved; gc enabled, collected before each loop."
        )
    print("asyncio analogues (not the same work as the Deferred rows):")
    for workload, _ in results:
        print(f"  ({workload.key}) {workload.asyncio_analogue}")
    for workload, by_name in results:
        for contender in by_name.values():
            if contender is not None and contender.error is not None:
                print(
                    f"FAILED ({workload.key}) {contender.name}: {contender.error}",
                    file=sys.stderr,
                )


def to_json(env, results, quick):
    rows = []
    for workload, by_name in results:
        rows.append(
            {
                "workload": workload.key,
                "title": workload.title,
                "ops_per_sec": {
                    name: None if c is None else c.ops_per_sec
                    for name, c in by_name.items()
                },
                "errors": {
                    name: c.error
                    for name, c in by_name.items()
                    if c is not None and c.error is not None
                },
                "ratio_minitwisted_over_twisted": ratio(by_name),
                "asyncio_analogue": workload.asyncio_analogue,
            }
        )
    return {
        **env,
        "quick": quick,
        "repeats": 1 if quick else REPEATS,
        "target_seconds": None if quick else TARGET_SECONDS,
        "gc": "enabled, collected before each timed loop",
        "results": rows,
    }


def profile(workload, modules, quick):
    """Print where each Twisted-API implementation spends its time on ``workload``."""
    number = None
    for name, defer in modules.items():
        if number is None:  # size the loop once, so every profile does the same work
            timer = deferred_contender(name, workload, defer).timer
            number = 1 if quick else autorange(timer)
        operation = workload.build(defer)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(number):
            operation()
        profiler.disable()
        print(f"== ({workload.key}) {workload.title}: {name}, {number} operations ==")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="run each loop once (a smoke run)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument(
        "--profile",
        metavar="WORKLOAD",
        choices=[w.key for w in WORKLOADS],
        help="instead of timing, cProfile one workload (a-e) on minitwisted and twisted",
    )
    args = parser.parse_args(argv)

    modules = load_defer_modules()
    if args.profile:
        workload = next(w for w in WORKLOADS if w.key == args.profile)
        profile(workload, modules, args.quick)
        return 0

    loop = asyncio.new_event_loop()
    try:
        results = []
        for workload in WORKLOADS:
            print(f"({workload.key}) {workload.title} ...", file=sys.stderr)
            by_name = {
                name: deferred_contender(name, workload, defer)
                for name, defer in modules.items()
            }
            by_name["asyncio"] = (
                None
                if workload.asyncio_build is None
                else asyncio_contender(workload, loop)
            )
            contenders = [c for c in by_name.values() if c is not None]
            for contender in contenders:
                verify(contender, workload.expected)
            measure(contenders, args.quick)
            results.append((workload, by_name))
    finally:
        loop.close()

    env = environment()
    print_report(env, results, args.quick)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(to_json(env, results, args.quick), out, indent=2)
            out.write("\n")
    failed = any(
        c is not None and c.error is not None
        for _, by_name in results
        for c in by_name.values()
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
