"""Tests for minitwisted.words.protocols.irc, side by side with real Twisted.

Each test takes the ``impl`` fixture and runs once on minitwisted and once on Twisted
26.10: an ``IRCClient`` subclass that records every callback is connected to a
``StringTransport``, fed the same server lines, and checked for the same callbacks and
the same bytes written.  Tests that pin a deliberate difference say so.
"""

import types

import pytest

CALLBACKS = ["signedOn", "joined", "left", "kickedFrom", "privmsg", "noticed", "action",
             "userJoined", "userLeft", "userQuit", "userKicked", "userRenamed",
             "topicUpdated", "irc_unknown"]


def _namespace(name):
    if name == "minitwisted":
        from minitwisted.internet import testing
        from minitwisted.python import log
        from minitwisted.words.protocols import irc
    else:
        from twisted.internet import testing
        from twisted.python import log
        from twisted.words.protocols import irc
    return types.SimpleNamespace(name=name, irc=irc, testing=testing, log=log)


@pytest.fixture(params=["minitwisted", "twisted"])
def impl(request):
    """The implementation under test: ours, then the oracle."""
    return _namespace(request.param)


@pytest.fixture
def logged(impl):
    """The log events of ``impl`` during the test."""
    events = []
    impl.log.addObserver(events.append)
    yield events
    impl.log.removeObserver(events.append)


def _recorder(name):
    def record(self, *args):
        self.calls.append((name, *args))
    return record


def connect(impl, **attributes):
    """Return an IRCClient, connected to a fresh StringTransport, that records its callbacks."""
    namespace = {name: _recorder(name) for name in CALLBACKS}
    namespace.update(nickname="bot", **attributes)
    Client = type("Client", (impl.irc.IRCClient,), namespace)
    client = Client()
    client.calls = []
    client.transport = impl.testing.StringTransport()
    client.makeConnection(client.transport)
    return client


def signedOn(impl, **attributes):
    """Return a connected client that has registered as "bot", with the transport cleared."""
    client = connect(impl, **attributes)
    client.dataReceived(b":irc.test 001 bot :Welcome bot\r\n")
    client.calls.clear()
    client.transport.clear()
    return client


def feed(client, *lines):
    """Feed str lines to client, each ending in CR LF; return the callbacks and bytes they cause."""
    client.calls.clear()
    client.transport.clear()
    client.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
    return client.calls, client.transport.value()


# --- Registration ------------------------------------------------------------------------


def test_connectionMadeSendsNickThenUser(impl):
    """On connect the client sends NICK, then USER with "foo bar" and realname None."""
    client = connect(impl)
    assert client.transport.value() == b"NICK bot\r\nUSER bot foo bar :None\r\n"


def test_passwordIsSentFirst(impl):
    """With a password, PASS comes before NICK, and username and realname are used."""
    client = connect(impl, password="secret", username="me", realname="Bot Botson")
    assert client.transport.value() == (
        b"PASS secret\r\nNICK bot\r\nUSER me foo bar :Bot Botson\r\n")


def test_welcomeCallsSignedOnAndRemembersTheServer(impl):
    """RPL_WELCOME (001) calls signedOn and sets hostname to the server's name."""
    client = connect(impl)
    assert feed(client, ":irc.test 001 bot :Welcome") == ([("signedOn",)], b"")
    assert (client.hostname, client.nickname) == ("irc.test", "bot")


def test_nickInUseRetriesWithAnUnderscore(impl):
    """ERR_NICKNAMEINUSE (433) sends NICK again with alterCollidedNick's answer."""
    client = connect(impl)
    assert feed(client, ":irc.test 433 * bot :Nickname is already in use")[1] == b"NICK bot_\r\n"
    assert feed(client, ":irc.test 433 * bot_ :Nickname is already in use")[1] == b"NICK bot__\r\n"
    feed(client, ":irc.test 001 bot__ :Welcome")
    assert client.nickname == "bot__"


def test_alterCollidedNickCanBeOverridden(impl):
    """A subclass chooses the next nick to try."""
    client = connect(impl, alterCollidedNick=lambda self, nick: nick + "2")
    assert feed(client, ":irc.test 433 * bot :in use")[1] == b"NICK bot2\r\n"


def test_pingIsAnsweredWithPong(impl):
    """PING gets a PONG with the same token."""
    assert feed(signedOn(impl), "PING :irc.test") == ([], b"PONG irc.test\r\n")


# --- Events ------------------------------------------------------------------------------


@pytest.mark.parametrize("line, expected", [
    (":bot!b@host JOIN #foo", ("joined", "#foo")),
    (":bot!b@host JOIN :#foo", ("joined", "#foo")),
    (":bob!b@host JOIN #foo", ("userJoined", "bob", "#foo")),
    (":bot!b@host PART #foo", ("left", "#foo")),
    (":bob!b@host PART #foo :bye", ("userLeft", "bob", "#foo")),
    (":bob!b@host QUIT :gone fishing", ("userQuit", "bob", "gone fishing")),
    (":bob!b@host NICK robert", ("userRenamed", "bob", "robert")),
    (":bob!b@host KICK #foo bot :behave", ("kickedFrom", "#foo", "bob", "behave")),
    (":bob!b@host KICK #foo BOT :behave", ("kickedFrom", "#foo", "bob", "behave")),
    (":bob!b@host KICK #foo amy :behave", ("userKicked", "amy", "#foo", "bob", "behave")),
    (":bob!b@host TOPIC #foo :new topic", ("topicUpdated", "bob", "#foo", "new topic")),
    (":irc.test 332 bot #foo :old topic", ("topicUpdated", "irc.test", "#foo", "old topic")),
    (":irc.test 331 bot #foo :No topic is set", ("topicUpdated", "irc.test", "#foo", "")),
    (":bob!b@host PRIVMSG #foo :hello there",
     ("privmsg", "bob!b@host", "#foo", "hello there")),
    (":bob!b@host PRIVMSG bot :psst", ("privmsg", "bob!b@host", "bot", "psst")),
    (":bob!b@host NOTICE #foo :note this", ("noticed", "bob!b@host", "#foo", "note this")),
    (":bob!b@host PRIVMSG #foo :\x01ACTION waves\x01",
     ("action", "bob!b@host", "#foo", "waves")),
    (":bob!b@host PRIVMSG #foo :\x01ACTION a\\\\b\\ac\x01",
     ("action", "bob!b@host", "#foo", "a\\b\x01c")),
    (":bob!b@host PRIVMSG #foo :\x01ACTION\x01", ("action", "bob!b@host", "#foo", None)),
    ("FOO bar :baz qux", ("irc_unknown", "", "FOO", ["bar", "baz qux"])),
    (":bob!b@host PRIVMSG #foo :\x10n and \x10\x10",
     ("privmsg", "bob!b@host", "#foo", "\n and \x10")),
    (":bob!b@host PRIVMSG #foo :h\u00e9llo \u2603",
     ("privmsg", "bob!b@host", "#foo", "h\u00e9llo \u2603")),
])
def test_serverLineCallsItsCallback(impl, line, expected):
    """Each server line calls the callback Twisted calls, with the same arguments."""
    assert feed(signedOn(impl), line) == ([expected], b"")


def test_ctcpMixedWithTextCallsActionThenPrivmsg(impl):
    """A PRIVMSG holding CTCP and plain text calls action, then privmsg with the text."""
    calls, _ = feed(signedOn(impl), ":bob!b@h PRIVMSG #foo :\x01ACTION waves\x01 there")
    assert calls == [("action", "bob!b@h", "#foo", "waves"),
                     ("privmsg", "bob!b@h", "#foo", " there")]


def test_emptyPrivmsgCallsNothing(impl):
    """A PRIVMSG with an empty message is ignored."""
    assert feed(signedOn(impl), ":bob!b@h PRIVMSG #foo :") == ([], b"")


def test_ownNickChangeUpdatesNickname(impl):
    """Our own NICK coming back changes nickname, and calls no userRenamed."""
    client = signedOn(impl)
    client.setNick("newbot")
    assert client.nickname == "bot"  # not until the server agrees
    assert feed(client, ":bot!b@host NICK :newbot") == ([], b"")
    assert client.nickname == "newbot"


def test_lineEndingInBareLineFeedIsRead(impl):
    """A line ending in LF alone is read like one ending in CR LF."""
    client = signedOn(impl)
    client.dataReceived(b":bob!b@h PRIVMSG #foo :one\n:bob!b@h PRIVMSG #foo :tw")
    client.dataReceived(b"o\r\n")
    assert client.calls == [("privmsg", "bob!b@h", "#foo", "one"),
                            ("privmsg", "bob!b@h", "#foo", "two")]


# --- CTCP VERSION ------------------------------------------------------------------------


def test_versionQueryIsAnsweredWithANotice(impl):
    """A CTCP VERSION gets a NOTICE reply to the sender's nick, from the version attributes."""
    client = signedOn(impl, versionName="minibot", versionNum="1.0", versionEnv="Python")
    assert feed(client, ":bob!b@h PRIVMSG bot :\x01VERSION\x01") == (
        [], b"NOTICE bob :\x01VERSION minibot:1.0:Python\x01\r\n")


def test_versionQueryWithoutVersionNameIsIgnored(impl):
    """Without versionName nothing is sent."""
    assert feed(signedOn(impl), ":bob!b@h PRIVMSG bot :\x01VERSION\x01") == ([], b"")


# --- Commands ----------------------------------------------------------------------------


@pytest.mark.parametrize("command, args, expected", [
    ("join", ("foo",), b"JOIN #foo\r\n"),
    ("join", ("&local", "key"), b"JOIN &local key\r\n"),
    ("leave", ("foo",), b"PART #foo\r\n"),
    ("leave", ("#foo", "bye now"), b"PART #foo :bye now\r\n"),
    ("part", ("#foo",), b"PART #foo\r\n"),
    ("msg", ("bob", "hi"), b"PRIVMSG bob :hi\r\n"),
    ("msg", ("#foo", "line one\nline two"),
     b"PRIVMSG #foo :line one\r\nPRIVMSG #foo :line two\r\n"),
    ("say", ("foo", "h\u00e9llo"), "PRIVMSG #foo :h\u00e9llo\r\n".encode()),
    ("notice", ("bob", "fyi"), b"NOTICE bob :fyi\r\n"),
    ("describe", ("#foo", "waves"), b"PRIVMSG #foo :\x01ACTION waves\x01\r\n"),
    ("describe", ("bob", "a\\b"), b"PRIVMSG bob :\x01ACTION a\\\\b\x01\r\n"),
    ("setNick", ("other",), b"NICK other\r\n"),
    ("topic", ("foo",), b"TOPIC #foo\r\n"),
    ("topic", ("#foo", "new topic"), b"TOPIC #foo :new topic\r\n"),
    ("quit", (), b"QUIT :\r\n"),
    ("quit", ("bye all",), b"QUIT :bye all\r\n"),
    ("msg", ("bob", "cr\rin"), b"PRIVMSG bob :cr in\r\n"),
    ("sendLine", ("PRIVMSG bob :a\rb\0c\x10",), b"PRIVMSG bob :a\x10rb\x100c\x10\x10\r\n"),
])
def test_commandWritesItsLine(impl, command, args, expected):
    """Each command writes the same bytes as Twisted's."""
    client = signedOn(impl)
    getattr(client, command)(*args)
    assert client.transport.value() == expected


@pytest.mark.parametrize("length", [None, 40, 100])
def test_longMessageIsSplitAsTwistedSplitsIt(impl, length):
    """A long message is cut into lines at spaces, each within the length limit."""
    client = signedOn(impl)
    words = " ".join(f"word{i}" for i in range(200)) + " " + "x" * 600
    client.msg("#foo", words, length)
    lines = client.transport.value().split(b"\r\n")[:-1]
    assert len(lines) > 1
    assert all(len(line) + 2 <= (length or 512) for line in lines)
    # The oracle's bytes, written out for minitwisted to match:
    oracle = signedOn(_namespace("twisted"))
    oracle.msg("#foo", words, length)
    assert client.transport.value() == oracle.transport.value()


def test_lengthTooShortRaisesValueError(impl):
    """A length that leaves no room for text raises ValueError."""
    with pytest.raises(ValueError):
        signedOn(impl).msg("#foo", "hi", 10)


# --- Bad input ---------------------------------------------------------------------------


def test_emptyLineIsLoggedAndSkipped(impl, logged):
    """An empty line is logged, and the next line is handled."""
    calls, _ = feed(signedOn(impl), "", ":bob!b@h JOIN #foo")
    assert calls == [("userJoined", "bob", "#foo")]
    assert logged


def test_handlerErrorIsLoggedAndTheNextLineHandled(impl, logged):
    """A KICK without its parameters makes its handler fail; that is logged and reading goes on."""
    client = signedOn(impl)
    calls, _ = feed(client, ":bob!b@h KICK #foo", ":bob!b@h JOIN #foo")
    assert calls == [("userJoined", "bob", "#foo")]
    assert [event for event in logged if event.get("isError")]


def test_prefixOnlyLineIsSkipped(impl, logged):
    """A line with only a prefix is logged and skipped; Twisted raises (pinned difference)."""
    client = signedOn(impl)
    if impl.name == "twisted":
        with pytest.raises(ValueError):
            feed(client, ":irc.test")
        return
    calls, _ = feed(client, ":irc.test", ":bob!b@h JOIN #foo")
    assert calls == [("userJoined", "bob", "#foo")]
    assert any("malformed" in impl.log.textFromEventDict(event) for event in logged)


def test_lineThatIsNotUtf8IsSkipped(impl, logged):
    """Bytes that are not UTF-8 are logged and skipped; Twisted raises (pinned difference)."""
    client = signedOn(impl)
    bad = b":bob!b@h PRIVMSG #foo :\xff\r\n"
    if impl.name == "twisted":
        with pytest.raises(UnicodeDecodeError):
            client.dataReceived(bad)
        return
    client.dataReceived(bad + b":bob!b@h JOIN #foo\r\n")
    assert client.calls == [("userJoined", "bob", "#foo")]


def test_unlistedNumericReachesIrcUnknownAsDigits(impl):
    """An unlisted numeric reaches irc_unknown as digits; Twisted names it (pinned difference)."""
    calls, _ = feed(signedOn(impl), ":irc.test 482 bot #foo :You're not channel operator")
    command = "482" if impl.name == "minitwisted" else "ERR_CHANOPRIVSNEEDED"
    params = ["bot", "#foo", "You're not channel operator"]
    assert calls == [("irc_unknown", "irc.test", command, params)]


# --- Parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize("line, expected", [
    ("PING :x", ("", "PING", ["x"])),
    (":n!u@h PRIVMSG #c :hello :world", ("n!u@h", "PRIVMSG", ["#c", "hello :world"])),
    (":srv 353 me = #c :a b c", ("srv", "353", ["me", "=", "#c", "a b c"])),
    ("JOIN  #a   #b", ("", "JOIN", ["#a", "#b"])),
    ("PRIVMSG #c :", ("", "PRIVMSG", ["#c", ""])),
])
def test_parsemsgSplitsPrefixCommandAndParams(impl, line, expected):
    """parsemsg gives prefix, command and parameters, the trailing one with its spaces."""
    assert impl.irc.parsemsg(line) == expected


def test_splitCutsAtSpacesAndNewlines(impl):
    """split cuts text at newlines and near the length, at spaces."""
    assert impl.irc.split("aaa bbb ccc\nddd", 7) == ["aaa bbb", "ccc", "ddd"]
