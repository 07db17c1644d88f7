"""Tests for minitwisted.protocols.basic, side by side with real Twisted.

Most tests take the ``impl`` fixture and run once on minitwisted and once on Twisted
26.10, each with its own ``StringTransport``: the same chunks in must give the same
lines or strings out, the same bytes written and the same disconnection state.  Tests
that pin a deliberate difference say so in their docstring and run on both to show
it.  The last section feeds random byte streams, cut into random chunks, to both
implementations at once and compares everything after every chunk.
"""

import struct
import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def _namespace(name):
    if name == "minitwisted":
        from minitwisted.internet import testing
        from minitwisted.protocols import basic
    else:
        from twisted.internet import testing
        from twisted.protocols import basic
    return types.SimpleNamespace(name=name, basic=basic, testing=testing)


@pytest.fixture(params=["minitwisted", "twisted"])
def impl(request):
    """The implementation under test: ours, then the oracle."""
    return _namespace(request.param)


def connect(impl, base, transport=None, **attributes):
    """Return a connected protocol that records what it receives in ``received``.

    The protocol subclasses ``impl.basic.<base>``; ``attributes`` override class
    attributes or methods (``MAX_LENGTH=10``, ``lineReceived=...``).  Raw data is
    recorded as ``("raw", data)``, exceeded lines as ``("exceeded", line)``.
    """

    class Recorder(getattr(impl.basic, base)):
        def lineReceived(self, line):
            self.received.append(line)

        def rawDataReceived(self, data):
            self.received.append(("raw", data))

        def stringReceived(self, string):
            self.received.append(string)

    for name, value in attributes.items():
        setattr(Recorder, name, value)
    protocol = Recorder()
    protocol.received = []
    if transport is None:
        transport = impl.testing.StringTransport()
    if isinstance(transport, impl.testing.StringTransportWithDisconnection):
        transport.protocol = protocol
    protocol.makeConnection(transport)
    return protocol


def feed(protocol, *chunks):
    """Deliver each chunk with ``dataReceived``; return the last call's return value."""
    result = None
    for chunk in chunks:
        result = protocol.dataReceived(chunk)
    return result


def recordExceeded(self, line):
    """A ``lineLengthExceeded`` that records the line and keeps the connection."""
    self.received.append(("exceeded", line))


def recordingTransport(impl):
    """Return a StringTransport that also lists its write and writeSequence calls."""

    class RecordingTransport(impl.testing.StringTransport):
        def __init__(self):
            super().__init__()
            self.calls = []

        def write(self, data):
            self.calls.append(("write", data))
            super().write(data)

        def writeSequence(self, data):
            self.calls.append(("writeSequence", list(data)))
            super().writeSequence(data)

        def loseConnection(self):
            self.calls.append(("loseConnection",))
            super().loseConnection()

    return RecordingTransport()


# --- LineReceiver: lines ---------------------------------------------------------------


def test_lineReceiverDeliversEachLine(impl):
    """Each delimited line reaches lineReceived without its delimiter."""
    protocol = connect(impl, "LineReceiver")
    feed(protocol, b"hello\r\nworld\r\n")
    assert protocol.received == [b"hello", b"world"]


def test_partialLineWaitsForItsDelimiter(impl):
    """A line without its delimiter yet is kept until the delimiter arrives."""
    protocol = connect(impl, "LineReceiver")
    feed(protocol, b"hel")
    assert protocol.received == []
    feed(protocol, b"lo\r\n")
    assert protocol.received == [b"hello"]


def test_delimiterSplitAcrossChunksIsFound(impl):
    """A delimiter cut in two by chunk boundaries still ends the line."""
    protocol = connect(impl, "LineReceiver")
    feed(protocol, b"hel", b"lo\r", b"\nwor", b"ld\r\n\r\n")
    assert protocol.received == [b"hello", b"world", b""]


def test_bareNewlineIsNotADelimiter(impl):
    """With the default delimiter a lone newline is part of the line."""
    protocol = connect(impl, "LineReceiver")
    feed(protocol, b"a\nb\r\n")
    assert protocol.received == [b"a\nb"]


def test_delimiterCanBeChanged(impl):
    """A subclass with delimiter b'\\n' splits on newlines."""
    protocol = connect(impl, "LineReceiver", delimiter=b"\n")
    feed(protocol, b"one\ntwo\r\n")
    assert protocol.received == [b"one", b"two\r"]


def test_lineReceiverDefaults(impl):
    """The delimiter is CRLF, MAX_LENGTH is 16384, and line mode is on."""
    receiver = impl.basic.LineReceiver
    assert (receiver.delimiter, receiver.MAX_LENGTH, receiver.line_mode) == (b"\r\n", 16384, 1)


def test_sendLineWritesLineAndDelimiterInOneWrite(impl):
    """sendLine makes a single write call of the line followed by the delimiter."""
    transport = recordingTransport(impl)
    protocol = connect(impl, "LineReceiver", transport)
    protocol.sendLine(b"hello")
    assert transport.calls == [("write", b"hello\r\n")]


def test_unimplementedLineReceivedRaises(impl):
    """The base class's lineReceived raises NotImplementedError."""
    protocol = impl.basic.LineReceiver()
    protocol.makeConnection(impl.testing.StringTransport())
    with pytest.raises(NotImplementedError):
        protocol.dataReceived(b"x\r\n")


def test_lineReceiverWorksWithoutTransport(impl):
    """Lines are delivered even before makeConnection set a transport."""
    protocol = impl.basic.LineReceiver()
    protocol.received = []
    protocol.lineReceived = protocol.received.append
    protocol.dataReceived(b"a\r\nb\r\n")
    assert protocol.received == [b"a", b"b"]


# --- LineReceiver: MAX_LENGTH ----------------------------------------------------------


def test_lineOfExactlyMaxLengthIsDelivered(impl):
    """A line of MAX_LENGTH bytes is still accepted."""
    protocol = connect(impl, "LineReceiver", MAX_LENGTH=10)
    feed(protocol, b"0123456789\r\n")
    assert protocol.received == [b"0123456789"]
    assert not protocol.transport.disconnecting


def test_lineLongerThanMaxLengthDisconnects(impl):
    """By default a too-long line closes the connection with loseConnection."""
    protocol = connect(impl, "LineReceiver", MAX_LENGTH=10)
    feed(protocol, b"0123456789A\r\n")
    assert protocol.received == []
    assert protocol.transport.disconnecting


def test_lineLengthExceededGetsTheWholeRestOfTheBuffer(impl):
    """lineLengthExceeded receives the long line, its delimiter and every byte after it."""
    protocol = connect(impl, "LineReceiver", MAX_LENGTH=10, lineLengthExceeded=recordExceeded)
    feed(protocol, b"ok\r\n0123456789ABC\r\nafter\r\n")
    assert protocol.received == [b"ok", ("exceeded", b"0123456789ABC\r\nafter\r\n")]
    assert protocol.clearLineBuffer() == b""


def test_withoutDelimiterExceededOnlyAtMaxLengthPlusDelimiter(impl):
    """With no delimiter yet, the limit is reached at MAX_LENGTH + len(delimiter) bytes."""
    protocol = connect(impl, "LineReceiver", MAX_LENGTH=10, lineLengthExceeded=recordExceeded)
    feed(protocol, b"0123456789A")
    assert protocol.received == []
    feed(protocol, b"B")
    assert protocol.received == [("exceeded", b"0123456789AB")]


def test_longPartialLineDisconnectsByDefault(impl):
    """A long line with no delimiter in sight closes the connection by default."""
    protocol = connect(impl, "LineReceiver", MAX_LENGTH=10)
    feed(protocol, b"x" * 16)
    assert protocol.transport.disconnecting


def test_strayDelimiterAfterOverriddenLineLengthExceededGivesEmptyLine(impl):
    """When lineLengthExceeded keeps the connection, the long line's delimiter later yields b''."""
    protocol = connect(impl, "LineReceiver", MAX_LENGTH=10, lineLengthExceeded=recordExceeded)
    feed(protocol, b"0123456789AB", b"\r\nnext\r\n")
    assert protocol.received == [("exceeded", b"0123456789AB"), b"", b"next"]


def test_dataReceivedReturnsWhatLineLengthExceededReturns(impl):
    """dataReceived passes on lineLengthExceeded's return value."""
    protocol = connect(impl, "LineReceiver", MAX_LENGTH=1,
                       lineLengthExceeded=lambda self, line: "too long")
    assert feed(protocol, b"abc\r\n") == "too long"


# --- LineReceiver: stopping delivery ---------------------------------------------------


def test_lineReceivedReturningTrueStopsDelivery(impl):
    """A true return from lineReceived stops delivery and is returned by dataReceived."""

    def lineReceived(self, line):
        self.received.append(line)
        return line == b"stop" and "stopped"

    protocol = connect(impl, "LineReceiver", lineReceived=lineReceived)
    assert feed(protocol, b"a\r\nstop\r\nb\r\nc") == "stopped"
    assert protocol.received == [b"a", b"stop"]
    assert protocol.clearLineBuffer() == b"b\r\nc"


def test_noMoreLinesOnceTransportDisconnecting(impl):
    """After lineReceived calls loseConnection, the rest of the chunk is not delivered."""

    def lineReceived(self, line):
        self.received.append(line)
        if line == b"quit":
            self.transport.loseConnection()

    protocol = connect(impl, "LineReceiver", lineReceived=lineReceived)
    feed(protocol, b"a\r\nquit\r\nb\r\n")
    assert protocol.received == [b"a", b"quit"]


def test_stringTransportWithDisconnectionDoesNotStopDelivery(impl):
    """StringTransportWithDisconnection never sets disconnecting, so later lines still arrive."""

    def lineReceived(self, line):
        self.received.append(line)
        if line == b"quit":
            self.transport.loseConnection()

    def connectionLost(self, reason):
        self.received.append(("lost", reason.type.__name__))

    transport = impl.testing.StringTransportWithDisconnection()
    protocol = connect(impl, "LineReceiver", transport,
                       lineReceived=lineReceived, connectionLost=connectionLost)
    feed(protocol, b"quit\r\nafter\r\n")
    assert protocol.received == [b"quit", ("lost", "ConnectionDone"), b"after"]


def test_clearLineBufferReturnsTheDroppedBytes(impl):
    """clearLineBuffer empties the buffer and returns what it held."""
    protocol = connect(impl, "LineReceiver")
    feed(protocol, b"partial")
    assert protocol.clearLineBuffer() == b"partial"
    assert protocol.clearLineBuffer() == b""
    feed(protocol, b" line\r\n")
    assert protocol.received == [b" line"]


def test_dataReceivedFromACallbackIsQueuedBehindTheBuffer(impl):
    """Data passed to dataReceived from lineReceived is parsed after what is already buffered."""

    def lineReceived(self, line):
        self.received.append(line)
        if line == b"a":
            self.dataReceived(b"injected\r\n")

    protocol = connect(impl, "LineReceiver", lineReceived=lineReceived)
    feed(protocol, b"a\r\nb\r\n")
    assert protocol.received == [b"a", b"b", b"injected"]


# --- LineReceiver: raw mode ------------------------------------------------------------


def test_rawModeDeliversChunksAsTheyCome(impl):
    """In raw mode each chunk goes to rawDataReceived unchanged, delimiters and all."""
    protocol = connect(impl, "LineReceiver")
    protocol.setRawMode()
    feed(protocol, b"a\r\nb", b"c")
    assert protocol.received == [("raw", b"a\r\nb"), ("raw", b"c")]


def test_setRawModeInsideLineReceivedSendsTheRestToRawDataReceived(impl):
    """Switching to raw mode in lineReceived hands the rest of the buffer over as raw data."""

    def lineReceived(self, line):
        self.received.append(line)
        if line == b"body":
            self.setRawMode()

    protocol = connect(impl, "LineReceiver", lineReceived=lineReceived)
    feed(protocol, b"head\r\nbody\r\n12345\r\nmore")
    assert protocol.received == [b"head", b"body", ("raw", b"12345\r\nmore")]


def test_setLineModeWithExtraParsesTheExtraAsLines(impl):
    """setLineMode(extra) from rawDataReceived parses extra for lines, then later data too."""

    def rawDataReceived(self, data):
        body, _, extra = data.partition(b"|")
        self.received.append(("raw", body))
        self.setLineMode(extra)

    protocol = connect(impl, "LineReceiver", rawDataReceived=rawDataReceived)
    protocol.setRawMode()
    feed(protocol, b"xyz|one\r\ntw", b"o\r\n")
    assert protocol.received == [("raw", b"xyz"), b"one", b"two"]


def test_rawDataReceivedReturningTrueStopsDelivery(impl):
    """A true return from rawDataReceived is returned by dataReceived."""
    protocol = connect(impl, "LineReceiver", rawDataReceived=lambda self, data: "enough")
    protocol.setRawMode()
    assert feed(protocol, b"abc") == "enough"


# --- LineReceiver: pausing -------------------------------------------------------------


def test_pauseProducingHoldsLinesUntilResumeProducing(impl):
    """Lines after a pause wait in the buffer and arrive on resumeProducing."""

    def lineReceived(self, line):
        self.received.append(line)
        if line == b"pause":
            self.pauseProducing()

    protocol = connect(impl, "LineReceiver", lineReceived=lineReceived)
    feed(protocol, b"pause\r\na\r\n", b"b\r\n")
    assert protocol.received == [b"pause"]
    assert (protocol.paused, protocol.transport.producerState) == (True, "paused")
    protocol.resumeProducing()
    assert protocol.received == [b"pause", b"a", b"b"]
    assert (protocol.paused, protocol.transport.producerState) == (False, "producing")


def test_stopProducingStopsDelivery(impl):
    """After stopProducing no more lines are delivered and the transport is stopped."""
    protocol = connect(impl, "LineReceiver")
    protocol.stopProducing()
    feed(protocol, b"a\r\n")
    assert protocol.received == []
    assert (protocol.paused, protocol.transport.producerState) == (True, "stopped")


# --- LineOnlyReceiver ------------------------------------------------------------------


def test_lineOnlyReceiverDeliversEachLine(impl):
    """Lines are delivered without their delimiters, even across chunk boundaries."""
    protocol = connect(impl, "LineOnlyReceiver")
    feed(protocol, b"hel", b"lo\r", b"\nworld\r\n\r\n")
    assert protocol.received == [b"hello", b"world", b""]


def test_lineOnlyReceiverSendLineUsesWriteSequence(impl):
    """sendLine hands the line and the delimiter to writeSequence."""
    transport = recordingTransport(impl)
    protocol = connect(impl, "LineOnlyReceiver", transport)
    protocol.sendLine(b"hello")
    assert transport.calls[0] == ("writeSequence", [b"hello", b"\r\n"])
    assert transport.value() == b"hello\r\n"


def test_lineOnlyReceiverChecksDisconnectingBeforeEachLine(impl):
    """Once lineReceived calls loseConnection the chunk's remaining lines are ignored."""

    def lineReceived(self, line):
        self.received.append(line)
        if line == b"quit":
            self.transport.loseConnection()

    protocol = connect(impl, "LineOnlyReceiver", lineReceived=lineReceived)
    feed(protocol, b"a\r\nquit\r\nb\r\n")
    assert protocol.received == [b"a", b"quit"]


def test_lineOnlyReceiverDropsConnectionForLongLine(impl):
    """A complete line over MAX_LENGTH closes the connection and stops the chunk."""
    transport = recordingTransport(impl)
    protocol = connect(impl, "LineOnlyReceiver", transport, MAX_LENGTH=3)
    feed(protocol, b"ok\r\ntoolong\r\nlost\r\n")
    assert protocol.received == [b"ok"]
    assert transport.calls == [("loseConnection",)]


def test_lineOnlyReceiverLineLengthExceededGetsOnlyTheLongLine(impl):
    """lineLengthExceeded gets only the long line; the lines after it in the chunk are skipped."""
    protocol = connect(impl, "LineOnlyReceiver", MAX_LENGTH=3, lineLengthExceeded=recordExceeded)
    feed(protocol, b"toolong\r\nskipped\r\npart", b"ial\r\n")
    assert protocol.received == [("exceeded", b"toolong"), ("exceeded", b"partial")]


def test_lineOnlyReceiverPartialLineLimitIsMaxLength(impl):
    """Without a delimiter the limit is passed at MAX_LENGTH + 1 bytes."""
    protocol = connect(impl, "LineOnlyReceiver", MAX_LENGTH=3, lineLengthExceeded=recordExceeded)
    feed(protocol, b"abc")
    assert protocol.received == []
    feed(protocol, b"d")
    assert protocol.received == [("exceeded", b"abcd")]


def test_lineOnlyReceiverKeepsTheLongPartialLine(impl):
    """An overridden lineLengthExceeded sees the long partial line again with each chunk."""
    protocol = connect(impl, "LineOnlyReceiver", MAX_LENGTH=3, lineLengthExceeded=recordExceeded)
    feed(protocol, b"abcd", b"e\r\n")
    assert protocol.received == [("exceeded", b"abcd"), ("exceeded", b"abcde")]


# --- NetstringReceiver -----------------------------------------------------------------


def test_sendStringWritesANetstring(impl):
    """sendString writes the length, a colon, the bytes and a comma."""
    protocol = connect(impl, "NetstringReceiver")
    protocol.sendString(b"xyz")
    protocol.sendString(b"")
    assert protocol.transport.value() == b"3:xyz,0:,"


def test_netstringsAreDelivered(impl):
    """Each netstring's payload reaches stringReceived."""
    protocol = connect(impl, "NetstringReceiver")
    feed(protocol, b"5:hello,0:,3:a:,,")
    assert protocol.received == [b"hello", b"", b"a:,"]
    assert protocol.brokenPeer == 0


def test_netstringsArriveOneByteAtATime(impl):
    """A netstring fed one byte per chunk is delivered once complete."""
    protocol = connect(impl, "NetstringReceiver")
    feed(protocol, *[bytes([b]) for b in b"12:hello world!,"])
    assert protocol.received == [b"hello world!"]


def test_netstringMaxLengthDefault(impl):
    """MAX_LENGTH is 99999 and brokenPeer starts at 0."""
    protocol = connect(impl, "NetstringReceiver")
    assert (protocol.MAX_LENGTH, protocol.brokenPeer) == (99999, 0)


def test_netstringOfExactlyMaxLengthIsDelivered(impl):
    """A length equal to MAX_LENGTH is accepted."""
    protocol = connect(impl, "NetstringReceiver", MAX_LENGTH=3)
    feed(protocol, b"3:abc,")
    assert protocol.received == [b"abc"]


@pytest.mark.parametrize("data", [
    b"4:abcd,",        # length over MAX_LENGTH
    b"4",              # ... seen before the colon arrives
    b"10",             # a longer number than MAX_LENGTH has digits
    b"007:abcdefg,",   # leading zeros
    b"00",             # ... seen before the colon
    b"x",              # no length at all
    b":abc,",          # empty length
    b"1x",             # something else after the digits
    b"-1:",            # a sign is not a digit
    b" 1:a,",          # nor is a space
    b"3:abcX",         # no comma after the payload
])
def test_malformedNetstringBreaksThePeer(impl, data):
    """Bad input sets brokenPeer to 1 and closes the connection with loseConnection."""
    transport = recordingTransport(impl)
    protocol = connect(impl, "NetstringReceiver", transport, MAX_LENGTH=3)
    feed(protocol, data)
    assert (protocol.received, protocol.brokenPeer) == ([], 1)
    assert transport.calls == [("loseConnection",)]


def test_incompleteLengthIsNotAnError(impl):
    """A length still arriving (b'0', b'12') waits for more bytes."""
    protocol = connect(impl, "NetstringReceiver")
    feed(protocol, b"0")
    feed(protocol, b":,1")
    feed(protocol, b"2:hello world!,")
    assert protocol.received == [b"", b"hello world!"]
    assert protocol.brokenPeer == 0


def test_hugeLengthIsRejectedBeforeItIsComplete(impl):
    """A length with more digits than MAX_LENGTH breaks the peer without waiting for the colon."""
    protocol = connect(impl, "NetstringReceiver")
    feed(protocol, b"9" * 10000)
    assert (protocol.brokenPeer, protocol.transport.disconnecting) == (1, True)


def test_stringsBeforeTheBadOneAreDelivered(impl):
    """Good netstrings ahead of a bad one still reach stringReceived."""
    protocol = connect(impl, "NetstringReceiver")
    feed(protocol, b"1:a,1:bX1:c,")
    assert (protocol.received, protocol.brokenPeer) == ([b"a"], 1)


@pytest.mark.parametrize("bad", [b"x", b"3:abcX"])
def test_brokenPeerStaysBroken(impl, bad):
    """The bad bytes stay buffered, so every later chunk calls loseConnection again."""
    transport = recordingTransport(impl)
    protocol = connect(impl, "NetstringReceiver", transport)
    feed(protocol, bad, b"1:a,", b"2:bc,")
    assert protocol.received == []
    assert transport.calls == [("loseConnection",)] * 3


def test_netstringKeepsDeliveringAfterLoseConnection(impl):
    """NetstringReceiver does not look at disconnecting: the rest of the chunk is delivered."""

    def stringReceived(self, string):
        self.received.append(string)
        self.transport.loseConnection()

    protocol = connect(impl, "NetstringReceiver", stringReceived=stringReceived)
    feed(protocol, b"1:a,1:b,")
    assert protocol.received == [b"a", b"b"]


def test_netstringWithMaxLengthZero(impl):
    """Differs from Twisted: MAX_LENGTH = 0 accepts empty strings; Twisted raises ValueError."""
    protocol = connect(impl, "NetstringReceiver", MAX_LENGTH=0)
    if impl.name == "twisted":
        with pytest.raises(ValueError, match="math domain error"):
            feed(protocol, b"0:,")
        return
    feed(protocol, b"0:,1:a,")
    assert (protocol.received, protocol.brokenPeer) == ([b""], 1)


def test_lengthFollowedByNewline(impl):
    """Differs from Twisted: b'12\\n' breaks the peer at once; Twisted waits for one more byte."""
    protocol = connect(impl, "NetstringReceiver")
    feed(protocol, b"12\n")
    assert protocol.brokenPeer == (0 if impl.name == "twisted" else 1)
    feed(protocol, b":")
    assert (protocol.brokenPeer, protocol.transport.disconnecting) == (1, True)


# --- IntNStringReceiver ----------------------------------------------------------------


PREFIXES = [("Int8StringReceiver", "!B"), ("Int16StringReceiver", "!H"),
            ("Int32StringReceiver", "!I")]


@pytest.mark.parametrize("base, fmt", PREFIXES)
def test_sendStringWritesPrefixAndString(impl, base, fmt):
    """sendString writes the packed length followed by the bytes, in one write."""
    transport = recordingTransport(impl)
    protocol = connect(impl, base, transport)
    protocol.sendString(b"hello")
    assert transport.calls == [("write", struct.pack(fmt, 5) + b"hello")]


@pytest.mark.parametrize("base, fmt", PREFIXES)
def test_prefixedStringsAreDelivered(impl, base, fmt):
    """Each string after its length prefix reaches stringReceived, across any chunking."""
    protocol = connect(impl, base)
    stream = b"".join(struct.pack(fmt, len(s)) + s for s in [b"abc", b"", b"xy"])
    feed(protocol, *[stream[i:i + 1] for i in range(len(stream))])
    assert protocol.received == [b"abc", b"", b"xy"]


@pytest.mark.parametrize("base, fmt", PREFIXES)
def test_prefixAttributesMatchTheFormat(impl, base, fmt):
    """structFormat and prefixLength describe the prefix; MAX_LENGTH is 99999."""
    receiver = getattr(impl.basic, base)
    assert (receiver.structFormat, receiver.prefixLength) == (fmt, struct.calcsize(fmt))
    assert receiver.MAX_LENGTH == 99999


@pytest.mark.parametrize("base, limit", [("Int8StringReceiver", 256),
                                         ("Int16StringReceiver", 65536)])
def test_sendStringTooLongForThePrefixRaises(impl, base, limit):
    """A string too long for the prefix raises StringTooLongError and writes nothing."""
    protocol = connect(impl, base)
    protocol.sendString(b"x" * (limit - 1))
    protocol.transport.clear()
    with pytest.raises(impl.basic.StringTooLongError) as caught:
        protocol.sendString(b"x" * limit)
    assert str(caught.value) == "Try to send %d bytes whereas maximum is %d" % (limit, limit)
    assert protocol.transport.value() == b""


def test_stringTooLongErrorIsAnAssertionError(impl):
    """StringTooLongError subclasses AssertionError."""
    assert issubclass(impl.basic.StringTooLongError, AssertionError)


def test_lengthOverMaxLengthCallsLengthLimitExceeded(impl):
    """A prefix over MAX_LENGTH goes to lengthLimitExceeded, and nothing after it is delivered."""

    def lengthLimitExceeded(self, length):
        self.received.append(("exceeded", length))

    protocol = connect(impl, "Int16StringReceiver", MAX_LENGTH=3,
                       lengthLimitExceeded=lengthLimitExceeded)
    feed(protocol, b"\x00\x03abc\x00\x04abcd\x00\x01a")
    assert protocol.received == [b"abc", ("exceeded", 4)]
    assert protocol.recvd == b"\x00\x04abcd\x00\x01a"


def test_lengthOverMaxLengthDisconnectsByDefault(impl):
    """By default lengthLimitExceeded calls loseConnection."""
    protocol = connect(impl, "Int32StringReceiver", MAX_LENGTH=3)
    feed(protocol, struct.pack("!I", 4))
    assert protocol.transport.disconnecting


def test_recvdHoldsTheUndeliveredBytes(impl):
    """recvd is the buffer of bytes not yet delivered, also while stringReceived runs."""

    def stringReceived(self, string):
        self.received.append((string, self.recvd))

    protocol = connect(impl, "Int8StringReceiver", stringReceived=stringReceived)
    feed(protocol, b"\x01a\x02b")
    assert protocol.received == [(b"a", b"\x02b")]
    assert protocol.recvd == b"\x02b"


def test_recvdAssignedInStringReceivedReplacesTheBuffer(impl):
    """Assigning recvd inside stringReceived replaces the bytes still to be parsed."""

    def stringReceived(self, string):
        self.received.append(string)
        if string == b"a":
            self.recvd = b"\x01z"

    protocol = connect(impl, "Int8StringReceiver", stringReceived=stringReceived)
    feed(protocol, b"\x01a\x01b\x01c")
    assert protocol.received == [b"a", b"z"]


def test_recvdAssignedOutsideStringReceived(impl):
    """Differs from Twisted: assigning recvd outside stringReceived replaces the buffer at once."""
    protocol = connect(impl, "Int8StringReceiver")
    feed(protocol, b"\x03ab")
    protocol.recvd = b"\x01"
    feed(protocol, b"x\x01y")
    if impl.name == "twisted":
        # Twisted parses its own buffer first, and after that string drops the rest
        # of the chunk in favour of the assigned bytes.
        assert (protocol.received, protocol.recvd) == ([b"abx"], b"\x01")
    else:
        assert protocol.received == [b"x", b"y"]


def test_stringsAreNotRedeliveredAfterLengthLimitExceeded(impl):
    """Differs from Twisted: a string delivered before an over-long prefix is not redelivered."""
    protocol = connect(impl, "Int8StringReceiver", MAX_LENGTH=3,
                       lengthLimitExceeded=lambda self, length: None)
    feed(protocol, b"\x01a\x09", b"more")
    if impl.name == "twisted":
        assert protocol.received == [b"a", b"a"]
    else:
        assert protocol.received == [b"a"]


def test_pauseProducingHoldsStringsUntilResumeProducing(impl):
    """Strings after a pause wait in the buffer and arrive on resumeProducing."""

    def stringReceived(self, string):
        self.received.append(string)
        self.pauseProducing()

    protocol = connect(impl, "Int8StringReceiver", stringReceived=stringReceived)
    feed(protocol, b"\x01a\x01b")
    assert (protocol.received, protocol.recvd) == ([b"a"], b"\x01b")
    assert protocol.transport.producerState == "paused"
    protocol.resumeProducing()
    assert protocol.received == [b"a", b"b"]


# --- Differential: random streams on both implementations -------------------------------


def differential(base, chunks, **attributes):
    """Feed the same chunks to ours and Twisted's ``base``; assert they agree after each chunk.

    Feeding stops once the transport is disconnecting, as a real TCP transport stops
    reading on loseConnection.
    """
    pair = [connect(_namespace(name), base, **attributes) for name in ("minitwisted", "twisted")]
    for chunk in chunks:
        results = [protocol.dataReceived(chunk) for protocol in pair]
        states = [(protocol.received, protocol.transport.value(),
                   protocol.transport.disconnecting, getattr(protocol, "brokenPeer", None))
                  for protocol in pair]
        assert results[0] == results[1]
        assert states[0] == states[1]
        if states[0][2]:
            break


def chunked(pieces):
    """A strategy: the joined ``pieces`` cut at random points."""

    @st.composite
    def cut(draw):
        stream = b"".join(draw(st.lists(pieces, max_size=30)))
        points = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=8)))
        bounds = [0] + points + [len(stream)]
        return [stream[a:b] for a, b in zip(bounds, bounds[1:])]

    return cut()


WORDS = st.sampled_from([b"", b"a", b"bc", b"quit", b"raw", b"stop", b"x|y", b"\r", b"\n",
                         b"xxxxxxxx"])


def linePieces(delimiter):
    """A strategy for pieces of a line stream: mostly words ending in ``delimiter``."""
    return st.one_of(WORDS.map(lambda word: word + delimiter), WORDS)


def scriptedLineReceived(self, line):
    """Record the line; b'quit' closes, b'raw' switches to raw mode, b'stop' stops delivery."""
    self.received.append(line)
    if line == b"quit":
        self.transport.loseConnection()
    elif line == b"raw" and hasattr(self, "setRawMode"):
        self.setRawMode()
    return line == b"stop"


def scriptedRawDataReceived(self, data):
    """Record the raw data up to a b'|', and go back to line mode with what follows it."""
    raw, bar, extra = data.partition(b"|")
    self.received.append(("raw", raw))
    if bar:
        self.setLineMode(extra)


@settings(max_examples=150, derandomize=True, deadline=None, database=None)
@given(data=st.data(), maxLength=st.integers(0, 12),
       delimiter=st.sampled_from([b"\r\n", b"\n", b"ab"]), keepConnection=st.booleans())
def test_lineReceiverMatchesTwistedOnRandomStreams(data, maxLength, delimiter, keepConnection):
    """LineReceiver delivers, returns, writes and disconnects exactly as Twisted's does."""
    extra = {"lineLengthExceeded": recordExceeded} if keepConnection else {}
    differential("LineReceiver", data.draw(chunked(linePieces(delimiter))),
                 MAX_LENGTH=maxLength, delimiter=delimiter,
                 lineReceived=scriptedLineReceived, rawDataReceived=scriptedRawDataReceived,
                 **extra)


@settings(max_examples=100, derandomize=True, deadline=None, database=None)
@given(data=st.data(), maxLength=st.integers(0, 12),
       delimiter=st.sampled_from([b"\r\n", b"\n"]), keepConnection=st.booleans())
def test_lineOnlyReceiverMatchesTwistedOnRandomStreams(data, maxLength, delimiter, keepConnection):
    """LineOnlyReceiver delivers and disconnects exactly as Twisted's does."""
    extra = {"lineLengthExceeded": recordExceeded} if keepConnection else {}
    differential("LineOnlyReceiver", data.draw(chunked(linePieces(delimiter))),
                 MAX_LENGTH=maxLength, delimiter=delimiter,
                 lineReceived=scriptedLineReceived, **extra)


def netstring(payload):
    return b"%d:%s," % (len(payload), payload)


# No b"\n": a length followed by a newline is a pinned difference (test_lengthFollowedByNewline).
NETSTRING_PIECES = st.one_of(
    st.binary(max_size=12).map(netstring),
    st.sampled_from([b"0", b"1", b"9", b"12", b"007", b":", b",", b"x", b"3:ab", b"99999999"]),
)


@settings(max_examples=150, derandomize=True, deadline=None, database=None)
@given(chunks=chunked(NETSTRING_PIECES), maxLength=st.integers(1, 15))
def test_netstringReceiverMatchesTwistedOnRandomStreams(chunks, maxLength):
    """NetstringReceiver delivers strings and breaks peers exactly as Twisted's does."""
    differential("NetstringReceiver", chunks, MAX_LENGTH=maxLength)


@pytest.mark.parametrize("base, fmt", PREFIXES[1:])
@settings(max_examples=75, derandomize=True, deadline=None, database=None)
@given(data=st.data(), maxLength=st.integers(0, 300))
def test_intNStringReceiverMatchesTwistedOnRandomStreams(base, fmt, data, maxLength):
    """Int16 and Int32 receivers deliver strings and enforce MAX_LENGTH exactly as Twisted's do."""
    pieces = st.one_of(st.binary(max_size=20).map(lambda s: struct.pack(fmt, len(s)) + s),
                       st.integers(0, 400).map(lambda n: struct.pack(fmt, n)),
                       st.binary(max_size=5))
    differential(base, data.draw(chunked(pieces)), MAX_LENGTH=maxLength)


# --- Bad input over real sockets --------------------------------------------------------
#
# The same protocols behind a real port on 127.0.0.1 (the ``net`` fixture of
# tests/conftest.py): a peer that sends garbage loses its own connection, with the
# reason logged, and a well-behaved peer on the same port is served as before.


def _lineServer(net, received):
    """A port whose LineReceiver records lines, raises on b"boom", and has MAX_LENGTH 20."""
    from importlib import import_module

    basic = import_module(f"{net.name}.protocols.basic")

    class Lines(basic.LineReceiver):
        MAX_LENGTH = 20

        def connectionMade(self):
            self.lost = net.defer.Deferred()
            self.factory.connections.append(self)

        def lineReceived(self, line):
            if line == b"boom":
                raise ValueError("lineReceived cannot handle boom")
            received.append(line)
            self.sendLine(b"ok " + line)

        def connectionLost(self, reason):
            self.lost.callback(reason.type)

    class Strings(basic.NetstringReceiver):
        def connectionMade(self):
            self.lost = net.defer.Deferred()
            self.factory.connections.append(self)

        def stringReceived(self, string):
            received.append(string)
            self.sendString(b"ok " + string)

        def connectionLost(self, reason):
            self.lost.callback(reason.type)

    ports = {}
    for name, protocol in (("lines", Lines), ("strings", Strings)):
        factory = net.protocol.Factory.forProtocol(protocol)
        factory.connections = []
        ports[name] = net.reactor.listenTCP(0, factory, interface="127.0.0.1")
    return ports


def _talk(net, port, *chunks):
    """Connect a client to ``port``, send ``chunks``, and collect what comes back until closed."""
    got = net.defer.Deferred()

    class Talker(net.protocol.Protocol):
        def connectionMade(self):
            self.data = b""
            for chunk in chunks:
                self.transport.write(chunk)

        def dataReceived(self, data):
            self.data += data

        def connectionLost(self, reason):
            got.callback(self.data)

    net.reactor.connectTCP("127.0.0.1", port.getHost().port,
                           net.protocol.ClientFactory.forProtocol(Talker))
    return got


def _goodPeerStillServed(net, port, request, reply):
    """A second client on ``port`` still gets ``reply`` for ``request``."""
    answered = net.defer.Deferred()

    class Good(net.protocol.Protocol):
        def connectionMade(self):
            self.transport.write(request)

        def dataReceived(self, data):
            if data.endswith(reply[-3:]):
                self.transport.loseConnection()
                answered.callback(data)

    net.reactor.connectTCP("127.0.0.1", port.getHost().port,
                           net.protocol.ClientFactory.forProtocol(Good))
    return net.spin(answered)


def _errors(events):
    return [e["failure"].value for e in events if e.get("isError") and "failure" in e]


def test_lineReceivedRaisingClosesOnlyThatConnection(net):
    """An exception in lineReceived is logged and closes that connection at once; others go on."""
    received, events = [], []
    ports = _lineServer(net, received)
    net.log.addObserver(events.append)
    try:
        reply = net.spin(_talk(net, ports["lines"], b"one\r\nboom\r\nnever\r\n"))
        # The connection closes at once, so even the reply to "one", still buffered, is lost.
        assert reply == b""
        assert net.spin(ports["lines"].factory.connections[0].lost) is ValueError
        assert _goodPeerStillServed(net, ports["lines"], b"hello\r\n", b"ok hello\r\n") \
            == b"ok hello\r\n"
    finally:
        net.log.removeObserver(events.append)
    assert received == [b"one", b"hello"]
    assert [str(e) for e in _errors(events)] == ["lineReceived cannot handle boom"]


def test_overLongLineClosesOnlyThatConnection(net):
    """A line longer than MAX_LENGTH closes that connection cleanly; others go on."""
    received = []
    ports = _lineServer(net, received)
    reply = net.spin(_talk(net, ports["lines"], b"short\r\n", b"x" * 100 + b"\r\nafter\r\n"))
    assert reply == b"ok short\r\n"
    assert net.spin(ports["lines"].factory.connections[0].lost) is net.error.ConnectionDone
    _goodPeerStillServed(net, ports["lines"], b"fine\r\n", b"ok fine\r\n")
    assert received == [b"short", b"fine"]


def test_garbageNetstringClosesOnlyThatConnection(net):
    """A malformed netstring drops that connection; a good peer on the same port is served."""
    received = []
    ports = _lineServer(net, received)
    reply = net.spin(_talk(net, ports["strings"], b"3:abc,", b"12x:garbage,"))
    assert reply == b"6:ok abc,"
    assert net.spin(ports["strings"].factory.connections[0].lost) is net.error.ConnectionDone
    assert ports["strings"].factory.connections[0].brokenPeer == 1
    _goodPeerStillServed(net, ports["strings"], b"2:hi,", b"5:ok hi,")
    assert received == [b"abc", b"hi"]


# --- What is left out ------------------------------------------------------------------


def test_leftOutNamesAreAbsent():
    """Differs from Twisted: StatefulStringProtocol, FileSender and parse errors are left out."""
    from twisted.protocols import basic

    from minitwisted.protocols import basic as mbasic

    for name in ["StatefulStringProtocol", "FileSender", "NetstringParseError",
                 "IncompleteNetstring"]:
        assert hasattr(basic, name)
        assert not hasattr(mbasic, name)
