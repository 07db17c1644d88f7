"""Tests for the programs in examples/: each runs on minitwisted and, renamed, on real Twisted.

Every example is meant to be real Twisted code spelled ``minitwisted``: replacing that
word by ``twisted`` must give a program that runs unchanged on Twisted 26.10.  So each
scenario runs twice, as subprocesses: once from ``examples/`` as written, once from a
copy in ``tmp_path`` with the word replaced.  Servers get port 0 and announce the port
they got ("listening on 127.0.0.1:PORT"); clients are the example clients, or plain
sockets in this file for the chat and key-value servers.

Each test checks the oracle's output against the expected text (so both cannot pass
broken), then minitwisted's output against the oracle's.  Server lines are read at
points the scenario controls, so their order does not depend on timing.  Every server
started gets SIGTERM (then SIGKILL if needed) in a fixture, even when a test fails.
"""

import ast
import http.client
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NAMES = ["echo_server", "echo_client", "chat_server", "udp_echo_server", "udp_echo_client",
         "kv_server", "db_line_server", "irc_server", "irc_bot",
         "web_app", "web_client", "web_60_seconds"]
IMPLS = ["twisted", "minitwisted"]  # the oracle first: its output is checked first
TIMEOUT = 10  # seconds; only a guard against hangs, never asserted on


# --- Running the examples -------------------------------------------------------------


@pytest.fixture
def examples(tmp_path):
    """Map each framework name to the folder its examples run from."""
    renamed = tmp_path / "twisted"
    renamed.mkdir()
    for path in EXAMPLES.glob("*.py"):
        text = path.read_text().replace("minitwisted", "twisted")
        (renamed / path.name).write_text(text)
    return {"minitwisted": EXAMPLES, "twisted": renamed}


class Server:
    """An example server in a subprocess, with its stdout readable line by line."""

    def __init__(self, script, stderrPath):
        self.script = script
        self.stderrPath = stderrPath
        with open(stderrPath, "w") as stderr:
            # -u: the "listening on" line must reach us now, not when a buffer fills.
            self.process = subprocess.Popen(
                [sys.executable, "-u", str(script), "0"],
                stdout=subprocess.PIPE, stderr=stderr, text=True)
        self.lines = queue.Queue()
        # A reader thread lets next_line() give up after a timeout instead of hanging.
        self.reader = threading.Thread(target=self._readAll, daemon=True)
        self.reader.start()
        self.port = None

    def readPort(self):
        """Read the "listening on" line and remember the port it names."""
        first = self.nextLine()
        match = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)", first or "")
        assert match, f"{self.script.name} printed {first!r} instead of its port"
        self.port = int(match.group(1))

    def _readAll(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)  # end of output

    def nextLine(self):
        """Return the server's next line of output (None once it has exited)."""
        try:
            return self.lines.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError("the server printed nothing more") from None

    def stop(self):
        """Stop the server with SIGTERM; return its remaining lines, exit code and stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # both reactors stop cleanly on it
        try:
            self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        rest = []
        while (line := self.nextLine()) is not None:
            rest.append(line)
        return rest, self.process.returncode, Path(self.stderrPath).read_text()


@pytest.fixture
def startServer(tmp_path):
    """Start example servers; each one is stopped at the end, whatever happened."""
    servers = []

    def start(folder, name):
        stderrPath = tmp_path / f"{folder.name}-{name}-{len(servers)}.err"
        server = Server(folder / f"{name}.py", stderrPath)
        servers.append(server)  # before readPort: a server that fails it is still stopped
        server.readPort()
        return server

    yield start
    for server in servers:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


def runClient(folder, name, port):
    """Run an example client against port; return its stdout after checking it exited cleanly."""
    done = subprocess.run([sys.executable, str(folder / f"{name}.py"), str(port)],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert (done.returncode, done.stderr) == (0, ""), f"{name} failed:\n{done.stderr}"
    return done.stdout


def stopCleanly(server):
    """Stop server and return its remaining lines, checking that it exited without errors."""
    rest, returncode, stderr = server.stop()
    assert (returncode, stderr) == (0, ""), f"the server failed:\n{stderr}"
    return rest


class LineClient:
    """A plain-socket client speaking CRLF-terminated lines, for the line-based servers."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.file = self.sock.makefile("rb")

    def send(self, line):
        self.sock.sendall((line if isinstance(line, bytes) else line.encode()) + b"\r\n")

    def readLine(self):
        return self.file.readline().decode().removesuffix("\r\n")

    def ask(self, line):
        """Send one line and return the one-line answer."""
        self.send(line)
        return self.readLine()

    def close(self):
        self.file.close()
        self.sock.close()


def sideBySide(examples, scenario, expected):
    """Run scenario on both frameworks; check Twisted gets expected and minitwisted matches it."""
    outputs = {impl: scenario(examples[impl]) for impl in IMPLS}
    assert outputs["twisted"] == expected, "the example misbehaves even on real Twisted"
    assert outputs["minitwisted"] == outputs["twisted"]


# --- What every example promises ---------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_exampleDocstringNamesItsNotebookAndHowToRunIt(name):
    """Each example opens with a docstring naming its notebook and the command that runs it."""
    docstring = ast.get_docstring(ast.parse((EXAMPLES / f"{name}.py").read_text()))
    notebook = ("04_transports" if "echo" in name
                else "A2_web_in_sixty_seconds" if name.startswith("web")
                else "05_protocols_and_factories")
    assert f"notebooks/{notebook}.ipynb" in docstring
    assert f"python examples/{name}.py " in docstring


@pytest.mark.parametrize("name", NAMES)
def test_exampleImportsOnlyMinitwistedAndTheStandardLibrary(name):
    """Each example imports nothing but minitwisted and the standard library."""
    tree = ast.parse((EXAMPLES / f"{name}.py").read_text())
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    modules |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    for module in modules:
        top = module.split(".")[0]
        assert top == "minitwisted" or top in sys.stdlib_module_names, module


def test_everyExampleIsTested():
    """The examples folder holds exactly the programs these tests run."""
    assert sorted(path.stem for path in EXAMPLES.glob("*.py")) == sorted(NAMES)


# --- TCP echo ----------------------------------------------------------------------------


def test_echoClientPrintsEachLineBackThenExits(examples, startServer):
    """The echo client gets each of its lines back from the echo server, then exits."""
    def scenario(folder):
        server = startServer(folder, "echo_server")
        output = runClient(folder, "echo_client", server.port)
        # Wait for the server to see the client go, so SIGTERM cannot overtake it.
        serverLines = [server.nextLine(), server.nextLine()]
        return output, serverLines + stopCleanly(server)

    sideBySide(examples, scenario, (
        "echo: hello\necho: echo me\necho: goodbye\ndone\n",
        ["client connected", "client disconnected"]))


# --- UDP echo ----------------------------------------------------------------------------


def test_udpEchoClientPrintsEachDatagramBackThenExits(examples, startServer):
    """The UDP echo client gets each datagram back from the UDP echo server, then exits."""
    def scenario(folder):
        server = startServer(folder, "udp_echo_server")
        output = runClient(folder, "udp_echo_client", server.port)
        return output, stopCleanly(server)

    sideBySide(examples, scenario, (
        "echo: ping\necho: hello over UDP\necho: bye\ndone\n", []))


def test_udpEchoServerAnswersAPlainSocket(examples, startServer):
    """The UDP echo server sends a datagram back to the address it came from."""
    def scenario(folder):
        server = startServer(folder, "udp_echo_server")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(TIMEOUT)
            sock.bind(("127.0.0.1", 0))
            sock.sendto(b"\x00binary\xff", ("127.0.0.1", server.port))
            answer = sock.recv(100)
        return answer, stopCleanly(server)

    sideBySide(examples, scenario, (b"\x00binary\xff", []))


# --- Chat --------------------------------------------------------------------------------


def test_chatServerRelaysLinesBetweenNamedUsers(examples, startServer):
    """The chat server asks for a free nickname, then relays each line to the other users."""
    def scenario(folder):
        server = startServer(folder, "chat_server")
        seen = []  # (who, what they received), in the order the scenario reads it
        alice = LineClient(server.port)
        seen.append(("alice", alice.readLine()))
        seen.append(("alice", alice.ask("alice")))
        seen.append(("server", server.nextLine()))

        bob = LineClient(server.port)
        seen.append(("bob", bob.readLine()))
        seen.append(("bob", bob.ask("")))
        seen.append(("bob", bob.ask("alice")))
        seen.append(("bob", bob.ask("bob")))
        seen.append(("alice", alice.readLine()))
        seen.append(("server", server.nextLine()))

        bob.send("hi alice")
        seen.append(("alice", alice.readLine()))
        alice.send("hi bob")
        seen.append(("bob", bob.readLine()))

        bob.close()
        seen.append(("alice", alice.readLine()))
        seen.append(("server", server.nextLine()))
        alice.close()
        seen.append(("server", server.nextLine()))
        return seen, stopCleanly(server)

    sideBySide(examples, scenario, ([
        ("alice", "What is your name?"),
        ("alice", "Welcome, alice!"),
        ("server", "alice joined"),
        ("bob", "What is your name?"),
        ("bob", "Please type a name."),
        ("bob", "That name is taken, please choose another."),
        ("bob", "Welcome, bob!"),
        ("alice", "* bob joined"),
        ("server", "bob joined"),
        ("alice", "<bob> hi alice"),
        ("bob", "<alice> hi bob"),
        ("alice", "* bob left"),
        ("server", "bob left"),
        ("server", "alice left"),
    ], []))


# --- Key-value ---------------------------------------------------------------------------


def test_kvServerSetsGetsAndDeletesKeysSharedByAllClients(examples, startServer):
    """The key-value server stores keys in its factory, so a second client sees the first's."""
    def scenario(folder):
        server = startServer(folder, "kv_server")
        first, second = LineClient(server.port), LineClient(server.port)
        answers = [first.ask("SET colour deep blue"), first.ask("GET colour"),
                   second.ask("GET colour"), second.ask("DEL colour"),
                   first.ask("GET colour"), first.ask("DEL colour")]
        first.close()
        second.close()
        return answers, stopCleanly(server)

    sideBySide(examples, scenario, (
        ["OK", "VALUE deep blue", "VALUE deep blue", "DELETED", "NOT FOUND", "NOT FOUND"],
        []))


def test_kvServerAnswersBadLinesWithAnErrorAndKeepsTheConnection(examples, startServer):
    """The key-value server answers each malformed line with ERROR and goes on serving."""
    def scenario(folder):
        server = startServer(folder, "kv_server")
        client = LineClient(server.port)
        answers = [client.ask(line) for line in [
            "FLY away", "SET lonely", "GET", "DEL a b", "", b"GET \xff", "set a 1",
            "SET a 1", "GET a"]]
        client.close()
        return answers, stopCleanly(server)

    sideBySide(examples, scenario, ([
        "ERROR unknown command: FLY",
        "ERROR usage: SET key value",
        "ERROR usage: GET key",
        "ERROR usage: DEL key",
        "ERROR empty command",
        "ERROR line is not UTF-8",
        "ERROR unknown command: set",
        "OK",
        "VALUE 1",
    ], []))


# --- Database-backed notes ---------------------------------------------------------------


def readUntilEnd(client):
    """Read a LIST answer: ROW lines up to and including END."""
    lines = [client.readLine()]
    while lines[-1] != "END" and not lines[-1].startswith("ERROR"):
        lines.append(client.readLine())
    return lines


def test_dbLineServerStoresRowsThatEveryClientLists(examples, startServer):
    """The database server adds rows through its connection pool; any client lists them in order."""
    def scenario(folder):
        server = startServer(folder, "db_line_server")
        first, second = LineClient(server.port), LineClient(server.port)
        answers = [second.ask("LIST"), first.ask("ADD buy milk"),
                   first.ask("ADD  call mum "), first.ask("ADD buy milk")]
        second.send("LIST")
        answers.append(readUntilEnd(second))
        first.close()
        second.close()
        return answers, stopCleanly(server)

    sideBySide(examples, scenario, (
        ["END", "ADDED 1", "ADDED 2", "ADDED 3",
         ["ROW 1 buy milk", "ROW 2  call mum ", "ROW 3 buy milk", "END"]],
        []))


def test_dbLineServerAnswersPipelinedCommandsInOrder(examples, startServer):
    """Commands sent together are answered in order, and a LIST sees the ADDs before it."""
    def scenario(folder):
        server = startServer(folder, "db_line_server")
        client = LineClient(server.port)
        client.sock.sendall(b"".join(line + b"\r\n" for line in [
            b"ADD one", b"ADD two", b"LIST", b"ADD three", b"LIST"]))
        answers = [client.readLine(), client.readLine(), readUntilEnd(client),
                   client.readLine(), readUntilEnd(client)]
        client.close()
        return answers, stopCleanly(server)

    sideBySide(examples, scenario, (
        ["ADDED 1", "ADDED 2", ["ROW 1 one", "ROW 2 two", "END"], "ADDED 3",
         ["ROW 1 one", "ROW 2 two", "ROW 3 three", "END"]],
        []))


def test_dbLineServerAnswersBadLinesWithAnErrorAndKeepsTheConnection(examples, startServer):
    """The database server answers each malformed line with ERROR and goes on serving."""
    def scenario(folder):
        server = startServer(folder, "db_line_server")
        client = LineClient(server.port)
        answers = [client.ask(line) for line in [
            "FLY away", "ADD", "ADD ", "LIST all", "", b"ADD \xff", "add x", "ADD x", "LIST"]]
        answers.append(client.readLine())
        client.close()
        return answers, stopCleanly(server)

    sideBySide(examples, scenario, ([
        "ERROR unknown command: FLY",
        "ERROR usage: ADD text",
        "ERROR usage: ADD text",
        "ERROR usage: LIST",
        "ERROR empty command",
        "ERROR line is not UTF-8",
        "ERROR unknown command: add",
        "ADDED 1",
        "ROW 1 x",
        "END",
    ], []))


# --- IRC ---------------------------------------------------------------------------------
#
# irc_server.py uses minitwisted's own IRC server, which real Twisted lacks, so both
# runs use the server as written; only the bot runs renamed on Twisted.


class BotProcess(Server):
    """The example bot in a subprocess, started with a port, its stdout readable line by line."""

    def __init__(self, script, port, stderrPath):
        self.script = script
        self.stderrPath = stderrPath
        with open(stderrPath, "w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-u", str(script), str(port)],
                stdout=subprocess.PIPE, stderr=stderr, text=True)
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._readAll, daemon=True)
        self.reader.start()


def readUntil(client, fragment):
    """Read lines from client until one contains fragment; return that line."""
    while fragment not in (line := client.readLine()):
        assert line, f"the connection closed before {fragment!r}"
    return line


def test_ircBotJoinsAndAnswersHello(examples, startServer, tmp_path):
    """The bot signs on to the example server, joins #workshop and greets "!hello"."""
    def scenario(folder):
        server = startServer(examples["minitwisted"], "irc_server")
        bot = BotProcess(folder / "irc_bot.py", server.port, tmp_path / f"{folder.name}-bot.err")
        try:
            seen = [bot.nextLine() for _ in range(3)]  # connected, signed on, joined
            tester = LineClient(server.port)
            tester.send("NICK tester")
            tester.send("USER tester 0 * :Tester")
            readUntil(tester, " 004 ")
            tester.send("JOIN #workshop")
            seen.append(readUntil(tester, " 353 "))
            tester.send("PRIVMSG #workshop :!hello")
            seen.append(readUntil(tester, "PRIVMSG"))
            tester.send("PRIVMSG minibot :!hello")
            seen.append(readUntil(tester, "PRIVMSG"))
            seen += [bot.nextLine(), bot.nextLine()]
            tester.close()
            stopCleanly(server)  # the bot sees the connection close, and exits
            seen.append(bot.nextLine())
            bot.process.wait(timeout=TIMEOUT)  # exiting on its own, not by stop()'s SIGTERM
            rest, returncode, stderr = bot.stop()
            assert (returncode, stderr) == (0, ""), f"the bot failed:\n{stderr}"
            return seen + rest
        finally:
            if bot.process.poll() is None:
                bot.process.kill()
                bot.process.wait()

    sideBySide(examples, scenario, [
        "connected",
        "signed on as minibot",
        "joined #workshop",
        ":irc.minitwisted.test 353 tester = #workshop :minibot tester",
        ":minibot!minibot@127.0.0.1 PRIVMSG #workshop :Hello, tester!",
        ":minibot!minibot@127.0.0.1 PRIVMSG tester :Hello, tester!",
        "greeted tester in #workshop",
        "greeted tester in tester",
        "disconnected",
    ])


def test_ircServerSignsOnAPlainSocketClient(examples, startServer):
    """The example server welcomes a plain-socket client and answers PING."""
    server = startServer(examples["minitwisted"], "irc_server")
    client = LineClient(server.port)
    client.send("NICK sock")
    client.send("USER sock 0 * :Socket")
    first = client.readLine()
    client.send("PING :token")
    pong = readUntil(client, "PONG")
    client.close()
    assert stopCleanly(server) == []
    assert (first, pong) == (
        ":irc.minitwisted.test 001 sock :Welcome to the minitwisted IRC network sock!sock@127.0.0.1",
        ":irc.minitwisted.test PONG irc.minitwisted.test :token")


# --- Web ---------------------------------------------------------------------------------


def httpRequest(port, path, method="GET", body=None, headers=None):
    """Send one request with http.client; return (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def readLog(path):
    """The lines of an access log, with each [date] replaced by [DATE]."""
    return [re.sub(r"\[[^\]]*\]", "[DATE]", line)
            for line in Path(path).read_text().splitlines()]


def readLogPath(server, name):
    """Read the server's "<name>: PATH" line and return PATH."""
    line = server.nextLine()
    assert line.startswith(name + ": "), line
    return line.removeprefix(name + ": ")


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_webAppServesItsPagesAndLogsEachRequest(examples, startServer):
    """The web app answers its static, dynamic, form and slow pages and logs each request."""
    def scenario(folder):
        server = startServer(folder, "web_app")
        accessLog = readLogPath(server, "access log")
        answers = [
            httpRequest(server.port, "/hello?name=bob"),
            httpRequest(server.port, "/hello"),
            httpRequest(server.port, "/form", "POST", b"colour=%3Cred%3E", FORM),
            httpRequest(server.port, "/slow"),
        ]
        status, body = httpRequest(server.port, "/files/web_client.py")
        # The renamed copy is shorter than ours: compare with the file actually served.
        answers.append((status, body == (folder / "web_client.py").read_bytes()))
        rest = stopCleanly(server)
        return answers, rest, [entry.replace(" %d " % len(body), " SIZE ")
                               for entry in readLog(accessLog)]

    line = '"127.0.0.1" - - [DATE] "%s" %s "-" "-"'
    sideBySide(examples, scenario, (
        [(200, b"Hello, bob!"), (200, b"Hello, stranger!"),
         (200, b"<html><body>You chose &lt;red&gt;.</body></html>"),
         (200, b"Sorry to keep you waiting."), (200, True)],
        [],
        [line % ("GET /hello?name=bob HTTP/1.1", "200 11"),
         line % ("GET /hello HTTP/1.1", "200 16"),
         line % ("POST /form HTTP/1.1", "200 48"),
         line % ("GET /slow HTTP/1.1", "200 26"),
         line % ("GET /files/web_client.py HTTP/1.1", "200 SIZE")]))


def test_webClientPrintsStatusAndBody(examples, startServer):
    """The web client fetches a page of the web app and prints its status line and body."""
    def scenario(folder):
        server = startServer(folder, "web_app")
        outputs = []
        for path, text in [("/hello?name=alice", "Hello, alice!\n"),
                           ("/nowhere", "No Such Resource")]:
            done = subprocess.run(
                # Twisted 26.10's readBody warns about its own Agent's response transport.
                [sys.executable, "-W", "ignore::DeprecationWarning", str(folder / "web_client.py"),
                 f"http://127.0.0.1:{server.port}{path}"],
                capture_output=True, text=True, timeout=TIMEOUT)
            assert (done.returncode, done.stderr) == (0, ""), done.stderr
            # The two 404 pages are laid out differently: look for their title only.
            status, body = done.stdout.split("\n", 1)
            outputs.append((status, text in body))
        stopCleanly(server)
        return outputs

    sideBySide(examples, scenario, [("200 OK", True), ("404 Not Found", True)])


def test_web60SecondsAnswersEachSection(examples, startServer):
    """Each tutorial section answers as it should; errors and hang-ups show on the server."""
    def scenario(folder):
        server = startServer(folder, "web_60_seconds")
        accessLog = readLogPath(server, "access log")
        errorLog = readLogPath(server, "error log")
        port = server.port
        status, body = httpRequest(port, "/static/web_60_seconds.py")
        answers = [(status, body == (folder / "web_60_seconds.py").read_bytes())]
        answers += [httpRequest(port, path) for path in [
            "/counter", "/counter", "/calendar", "/calendar/2024", "/calendar/1900",
            "/pay", "/delayed"]]
        answers.append(httpRequest(port, "/calendar/soon")[0])
        answers.append(httpRequest(port, "/form", "POST", b"the-field=hi", FORM))
        answers.append(httpRequest(port, "/broken"))
        serverLines = [server.nextLine()]
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            sock.sendall(b"GET /interrupted HTTP/1.1\r\nHost: x\r\n\r\n")
        serverLines.append(server.nextLine())
        rest = stopCleanly(server)
        tracebackLogged = "ValueError: this page is broken" in Path(errorLog).read_text()
        size = (folder / "web_60_seconds.py").stat().st_size
        return answers, serverLines + rest, tracebackLogged, [
            entry.replace(" %d " % size, " SIZE ") for entry in readLog(accessLog)]

    def page(text):
        return b"<html><body>%s</body></html>" % text

    bodies = [b"This page has been viewed 1 times.", b"This page has been viewed 2 times.",
              b"Add a year to the URL: /calendar/2026", b"2024 is a leap year.",
              b"1900 is not a leap year.", b"Please pay first.", b"Sorry to keep you waiting."]
    paths = ["/counter", "/counter", "/calendar", "/calendar/2024", "/calendar/1900", "/pay",
             "/delayed"]
    notFound = (b"<!DOCTYPE html>\n<html><head><title>404 - No such year</title></head><body>"
                b"<h1>No such year</h1><p>Years are numbers.</p></body></html>")
    failed = (b"<html><head><title>Processing Failed</title></head><body>"
              b"<b>Processing Failed</b></body></html>")
    line = '"127.0.0.1" - - [DATE] "%s %s HTTP/1.1" %s %s "-" "-"'
    sideBySide(examples, scenario, (
        [(200, True)] + [(402 if path == "/pay" else 200, page(body))
                         for path, body in zip(paths, bodies)]
        + [404, (200, page(b"You submitted: hi")), (500, failed)],
        ["logged error: ValueError: this page is broken",
         "interrupted: the client left, the answer was cancelled"],
        True,
        [line % ("GET", "/static/web_60_seconds.py", 200, "SIZE")]
        + [line % ("GET", path, 402 if path == "/pay" else 200, len(page(body)))
           for path, body in zip(paths, bodies)]
        + [line % ("GET", "/calendar/soon", 404, len(notFound)),
           line % ("POST", "/form", 200, len(page(b"You submitted: hi"))),
           line % ("GET", "/broken", 500, len(failed))]))
