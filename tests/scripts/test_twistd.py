"""Tests for minitwisted.scripts.twistd: real minitwistd processes on 127.0.0.1.

Each test starts ``python -m minitwisted.twistd`` (or real ``twistd`` for comparison)
in a temporary folder, talks to it with plain sockets, and ends it with SIGTERM.  A
fixture kills whatever is left running, even when a test fails.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

CHAT_TAC = '''
from FRAMEWORK.application import internet, service
from FRAMEWORK.internet import protocol
from FRAMEWORK.protocols import basic


class Chat(basic.LineReceiver):
    def connectionMade(self):
        self.factory.clients.append(self)

    def connectionLost(self, reason):
        self.factory.clients.remove(self)

    def lineReceived(self, line):
        for client in self.factory.clients:
            if client is not self:
                client.sendLine(line)


class ChatFactory(protocol.ServerFactory):
    protocol = Chat

    def __init__(self):
        self.clients = []


application = service.Application("chat")
internet.TCPServer(0, ChatFactory(), interface="127.0.0.1").setServiceParent(application)
'''

PLUGIN = '''
from zope.interface import implementer
from FRAMEWORK.application import internet, service
from FRAMEWORK.internet import protocol
from FRAMEWORK.plugin import IPlugin
from FRAMEWORK.python import usage


class Echo(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)


class Options(usage.Options):
    optParameters = [["port", "p", 0, "The port to listen on.", int]]


@implementer(IPlugin, service.IServiceMaker)
class EchoMaker:
    tapname = "kit-echo"
    description = "An echo server for the workshop."
    options = Options

    def makeService(self, options):
        return internet.TCPServer(options["port"], protocol.Factory.forProtocol(Echo),
                                  interface="127.0.0.1")


maker = EchoMaker()
'''


# Differs from Twisted: minitwistd exits 0 after a clean shutdown on SIGTERM or SIGINT;
# twistd sends itself the signal again once shut down, so its parent sees it killed.
def exit_on(signum, framework):
    """The exit status after a clean shutdown on ``signum``."""
    return 0 if framework == "minitwisted" else -signum


@pytest.fixture
def processes():
    """Processes a test started; each is killed at the end if still running."""
    started = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def twistd(framework, folder, *args, processes=None, extra_path=None):
    """Start ``twistd``/``minitwistd`` in ``folder`` with ``args``; return the Popen."""
    command = ([sys.executable, "-m", "minitwisted.twistd"] if framework == "minitwisted"
               else [sys.executable, "-c", "from twisted.scripts.twistd import run; run()"])
    path = [str(ROOT)] + ([str(extra_path)] if extra_path else [])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    process = subprocess.Popen(command + list(args), cwd=folder, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if processes is not None:
        processes.append(process)
    return process


def wait_for(condition, timeout=15, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def port_in_log(logfile):
    """The port from the "... starting on N" line, once it is in the log."""
    if not logfile.exists():
        return None
    match = re.search(r"starting on (\d+)", logfile.read_text())
    return int(match.group(1)) if match else None


def masked(text):
    """A log with its variable parts (times, ports, addresses, versions, paths) masked."""
    text = re.sub(r"^\S+ \[[^\]]*\] ", "", text, flags=re.MULTILINE)
    text = re.sub(r"starting on \d+", "starting on PORT", text)
    text = re.sub(r"Port \d+ Closed", "Port PORT Closed", text)
    text = re.sub(r"0x[0-9a-f]+", "0xADDR", text)
    return text


def write(folder, name, source, framework):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source.replace("FRAMEWORK", framework))
    return path


def chat(port):
    """Two raw-socket clients: one line from the first reaches the second."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as one, \
            socket.create_connection(("127.0.0.1", port), timeout=5) as two:
        time.sleep(0.2)  # both connected before anyone speaks
        one.sendall(b"hello from one\r\n")
        received = b""
        while not received.endswith(b"\r\n"):
            received += two.recv(100)
        return received


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
@pytest.mark.parametrize("framework", ["minitwisted", "twisted"])
def test_tacChatServerServesAndStopsCleanly(framework, signum, tmp_path, processes):
    """A .tac chat server relays between two clients; a signal stops it, removes the pidfile, logs it.

    Differs from Twisted: the exit status after the signal (``exit_on``).
    """
    write(tmp_path, "chat.tac", CHAT_TAC, framework)
    process = twistd(framework, tmp_path, "-n", "-y", "chat.tac", "-l", "chat.log",
                     "--pidfile", "chat.pid", processes=processes)
    port = wait_for(lambda: port_in_log(tmp_path / "chat.log"), what="the port in the log")
    assert (tmp_path / "chat.pid").read_text() == str(process.pid)
    assert chat(port) == b"hello from one\r\n"
    process.send_signal(signum)
    assert process.wait(timeout=15) == exit_on(signum, framework)
    assert not (tmp_path / "chat.pid").exists()
    log = (tmp_path / "chat.log").read_text()
    name = signal.Signals(signum).name
    for line in ("Loading chat.tac...", "Loaded.", f"Received {name}, shutting down.",
                 "(TCP Port", "Stopping factory <ChatFactory object at",
                 "Main loop terminated.", "Server Shut Down."):
        assert line in log


def test_logMatchesTwistds(tmp_path, processes):
    """minitwistd logs the same lines as twistd for the same .tac, but the version and reactor lines."""
    logs = {}
    for framework in ("minitwisted", "twisted"):
        folder = tmp_path / framework
        write(folder, "chat.tac", CHAT_TAC, framework)
        process = twistd(framework, folder, "-n", "-y", "chat.tac", "-l", "chat.log",
                         processes=processes)
        port = wait_for(lambda: port_in_log(folder / "chat.log"), what="the port in the log")
        chat(port)  # the reactor is running, so its signal handlers are in place
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == exit_on(signal.SIGTERM, framework)
        lines = masked((folder / "chat.log").read_text()).splitlines()
        logs[framework] = [line.replace(framework, "FRAMEWORK") for line in lines
                           if not re.match(r"(mini)?twistd .* starting up\.|reactor class:", line)]
    assert logs["minitwisted"] == logs["twisted"]


def test_daemonWritesItsPidAndStopsOnSIGTERM(tmp_path, processes):
    """Without -n the server detaches: the command returns, the daemon's pid is in the pidfile."""
    write(tmp_path, "chat.tac", CHAT_TAC, "minitwisted")
    launcher = twistd("minitwisted", tmp_path, "-y", "chat.tac", processes=processes)
    assert launcher.wait(timeout=15) == 0
    pidfile = tmp_path / "twistd.pid"
    pid = int(wait_for(lambda: pidfile.exists() and pidfile.read_text(), what="the pidfile"))
    try:
        port = wait_for(lambda: port_in_log(tmp_path / "twistd.log"), what="the port")
        assert chat(port) == b"hello from one\r\n"
        assert oct(os.stat(pidfile).st_mode & 0o777) == oct(0o600)  # umask 077
    finally:
        os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not pidfile.exists(), what="the pidfile to go")
    assert "Server Shut Down." in (tmp_path / "twistd.log").read_text()


@pytest.mark.parametrize("framework", ["minitwisted", "twisted"])
def test_livePidfileRefusesToStart(framework, tmp_path, processes):
    """A pidfile naming a running process stops a second server with twistd's message."""
    write(tmp_path, "chat.tac", CHAT_TAC, framework)
    (tmp_path / "twistd.pid").write_text(str(os.getpid()))
    second = twistd(framework, tmp_path, "-n", "-y", "chat.tac", processes=processes)
    out, err = second.communicate(timeout=30)
    assert second.returncode == 1
    assert err.startswith(f"Another twistd server is running, PID {os.getpid()}\n\n")


@pytest.mark.parametrize("framework", ["minitwisted", "twisted"])
def test_stalePidfileIsReplaced(framework, tmp_path, processes):
    """A pidfile naming no process is removed, with a log line, and the server starts."""
    write(tmp_path, "chat.tac", CHAT_TAC, framework)
    pidfile = tmp_path / "twistd.pid"
    pidfile.write_text("999999")
    process = twistd(framework, tmp_path, "-n", "-y", "chat.tac", "-l", "chat.log",
                     processes=processes)
    chat(wait_for(lambda: port_in_log(tmp_path / "chat.log"), what="the port"))
    assert pidfile.read_text() == str(process.pid)
    assert f"Removing stale pidfile {pidfile}" in (tmp_path / "chat.log").read_text()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == exit_on(signal.SIGTERM, framework)


@pytest.mark.parametrize("framework", ["minitwisted", "twisted"])
def test_tacWithoutApplicationExplainsWhatIsMissing(framework, tmp_path, processes):
    """A .tac that defines no 'application' fails with twistd's explanation."""
    write(tmp_path, "empty.tac", "x = 1\n", framework)
    process = twistd(framework, tmp_path, "-n", "-y", "empty.tac", "-l", "-",
                     "--pidfile", "", processes=processes)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "Could not find 'application' in the file. To use 'twistd -y', your .tac" in err


def test_pluginRunsByItsTapname(tmp_path, processes):
    """A plugin in a drop-in folder is listed by --help and runs by its tapname with its options."""
    dropins = tmp_path / "dropins"
    write(dropins, "minitwisted/plugins/kit_echo.py", PLUGIN, "minitwisted")
    helped = twistd("minitwisted", tmp_path, "--help", extra_path=dropins, processes=processes)
    out, err = helped.communicate(timeout=30)
    assert helped.returncode == 0, err
    assert "kit-echo" in out and "An echo server for the workshop." in out

    process = twistd("minitwisted", tmp_path, "-n", "-l", "echo.log", "--pidfile", "",
                     "kit-echo", "--port", "0", extra_path=dropins, processes=processes)
    port = wait_for(lambda: port_in_log(tmp_path / "echo.log"), what="the port")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(b"ping")
        assert client.recv(10) == b"ping"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert not (tmp_path / "twistd.pid").exists()  # --pidfile "" writes none


def test_brokenPluginIsSkipped(tmp_path, processes):
    """A plugin module that fails to import is reported and skipped; the others still run."""
    dropins = tmp_path / "dropins"
    write(dropins, "minitwisted/plugins/kit_echo.py", PLUGIN, "minitwisted")
    write(dropins, "minitwisted/plugins/kit_broken.py", "raise ImportError('no such thing')\n",
          "minitwisted")
    helped = twistd("minitwisted", tmp_path, "--help", extra_path=dropins, processes=processes)
    out, err = helped.communicate(timeout=30)
    assert helped.returncode == 0, err
    assert "kit-echo" in out
    assert "no such thing" in err


def test_consoleScriptPrintsItsVersion():
    """The installed minitwistd command runs and prints its version."""
    import minitwisted

    script = Path(sys.executable).parent / "minitwistd"
    finished = subprocess.run([str(script), "--version"], capture_output=True, text=True,
                              timeout=30)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == f"minitwistd (the minitwisted daemon) {minitwisted.__version__}\n"


def test_umaskAppliesToTheFilesItCreates(tmp_path, processes):
    """--umask sets the file creation mask: with 027 the pidfile is rw for the owner, r for the group."""
    write(tmp_path, "chat.tac", CHAT_TAC, "minitwisted")
    process = twistd("minitwisted", tmp_path, "-n", "--umask", "027", "-y", "chat.tac",
                     "-l", "chat.log", processes=processes)
    chat(wait_for(lambda: port_in_log(tmp_path / "chat.log"), what="the port"))
    assert oct(os.stat(tmp_path / "twistd.pid").st_mode & 0o777) == oct(0o640)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0


def test_reactorOptionChoosesTheReactor(tmp_path, processes):
    """-r select installs that reactor; an unknown name is refused with the usage text and exit 1."""
    write(tmp_path, "chat.tac", CHAT_TAC, "minitwisted")
    process = twistd("minitwisted", tmp_path, "-n", "-r", "select", "-y", "chat.tac",
                     "-l", "chat.log", processes=processes)
    chat(wait_for(lambda: port_in_log(tmp_path / "chat.log"), what="the port"))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert "reactor class: minitwisted.internet.selectreactor.SelectReactor." in (
        tmp_path / "chat.log").read_text()

    refused = twistd("minitwisted", tmp_path, "-n", "-r", "bogus", "-y", "chat.tac",
                     processes=processes)
    out, err = refused.communicate(timeout=30)
    assert refused.returncode == 1
    assert out.startswith("Usage: minitwistd [options]")
    assert out.rstrip().endswith(
        "minitwistd: The specified reactor cannot be used, failed with error: "
        "no reactor named 'bogus' (choose from: select)")
