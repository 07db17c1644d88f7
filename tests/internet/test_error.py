"""Tests for minitwisted.internet.error, side by side with real Twisted.

Every exception class that exists in both libraries must sit at the same place in the
hierarchy (so ``except ConnectError`` catches the same things), and representative
instances must print the same ``str()`` and carry the same attributes.
"""

import errno
import inspect
import socket

import pytest
from twisted.internet import error as terror

from minitwisted.internet import error as merror


def _exceptionClasses(module):
    return {name: value for name, value in vars(module).items()
            if inspect.isclass(value) and issubclass(value, BaseException)
            and not name.startswith("_")}


SHARED = sorted(set(_exceptionClasses(merror)) & set(_exceptionClasses(terror)))


def _publicNames(classes):
    """Class names, leaving out private helpers such as our ``_Described`` mixin."""
    return [c.__name__ for c in classes if not c.__name__.startswith("_")]


# --- The hierarchy ----------------------------------------------------------------------


def test_everyOurExceptionExistsInTwisted():
    """Each public exception class of ours has a namesake in Twisted."""
    assert set(_exceptionClasses(merror)) <= set(_exceptionClasses(terror))


@pytest.mark.parametrize("name", SHARED)
def test_exceptionHasTwistedsBases(name):
    """The class has the same public base classes as Twisted's, in the same order."""
    ours = _publicNames(getattr(merror, name).__bases__)
    theirs = _publicNames(getattr(terror, name).__bases__)
    assert ours == theirs


@pytest.mark.parametrize("name", SHARED)
def test_exceptionHasTwistedsAncestors(name):
    """The whole line of ancestors matches Twisted's, so ``except`` clauses catch the same."""
    ours = _publicNames(getattr(merror, name).__mro__)
    theirs = _publicNames(getattr(terror, name).__mro__)
    assert ours == theirs


def test_twistedsBuiltinBasesAreKept():
    """The standard-library bases a caller may catch are the same: OSError, ValueError, ..."""
    assert issubclass(merror.DNSLookupError, OSError)
    assert issubclass(merror.AlreadyCalled, ValueError)
    assert issubclass(merror.InvalidAddressError, ValueError)
    assert issubclass(merror.ReactorNotRunning, RuntimeError)
    assert issubclass(merror.ReactorAlreadyInstalledError, AssertionError)
    assert not issubclass(merror.DNSLookupError, merror.ConnectError)


# --- What they print --------------------------------------------------------------------

EXAMPLES = [
    ("BindError", (), {}),
    ("BindError", ("a", "b"), {}),
    ("CannotListenError", ("127.0.0.1", 80, OSError(13, "Permission denied")), {}),
    ("CannotListenError", ("", 80, OSError(98, "Address already in use")), {}),
    ("CannotListenError", (None, 80, "x"), {}),
    ("MessageLengthError", (), {}),
    ("MessageLengthError", ("big",), {}),
    ("DNSLookupError", (), {}),
    ("DNSLookupError", ("example.invalid",), {}),
    ("ConnectError", (), {}),
    ("ConnectError", (None, "boom"), {}),
    ("ConnectError", (111, "Connection refused"), {}),
    ("ConnectError", (0, "zero"), {}),
    ("ConnectError", (), {"string": "s"}),
    ("ConnectBindError", (), {}),
    ("UnknownHostError", (), {}),
    ("NoRouteError", (), {}),
    ("ConnectionRefusedError", (), {}),
    ("ConnectionRefusedError", (111, "Connection refused"), {}),
    ("TCPTimedOutError", (), {}),
    ("BadFileError", (), {}),
    ("ServiceNameUnknownError", (), {}),
    ("UserError", (), {}),
    ("TimeoutError", (), {}),
    ("TimeoutError", (None, "x"), {}),
    ("ConnectionClosed", (), {}),
    ("ConnectionLost", (), {}),
    ("ConnectionLost", ("a", "b"), {}),
    ("ConnectionAborted", (), {}),
    ("ConnectionDone", (), {}),
    ("ConnectionDone", ("Connection done",), {}),
    ("ConnectionFdescWentAway", (), {}),
    ("ProcessDone", (0,), {}),
    ("ProcessTerminated", (), {}),
    ("ProcessTerminated", (1,), {}),
    ("ProcessTerminated", (None, 9), {}),
    ("ProcessTerminated", (1, 9, 5), {}),
    ("AlreadyCalled", (), {}),
    ("AlreadyCancelled", (), {}),
    ("AlreadyCalled", ("x",), {}),
    ("NotConnectingError", (), {}),
    ("NotListeningError", (), {}),
    ("NotListeningError", ("x",), {}),
    ("ReactorNotRunning", (), {}),
    ("ReactorNotRunning", ("Can't stop reactor that isn't running.",), {}),
    ("ReactorNotRestartable", (), {}),
    ("ReactorAlreadyRunning", (), {}),
    ("ReactorAlreadyInstalledError", ("reactor already installed",), {}),
    ("ConnectingCancelledError", ("addr",), {}),
    ("NoProtocol", (), {}),
    ("UnsupportedAddressFamily", (), {}),
    ("AlreadyListened", (), {}),
    ("InvalidAddressError", ("h", "not an IP"), {}),
]

ATTRIBUTES = ["osError", "interface", "port", "socketError", "exitCode", "signal", "status",
              "address", "message", "args"]


def _exampleId(example):
    name, args, kwargs = example
    return name + repr(args) + (repr(kwargs) if kwargs else "")


@pytest.mark.parametrize("example", EXAMPLES, ids=[_exampleId(e) for e in EXAMPLES])
def test_exceptionPrintsAsInTwisted(example):
    """The instance's ``str()`` and ``repr()`` are Twisted's, and so are its attributes."""
    name, args, kwargs = example
    ours = getattr(merror, name)(*args, **kwargs)
    theirs = getattr(terror, name)(*args, **kwargs)
    assert str(ours) == str(theirs)
    assert repr(ours) == repr(theirs)
    for attribute in ATTRIBUTES:
        if hasattr(theirs, attribute):
            assert getattr(ours, attribute) == getattr(theirs, attribute), attribute


def test_connectionRefusedReadsAsInTheReference():
    """A refused connect prints "Connection was refused by other side: 111: Connection refused."."""
    e = merror.ConnectionRefusedError(111, "Connection refused")
    assert str(e) == "Connection was refused by other side: 111: Connection refused."


# --- getConnectError --------------------------------------------------------------------

SOCKET_ERRORS = [
    OSError(errno.ECONNREFUSED, "Connection refused"),
    OSError(errno.ENETUNREACH, "Network is unreachable"),
    OSError(errno.ETIMEDOUT, "Connection timed out"),
    OSError(errno.EPERM, "Operation not permitted"),
    socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
    (errno.ECONNREFUSED, "Connection refused"),
    OSError("just a message"),
]


@pytest.mark.parametrize("socketError", SOCKET_ERRORS, ids=repr)
def test_getConnectErrorPicksTwistedsClass(socketError):
    """A socket error becomes the same ``ConnectError`` subclass and text as in Twisted."""
    ours = merror.getConnectError(socketError)
    theirs = terror.getConnectError(socketError)
    assert type(ours).__name__ == type(theirs).__name__
    assert str(ours) == str(theirs)
    assert ours.osError == theirs.osError
