"""Framing: turn a stream of bytes into lines or length-prefixed strings, and back.

Mirrors ``twisted.protocols.basic`` (Twisted 26.10): same class names, attributes and
callbacks, checked side by side against real Twisted by ``tests/protocols/test_basic.py``.
The workshop uses it in ``notebooks/05_protocols_and_factories.ipynb``.

TCP delivers a stream, not messages: one ``dataReceived`` may carry half a line, or
three lines and a bit.  Every class here keeps a buffer, cuts complete messages off
its front, hands each to a callback, and keeps the rest for the next chunk.

Read it in this order:

1. ``LineReceiver``: lines ending in ``delimiter``, with a raw mode for bodies (HTTP,
   IRC, SMTP are built on it), a ``MAX_LENGTH`` guard, and pausing;
2. ``LineOnlyReceiver``: the same without raw mode or pausing;
3. ``NetstringReceiver``: ``b"5:hello,"`` strings, and what happens to a peer that
   sends something else;
4. ``IntNStringReceiver`` and its ``Int32``/``Int16``/``Int8`` subclasses: strings
   after a fixed-size binary length.

Differs from Twisted:

- ``IntNStringReceiver`` forgets the strings it has delivered before it calls
  ``lengthLimitExceeded``.  Twisted keeps them in its buffer, so if more data arrives
  afterwards (an override that does not close) it delivers them a second time.
- ``IntNStringReceiver.recvd`` is a plain property: assigning it replaces the unparsed
  bytes at once, wherever it is assigned.  Twisted looks for an assignment only
  after delivering a string, so one made outside ``stringReceived`` takes effect
  after the next string, in place of the rest of that chunk.
- ``NetstringReceiver`` rejects a length followed by a newline (``b"12\\n"``) at once;
  Twisted waits for one more byte, because its regular expression's ``$`` also matches
  before a final newline.  Both drop the connection once the next byte arrives.
- ``NetstringReceiver`` works with ``MAX_LENGTH = 0`` (only empty strings pass);
  Twisted raises ``ValueError: math domain error`` on any input.
- Left out: ``StatefulStringProtocol``, ``FileSender``, and the exceptions
  ``NetstringParseError`` and ``IncompleteNetstring``, which never leave Twisted's parser.
"""

import re
import struct

from minitwisted.internet.protocol import Protocol


class _PauseableMixin:
    """Pausing, for a protocol that acts as a producer of the messages it parses.

    ``paused`` stops the parsing loops below between two messages, and the transport
    is paused too, so no more bytes arrive meanwhile.
    """

    paused = False

    def pauseProducing(self):
        self.paused = True
        self.transport.pauseProducing()

    def resumeProducing(self):
        self.paused = False
        self.transport.resumeProducing()
        # Messages may be waiting in the buffer: parse them now, not at the next chunk.
        self.dataReceived(b"")

    def stopProducing(self):
        self.paused = True
        self.transport.stopProducing()


# --- Lines -----------------------------------------------------------------------------


class LineReceiver(Protocol, _PauseableMixin):
    """A protocol that receives lines, and can switch to raw bytes and back.

    In line mode (``line_mode`` true, the default) each complete line, without its
    ``delimiter``, goes to ``lineReceived``.  In raw mode each chunk goes to
    ``rawDataReceived`` as it is.  A line longer than ``MAX_LENGTH`` goes to
    ``lineLengthExceeded``, which drops the connection.

    Invariants:

    - ``_buffer`` holds the bytes received and not yet delivered, whatever the mode;
    - ``_busyReceiving`` is true while the loop in ``dataReceived`` runs; data that
      arrives meanwhile (from a callback) is only appended to the buffer.
    """

    line_mode = 1
    _buffer = b""
    _busyReceiving = False
    delimiter = b"\r\n"
    MAX_LENGTH = 16384

    def clearLineBuffer(self):
        """Empty the buffer and return what it held."""
        dropped, self._buffer = self._buffer, b""
        return dropped

    def dataReceived(self, data):
        """Add ``data`` to the buffer and deliver every complete line (or raw chunk)."""
        self._buffer += data
        # A callback that calls dataReceived (setLineMode(extra) from rawDataReceived
        # does) must not start a second loop: the running one will reach the new bytes.
        if self._busyReceiving:
            return None
        self._busyReceiving = True
        try:
            return self._deliverBuffer()
        finally:
            self._busyReceiving = False

    def _deliverBuffer(self):
        """The parsing loop: hand out lines or raw data until the buffer runs dry.

        Returns what ``dataReceived`` returns: a true value from ``lineReceived`` or
        ``rawDataReceived`` that stopped delivery, or ``lineLengthExceeded``'s result.
        """
        while self._buffer and not self.paused:
            if not self.line_mode:
                data, self._buffer = self._buffer, b""
                why = self.rawDataReceived(data)
                if why:
                    return why
                continue

            line, found, rest = self._buffer.partition(self.delimiter)
            if not found:
                # No delimiter yet.  A legal line can still come: MAX_LENGTH bytes
                # followed by a delimiter whose first bytes may already be here.
                if len(self._buffer) >= self.MAX_LENGTH + len(self.delimiter):
                    return self.lineLengthExceeded(self.clearLineBuffer())
                return None
            if len(line) > self.MAX_LENGTH:
                # Hand over the whole buffer, not just this line: an override that
                # keeps the connection decides what, if anything, to parse again.
                return self.lineLengthExceeded(self.clearLineBuffer())

            self._buffer = rest
            why = self.lineReceived(line)
            # Stop when asked to, or once the connection is closing: the peer's
            # remaining lines must not be acted on after we decided to hang up.
            if why or (self.transport is not None and self.transport.disconnecting):
                return why
        return None

    def setLineMode(self, extra=b""):
        """Deliver lines from now on, parsing ``extra`` (bytes read past the raw part) first."""
        self.line_mode = 1
        if extra:
            return self.dataReceived(extra)
        return None

    def setRawMode(self):
        """Deliver raw data from now on, starting with what is left in the buffer."""
        self.line_mode = 0

    def rawDataReceived(self, data):
        """Called with each chunk in raw mode; override it if you use raw mode."""
        raise NotImplementedError

    def lineReceived(self, line):
        """Called with each line, without its delimiter; override it."""
        raise NotImplementedError

    def sendLine(self, line):
        """Write ``line`` and the delimiter, in one ``write``."""
        return self.transport.write(line + self.delimiter)

    def lineLengthExceeded(self, line):
        """Called with the rest of the buffer when a line is too long; closes the connection.

        ``line`` starts with the long line and may hold more lines after it, or only
        the first part of the long line if no delimiter has come yet.
        """
        return self.transport.loseConnection()


class LineOnlyReceiver(Protocol):
    """A protocol that receives lines only: ``LineReceiver`` without raw mode or pausing.

    A line longer than ``MAX_LENGTH`` goes to ``lineLengthExceeded`` (which drops the
    connection) and ends the handling of that chunk.  Unlike ``LineReceiver`` it does
    not empty its buffer first, and a partial line is too long at ``MAX_LENGTH + 1``
    bytes.
    """

    _buffer = b""
    delimiter = b"\r\n"
    MAX_LENGTH = 16384

    def dataReceived(self, data):
        """Split the buffer into lines and deliver each complete one."""
        lines = (self._buffer + data).split(self.delimiter)
        self._buffer = lines.pop()  # the unfinished last line (often b"")
        for line in lines:
            # One chunk can carry a line that makes us hang up and more lines
            # after it; those later lines are ignored.
            if self.transport.disconnecting:
                return None
            if len(line) > self.MAX_LENGTH:
                return self.lineLengthExceeded(line)
            self.lineReceived(line)
        if len(self._buffer) > self.MAX_LENGTH:
            return self.lineLengthExceeded(self._buffer)
        return None

    def lineReceived(self, line):
        """Called with each line, without its delimiter; override it."""
        raise NotImplementedError

    def sendLine(self, line):
        """Write ``line`` and the delimiter with one ``writeSequence``."""
        return self.transport.writeSequence((line, self.delimiter))

    def lineLengthExceeded(self, line):
        """Called with a line that is too long; closes the connection."""
        return self.transport.loseConnection()


# --- Netstrings ------------------------------------------------------------------------


class NetstringReceiver(Protocol):
    """A protocol that sends and receives netstrings: ``b"5:hello,"``.

    A netstring is its length in decimal ASCII (no leading zeros), a colon, the
    bytes, and a comma (see https://cr.yp.to/proto/netstrings.txt).  Each payload goes
    to ``stringReceived``.  Anything else, or a length over ``MAX_LENGTH``, marks the
    peer broken (``brokenPeer = 1``) and drops the connection; the bad bytes stay in
    the buffer, so each later chunk drops it again.

    Invariants (set up by ``makeConnection``):

    - ``_state`` is ``_PARSING_LENGTH`` or ``_PARSING_PAYLOAD``;
    - ``_remainingData`` holds bytes received and not yet parsed;
    - while parsing a payload, ``_payload`` holds its first bytes and
      ``_expectedPayloadSize`` is its length plus one, for the comma.
    """

    MAX_LENGTH = 99999

    # Digits with no leading zero, then the colon if it has arrived.
    _LENGTH = re.compile(rb"(0|[1-9][0-9]*)(:?)")

    _PARSING_LENGTH, _PARSING_PAYLOAD = range(2)

    def makeConnection(self, transport):
        """Start the connection with an empty buffer and a healthy peer."""
        Protocol.makeConnection(self, transport)
        self._remainingData = b""
        self._payload = bytearray()
        self._expectedPayloadSize = 0
        self._state = self._PARSING_LENGTH
        self.brokenPeer = 0

    def sendString(self, string):
        """Write ``string`` as one netstring."""
        self.transport.write(b"%d:%s," % (len(string), string))

    def dataReceived(self, data):
        """Parse netstrings from the buffer and deliver each complete one."""
        self._remainingData += data
        while self._remainingData:
            if self._state == self._PARSING_LENGTH and not self._consumeLength():
                return
            if self._state == self._PARSING_PAYLOAD and not self._consumePayload():
                return

    def _consumeLength(self):
        """Read ``digits:`` off the buffer; return whether a payload is next."""
        match = self._LENGTH.match(self._remainingData)
        if match is None:
            return self._handleParseError()
        digits, colon = match.groups()
        # Count the digits before calling int(): a peer could send a million of them.
        if len(digits) > len(str(self.MAX_LENGTH)) or int(digits) > self.MAX_LENGTH:
            return self._handleParseError()
        if not colon:
            # Digits at the very end are a length still arriving; anything else
            # after them (b"007", b"12x") can never become one.
            if match.end() < len(self._remainingData):
                return self._handleParseError()
            return False
        self._remainingData = self._remainingData[match.end():]
        self._expectedPayloadSize = int(digits) + 1  # the bytes and the comma
        self._payload = bytearray()
        self._state = self._PARSING_PAYLOAD
        return True

    def _consumePayload(self):
        """Move payload bytes off the buffer; deliver the string once it is complete."""
        needed = self._expectedPayloadSize - len(self._payload)
        self._payload += self._remainingData[:needed]
        self._remainingData = self._remainingData[needed:]
        if len(self._payload) < self._expectedPayloadSize:
            return False
        if self._payload[-1:] != b",":
            # The state stays "payload complete, bad comma": any later chunk fails here too.
            return self._handleParseError()
        self._state = self._PARSING_LENGTH
        self.stringReceived(bytes(self._payload[:-1]))
        return True

    def _handleParseError(self):
        """Drop the connection to a peer that does not speak netstrings; return False."""
        self.transport.loseConnection()
        self.brokenPeer = 1
        return False

    def stringReceived(self, string):
        """Called with each string received, without its framing; override it."""
        raise NotImplementedError()


# --- Length-prefixed strings -----------------------------------------------------------


class StringTooLongError(AssertionError):
    """``sendString`` was given a string whose length does not fit in the prefix."""


class IntNStringReceiver(Protocol, _PauseableMixin):
    """A protocol for strings that follow their length as a fixed-size binary integer.

    Subclasses set ``structFormat`` (a ``struct`` format such as ``"!I"``) and
    ``prefixLength`` (its size).  Each string goes to ``stringReceived``; a length
    over ``MAX_LENGTH`` goes to ``lengthLimitExceeded``, which drops the connection.

    Invariants:

    - ``_unprocessed[_offset:]`` holds the bytes received and not yet delivered;
      ``_offset`` moves only inside ``dataReceived``, and is 0 between calls;
    - ``recvd`` reads (and, assigned, replaces) exactly those bytes.
    """

    MAX_LENGTH = 99999
    _unprocessed = b""
    _offset = 0

    @property
    def recvd(self):
        """The bytes received and not yet delivered; assign to replace them."""
        return self._unprocessed[self._offset:]

    @recvd.setter
    def recvd(self, data):
        self._unprocessed = data
        self._offset = 0

    def dataReceived(self, data):
        """Deliver every complete string in the buffer."""
        self._unprocessed += data
        # Delivering moves _offset instead of slicing the buffer each time; the
        # attributes are read afresh on each pass since stringReceived may set recvd.
        while not self.paused:
            start = self._offset + self.prefixLength
            if len(self._unprocessed) < start:
                break
            (length,) = struct.unpack(self.structFormat, self._unprocessed[self._offset:start])
            if length > self.MAX_LENGTH:
                self._dropDelivered()
                self.lengthLimitExceeded(length)
                return
            end = start + length
            if len(self._unprocessed) < end:
                break
            self._offset = end
            self.stringReceived(self._unprocessed[start:end])
        self._dropDelivered()

    def _dropDelivered(self):
        """Cut the delivered strings off the front of the buffer."""
        self._unprocessed = self._unprocessed[self._offset:]
        self._offset = 0

    def stringReceived(self, string):
        """Called with each string received, without its prefix; override it."""
        raise NotImplementedError

    def lengthLimitExceeded(self, length):
        """Called with a length prefix over ``MAX_LENGTH``; closes the connection."""
        self.transport.loseConnection()

    def sendString(self, string):
        """Write the length prefix and ``string`` in one ``write``."""
        limit = 2 ** (8 * self.prefixLength)
        if len(string) >= limit:
            raise StringTooLongError(
                "Try to send %s bytes whereas maximum is %s" % (len(string), limit))
        self.transport.write(struct.pack(self.structFormat, len(string)) + string)


class Int32StringReceiver(IntNStringReceiver):
    """Strings after a 4-byte big-endian unsigned length."""

    structFormat = "!I"
    prefixLength = struct.calcsize(structFormat)


class Int16StringReceiver(IntNStringReceiver):
    """Strings after a 2-byte big-endian unsigned length."""

    structFormat = "!H"
    prefixLength = struct.calcsize(structFormat)


class Int8StringReceiver(IntNStringReceiver):
    """Strings after a 1-byte unsigned length."""

    structFormat = "!B"
    prefixLength = struct.calcsize(structFormat)
