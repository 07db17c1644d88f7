"""What tracing costs: the echo benchmark on minitwisted before tracing existed, and now with it off and on.

What is measured: bench_echo.py's 64-byte echo round trips at 10 and 100 connections,
against four minitwisted servers running the same echo code:

- ``before``: minitwisted as it was just before ``minitwisted/internet/trace.py`` was
  added (commit ``BEFORE_TRACING``, unpacked from this repository's history with
  ``git archive``);
- ``off``: minitwisted now, never traced;
- ``after``: minitwisted now, after a ``with tracing(reactor):`` block was entered and
  left (the wrappers are gone again);
- ``on``: minitwisted now, traced for the whole run (the recorded events are dropped
  every second, so memory stays flat and recording is what is measured).

Reported: the server's CPU microseconds per round trip (the best of 3 windows, as in
bench_echo.py) and each one's ratio to ``before``.  Why: tracing must cost nothing when
off; ``off`` and ``after`` against ``before`` show it, and ``on`` shows what a learner
pays while drawing a timeline.

Run: ``.venv/bin/python benchmarks/bench_trace.py`` (about 30 s; ``--quick`` for a smoke
run).  Needs git and this repository's history for ``before``; without them that
column says why and the others are still measured.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from _harness import ROOT, Failed, environment, format_ratio, print_environment, write_json
from bench_echo import measure_and_stop, start_servers

BEFORE_TRACING = "109dde9^"  # the parent of the commit that added trace.py
CONNECTIONS = [10, 100]
VARIANTS = {"before": "minitwisted", "off": "minitwisted",
            "after": "minitwisted-after-tracing", "on": "minitwisted-traced"}


def unpack_before(into):
    """Unpack minitwisted as of ``BEFORE_TRACING`` into ``into``; return the folder or raise Failed."""
    try:
        archive = subprocess.run(["git", "archive", BEFORE_TRACING, "minitwisted"], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise Failed("cannot unpack %s: %s" % (BEFORE_TRACING, exc)) from None
    return into


def run_all(quick):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            before = unpack_before(Path(tmp))
        except Failed as exc:
            before = exc
        servers = start_servers(VARIANTS, sources={"before": before})
        return measure_and_stop(servers, CONNECTIONS, quick)


def print_report(rows):
    print("Server CPU per round trip (µs), and the ratio to minitwisted before tracing "
          "existed (1.00 = the same cost):\n")
    print("| connections | " + " | ".join(VARIANTS) + " | off/before | after/before "
          "| on/before |")
    print("|---:|" + "---:|" * (len(VARIANTS) + 3))
    for row in rows:
        cpu = row["cpu_us"]
        cells = ["%.1f" % cpu[name] if name in cpu else "FAILED" for name in VARIANTS]
        before = cpu.get("before")
        ratios = [format_ratio(cpu[name] / before) if before and name in cpu else "–"
                  for name in ("off", "after", "on")]
        print("| %d | %s | %s |" % (row["connections"], " | ".join(cells), " | ".join(ratios)))
    for row in rows:
        for name, reason in row["errors"].items():
            print("\n%s at %d connections: %s" % (name, row["connections"], reason))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="very short windows (a smoke run)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    env = environment()
    print_environment(env, args.quick)
    rows = run_all(args.quick)
    print_report(rows)
    if args.json:
        write_json(args.json, {"environment": env, "quick": args.quick, "results": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
