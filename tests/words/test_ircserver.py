"""Tests for minitwisted.words.ircserver, the workshop's small IRC server.

Twisted has no such server, so there is no side-by-side comparison.  Instead:

- unit tests drive ``IRCServerProtocol`` with ``StringTransport`` and check the exact
  lines written, the numeric replies first;
- loopback tests run two bots against a real listening server: minitwisted's
  ``IRCClient`` in the same reactor, and real Twisted's ``IRCClient`` (on Twisted's
  reactor) against ``examples/irc_server.py`` in a subprocess;
- a last test runs our ``IRCClient`` against ngircd, a real IRC server, if installed.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minitwisted.internet.testing import StringTransport
from minitwisted.words.ircserver import IRCServerFactory

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
TIMEOUT = 10  # seconds; only a guard against hangs, never asserted on


# --- Unit tests with StringTransport -----------------------------------------------------


class Client:
    """One fake connection to a server factory: send lines, read what the server wrote."""

    def __init__(self, factory, host="10.0.0.7"):
        from minitwisted.internet.address import IPv4Address
        self.transport = StringTransport(peerAddress=IPv4Address("TCP", host, 5555))
        self.protocol = factory.buildProtocol(None)
        self.protocol.makeConnection(self.transport)

    def send(self, *lines):
        """Send lines; return the lines the server wrote back to this client, as str."""
        self.read()
        self.protocol.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        return self.read()

    def read(self):
        """Return and clear what the server wrote to this client since the last read."""
        written = self.transport.value().decode("utf-8")
        self.transport.clear()
        assert written == "" or written.endswith("\r\n")
        return written.split("\r\n")[:-1]


@pytest.fixture
def factory():
    return IRCServerFactory(name="irc.test")


def signOn(factory, nick):
    client = Client(factory)
    client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick} the tester")
    return client


def test_registrationIsWelcomedWith001To004(factory):
    """NICK then USER gets the welcome replies 001 to 004, addressed to the nick."""
    client = Client(factory)
    assert client.send("NICK alice") == []
    assert client.send("USER al 0 * :Alice") == [
        ":irc.test 001 alice :Welcome to the minitwisted IRC network alice!al@10.0.0.7",
        ":irc.test 002 alice :Your host is irc.test, running minitwisted",
        ":irc.test 003 alice :This server was created for the workshop",
        ":irc.test 004 alice irc.test minitwisted o :o",
    ]


def test_nickInUseGets433(factory):
    """A nick already registered (in any case) is refused with 433."""
    signOn(factory, "alice")
    assert Client(factory).send("NICK ALICE") == [
        ":irc.test 433 * ALICE :Nickname is already in use"]


def test_badNickGets432AndMissingNick431(factory):
    """An invalid nick gets 432 and a NICK without one gets 431."""
    client = Client(factory)
    assert client.send("NICK 9lives", "NICK") == [
        ":irc.test 432 * 9lives :Erroneous nickname", ":irc.test 431 * :No nickname given"]


def test_commandsBeforeRegistrationGet451(factory):
    """Only registration commands work before NICK and USER are done."""
    assert Client(factory).send("JOIN #a") == [":irc.test 451 * :You have not registered"]


def test_userTwiceGets462AndShortUserGets461(factory):
    """USER without its four parameters gets 461; a second USER gets 462."""
    assert Client(factory).send("USER a") == [":irc.test 461 * USER :Not enough parameters"]
    assert signOn(factory, "bob").send("USER b 0 * :B") == [
        ":irc.test 462 bob :You may not reregister"]


def test_unknownCommandGets421(factory):
    """An unknown command gets 421, naming it."""
    assert signOn(factory, "alice").send("FLY away") == [
        ":irc.test 421 alice FLY :Unknown command"]


def test_pingGetsPong(factory):
    """PING gets a PONG carrying its token, even before registration."""
    assert Client(factory).send("PING :abc") == [":irc.test PONG irc.test :abc"]


def test_joinSendsJoinThenNames(factory):
    """JOIN echoes the JOIN, then lists the members with 353 and 366; others see the JOIN."""
    alice, bob = signOn(factory, "alice"), signOn(factory, "bob")
    alice.send("JOIN #Room")
    assert bob.send("JOIN #room") == [
        ":bob!bob@10.0.0.7 JOIN :#Room",
        ":irc.test 353 bob = #Room :alice bob",
        ":irc.test 366 bob #Room :End of /NAMES list",
    ]
    assert alice.read() == [":bob!bob@10.0.0.7 JOIN :#Room"]


def test_joinABadChannelNameGets403(factory):
    """A channel name without # or & gets 403."""
    assert signOn(factory, "alice").send("JOIN room") == [
        ":irc.test 403 alice room :No such channel"]


def test_topicIsSetShownAndSentOnJoin(factory):
    """TOPIC sets the topic for all members; a query gets 331 or 332; joining gets 332."""
    alice = signOn(factory, "alice")
    alice.send("JOIN #a")
    assert alice.send("TOPIC #a") == [":irc.test 331 alice #a :No topic is set"]
    assert alice.send("TOPIC #a :tea time") == [":alice!alice@10.0.0.7 TOPIC #a :tea time"]
    assert alice.send("TOPIC #a") == [":irc.test 332 alice #a :tea time"]
    assert signOn(factory, "bob").send("JOIN #a")[1] == ":irc.test 332 bob #a :tea time"


def test_privmsgReachesTheOtherMembersOnly(factory):
    """A PRIVMSG to a channel goes to every member but the sender."""
    alice, bob, carol = signOn(factory, "alice"), signOn(factory, "bob"), signOn(factory, "carol")
    alice.send("JOIN #a")
    bob.send("JOIN #a")
    alice.read()
    assert bob.send("PRIVMSG #a :hello all") == []
    assert alice.read() == [":bob!bob@10.0.0.7 PRIVMSG #a :hello all"]
    assert carol.read() == []


def test_privmsgToANick(factory):
    """A PRIVMSG to a nick reaches that user only, whatever the case of the nick."""
    alice, bob = signOn(factory, "alice"), signOn(factory, "bob")
    bob.send("PRIVMSG Alice :psst")
    assert alice.read() == [":bob!bob@10.0.0.7 PRIVMSG alice :psst"]


def test_messageErrors(factory):
    """PRIVMSG errors: 401 no such nick, 403 no such channel, 404 not a member, 411, 412."""
    alice, bob = signOn(factory, "alice"), signOn(factory, "bob")
    bob.send("JOIN #b")
    assert alice.send("PRIVMSG nobody :hi", "PRIVMSG #none :hi", "PRIVMSG #b :hi",
                      "PRIVMSG", "PRIVMSG bob") == [
        ":irc.test 401 alice nobody :No such nick/channel",
        ":irc.test 403 alice #none :No such channel",
        ":irc.test 404 alice #b :Cannot send to channel",
        ":irc.test 411 alice :No recipient given (PRIVMSG)",
        ":irc.test 412 alice :No text to send",
    ]


def test_noticeIsRelayedButNeverAnsweredWithAnError(factory):
    """A NOTICE is relayed like a PRIVMSG, but a bad one gets no error reply."""
    alice, bob = signOn(factory, "alice"), signOn(factory, "bob")
    assert alice.send("NOTICE nobody :hi", "NOTICE", "NOTICE bob :fyi") == []
    assert bob.read() == [":alice!alice@10.0.0.7 NOTICE bob :fyi"]


def test_partTellsTheChannelAndEmptyChannelsVanish(factory):
    """PART is sent to all members; the last one out removes the channel."""
    alice, bob = signOn(factory, "alice"), signOn(factory, "bob")
    alice.send("JOIN #a")
    bob.send("JOIN #a")
    assert bob.send("PART #a :bye") == [":bob!bob@10.0.0.7 PART #a :bye"]
    assert alice.read()[-1] == ":bob!bob@10.0.0.7 PART #a :bye"
    assert bob.send("PART #a") == [":irc.test 442 bob #a :You're not on that channel"]
    alice.send("PART #a")
    assert factory.channels == {}
    assert bob.send("PART #a") == [":irc.test 403 bob #a :No such channel"]


def test_namesListsChannels(factory):
    """NAMES lists the members of a channel, and ends with 366 even for an unknown one."""
    alice = signOn(factory, "alice")
    alice.send("JOIN #a")
    assert alice.send("NAMES #a,#zz") == [
        ":irc.test 353 alice = #a :alice", ":irc.test 366 alice #a :End of /NAMES list",
        ":irc.test 366 alice #zz :End of /NAMES list"]


def test_renameIsSeenByChannelPeers(factory):
    """NICK after registration tells the client and its channel peers, and frees the old nick."""
    alice, bob = signOn(factory, "alice"), signOn(factory, "bob")
    alice.send("JOIN #a")
    bob.send("JOIN #a")
    alice.read()
    assert bob.send("NICK robert") == [":bob!bob@10.0.0.7 NICK :robert"]
    assert alice.read() == [":bob!bob@10.0.0.7 NICK :robert"]
    assert sorted(factory.users) == ["alice", "robert"]
    assert signOn(factory, "bob").read() == []  # the old nick is free again
    assert alice.send("PRIVMSG #a :hi robert") == []


def test_quitClosesAndTellsPeersOnce(factory):
    """QUIT closes the connection and each channel peer gets one QUIT, even sharing two channels."""
    alice, bob = signOn(factory, "alice"), signOn(factory, "bob")
    alice.send("JOIN #a,#b")
    bob.send("JOIN #a,#b")
    alice.read()
    assert bob.send("QUIT :tired") == ["ERROR :Closing Link: 10.0.0.7 (Quit: tired)"]
    assert bob.transport.disconnecting
    bob.protocol.connectionLost(None)
    assert alice.read() == [":bob!bob@10.0.0.7 QUIT :Quit: tired"]
    assert list(factory.users) == ["alice"]


def test_malformedLinesAreSkipped(factory, mini, logged):
    """Empty lines, a bare prefix and bytes that are not UTF-8 are skipped; the connection stays."""
    alice = signOn(factory, "alice")
    alice.protocol.dataReceived(b"\r\n   \r\n:onlyprefix\r\nPRIVMSG alice :\xff\r\n")
    assert alice.read() == [":alice!alice@10.0.0.7 PRIVMSG alice :\ufffd"]
    assert not alice.transport.disconnecting
    assert any("malformed" in mini.log.textFromEventDict(event) for event in logged)


def test_overlongLineClosesOnlyThatConnection(factory):
    """A line over 512 bytes closes its own connection with ERROR; others carry on."""
    alice, bob = signOn(factory, "alice"), signOn(factory, "bob")
    bob.protocol.dataReceived(b"PRIVMSG alice :" + b"x" * 600 + b"\r\n")
    assert bob.read() == ["ERROR :Closing Link: line too long"]
    assert bob.transport.disconnecting and not alice.transport.disconnecting
    assert alice.read() == []
    assert alice.send("PING :still here") == [":irc.test PONG irc.test :still here"]


# --- Real clients over loopback ----------------------------------------------------------


def botClass(net, irc):
    """An IRCClient of the framework under test that records events and lets tests await them."""

    class Bot(irc.IRCClient):
        def __init__(self, nickname):
            self.nickname = nickname
            self.events = []
            self.waiting = []  # (event, Deferred) pairs

        def record(self, *event):
            self.events.append(event)
            for pair in list(self.waiting):
                if pair[0] == event:
                    self.waiting.remove(pair)
                    pair[1].callback(event)

        def waitFor(self, *event):
            """Return a Deferred that fires once ``event`` has been recorded."""
            if event in self.events:
                return net.defer.succeed(event)
            d = net.defer.Deferred()
            self.waiting.append((event, d))
            return d

        def signedOn(self):
            self.record("signedOn", self.nickname)

        def connectionLost(self, reason):
            irc.IRCClient.connectionLost(self, reason)
            self.record("connectionLost")

    for name in ["joined", "left", "privmsg", "action", "noticed", "userJoined", "userLeft",
                 "userQuit", "userRenamed", "topicUpdated", "nickChanged"]:
        setattr(Bot, name, lambda self, *args, name=name: self.record(name, *args))
    return Bot


def connectBot(net, Bot, port, nickname):
    """Connect a Bot to 127.0.0.1:port; return it once it is connected."""
    bot = Bot(nickname)
    factory = net.protocol.ClientFactory()
    factory.buildProtocol = lambda addr: bot
    net.reactor.connectTCP("127.0.0.1", port, factory)
    return bot


def twoBotsTalk(net, irc, port):
    """Two bots register, join, talk, rename and quit; return alice's and bob's events."""
    Bot = botClass(net, irc)
    alice, bob = connectBot(net, Bot, port, "alice"), connectBot(net, Bot, port, "bob")
    net.spin(alice.waitFor("signedOn", "alice"))
    net.spin(bob.waitFor("signedOn", "bob"))
    # A third bot asking for a taken nick gets alice_ after ERR_NICKNAMEINUSE.
    other = connectBot(net, Bot, port, "alice")
    net.spin(other.waitFor("signedOn", "alice_"))
    other.quit()
    alice.join("room")
    net.spin(alice.waitFor("joined", "#room"))
    bob.join("#room")
    net.spin(alice.waitFor("userJoined", "bob", "#room"))
    alice.say("room", "hello bob")
    net.spin(bob.waitFor("privmsg", "alice!alice@127.0.0.1", "#room", "hello bob"))
    bob.msg("alice", "hi, in private")
    alice.describe("#room", "waves")
    net.spin(bob.waitFor("action", "alice!alice@127.0.0.1", "#room", "waves"))
    alice.topic("#room", "greetings")
    net.spin(bob.waitFor("topicUpdated", "alice", "#room", "greetings"))
    bob.setNick("robert")
    net.spin(bob.waitFor("nickChanged", "robert"))
    net.spin(alice.waitFor("userRenamed", "bob", "robert"))
    bob.quit("bye")
    net.spin(alice.waitFor("userQuit", "robert", "Quit: bye"))
    net.spin(bob.waitFor("connectionLost"))
    alice.transport.loseConnection()
    net.spin(alice.waitFor("connectionLost"))
    return alice.events, bob.events


EXPECTED_ALICE = [
    ("signedOn", "alice"),
    ("joined", "#room"),
    ("userJoined", "bob", "#room"),
    ("privmsg", "bob!bob@127.0.0.1", "alice", "hi, in private"),
    ("topicUpdated", "alice", "#room", "greetings"),
    ("userRenamed", "bob", "robert"),
    ("userQuit", "robert", "Quit: bye"),
    ("connectionLost",),
]
EXPECTED_BOB = [
    ("signedOn", "bob"),
    ("joined", "#room"),
    ("privmsg", "alice!alice@127.0.0.1", "#room", "hello bob"),
    ("action", "alice!alice@127.0.0.1", "#room", "waves"),
    ("topicUpdated", "alice", "#room", "greetings"),
    ("nickChanged", "robert"),
    ("connectionLost",),
]


def test_twoMinitwistedBotsTalkThroughTheServer(mini):
    """Two minitwisted bots sign on, join, talk, rename and quit, server in the same reactor."""
    from minitwisted.words.protocols import irc
    port = mini.reactor.listenTCP(0, IRCServerFactory(), interface="127.0.0.1")
    events = twoBotsTalk(mini, irc, port.getHost().port)
    assert events == (EXPECTED_ALICE, EXPECTED_BOB)


@pytest.fixture
def exampleServer(tmp_path):
    """examples/irc_server.py in a subprocess; yields its port, and stops it at the end."""
    process = subprocess.Popen([sys.executable, "-u", str(EXAMPLES / "irc_server.py"), "0"],
                               stdout=subprocess.PIPE, text=True)
    try:
        match = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", process.stdout.readline())
        assert match, "irc_server.py did not print its port"
        yield int(match.group(1))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def test_botsOfBothFrameworksTalkThroughTheExampleServer(net, exampleServer):
    """Real Twisted's IRCClient, like ours, gets the same events from the server in a subprocess."""
    if net.name == "minitwisted":
        from minitwisted.words.protocols import irc
    else:
        from twisted.words.protocols import irc
    assert twoBotsTalk(net, irc, exampleServer) == (EXPECTED_ALICE, EXPECTED_BOB)


# --- ngircd, a real IRC server -----------------------------------------------------------


def freePort():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def ngircd(tmp_path):
    """A private ngircd on a free loopback port; yields the port, kills ngircd at the end."""
    program = shutil.which("ngircd") or shutil.which("ngircd", path="/usr/sbin:/sbin")
    if program is None:
        pytest.skip("ngircd is not installed (Debian package ngircd; .ci/run installs it)")
    port = freePort()
    config = tmp_path / "ngircd.conf"
    config.write_text(f"""\
[Global]
    Name = irc.ngircd.test
    Info = test server
    Listen = 127.0.0.1
    Ports = {port}
    PidFile = {tmp_path / "ngircd.pid"}
    MotdPhrase = hello
    ServerUID = {os.getuid()}
[Limits]
    ConnectRetry = 60
    MaxConnectionsIP = 0
[Options]
    DNS = no
    Ident = no
    PAM = no
""")
    check = subprocess.run([program, "--configtest", "-f", str(config)],
                           capture_output=True, text=True, timeout=TIMEOUT)
    assert check.returncode == 0, check.stdout + check.stderr
    process = subprocess.Popen([program, "-n", "-f", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Wait until ngircd listens, without asserting on how long it takes.
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT).close()
                break
            except ConnectionRefusedError:
                if process.poll() is not None:
                    pytest.fail(f"ngircd exited with {process.returncode}")
                time.sleep(0.1)
        yield port
    finally:
        process.kill()
        process.wait()


def test_minitwistedBotsTalkThroughNgircd(mini, ngircd):
    """Our IRCClient registers with ngircd, joins a channel, and a second bot sees its PRIVMSG."""
    from minitwisted.words.protocols import irc
    Bot = botClass(mini, irc)
    alice, bob = connectBot(mini, Bot, ngircd, "alice"), connectBot(mini, Bot, ngircd, "bob")
    mini.spin(alice.waitFor("signedOn", "alice"))
    mini.spin(bob.waitFor("signedOn", "bob"))
    alice.join("room")
    mini.spin(alice.waitFor("joined", "#room"))
    bob.join("room")
    mini.spin(bob.waitFor("joined", "#room"))
    mini.spin(alice.waitFor("userJoined", "bob", "#room"))
    alice.say("room", "hello from minitwisted")
    # ngircd marks a username it could not check with ident by a leading "~".
    mini.spin(bob.waitFor("privmsg", "alice!~alice@127.0.0.1", "#room", "hello from minitwisted"))
    alice.quit("done")
    bob.quit("done")
    mini.spin(alice.waitFor("connectionLost"))
    mini.spin(bob.waitFor("connectionLost"))
