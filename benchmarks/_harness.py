"""What the network and timer benchmarks share: server processes, their CPU and memory, the report.

``ServerProcess`` starts one server from ``_servers.py`` in its own process, reads the
port it announces, and reads that process's CPU time and memory from ``/proc`` while
it runs; ``stop`` kills it and returns its peak memory from ``os.wait4``.  The rest is
the common end of bench_echo.py, bench_stream.py and bench_timers.py: the machine
description, number formatting, ratios, the fd limit.
"""

import json
import os
import platform
import resource
import select
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import twisted

import minitwisted

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
SERVERS = BENCHMARKS / "_servers.py"

#: Twisted-shaped frameworks first: their columns are the ones compared.
FRAMEWORKS = ["minitwisted", "twisted", "asyncio", "selectors"]

STARTUP_SECONDS = 30  # how long a server may take to announce its port


class Failed(Exception):
    """A framework could not run a benchmark; the message is the reason the table shows."""


def python_command(source=ROOT):
    """The interpreter, and the environment, for a child process of the benchmark.

    ``source`` is the folder minitwisted is imported from: this checkout, or an older
    version unpacked elsewhere (``bench_trace.py`` compares with one).
    """
    env = dict(os.environ)
    # The child imports minitwisted from ``source``, whatever the caller's cwd.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    return [sys.executable], env


def last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no message"


class ServerProcess:
    """One server of ``_servers.py`` running in a child process.

    Invariants: ``port`` is set once ``__init__`` returns (else it raised
    ``Failed``); ``peak_rss`` is None until ``stop`` has reaped the process.
    """

    def __init__(self, workload, framework, profile=None, source=ROOT):
        self.peak_rss = None
        command, env = python_command(source)
        command += [str(SERVERS), workload, framework]
        if profile is not None:
            command += ["--profile", str(profile)]
        # stderr goes to a file, not a pipe: a server that logs a lot must never
        # block on a pipe nobody reads during the timed window.
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self.stderr, cwd=ROOT, env=env, text=True
        )
        self.pid = self.process.pid
        self.port = self._read_port()

    def _read_port(self):
        ready, _, _ = select.select([self.process.stdout], [], [], STARTUP_SECONDS)
        line = self.process.stdout.readline() if ready else ""
        if line.startswith("PORT "):
            return int(line.split()[1])
        self.stop()
        raise Failed(self.reason() if line == "" else f"unexpected output {line!r}")

    def reason(self):
        """The last line the server wrote on stderr: the error that ended it, usually."""
        self.stderr.seek(0)
        return last_line(self.stderr.read())

    def alive(self):
        """Whether the server still runs (a zombie, dead but not yet reaped, does not)."""
        # Not Popen.poll: that would reap the child and lose its resource usage.
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    def cpu_seconds(self):
        """CPU time (user + system) the server has used so far."""
        try:
            # schedstat's first field is nanoseconds on a CPU: finer than stat's ticks.
            with open(f"/proc/{self.pid}/schedstat") as f:
                return int(f.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            with open(f"/proc/{self.pid}/stat") as f:
                # Fields after the ")" that ends the command name: utime is 12th, stime 13th.
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_bytes(self):
        """The server's resident memory now."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise Failed("no VmRSS in /proc")

    def stop(self, sig=signal.SIGKILL):
        """End the server (by default at once); return its peak resident memory in bytes."""
        if self.peak_rss is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass
            # wait4, not Popen.wait: it also returns the child's resource usage.
            _, status, usage = os.wait4(self.pid, 0)
            self.process.returncode = os.waitstatus_to_exitcode(status)
            self.peak_rss = usage.ru_maxrss * 1024  # Linux gives kilobytes
            self.process.stdout.close()
        return self.peak_rss


def raise_fd_limit(needed):
    """Let this process, and the servers it starts, open ``needed`` file descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise SystemExit(f"need {needed} file descriptors, the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def machine_description():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{platform.platform()}, {cpu}, {os.cpu_count()} CPUs"


def load_average():
    """The 1-minute load average: above 0 when other processes compete for the CPUs."""
    return os.getloadavg()[0]


def environment():
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "load_average_at_start": load_average(),
        "twisted": twisted.__version__,
        "minitwisted": minitwisted.__version__,
        "machine": machine_description(),
    }


def print_environment(env, quick):
    print(f"Python {env['python']}, Twisted {env['twisted']}, minitwisted {env['minitwisted']}")
    load = env["load_average_at_start"]
    print(f"Machine: {env['machine']}; load average {load:.2f} at the start")
    if quick:
        print("Quick run: windows far too short for measurement; a smoke run only.")
    print()


def format_number(value, digits=0):
    """``value`` with thousands separators; a figure under 100 keeps one decimal."""
    if value is None:
        return "n/a"
    if value < 100 and digits == 0:
        return f"{value:.1f}"
    return f"{value:,.{digits}f}"


def ratio(numerator, denominator):
    """``numerator / denominator``, or None if either is missing."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def format_ratio(value):
    return "n/a" if value is None else f"{value:.2f}"


def write_json(path, data):
    with open(path, "w") as out:
        json.dump(data, out, indent=2)
        out.write("\n")
