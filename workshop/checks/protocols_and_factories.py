"""Checks for the exercises of ``solutions/05_protocols_and_factories.ipynb``: state, lines, a bot.

Mirrors ``twisted.internet.protocol.Factory`` as the home of shared state
(``ex05_shared_state``), ``twisted.protocols.basic.LineReceiver.dataReceived``
(``ex05_line_receiver``) and a bot built on ``twisted.words.protocols.irc.IRCClient``
(``ex05_irc_command``).
The lesson is ``notebooks/05_protocols_and_factories.ipynb``.  Tests:
``tests/workshop/test_grade.py``.

No check opens a socket: each connects the learner's protocol to minitwisted's
``StringTransport``, feeds it bytes as the network would (lines cut anywhere, several
in one chunk; for the bot, the lines an IRC server sends) and reads what it wrote,
as ``notebooks/06_testing_with_trial.ipynb`` teaches.
"""

from minitwisted.internet.testing import StringTransport

from workshop.checks import exercise, expect

NOTEBOOK = "05_protocols_and_factories.ipynb"

shared = exercise("ex05_shared_state", "Shared state lives in the factory", NOTEBOOK)
lines = exercise("ex05_line_receiver",
                 "A LineReceiver: lines split across chunks, packed into one, and too long",
                 NOTEBOOK)
bot = exercise("ex05_irc_command", "An IRC bot command: answer !echo in a channel", NOTEBOOK)


# --- ex05_shared_state -------------------------------------------------------------------------


def _visit(factory):
    """What the reactor does for a new connection: buildProtocol, then makeConnection."""
    protocol = factory.buildProtocol(None)
    protocol.makeConnection(StringTransport())
    return protocol


def _greeting(protocol):
    return protocol.transport.value().decode().strip()


@shared.check("each visitor is greeted with the next number",
              "a protocol is built anew for every connection, so a count on self always says "
              "1: count in the factory, self.factory.visitors, which all connections share")
def _numbers_visitors(learner):
    factory = learner.get("GreeterFactory")()
    got = [_greeting(_visit(factory)) for _ in range(3)]
    want = ["you are visitor %d; %d here now" % (n, n) for n in (1, 2, 3)]
    expect(got == want, "three visitors in a row were greeted %r, not %r" % (got, want))


@shared.check("a visitor who has left is no longer counted as here",
              "connectionLost runs once when a connection ends: take self out of "
              "self.factory.here there")
def _forgets_who_left(learner):
    factory = learner.get("GreeterFactory")()
    first = _visit(factory)
    _visit(factory)  # a second visitor, who stays
    first.connectionLost(None)
    got = _greeting(_visit(factory))
    expect(got == "you are visitor 3; 2 here now", "after visitor 1 of 2 left, the next was "
           "greeted %r, not 'you are visitor 3; 2 here now'" % (got,))


@shared.check("two factories, as for two ports, count separately",
              "keep the counts on the factory instance (self.factory...), not on a class: "
              "every port has a factory of its own", hidden=True)
def _factories_apart(learner):
    cls = learner.get("GreeterFactory")
    first, second = cls(), cls()
    _visit(first)
    _visit(first)
    got = _greeting(_visit(second))
    expect(got == "you are visitor 1; 1 here now", "after two visitors on one factory, the "
           "first visitor of another was greeted %r" % (got,))


# --- ex05_line_receiver ------------------------------------------------------------------------


def _receiver(learner, max_length=None, delimiter=None):
    """A connected instance of a subclass of the learner's class that records what it gets."""
    base = learner.get("TinyLineReceiver")
    attributes = {}
    if max_length is not None:
        attributes["MAX_LENGTH"] = max_length
    if delimiter is not None:
        attributes["delimiter"] = delimiter

    def lineReceived(self, line):
        self.lines.append(line)

    def lineLengthExceeded(self, line):
        self.exceeded.append(line)
        return base.lineLengthExceeded(self, line)

    attributes.update(lineReceived=lineReceived, lineLengthExceeded=lineLengthExceeded)
    cls = type("Collect", (base,), attributes)
    protocol = cls()
    protocol.lines, protocol.exceeded = [], []
    protocol.makeConnection(StringTransport())
    return protocol


def _feed(protocol, *chunks):
    for chunk in chunks:
        protocol.dataReceived(chunk)
    return protocol.lines


@lines.check("a line cut across chunks is delivered whole, once",
             "dataReceived can get half a line: do you buffer? Add data to self.buffer and "
             "cut only complete lines off its front; keep the tail for the next chunk")
def _split_across_chunks(learner):
    got = _feed(_receiver(learner), b"he", b"llo\r\nwor", b"ld\r\n")
    expect(got == [b"hello", b"world"], "chunks b'he', b'llo\\r\\nwor', b'ld\\r\\n' gave the "
           "lines %r, not [b'hello', b'world']" % (got,))


@lines.check("several lines packed into one chunk are each delivered, in order",
             "one chunk can hold many lines: loop while the buffer holds a delimiter, and "
             "call lineReceived once per line")
def _packed_in_one_chunk(learner):
    got = _feed(_receiver(learner), b"a\r\nb\r\nc\r\n")
    expect(got == [b"a", b"b", b"c"], "one chunk b'a\\r\\nb\\r\\nc\\r\\n' gave the lines %r"
           % (got,))


@lines.check("no line is delivered before its delimiter, even a delimiter cut in two",
             "keep the unfinished tail in self.buffer; look for the whole delimiter "
             "(self.delimiter, b'\\r\\n'), not for a part of it")
def _waits_for_delimiter(learner):
    protocol = _receiver(learner)
    got = _feed(protocol, b"half a lin")
    expect(got == [], "b'half a lin', without a delimiter, gave the lines %r" % (got,))
    protocol = _receiver(learner)
    got = _feed(protocol, b"split\r")
    expect(got == [], "b'split\\r' gave the lines %r before its b'\\n' came" % (got,))
    got = _feed(protocol, b"\n")
    expect(got == [b"split"], "b'split\\r' then b'\\n' gave the lines %r" % (got,))


@lines.check("a line longer than MAX_LENGTH goes to lineLengthExceeded, not lineReceived",
             "compare len(line) with self.MAX_LENGTH before calling lineReceived; a longer "
             "line goes to self.lineLengthExceeded(...), which hangs up")
def _too_long_refused(learner):
    protocol = _receiver(learner, max_length=10)
    got = _feed(protocol, b"x" * 11 + b"\r\n")
    expect(got == [], "with MAX_LENGTH 10, an 11-byte line was delivered")
    expect(len(protocol.exceeded) == 1, "with MAX_LENGTH 10, an 11-byte line called "
           "lineLengthExceeded %d times, not once" % len(protocol.exceeded))
    expect(protocol.transport.disconnecting, "after lineLengthExceeded the connection is "
           "not closing")


@lines.check("a line of exactly MAX_LENGTH bytes is delivered, even with its delimiter cut "
             "in two",
             "MAX_LENGTH is the longest legal line, its delimiter not counted: a buffer "
             "of MAX_LENGTH bytes and half a delimiter may still become a legal line",
             hidden=True)
def _max_length_is_legal(learner):
    protocol = _receiver(learner, max_length=10)
    got = _feed(protocol, b"y" * 10 + b"\r", b"\n", b"z" * 10 + b"\r\n")
    expect(got == [b"y" * 10, b"z" * 10] and not protocol.exceeded,
           "with MAX_LENGTH 10, two 10-byte lines gave the lines %r and %d calls to "
           "lineLengthExceeded" % (got, len(protocol.exceeded)))


@lines.check("an endless line with no delimiter is refused before it fills the memory",
             "while no delimiter has come, the buffer must not grow past MAX_LENGTH plus "
             "the delimiter: call lineLengthExceeded as soon as it is longer, or a peer can "
             "send gigabytes without one", hidden=True)
def _endless_line_refused(learner):
    protocol = _receiver(learner, max_length=50)
    for _ in range(100):
        protocol.dataReceived(b"x" * 10)
        if protocol.exceeded:
            break
    expect(protocol.exceeded, "with MAX_LENGTH 50, 1000 bytes without a delimiter never "
           "called lineLengthExceeded")
    expect(protocol.lines == [], "an endless line was delivered")


@lines.check("after a line that is too long, the lines behind it are not delivered",
             "lineLengthExceeded hangs up: empty self.buffer and return, instead of reading "
             "on into the lines that follow", hidden=True)
def _nothing_after_too_long(learner):
    protocol = _receiver(learner, max_length=10)
    got = _feed(protocol, b"x" * 20 + b"\r\nafter\r\n")
    expect(got == [], "the line after a too-long one was delivered: %r" % (got,))


@lines.check("an empty line between two delimiters is still a line",
             "b'' between two delimiters is a line too (HTTP ends its headers with one): "
             "deliver it, do not skip it", hidden=True)
def _empty_line(learner):
    got = _feed(_receiver(learner), b"a\r\n\r\nb\r\n")
    expect(got == [b"a", b"", b"b"], "b'a\\r\\n\\r\\nb\\r\\n' gave the lines %r, not "
           "[b'a', b'', b'b']" % (got,))


@lines.check("a subclass may change the delimiter",
             "use self.delimiter everywhere, never b'\\r\\n' written out: subclasses change "
             "it (IRCClient splits on b'\\n')", hidden=True)
def _own_delimiter(learner):
    got = _feed(_receiver(learner, delimiter=b"\n"), b"one\ntw", b"o\n")
    expect(got == [b"one", b"two"], "with delimiter b'\\n', b'one\\ntw' and b'o\\n' gave %r"
           % (got,))


# --- ex05_irc_command --------------------------------------------------------------------------


SERVER = "irc.minitwisted.test"


def _unguarded(cls):
    """``cls`` whose ``handleCommand`` lets errors out.

    ``IRCClient.handleCommand`` logs an exception from a handler and reads on, as a bot
    should; a check needs the exception itself (``NotImplementedError`` means "not done
    yet"), and no traceback printed in the learner's notebook.
    """
    def handleCommand(self, command, prefix, params):
        method = getattr(self, "irc_%s" % command, None)
        if method is not None:
            method(prefix, params)
        else:
            self.irc_unknown(prefix, command, params)

    return type(cls.__name__, (cls,), {"handleCommand": handleCommand})


def _bot(learner, channel="#workshop"):
    """The learner's bot, connected to a StringTransport; returns ``(bot, transport)``."""
    bot = _unguarded(learner.get("EchoBot"))(channel)
    transport = StringTransport()
    bot.makeConnection(transport)
    return bot, transport


def _signed_on(learner):
    """A bot that the server has welcomed and that is in #workshop; its transport is cleared."""
    bot, transport = _bot(learner)
    nick = bot.nickname
    _server(bot, ":%s 001 %s :Welcome to the minitwisted IRC network %s" % (SERVER, nick, nick),
            ":%s!%s@127.0.0.1 JOIN :#workshop" % (nick, nick))
    transport.clear()
    return bot, transport


def _server(bot, *server_lines):
    for line in server_lines:
        bot.dataReceived(line.encode() + b"\r\n")


def _written(transport):
    return [line for line in transport.value().decode().split("\r\n") if line]


@bot.check("after the server's welcome (001), the bot joins its channel",
           "signedOn is called once the server has welcomed you: call "
           "self.join(self.channel) there")
def _joins_on_welcome(learner):
    bot, transport = _bot(learner)
    transport.clear()
    _server(bot, ":%s 001 %s :Welcome" % (SERVER, bot.nickname))
    got = _written(transport)
    expect(got == ["JOIN #workshop"], "after the welcome the bot wrote %r, not "
           "['JOIN #workshop']" % (got,))


@bot.check("'!echo some words' in the channel is answered '<nick>: some words', in the channel",
           "privmsg gets user as nick!user@host: keep the part before '!'; the text is what "
           "follows '!echo '; answer with self.msg(channel, ...)")
def _echoes_in_channel(learner):
    bot, transport = _signed_on(learner)
    _server(bot, ":alice!alice@127.0.0.1 PRIVMSG #workshop :!echo hello there")
    got = _written(transport)
    expect(got == ["PRIVMSG #workshop :alice: hello there"], "alice said '!echo hello there' "
           "in #workshop; the bot wrote %r" % (got,))


@bot.check("messages that are not the command get no answer",
           "answer only when the message's first word is exactly '!echo': compare that "
           "word, do not search the whole message")
def _ignores_the_rest(learner):
    bot, transport = _signed_on(learner)
    for said in ("hello everyone", "I typed !echo by mistake", "!echoes are fun", "!hello"):
        _server(bot, ":alice!alice@127.0.0.1 PRIVMSG #workshop :" + said)
        got = _written(transport)
        expect(got == [], "alice said %r; the bot answered %r" % (said, got))


@bot.check("a private message is answered to its sender, not to the bot itself",
           "in a private message, channel is your own nickname (self.nickname): answer to "
           "the sender's nick instead", hidden=True)
def _private_message(learner):
    bot, transport = _signed_on(learner)
    _server(bot, ":bob!bob@127.0.0.1 PRIVMSG %s :!echo psst" % bot.nickname)
    got = _written(transport)
    expect(got == ["PRIVMSG bob :bob: psst"], "bob sent the bot '!echo psst' privately; the "
           "bot wrote %r" % (got,))


@bot.check("'!echo' with nothing after it is answered '<nick>: echo what?'",
           "with nothing after the command the text is empty: say 'echo what?' rather than "
           "send an empty answer", hidden=True)
def _echo_what(learner):
    bot, transport = _signed_on(learner)
    _server(bot, ":carol!carol@127.0.0.1 PRIVMSG #workshop :!echo")
    got = _written(transport)
    expect(got == ["PRIVMSG #workshop :carol: echo what?"], "carol said '!echo'; the bot "
           "wrote %r" % (got,))


@bot.check("the answer goes to the channel the command was said in",
           "answer in channel, the argument privmsg got, not in self.channel: a bot can sit "
           "in several channels", hidden=True)
def _answers_where_asked(learner):
    bot, transport = _signed_on(learner)
    _server(bot, ":%s!%s@127.0.0.1 JOIN :#other" % (bot.nickname, bot.nickname))
    transport.clear()
    _server(bot, ":dave!~dave@example.org PRIVMSG #other :!echo over here")
    got = _written(transport)
    expect(got == ["PRIVMSG #other :dave: over here"], "dave said '!echo over here' in "
           "#other; the bot wrote %r" % (got,))
