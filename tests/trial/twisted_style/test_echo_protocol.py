"""A line-based bot tested with a StringTransport, as a Twisted user writes it.

Run by ``tests/trial/test_twisted_style.py`` under real trial, and again under
``python -m minitwisted.trial`` with ``twisted`` renamed ``minitwisted`` in the imports.
"""

from twisted.internet import protocol
from twisted.internet.testing import StringTransport
from twisted.protocols import basic
from twisted.trial import unittest


class EchoBot(basic.LineReceiver):
    """Greets whoever joins a channel and echoes ``!echo`` messages back to the channel."""

    def connectionMade(self):
        self.sendLine(b"NICK " + self.factory.nickname)

    def lineReceived(self, line):
        if line == b"QUIT":
            self.transport.loseConnection()
            return
        # ":bob JOIN #foo" -> prefix "bob", command "JOIN", argument "#foo".
        prefix, command, rest = line.split(b" ", 2)
        who = prefix.lstrip(b":")
        if command == b"JOIN":
            self.sendLine(b"PRIVMSG " + rest + b" :hello " + who)
        elif command == b"PRIVMSG":
            channel, text = rest.split(b" :", 1)
            if text.startswith(b"!echo "):
                self.sendLine(b"PRIVMSG " + channel + b" :" + text[len(b"!echo "):])


class EchoBotFactory(protocol.Factory):
    protocol = EchoBot

    def __init__(self, nickname):
        self.nickname = nickname


class EchoBotTests(unittest.TestCase):
    def setUp(self):
        self.transport = StringTransport()
        self.bot = EchoBotFactory(b"echobot").buildProtocol(("127.0.0.1", 6667))
        self.bot.makeConnection(self.transport)
        self.transport.clear()

    def test_connectingSendsNick(self):
        """The bot sends its nickname as soon as it is connected."""
        transport = StringTransport()
        bot = EchoBotFactory(b"otherbot").buildProtocol(("127.0.0.1", 6667))
        bot.makeConnection(transport)
        self.assertEqual(transport.value(), b"NICK otherbot\r\n")

    def test_joinIsGreeted(self):
        """Someone joining a channel is greeted there by name."""
        self.bot.dataReceived(b":bob JOIN #foo\r\n")
        self.assertEqual(self.transport.value(), b"PRIVMSG #foo :hello bob\r\n")

    def test_echoCommandIsEchoed(self):
        """A ``!echo`` message is repeated to the channel it came from."""
        self.bot.dataReceived(b":bob PRIVMSG #foo :!echo hi there\r\n")
        self.assertEqual(self.transport.value(), b"PRIVMSG #foo :hi there\r\n")

    def test_otherMessagesAreIgnored(self):
        """A message without ``!echo`` gets no answer."""
        self.bot.dataReceived(b":bob PRIVMSG #foo :just chatting\r\n")
        self.assertEqual(self.transport.value(), b"")

    def test_lineSplitAcrossReadsIsBuffered(self):
        """Half a line waits in the buffer until the rest arrives."""
        self.bot.dataReceived(b":bob JO")
        self.assertEqual(self.transport.value(), b"")
        self.bot.dataReceived(b"IN #foo\r\n:amy JOIN #bar\r\n")
        self.assertEqual(self.transport.value(),
                         b"PRIVMSG #foo :hello bob\r\nPRIVMSG #bar :hello amy\r\n")

    def test_quitLosesTheConnection(self):
        """QUIT makes the bot close its transport."""
        self.assertFalse(self.transport.disconnecting)
        self.bot.dataReceived(b"QUIT\r\n")
        self.assertTrue(self.transport.disconnecting)

    def test_greetingNamesTheWrongPerson(self):
        """Fails on purpose: the bot greets bob, the test expects alice."""
        self.bot.dataReceived(b":bob JOIN #foo\r\n")
        self.assertEqual(self.transport.value(), b"PRIVMSG #foo :hello alice\r\n")

    def test_malformedLineIsAnError(self):
        """Errors on purpose: a line with no command makes lineReceived raise ValueError."""
        self.bot.dataReceived(b"garbage\r\n")
