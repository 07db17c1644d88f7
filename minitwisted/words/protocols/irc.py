"""IRCClient: an IRC client protocol, one method per server command and one callback per event.

Mirrors ``twisted.words.protocols.irc.IRCClient`` (Twisted 26.10): same names, signatures
and wire bytes, checked side by side with real Twisted by ``tests/words/test_irc.py``.
The workshop uses it in ``notebooks/05_protocols_and_factories.ipynb``, where a bot is a
``LineReceiver`` whose lines are parsed and dispatched to ``irc_<COMMAND>`` methods.

Read it in this order: ``parsemsg`` (one line into prefix, command, params), then
``IRCClient.lineReceived`` and ``handleCommand`` (the dispatch), then the ``irc_*``
handlers that turn commands into callbacks (``joined``, ``privmsg``...), then the
commands you call (``join``, ``msg``...), which all end in ``sendLine``.

Differs from Twisted:

- A malformed line (only a prefix, or bytes that are not UTF-8) is logged and skipped;
  Twisted raises ``ValueError``/``UnicodeDecodeError`` out of ``lineReceived``, which
  drops the connection.
- Numeric replies are translated to names (``"001"`` to ``"RPL_WELCOME"``) only for the
  few in ``_NUMERICS``; any other numeric reaches ``irc_unknown`` as its digits, where
  Twisted passes its RFC 2812 name (``"ERR_CHANOPRIVSNEEDED"`` for ``"482"``).
- Left out: ISUPPORT (``supported``; message splitting assumes Twisted's default
  NICKLEN of 9), MODE parsing, MOTD, WHOIS, DCC, CTCP PING/FINGER/SOURCE/CLIENTINFO
  replies, CTCP replies in NOTICEs (dropped), ``lineRate`` flood control and the heartbeat PING.
"""

import re
import textwrap

from minitwisted.protocols import basic
from minitwisted.python import log

CHANNEL_PREFIXES = "&#!+"
MAX_COMMAND_LENGTH = 512  # bytes in a line, CR LF included (RFC 2812 section 2.3)
X_DELIM = "\x01"  # CTCP messages are wrapped in this byte: "\x01ACTION waves\x01"

# The numeric replies this client handles, by the names Twisted gives them.
_NUMERICS = {
    "001": "RPL_WELCOME",
    "331": "RPL_NOTOPIC",
    "332": "RPL_TOPIC",
    "433": "ERR_NICKNAMEINUSE",
}


class IRCBadMessage(Exception):
    """A line from the server that cannot be parsed as an IRC message."""


def parsemsg(line):
    """Split an IRC line into ``(prefix, command, params)``, as RFC 1459 section 2.3.1 does.

    ``":nick!user@host PRIVMSG #chan :hello there"`` gives
    ``("nick!user@host", "PRIVMSG", ["#chan", "hello there"])``: the prefix is optional
    and the last parameter may contain spaces if it starts with ``:``.
    """
    prefix = ""
    if line.startswith(":"):
        prefix, _, line = line[1:].partition(" ")
    # Everything after the first " :" is one parameter, the "trailing" one.
    middle, found, trailing = line.partition(" :")
    params = middle.split()
    if found:
        params.append(trailing)
    if not params:
        raise IRCBadMessage(f"no command in {line!r}")
    return prefix, params.pop(0), params


def split(text, length=80):
    """Cut ``text`` into lines of at most ``length`` characters, at spaces and newlines."""
    return [chunk for line in text.split("\n") for chunk in textwrap.wrap(line, length)]


def ctcpExtract(message):
    """Return ``{"extended": [(tag, data)...], "normal": [text...]}`` for a CTCP message.

    Text between a pair of ``X_DELIM`` is a CTCP query such as ``ACTION waves``;
    ``data`` is None when the tag has nothing after it.
    """
    pieces = message.split(X_DELIM)
    # Pieces alternate: normal, extended, normal, ...  Empty pieces are dropped.
    normal = [piece for piece in pieces[0::2] if piece]
    extended = []
    for piece in filter(None, pieces[1::2]):
        piece = _unescape(piece, "\\", {"a": X_DELIM})
        tag, _, data = piece.partition(" ")
        extended.append((tag, data if " " in piece else None))
    return {"extended": extended, "normal": normal}


def ctcpStringify(messages):
    """Wrap ``(tag, data)`` pairs as CTCP: ``[("ACTION", "hi")]`` gives ``"\\x01ACTION hi\\x01"``."""
    # Inside CTCP, backslash escapes a delimiter ("\\a") and itself ("\\\\").
    quoted = [(f"{tag} {data}" if data else str(tag)).replace("\\", "\\\\").replace(X_DELIM, "\\a")
              for tag, data in messages]
    return "".join(X_DELIM + text + X_DELIM for text in quoted)


def _unescape(text, escape, table):
    """Replace ``escape`` + char by ``table[char]`` (or by char itself if it is not in table)."""
    return re.sub(re.escape(escape) + ".", lambda m: table.get(m[0][1], m[0][1]), text,
                  flags=re.DOTALL)


class IRCClient(basic.LineReceiver):
    """An IRC client: registers on connect, answers PING, and turns server lines into callbacks.

    Subclass it and override the callbacks (``signedOn``, ``joined``, ``privmsg``...);
    call the commands (``join``, ``msg``, ``quit``...) to act.

    Invariants: ``nickname`` is the nick the server has accepted (it changes on 001 and
    on our own NICK coming back); ``_attemptedNick`` is the one we last asked for.
    """

    nickname = "irc"
    password = None
    realname = None
    username = None
    versionName = None
    versionNum = None
    versionEnv = None
    performLogin = 1
    hostname = None  # the server's name, from the prefix of its RPL_WELCOME
    delimiter = b"\n"  # servers end lines with CR LF; dataReceived drops every CR
    _attemptedNick = ""
    _registered = False

    # --- Connection and parsing ---------------------------------------------------------

    def connectionMade(self):
        if self.performLogin:
            self.register(self.nickname)

    def dataReceived(self, data):
        # Some servers send a bare LF: splitting on LF after removing CR handles both.
        basic.LineReceiver.dataReceived(self, data.replace(b"\r", b""))

    def lineReceived(self, line):
        try:
            text = _unescape(line.decode("utf-8"), "\x10", {"0": "\0", "n": "\n", "r": "\r"})
            prefix, command, params = parsemsg(text)
        except (IRCBadMessage, UnicodeDecodeError) as e:
            # One bad line must not cost the whole connection: log it and read on.
            log.msg(f"IRCClient: skipping malformed line {line!r}: {e}")
            return
        self.handleCommand(_NUMERICS.get(command, command), prefix, params)

    def handleCommand(self, command, prefix, params):
        """Call ``irc_<command>(prefix, params)``, or ``irc_unknown`` if there is none."""
        method = getattr(self, f"irc_{command}", None)
        try:
            if method is not None:
                method(prefix, params)
            else:
                self.irc_unknown(prefix, command, params)
        except Exception:
            # A handler that fails (a PRIVMSG without params, a bug in privmsg) is logged.
            log.err()

    def sendLine(self, line):
        """Send ``line`` (a str) with CR LF, UTF-8 encoded."""
        # CR, LF and NUL inside a line would end or corrupt it on the wire, so they are
        # escaped with ^P ("low-level quoting"), as every IRC client does.
        for char, quoted in (("\x10", "\x10\x10"), ("\0", "\x100"), ("\n", "\x10n"),
                             ("\r", "\x10r")):
            line = line.replace(char, quoted)
        basic.LineReceiver.sendLine(self, line.encode("utf-8") + b"\r")

    # --- Server lines, turned into callbacks -------------------------------------------

    def irc_RPL_WELCOME(self, prefix, params):
        self.hostname = prefix
        self._registered = True
        self.nickname = self._attemptedNick
        self.signedOn()

    def irc_ERR_NICKNAMEINUSE(self, prefix, params):
        self._attemptedNick = self.alterCollidedNick(self._attemptedNick)
        self.setNick(self._attemptedNick)

    def irc_PING(self, prefix, params):
        self.sendLine(f"PONG {params[-1]}")

    def irc_JOIN(self, prefix, params):
        nick = prefix.split("!")[0]
        if nick == self.nickname:
            self.joined(params[-1])
        else:
            self.userJoined(nick, params[-1])

    def irc_PART(self, prefix, params):
        nick = prefix.split("!")[0]
        if nick == self.nickname:
            self.left(params[0])
        else:
            self.userLeft(nick, params[0])

    def irc_QUIT(self, prefix, params):
        self.userQuit(prefix.split("!")[0], params[0])

    def irc_NICK(self, prefix, params):
        nick = prefix.split("!")[0]
        if nick == self.nickname:
            self.nickChanged(params[0])
        else:
            self.userRenamed(nick, params[0])

    def irc_KICK(self, prefix, params):
        kicker = prefix.split("!")[0]
        channel, kicked, message = params[0], params[1], params[-1]
        if kicked.lower() == self.nickname.lower():
            self.kickedFrom(channel, kicker, message)
        else:
            self.userKicked(kicked, channel, kicker, message)

    def irc_TOPIC(self, prefix, params):
        self.topicUpdated(prefix.split("!")[0], params[0], params[1])

    def irc_RPL_TOPIC(self, prefix, params):
        # 332 comes from the server, so "user" is the server's name.
        self.topicUpdated(prefix.split("!")[0], params[1], params[2])

    def irc_RPL_NOTOPIC(self, prefix, params):
        self.topicUpdated(prefix.split("!")[0], params[1], "")

    def irc_PRIVMSG(self, prefix, params):
        message = params[-1]
        if not message:
            return
        if message[0] == X_DELIM:
            parts = ctcpExtract(message)
            if parts["extended"]:
                self.ctcpQuery(prefix, params[0], parts["extended"])
            if not parts["normal"]:
                return
            message = " ".join(parts["normal"])
        self.privmsg(prefix, params[0], message)

    def irc_NOTICE(self, prefix, params):
        message = params[-1]
        if message[0] == X_DELIM:
            # A CTCP reply to one of our queries: this client asks none, so it is dropped.
            message = " ".join(ctcpExtract(message)["normal"])
            if not message:
                return
        self.noticed(prefix, params[0], message)

    def irc_unknown(self, prefix, command, params):
        """Called for a command with no ``irc_<command>`` method; does nothing."""

    # --- CTCP ------------------------------------------------------------------------------

    def ctcpQuery(self, user, channel, messages):
        """Call ``ctcpQuery_<TAG>`` once per distinct tag in a CTCP query."""
        seen = set()
        for tag, data in messages:
            if tag not in seen:
                method = getattr(self, f"ctcpQuery_{tag}", None)
                if method is not None:
                    method(user, channel, data)
                else:
                    log.msg(f"Unknown CTCP query from {user!r}: {tag!r} {data!r}")
            seen.add(tag)

    def ctcpQuery_ACTION(self, user, channel, data):
        self.action(user, channel, data)

    def ctcpQuery_VERSION(self, user, channel, data):
        if self.versionName:
            version = f"{self.versionName}:{self.versionNum or ''}:{self.versionEnv or ''}"
            self.ctcpMakeReply(user.split("!")[0], [("VERSION", version)])

    def ctcpMakeQuery(self, user, messages):
        self.msg(user, ctcpStringify(messages))

    def ctcpMakeReply(self, user, messages):
        # Replies go as NOTICE, which clients never answer automatically: no reply loops.
        self.notice(user, ctcpStringify(messages))

    # --- Callbacks: override these ---------------------------------------------------------

    def signedOn(self):
        """Called when the server has accepted our registration (RPL_WELCOME)."""

    def joined(self, channel):
        """Called when we have joined ``channel``."""

    def left(self, channel):
        """Called when we have left ``channel``."""

    def kickedFrom(self, channel, kicker, message):
        """Called when ``kicker`` has kicked us from ``channel``."""

    def nickChanged(self, nick):
        """Called when the server confirms our new nick."""
        self.nickname = nick

    def privmsg(self, user, channel, message):
        """Called with a message; ``user`` is ``nick!user@host``, ``channel`` may be our nick."""

    def noticed(self, user, channel, message):
        """Called with a notice; never answer one automatically (RFC 2812 section 3.3.2)."""

    def action(self, user, channel, data):
        """Called when ``user`` performs an action (``/me waves``) in ``channel``."""

    def userJoined(self, user, channel):
        """Called when another user (a nick) joins ``channel``."""

    def userLeft(self, user, channel):
        """Called when another user leaves ``channel``."""

    def userQuit(self, user, quitMessage):
        """Called when another user quits the server."""

    def userKicked(self, kickee, channel, kicker, message):
        """Called when another user is kicked from ``channel``."""

    def userRenamed(self, oldname, newname):
        """Called when another user changes nick."""

    def topicUpdated(self, user, channel, newTopic):
        """Called when the topic of ``channel`` is reported or changed."""

    # --- Commands: call these ------------------------------------------------------------

    def register(self, nickname, hostname="foo", servername="bar"):
        """Log in: PASS (if ``password``), NICK, then USER."""
        if self.password is not None:
            self.sendLine(f"PASS {self.password}")
        self.setNick(nickname)
        if self.username is None:
            self.username = nickname
        # realname None is sent as "None", exactly as Twisted does.
        self.sendLine(f"USER {self.username} {hostname} {servername} :{self.realname}")

    def setNick(self, nickname):
        """Ask for a new nick; ``nickname`` changes only when the server agrees."""
        self._attemptedNick = nickname
        self.sendLine(f"NICK {nickname}")

    def alterCollidedNick(self, nickname):
        """Return the nick to try when ``nickname`` is taken: it with ``_`` appended."""
        return nickname + "_"

    def join(self, channel, key=None):
        channel = _withPrefix(channel)
        self.sendLine(f"JOIN {channel} {key}" if key else f"JOIN {channel}")

    def leave(self, channel, reason=None):
        channel = _withPrefix(channel)
        self.sendLine(f"PART {channel} :{reason}" if reason else f"PART {channel}")

    part = leave

    def topic(self, channel, topic=None):
        """Set the topic of ``channel``, or ask for it if ``topic`` is None."""
        channel = _withPrefix(channel)
        self.sendLine(f"TOPIC {channel}" if topic is None else f"TOPIC {channel} :{topic}")

    def msg(self, user, message, length=None):
        """Send ``message`` to a user or channel, split into several lines if it is long."""
        self._sendMessage("PRIVMSG", user, message, length)

    def say(self, channel, message, length=None):
        self.msg(_withPrefix(channel), message, length)

    def notice(self, user, message, length=None):
        self._sendMessage("NOTICE", user, message, length)

    def describe(self, channel, action):
        """Perform ``action`` in ``channel`` (or to a user), as ``/me`` does: a CTCP ACTION."""
        self.ctcpMakeQuery(channel, [("ACTION", action)])

    def quit(self, message=""):
        self.sendLine(f"QUIT :{message}")

    def _sendMessage(self, command, user, message, length):
        start = f"{command} {user} :"
        if length is None:
            # The server relays ":nick!user@host " + our line, so our line must leave
            # room for the longest such prefix: Twisted assumes a 9-character nick, 10 for
            # the user and 63 for the host, and keeps 10 bytes spare.
            relayed = f":{'a' * 9}!{'b' * 10}@{'c' * 63} {start}"
            length = MAX_COMMAND_LENGTH - len(relayed) - 10
        overhead = len(start) + 2  # the command, and CR LF
        if length <= overhead:
            raise ValueError(f"Maximum length must exceed {overhead} for message to {user}")
        for line in split(message, length - overhead):
            self.sendLine(start + line)


def _withPrefix(channel):
    """``"foo"`` becomes ``"#foo"``; a name that already has a channel prefix is kept."""
    return channel if channel[0] in CHANNEL_PREFIXES else "#" + channel
