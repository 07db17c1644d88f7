"""The exceptions of the network layer: why a connection ended, why a connect or listen failed.

Mirrors ``twisted.internet.error`` (Twisted 26.10): the same class names, the same
hierarchy and the same ``str()`` text, so ``reason.check(ConnectionDone)`` and a printed
error read the same on both.  The workshop meets them in
``notebooks/04_transports.ipynb`` (how a connection ends) and
``notebooks/05_protocols_and_factories.ipynb`` (why a connect failed).
Tests: ``tests/internet/test_error.py``.

How a connection ends is told by the ``reason`` Failure handed to
``Protocol.connectionLost``:

- ``ConnectionDone``: closed cleanly (``loseConnection`` here or at the peer);
- ``ConnectionLost``: lost in a non-clean fashion (reset, broken pipe);
- ``ConnectionAborted``: ``abortConnection`` was called here.

Why a client connect failed is told to ``ClientFactory.clientConnectionFailed``:
``ConnectionRefusedError``, ``TimeoutError``, ``DNSLookupError``, ... all but the last
are ``ConnectError``s.

``_Described`` is a private mixin that gives most errors Twisted's ``str()`` shape;
the public bases are Twisted's.

Differs from Twisted: ``ReactorNotRestartable`` is kept for code that catches it, but
minitwisted's reactor never raises it (see ``minitwisted.internet.base``).
"""

import errno
import socket


def _withDetails(message, args):
    """Twisted's common ``str()`` shape: ``"message: arg arg."``."""
    if args:
        message = "{}: {}".format(message, " ".join(args))  # text only, as in Twisted
    return message + "."


class _Described:
    """A mixin for errors whose ``str()`` is their ``MESSAGE`` plus their arguments."""

    MESSAGE = ""

    def __str__(self):
        return _withDetails(self.MESSAGE, self.args)


# --- Listening and binding ---------------------------------------------------------------


class BindError(_Described, Exception):
    """An error occurred binding to an interface."""

    MESSAGE = "An error occurred binding to an interface"


class CannotListenError(BindError):
    """``listenTCP``/``listenUDP`` could not listen: the port is busy or not allowed.

    ``str()`` names the interface (``any`` for all of them), the port and the
    socket error: ``Couldn't listen on 127.0.0.1:80: [Errno 13] Permission denied.``
    """

    def __init__(self, interface, port, socketError):
        super().__init__(interface, port, socketError)
        self.interface = interface
        self.port = port
        self.socketError = socketError

    def __str__(self):
        return "Couldn't listen on {}:{}: {}.".format(
            self.interface or "any", self.port, self.socketError
        )


class MulticastJoinError(Exception):
    """An attempt to join a multicast group failed."""


class MessageLengthError(_Described, Exception):
    """A datagram was too long to send."""

    MESSAGE = "Message is too long to send"


class DNSLookupError(_Described, OSError):
    """A host name could not be resolved to an address.  An ``OSError``, as in Twisted."""

    MESSAGE = "DNS lookup failed"


# --- Connecting --------------------------------------------------------------------------


class ConnectInProgressError(Exception):
    """A connect operation was started and isn't done yet."""


class ConnectError(Exception):
    """An error occurred while connecting; the parent of every connect failure.

    ``osError`` is the errno (or ``None``); the string explains it.  ``str()`` reads
    ``"<MESSAGE>: <osError>: <string>."``, leaving out the parts that are empty.
    """

    MESSAGE = "An error occurred while connecting"

    def __init__(self, osError=None, string=""):
        self.osError = osError
        super().__init__(string)

    def __str__(self):
        text = self.MESSAGE
        if self.osError:
            text = f"{text}: {self.osError}"
        if self.args[0]:
            text = f"{text}: {self.args[0]}"
        return text + "."


class ConnectBindError(ConnectError):
    """Couldn't bind the client socket to ``bindAddress``."""

    MESSAGE = "Couldn't bind"


class UnknownHostError(ConnectError):
    """Hostname couldn't be looked up."""

    MESSAGE = "Hostname couldn't be looked up"


class NoRouteError(ConnectError):
    """No route to host."""

    MESSAGE = "No route to host"


class ConnectionRefusedError(ConnectError):
    """Connection was refused by other side: nothing listens on that port."""

    MESSAGE = "Connection was refused by other side"


class TCPTimedOutError(ConnectError):
    """The kernel gave up on the TCP handshake."""

    MESSAGE = "TCP connection timed out"


class BadFileError(ConnectError):
    """File used for UNIX socket is no good."""

    MESSAGE = "File used for UNIX socket is no good"


class ServiceNameUnknownError(ConnectError):
    """Service name given as port is unknown."""

    MESSAGE = "Service name given as port is unknown"


class SSLError(ConnectError):
    """An SSL error occurred (minitwisted has no TLS; kept so code that catches it runs)."""

    MESSAGE = "An SSL error occurred"


class VerifyError(Exception):
    """Could not verify something that was supposed to be signed."""


class PeerVerifyError(VerifyError):
    """The peer rejected our verify error."""


class CertificateError(Exception):
    """We did not find a certificate where we expected to find one."""


class UserError(ConnectError):
    """The user aborted the connection attempt (``connector.stopConnecting()``)."""

    MESSAGE = "User aborted connection"


class TimeoutError(UserError):
    """The connect did not finish within ``connectTCP``'s ``timeout``."""

    MESSAGE = "User timeout caused connection failure"


errnoMapping = {
    errno.ENETUNREACH: NoRouteError,
    errno.ECONNREFUSED: ConnectionRefusedError,
    errno.ETIMEDOUT: TCPTimedOutError,
}


def getConnectError(e):
    """Turn a socket error (or an ``(errno, text)`` pair) into the matching ``ConnectError``."""
    args = e.args if isinstance(e, Exception) else e
    try:
        number, string = args
    except ValueError:
        return ConnectError(string=e)
    if isinstance(e, socket.gaierror):
        return UnknownHostError(number, string)
    return errnoMapping.get(number, ConnectError)(number, string)


# --- How a connection ended --------------------------------------------------------------


class ConnectionClosed(Exception):
    """Connection was closed, whether cleanly or non-cleanly."""


class ConnectionLost(_Described, ConnectionClosed):
    """Connection to the other side was lost in a non-clean fashion (reset, broken pipe)."""

    MESSAGE = "Connection to the other side was lost in a non-clean fashion"


class ConnectionAborted(ConnectionLost):
    """Connection was aborted locally, with ``ITCPTransport.abortConnection``."""

    MESSAGE = "Connection was aborted locally using ITCPTransport.abortConnection"


class ConnectionDone(_Described, ConnectionClosed):
    """Connection was closed cleanly: ``loseConnection`` on one side or the other."""

    MESSAGE = "Connection was closed cleanly"


class FileDescriptorOverrun(ConnectionLost):
    """More file descriptors than bytes were sent over a UNIX socket (kept for the hierarchy)."""

    MESSAGE = ("A mis-use of IUNIXTransport.sendFileDescriptor caused "
               "the connection to be closed.")


class ConnectionFdescWentAway(ConnectionLost):
    """The file descriptor of a connection was closed behind the reactor's back."""

    MESSAGE = "Uh"


class ProcessDone(ConnectionDone):
    """A process has ended without apparent errors."""

    MESSAGE = "A process has ended without apparent errors"

    def __init__(self, status):
        super().__init__("process finished with exit code 0")
        self.exitCode = 0
        self.signal = None
        self.status = status


class ProcessTerminated(ConnectionLost):
    """A process has ended with a probable error condition."""

    MESSAGE = "A process has ended with a probable error condition"

    def __init__(self, exitCode=None, signal=None, status=None):
        self.exitCode = exitCode
        self.signal = signal
        self.status = status
        text = "process ended"
        if exitCode is not None:
            text += f" with exit code {exitCode}"
        if signal is not None:
            text += f" by signal {signal}"
        super().__init__(text)


class ProcessExitedAlready(Exception):
    """The process has already exited; the operation can no longer be performed."""


# --- Timers ------------------------------------------------------------------------------


class AlreadyCalled(_Described, ValueError):
    """``cancel``/``reset``/``delay`` on a ``DelayedCall`` that has already run."""

    MESSAGE = "Tried to cancel an already-called event"


class AlreadyCancelled(_Described, ValueError):
    """``cancel``/``reset``/``delay`` on a ``DelayedCall`` that was cancelled."""

    MESSAGE = "Tried to cancel an already-cancelled event"


# --- Misuse of connectors, ports and the reactor -----------------------------------------


class NotConnectingError(_Described, RuntimeError):
    """``stopConnecting`` on a connector that was not connecting."""

    MESSAGE = "The Connector was not connecting when it was asked to stop connecting"


class NotListeningError(_Described, RuntimeError):
    """``stopListening`` on a port that was not listening."""

    MESSAGE = "The Port was not listening when it was asked to stop listening"


class ReactorNotRunning(RuntimeError):
    """``stop()`` on a reactor that isn't running."""


class ReactorNotRestartable(RuntimeError):
    """Twisted raises it when ``run()`` follows ``stop()``; minitwisted never does."""


class ReactorAlreadyRunning(RuntimeError):
    """``run()`` on a reactor that is already running."""


class ReactorAlreadyInstalledError(AssertionError):
    """An ``install()`` function was called after a reactor was installed."""


class ConnectingCancelledError(Exception):
    """A connection attempt was cancelled (an endpoint's ``connect`` Deferred)."""

    def __init__(self, address):
        super().__init__(address)
        self.address = address


class NoProtocol(Exception):
    """The factory's ``buildProtocol`` returned ``None``; the endpoint's connect fails."""


class UnsupportedAddressFamily(Exception):
    """An address family was asked for that this transport does not support."""


class UnsupportedSocketType(Exception):
    """A socket type (``SOCK_STREAM``, ``SOCK_DGRAM``, ...) the reactor does not support."""


class AlreadyListened(Exception):
    """An endpoint that can listen only once was asked to listen again."""


class InvalidAddressError(ValueError):
    """An address was not valid for the operation (for example, not an IP literal)."""

    def __init__(self, address, message):
        super().__init__(address, message)
        self.address = address
        self.message = message
