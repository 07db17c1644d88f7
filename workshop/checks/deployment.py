"""Checks for the exercises of ``solutions/07_deployment.ipynb``: a ``.tac`` file, then a plugin.

Mirrors ``twisted.application`` and ``twistd`` from the grader's side: ``ex07_tac_file``
writes the learner's ``.tac`` text into a temporary folder, loads it in a separate
Python process (as ``twistd -y`` does, but stopping there) to see what it built, and
runs it for real under ``python -m minitwisted.twistd -n -y`` on 127.0.0.1, port 0,
talking to it over TCP; ``ex07_plugin`` calls the learner's ``usage.Options`` and
``makeService`` in this process and starts the service on a ``MemoryReactor``.  The
lesson is ``notebooks/07_deployment.ipynb``.  Tests: ``tests/workshop/test_grade.py``.

Nothing here binds a port but the ``minitwistd`` run, and every process it starts is
killed before the check returns, whatever happens.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from minitwisted.application import internet
from minitwisted.internet.testing import MemoryReactor
from minitwisted.python import usage

from workshop.checks import CheckFailed, exercise, expect

NOTEBOOK = "07_deployment.ipynb"
ROOT = Path(__file__).resolve().parent.parent.parent  # the folder holding minitwisted/

tac_file = exercise("ex07_tac_file", "A .tac file run by minitwistd", NOTEBOOK)
plugin = exercise("ex07_plugin", "A minitwistd plugin: usage.Options and makeService", NOTEBOOK)

#: Seconds for a .tac to load, and for minitwistd to start listening.
LOAD_SECONDS = 1.5
START_SECONDS = 3.0


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _kill(process):
    if process.poll() is None:
        process.kill()
    process.wait()


# --- ex07_tac_file ------------------------------------------------------------------------------

# Run in a separate process: load the .tac as twistd does (exec with only __file__ set),
# then describe what it built, as one line of JSON.
_DESCRIBE = r'''
import json, sys
path = sys.argv[1]
namespace = {"__file__": path}
with open(path) as source:
    exec(compile(source.read(), path, "exec"), namespace)
report = {"names": sorted(n for n in namespace if not n.startswith("__")), "servers": []}
if "application" in namespace:
    from minitwisted.application import internet, service
    from minitwisted.internet import tcp
    top = service.IService(namespace["application"], None)
    report["isApplication"] = top is not None
    def walk(svc):
        if isinstance(svc, internet.TCPServer):
            args, kwargs = svc.args, svc.kwargs
            interface = kwargs.get("interface", args[3] if len(args) > 3 else "")
            report["servers"].append({"port": args[0] if args else None,
                                      "interface": interface})
        for child in getattr(svc, "services", []):
            walk(child)
    if top is not None:
        walk(top)
        report["started"] = bool(top.running)
    reactor = sys.modules.get("minitwisted.internet.reactor")
    readers = reactor.getReaders() if hasattr(reactor, "getReaders") else []
    report["listening"] = any(isinstance(r, tcp.Port) for r in readers)
print(json.dumps(report))
'''


def _tac_text(learner):
    text = learner.get("upper_tac")()
    expect(isinstance(text, str), "upper_tac() returned %s, not the text of a file (a str)"
           % type(text).__name__)
    return text


def _describe(learner):
    """What the learner's .tac builds, loaded in a fresh process: a dict (see ``_DESCRIBE``)."""
    text = _tac_text(learner)
    with tempfile.TemporaryDirectory(prefix="workshop-tac-") as folder:
        path = Path(folder, "upper.tac")
        path.write_text(text, encoding="utf-8")
        process = subprocess.Popen([sys.executable, "-c", _DESCRIBE, str(path)], cwd=folder,
                                   env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        try:
            out, err = process.communicate(timeout=LOAD_SECONDS)
        except subprocess.TimeoutExpired:
            raise CheckFailed("loading upper.tac did not finish within %s s: a .tac file only "
                              "builds the application, it must not call reactor.run()"
                              % LOAD_SECONDS) from None
        finally:
            _kill(process)
    if process.returncode != 0:
        last = (err.strip().splitlines() or ["no message"])[-1]
        raise CheckFailed("loading upper.tac failed: %s" % last)
    return json.loads(out.strip().splitlines()[-1])


def _application(learner):
    report = _describe(learner)
    expect("application" in report["names"],
           "upper.tac defines %s but no variable called application"
           % (", ".join(report["names"]) or "nothing"))
    expect(report.get("isApplication"),
           "application is not an Application: service.IService(application) fails")
    return report


@tac_file.check("upper.tac loads and leaves an Application in a variable called application",
                "a .tac file is plain Python that minitwistd runs, then it looks for the "
                "name application: application = service.Application(\"upper\")")
def _defines_application(learner):
    _application(learner)


@tac_file.check("the application holds a TCPServer service on 127.0.0.1, port 0",
                "internet.TCPServer(0, factory, interface=\"127.0.0.1\"), then "
                ".setServiceParent(application): a service declares the port, and "
                "minitwistd opens it when it starts the services")
def _holds_tcp_server(learner):
    servers = _application(learner)["servers"]
    expect(servers, "the application holds no TCPServer service (none was added with "
           "setServiceParent(application))")
    expect(len(servers) == 1, "the application holds %d TCPServer services, not one"
           % len(servers))
    server = servers[0]
    expect(server["port"] == 0, "the TCPServer listens on port %r, not 0 (any free port)"
           % (server["port"],))
    expect(server["interface"] == "127.0.0.1",
           "the TCPServer listens on interface %r, not \"127.0.0.1\"%s" % (
               server["interface"], " (\"\", the default, means every interface: open to "
               "the network)" if server["interface"] == "" else ""))


@tac_file.check("minitwistd -n -y upper.tac serves it: hello comes back as HELLO",
                "it takes the whole chain: a factory for Upper (Factory.forProtocol(Upper)), "
                "a TCPServer for it added with setServiceParent(application), and no "
                "reactor.run() in the file: minitwistd runs the reactor")
def _runs_under_minitwistd(learner):
    text = _tac_text(learner)
    with tempfile.TemporaryDirectory(prefix="workshop-tac-") as folder:
        Path(folder, "upper.tac").write_text(text, encoding="utf-8")
        log = Path(folder, "upper.log")
        process = subprocess.Popen(
            [sys.executable, "-m", "minitwisted.twistd", "-n", "-y", "upper.tac",
             "--pidfile", "upper.pid", "-l", "upper.log"], cwd=folder, env=_env(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port = _wait_for_port(process, log)
            reply = _ask(port, b"hello\r\n")
            expect(reply == b"HELLO\r\n", "the server answered hello with %r, not b'HELLO\\r\\n'"
                   % (reply,))
            process.send_signal(signal.SIGTERM)
            status = process.wait(timeout=START_SECONDS)
            expect(status == 0, "after SIGTERM minitwistd exited with status %s, not 0"
                   % status)
        finally:
            _kill(process)


def _wait_for_port(process, log):
    """The port minitwistd's log says it listens on; CheckFailed if it never says."""
    deadline = time.monotonic() + START_SECONDS
    started = None  # when the log said the services were about to start
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        found = re.search(r"starting on (\d+)", text)
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            lines = [line.split("] ", 1)[-1].strip() for line in text.splitlines()
                     if "Failed to load" in line]
            raise CheckFailed("minitwistd stopped at once (status %s)%s" % (
                process.returncode, ": " + lines[-1] if lines else ""))
        if started is None and "reactor class:" in text:
            started = time.monotonic()
        if started is not None and time.monotonic() - started > 0.5:
            # The services start right after that line, and a TCPServer logs at once.
            raise CheckFailed("minitwistd started the application, but no port was opened")
        time.sleep(0.05)
    raise CheckFailed("minitwistd never got as far as starting the services within %s s "
                      "(its log: %s)" % (START_SECONDS, " / ".join(
                          line.split("] ", 1)[-1] for line in text.splitlines()[-2:])))


def _ask(port, data):
    """Send ``data`` to 127.0.0.1:port; the first line that comes back (bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=1) as client:
        client.sendall(data)
        reply = b""
        try:
            while not reply.endswith(b"\n"):
                chunk = client.recv(100)
                if not chunk:
                    break
                reply += chunk
        except socket.timeout:
            pass
    return reply


@tac_file.check("loading upper.tac starts nothing: no service running, no port open",
                "leave starting to minitwistd: it starts the services after writing the "
                "pidfile (and, as a daemon, after forking); the .tac only declares them",
                hidden=True)
def _starts_nothing(learner):
    report = _application(learner)
    expect(not report.get("started"),
           "the application's services were already running once the file was loaded: "
           "do not call startService() in a .tac")
    expect(not report.get("listening"), "a port was already listening once the file was "
           "loaded: do not call reactor.listenTCP in a .tac, declare a TCPServer")


# --- ex07_plugin ---------------------------------------------------------------------------------


def _options(learner, argv):
    """The learner's UpperOptions, parsed from ``argv``."""
    options = learner.get("UpperOptions")()
    options.parseOptions(argv)
    return options


def _service(learner, port, interface):
    """``(service, Upper, listenTCP calls)`` from the learner's makeService.

    While makeService runs, the global reactor's ``listenTCP`` only records its calls:
    a makeService that listens by itself is caught, and binds nothing.
    """
    from minitwisted.internet import reactor

    upper = learner.get("Upper")
    maker = learner.get("UpperMaker")()
    calls = []
    reactor.listenTCP = lambda *args, **kwargs: calls.append(args) or _FakePort()
    try:
        made = maker.makeService({"port": port, "interface": interface})
    finally:
        del reactor.listenTCP  # the class's own method again
    expect(isinstance(made, internet.TCPServer),
           "makeService returned %s, not a TCPServer service" % type(made).__name__)
    expect(not made.running, "makeService returned a service that is already running")
    return made, upper, calls


@plugin.check("makeService returns a TCPServer service whose factory builds Upper",
              "return internet.TCPServer(port, factory, interface=...) with "
              "factory = protocol.Factory.forProtocol(Upper); do not start it: minitwistd "
              "starts the services")
def _makes_tcp_server(learner):
    made, upper, _ = _service(learner, 0, "127.0.0.1")
    fake = MemoryReactor()
    made.reactor = fake
    made.startService()
    expect(len(fake.tcpServers) == 1, "starting the service called listenTCP %d times"
           % len(fake.tcpServers))
    factory = fake.tcpServers[0][1]
    built = factory.buildProtocol(None)
    expect(isinstance(built, upper), "the factory builds %s, not Upper" % type(built).__name__)


@plugin.check("the service listens on the port and interface the options name",
              "use options[\"port\"] and options[\"interface\"]: what minitwistd parsed from "
              "--port and --interface, not numbers of your own")
def _uses_the_options(learner):
    made, _, _ = _service(learner, 8123, "127.0.0.2")
    fake = MemoryReactor()
    made.reactor = fake
    made.startService()
    port, _, _, interface = fake.tcpServers[0]
    expect((port, interface) == (8123, "127.0.0.2"),
           "with --port 8123 --interface 127.0.0.2 the service listened on port %r, "
           "interface %r" % (port, interface))


@plugin.check("UpperOptions refuses --port 70000 with a UsageError",
              "in postOptions, check self[\"port\"] and raise usage.UsageError(\"...\"): "
              "minitwistd prints that as a usage message instead of a traceback")
def _refuses_big_port(learner):
    try:
        _options(learner, ["--port", "70000"])
    except usage.UsageError:
        return
    except NotImplementedError:
        raise
    except Exception as exc:
        raise CheckFailed("--port 70000 raised %s, not usage.UsageError"
                          % type(exc).__name__) from None
    raise CheckFailed("--port 70000 was accepted: no port is above 65535")


@plugin.check("UpperOptions refuses a negative port too",
              "the range is 0 to 65535, both ends: 0 <= port <= 65535", hidden=True)
def _refuses_negative_port(learner):
    try:
        _options(learner, ["--port=-1"])
    except usage.UsageError:
        return
    raise CheckFailed("--port=-1 was accepted")


@plugin.check("UpperOptions accepts --port 0 (any free port) and --port 65535",
              "0 is a port too: it asks the system for any free one; keep both ends of "
              "0 <= port <= 65535", hidden=True)
def _accepts_the_ends(learner):
    for text in ("0", "65535"):
        try:
            options = _options(learner, ["--port", text])
        except usage.UsageError as exc:
            raise CheckFailed("--port %s was refused: %s" % (text, exc)) from None
        expect(options["port"] == int(text), "--port %s gave options[\"port\"] == %r"
               % (text, options["port"]))


@plugin.check("makeService opens no port itself",
              "makeService only builds the service; calling reactor.listenTCP there listens "
              "before minitwistd has written its pidfile or daemonized", hidden=True)
def _opens_no_port(learner):
    _, _, calls = _service(learner, 0, "127.0.0.1")
    expect(not calls, "makeService called reactor.listenTCP")


class _FakePort:
    """What the patched ``listenTCP`` returns, so the learner's code carries on."""

    def getHost(self):
        return None

    def stopListening(self):
        return None
