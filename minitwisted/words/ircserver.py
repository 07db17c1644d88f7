"""A small IRC server: nicks, channels, messages and the replies clients need to sign on.

Twisted has no small IRC server to mirror (``twisted.words.service`` is a whole chat
service with avatars and realms), so this module is the workshop's own teaching
material: one ``LineReceiver`` per client and a factory holding the shared state.  It is
used in ``notebooks/05_protocols_and_factories.ipynb`` and tested by
``tests/words/test_ircserver.py`` with our ``IRCClient``, Twisted's ``IRCClient`` and
plain sockets.

It speaks enough of RFC 2812 for ordinary clients: NICK, USER, JOIN, PART, PRIVMSG,
NOTICE, TOPIC, NAMES, PING/PONG and QUIT, with replies 001-004 on registration, 331/332
(topic), 353/366 (names) and the errors 401, 403, 404, 411, 412, 421, 431, 432, 433,
442, 451, 461 and 462.  There are no modes, operators, passwords or server links.
"""

import re

from minitwisted.internet import protocol
from minitwisted.protocols import basic
from minitwisted.python import log
from minitwisted.words.protocols.irc import IRCBadMessage, parsemsg

VALID_NICK = re.compile(r"[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]{0,29}\Z")
CHANNEL_PREFIXES = "#&"
# Before registration only these commands make sense; anything else gets 451.
UNREGISTERED_COMMANDS = {"NICK", "USER", "PASS", "PING", "PONG", "QUIT"}


class Channel:
    """A channel: its name as first spelled, its topic ("" if none) and its members."""

    def __init__(self, name):
        self.name = name
        self.topic = ""
        self.members = []  # IRCServerProtocol instances, in the order they joined


class IRCServerProtocol(basic.LineReceiver):
    """One client connection: parses its lines and calls ``irc_<COMMAND>`` for each.

    Invariants: ``nickname`` is None until a valid, free NICK; the client is
    ``registered`` once it has given both NICK and USER, and from then on it is in
    ``factory.users`` under its lower-cased nick; ``channels`` holds exactly the
    ``Channel`` objects that list it as a member.
    """

    delimiter = b"\n"  # RFC 2812 says CR LF; some clients send LF alone, so CR is stripped
    MAX_LENGTH = 512  # RFC 2812 section 2.3: a message is at most 512 bytes, CR LF included

    nickname = None
    username = None
    registered = False

    def connectionMade(self):
        self.channels = []
        self.host = self.transport.getPeer().host
        self.quitMessage = "Connection closed"

    def connectionLost(self, reason):
        if self.registered:
            self.factory.users.pop(self.nickname.lower(), None)
            self._sendToPeers(self.prefix(), "QUIT", self.quitMessage)
        for channel in list(self.channels):
            self._removeFrom(channel)

    # --- Reading ------------------------------------------------------------------------

    def lineReceived(self, line):
        # A client that sends bytes that are not UTF-8 still gets its command handled.
        text = line.rstrip(b"\r").decode("utf-8", errors="replace")
        if not text.strip():
            return  # RFC 2812 section 2.3.1: empty messages are silently ignored
        try:
            prefix, command, params = parsemsg(text)
        except IRCBadMessage:
            log.msg(f"IRC server: ignoring malformed line {line!r} from {self.host}")
            return
        command = command.upper()
        if not self.registered and command not in UNREGISTERED_COMMANDS:
            return self.reply("451", "You have not registered")
        method = getattr(self, f"irc_{command}", None)
        if method is None:
            return self.reply("421", command, "Unknown command")
        method(params)

    def lineLengthExceeded(self, line):
        self.sendMessage("ERROR", "Closing Link: line too long", prefix=None)
        self.transport.loseConnection()

    # --- Writing ------------------------------------------------------------------------

    def sendMessage(self, command, *params, prefix=""):
        """Send one message; ``prefix`` defaults to the server's name, None sends none.

        The last parameter always goes as "trailing" (after ``:``) so it may hold spaces.
        """
        prefix = self.factory.name if prefix == "" else prefix
        words = ([f":{prefix}"] if prefix else []) + [command] + list(params)
        if len(words) > 1 + bool(prefix):
            words[-1] = ":" + words[-1]
        self.sendLine(" ".join(words).encode("utf-8") + b"\r")

    def reply(self, numeric, *params):
        """Send a numeric reply, addressed to our nick (or "*" before we have one)."""
        self.sendMessage(numeric, self.nickname or "*", *params)

    def prefix(self):
        """``nick!user@host``: who a message from this client comes from."""
        return f"{self.nickname}!{self.username}@{self.host}"

    def _sendToPeers(self, prefix, command, *params):
        """Send a message once to every other member of every channel we are in."""
        peers = {member for channel in self.channels for member in channel.members} - {self}
        for peer in peers:
            peer.sendMessage(command, *params, prefix=prefix)

    def _needs(self, params, count, command):
        """Return True if ``params`` has ``count`` items; otherwise send 461 and return False."""
        if len(params) >= count:
            return True
        self.reply("461", command, "Not enough parameters")
        return False

    # --- Registration -------------------------------------------------------------------

    def irc_NICK(self, params):
        if not params:
            return self.reply("431", "No nickname given")
        nick = params[0]
        if not VALID_NICK.match(nick):
            return self.reply("432", nick, "Erroneous nickname")
        owner = self.factory.users.get(nick.lower())
        if owner is not None and owner is not self:
            return self.reply("433", nick, "Nickname is already in use")
        if not self.registered:
            self.nickname = nick
            return self._tryToRegister()
        # A rename: everyone who shares a channel with us sees it, and so do we.
        old = self.prefix()
        del self.factory.users[self.nickname.lower()]
        self.factory.users[nick.lower()] = self
        self._sendToPeers(old, "NICK", nick)
        self.sendMessage("NICK", nick, prefix=old)
        self.nickname = nick

    def irc_USER(self, params):
        if self.registered:
            return self.reply("462", "You may not reregister")
        if self._needs(params, 4, "USER"):
            self.username = params[0]
            self._tryToRegister()

    def irc_PASS(self, params):
        """Accepted and ignored: this server has no passwords."""

    def _tryToRegister(self):
        # The nick was free when NICK came, but another client may have taken it since.
        if self.nickname is None or self.username is None:
            return
        if self.nickname.lower() in self.factory.users:
            nick, self.nickname = self.nickname, None
            return self.reply("433", nick, "Nickname is already in use")
        self.registered = True
        self.factory.users[self.nickname.lower()] = self
        name = self.factory.name
        self.reply("001", f"Welcome to the minitwisted IRC network {self.prefix()}")
        self.reply("002", f"Your host is {name}, running minitwisted")
        self.reply("003", "This server was created for the workshop")
        self.reply("004", name, "minitwisted", "o", "o")

    # --- Channels -----------------------------------------------------------------------

    def irc_JOIN(self, params):
        if not self._needs(params, 1, "JOIN"):
            return
        for name in params[0].split(","):
            if name[:1] not in CHANNEL_PREFIXES or not VALID_NICK.match(name[1:] or "-"):
                self.reply("403", name, "No such channel")
                continue
            channel = self.factory.channels.setdefault(name.lower(), Channel(name))
            if self in channel.members:
                continue
            channel.members.append(self)
            self.channels.append(channel)
            for member in channel.members:
                member.sendMessage("JOIN", channel.name, prefix=self.prefix())
            if channel.topic:
                self.reply("332", channel.name, channel.topic)
            self._sendNames(channel)
            self.reply("366", channel.name, "End of /NAMES list")

    def irc_PART(self, params):
        if not self._needs(params, 1, "PART"):
            return
        for name in params[0].split(","):
            channel = self._myChannel(name)
            if channel is not None:
                extra = params[1:2]  # the reason, if one was given
                for member in channel.members:
                    member.sendMessage("PART", channel.name, *extra, prefix=self.prefix())
                self._removeFrom(channel)

    def irc_TOPIC(self, params):
        if not self._needs(params, 1, "TOPIC"):
            return
        channel = self._myChannel(params[0])
        if channel is None:
            return
        if len(params) == 1:
            if channel.topic:
                return self.reply("332", channel.name, channel.topic)
            return self.reply("331", channel.name, "No topic is set")
        channel.topic = params[1]
        for member in channel.members:
            member.sendMessage("TOPIC", channel.name, channel.topic, prefix=self.prefix())

    def irc_NAMES(self, params):
        if not params:
            for channel in self.factory.channels.values():
                self._sendNames(channel)
            return self.reply("366", "*", "End of /NAMES list")
        for name in params[0].split(","):
            channel = self.factory.channels.get(name.lower())
            if channel is not None:
                self._sendNames(channel)
            self.reply("366", name, "End of /NAMES list")

    def _sendNames(self, channel):
        # "=" marks a public channel, the only kind this server has.
        names = " ".join(member.nickname for member in channel.members)
        self.reply("353", "=", channel.name, names)

    def _myChannel(self, name):
        """Return the channel called ``name`` if we are in it; otherwise send 403 or 442."""
        channel = self.factory.channels.get(name.lower())
        if channel is None:
            self.reply("403", name, "No such channel")
        elif self not in channel.members:
            self.reply("442", channel.name, "You're not on that channel")
        else:
            return channel
        return None

    def _removeFrom(self, channel):
        channel.members.remove(self)
        self.channels.remove(channel)
        if not channel.members:  # an empty channel disappears, topic and all
            del self.factory.channels[channel.name.lower()]

    # --- Messages -----------------------------------------------------------------------

    def irc_PRIVMSG(self, params, command="PRIVMSG"):
        # RFC 2812 section 3.3.2: a NOTICE never gets an error reply, to avoid loops.
        complain = self.reply if command == "PRIVMSG" else lambda *args: None
        if not params:
            return complain("411", f"No recipient given ({command})")
        if len(params) < 2 or not params[1]:
            return complain("412", "No text to send")
        target, text = params[0], params[1]
        if target[:1] in CHANNEL_PREFIXES:
            channel = self.factory.channels.get(target.lower())
            if channel is None:
                return complain("403", target, "No such channel")
            if self not in channel.members:
                return complain("404", channel.name, "Cannot send to channel")
            for member in channel.members:
                if member is not self:
                    member.sendMessage(command, channel.name, text, prefix=self.prefix())
            return
        user = self.factory.users.get(target.lower())
        if user is None:
            return complain("401", target, "No such nick/channel")
        user.sendMessage(command, user.nickname, text, prefix=self.prefix())

    def irc_NOTICE(self, params):
        self.irc_PRIVMSG(params, command="NOTICE")

    # --- Keeping alive and leaving ------------------------------------------------------

    def irc_PING(self, params):
        if not params:
            return self.reply("409", "No origin specified")
        self.sendMessage("PONG", self.factory.name, params[-1])

    def irc_PONG(self, params):
        """Answers to our PINGs; this server sends none, so there is nothing to check."""

    def irc_QUIT(self, params):
        if params and params[0]:
            self.quitMessage = f"Quit: {params[0]}"
        else:
            self.quitMessage = "Quit"
        self.sendMessage("ERROR", f"Closing Link: {self.host} ({self.quitMessage})", prefix=None)
        # connectionLost tells the others, whether the client quit or just vanished.
        self.transport.loseConnection()


class IRCServerFactory(protocol.Factory):
    """Holds what all connections share: registered users and channels, by lower-cased name."""

    protocol = IRCServerProtocol

    def __init__(self, name="irc.minitwisted.test"):
        self.name = name
        self.users = {}  # lower-cased nick -> IRCServerProtocol, registered clients only
        self.channels = {}  # lower-cased name -> Channel, only while it has members
