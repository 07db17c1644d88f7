"""Endpoints: say once where to listen or connect, then ``listen(factory)`` or ``connect(factory)``.

Mirrors ``twisted.internet.endpoints`` (Twisted 26.10) for TCP: the same class names and
signatures, the same description strings (``"tcp:8080:interface=127.0.0.1"``), and the
same Deferreds.  An endpoint separates *where* (chosen in configuration, as a string) from
*what* (the factory, chosen in code).  The workshop uses it in
``notebooks/05_protocols_and_factories.ipynb`` and ``notebooks/07_deployment.ipynb``.
Tests: ``tests/internet/test_endpoints.py``.

Read it in this order:

1. the server endpoints: ``listen`` is ``reactor.listenTCP`` wrapped in a Deferred;
2. ``_WrappingFactory``/``_WrappingProtocol``: how ``connect`` learns that the connection
   is up (``connectionMade``) and fires its Deferred with the caller's protocol;
3. the client endpoints and ``connectProtocol``;
4. the description strings: ``_tokenize`` and ``_parse`` split them, then
   ``serverFromString``/``clientFromString`` build endpoints.

Differs from Twisted:

- Only the ``tcp`` and ``tcp6`` (server) description types exist; others (``unix``,
  ``ssl``, ``tls``, ``systemd``, ``stdio``, plugins) raise ``ValueError("Unknown endpoint
  type: ...")``, the error Twisted gives for a type it has no parser for.
- A description ending in a lone backslash raises ``ValueError``; Twisted lets a
  ``RuntimeError`` ("generator raised StopIteration") escape.
- Left out: UNIX, SSL/TLS, process, standard I/O, ``HostnameEndpoint`` and the wrapping
  helpers (``wrapClientTLS``...), ``quoteStringArgument``, and plugins.
"""

import socket

from zope.interface import directlyProvides, implementer

from minitwisted.internet import defer, error
from minitwisted.internet.abstract import isIPv6Address
from minitwisted.internet.interfaces import (
    IHalfCloseableProtocol,
    ILoggingContext,
    IStreamClientEndpoint,
    IStreamServerEndpoint,
)
from minitwisted.internet.protocol import ClientFactory, Factory, Protocol


# --- Servers -----------------------------------------------------------------------------


@implementer(IStreamServerEndpoint)
class _TCPServerEndpoint:
    """What the IPv4 and IPv6 server endpoints share: all but the default interface."""

    def __init__(self, reactor, port, backlog, interface):
        self._reactor = reactor
        self._port = port
        self._backlog = backlog
        self._interface = interface

    def listen(self, protocolFactory):
        """Listen with ``protocolFactory``; return a Deferred firing with the ``IListeningPort``.

        A port that cannot be opened (``CannotListenError``) fails the Deferred
        instead of raising.
        """
        return defer.execute(
            self._reactor.listenTCP,
            self._port,
            protocolFactory,
            backlog=self._backlog,
            interface=self._interface,
        )


class TCP4ServerEndpoint(_TCPServerEndpoint):
    """Listen on an IPv4 TCP port; ``interface=''`` means every interface."""

    def __init__(self, reactor, port, backlog=50, interface=""):
        super().__init__(reactor, port, backlog, interface)


class TCP6ServerEndpoint(_TCPServerEndpoint):
    """Listen on an IPv6 TCP port; ``interface='::'`` means every interface."""

    def __init__(self, reactor, port, backlog=50, interface="::"):
        super().__init__(reactor, port, backlog, interface)


# --- Clients -----------------------------------------------------------------------------


class _WrappingProtocol(Protocol):
    """Stands between the transport and the caller's protocol, to fire ``connect``'s Deferred.

    Everything the transport says is passed on unchanged; only ``connectionMade`` does
    one thing more: it fires the Deferred with the caller's protocol.
    """

    def __init__(self, connectedDeferred, wrappedProtocol):
        self._connectedDeferred = connectedDeferred
        self._wrappedProtocol = wrappedProtocol
        # The transport checks the protocol it holds (this one) for half-close support.
        if IHalfCloseableProtocol.providedBy(wrappedProtocol):
            directlyProvides(self, IHalfCloseableProtocol)

    def logPrefix(self):
        """Log under the wrapped protocol's name, so the wrapper stays invisible."""
        if ILoggingContext.providedBy(self._wrappedProtocol):
            return self._wrappedProtocol.logPrefix()
        return self._wrappedProtocol.__class__.__name__

    def connectionMade(self):
        """Connect the wrapped protocol first, then fire the Deferred with it."""
        self._wrappedProtocol.makeConnection(self.transport)
        self._connectedDeferred.callback(self._wrappedProtocol)

    def dataReceived(self, data):
        return self._wrappedProtocol.dataReceived(data)

    def connectionLost(self, reason):
        return self._wrappedProtocol.connectionLost(reason)

    def readConnectionLost(self):
        self._wrappedProtocol.readConnectionLost()

    def writeConnectionLost(self):
        self._wrappedProtocol.writeConnectionLost()


class _WrappingFactory(ClientFactory):
    """The factory ``connect`` hands to ``connectTCP``: wraps the caller's factory.

    ``_onConnection`` is the Deferred ``connect`` returns.  It fires with the caller's
    protocol once connected, or fails with why not: the connect failed, the factory
    raised or returned None (``NoProtocol``), or the caller cancelled it
    (``ConnectingCancelledError``).
    """

    protocol = _WrappingProtocol

    def __init__(self, wrappedFactory):
        self._wrappedFactory = wrappedFactory
        self._onConnection = defer.Deferred(canceller=self._canceller)

    def startedConnecting(self, connector):
        """Remember the connector, so that cancelling can stop it."""
        self._connector = connector

    def _canceller(self, deferred):
        deferred.errback(error.ConnectingCancelledError(self._connector.getDestination()))
        self._connector.stopConnecting()

    def doStart(self):
        self._wrappedFactory.doStart()

    def doStop(self):
        self._wrappedFactory.doStop()

    def buildProtocol(self, addr):
        """Build the caller's protocol and wrap it; on any problem, fail the Deferred."""
        try:
            proto = self._wrappedFactory.buildProtocol(addr)
            if proto is None:
                raise error.NoProtocol()
        except BaseException:
            self._onConnection.errback()  # the current exception, as a Failure
            return None  # None makes the transport drop the connection
        return self.protocol(self._onConnection, proto)

    def clientConnectionFailed(self, connector, reason):
        """Fail the Deferred with ``reason``, unless it already failed (say, cancelled)."""
        if not self._onConnection.called:
            self._onConnection.errback(reason)


def _connectTCP(reactor, host, port, protocolFactory, timeout, bindAddress):
    """Start a TCP connect with a wrapping factory; return its Deferred (failed if it raised)."""
    try:
        wrappingFactory = _WrappingFactory(protocolFactory)
        reactor.connectTCP(host, port, wrappingFactory, timeout=timeout, bindAddress=bindAddress)
        return wrappingFactory._onConnection
    except BaseException:
        return defer.fail()


@implementer(IStreamClientEndpoint)
class TCP4ClientEndpoint:
    """Connect over IPv4 TCP to ``host:port``, giving up after ``timeout`` seconds."""

    def __init__(self, reactor, host, port, timeout=30, bindAddress=None):
        self._reactor = reactor
        self._host = host
        self._port = port
        self._timeout = timeout
        self._bindAddress = bindAddress

    def connect(self, protocolFactory):
        """Connect; return a Deferred firing with the protocol ``protocolFactory`` built.

        Cancel the Deferred to give up connecting (it fails with
        ``ConnectingCancelledError``).
        """
        return _connectTCP(self._reactor, self._host, self._port, protocolFactory,
                           self._timeout, self._bindAddress)


def _deferToThread(f, *args, **kwargs):
    """Run a blocking call in a thread; imported late so this module needs no thread pool."""
    from minitwisted.internet import threads

    return threads.deferToThread(f, *args, **kwargs)


@implementer(IStreamClientEndpoint)
class TCP6ClientEndpoint:
    """Connect over IPv6 TCP to ``host:port``; a host name is looked up first (AAAA).

    The lookup runs in a thread (``minitwisted.internet.threads.deferToThread``);
    ``_getaddrinfo`` and ``_deferToThread`` are hooks that tests replace, as in Twisted.
    """

    _getaddrinfo = staticmethod(socket.getaddrinfo)
    _deferToThread = staticmethod(_deferToThread)

    def __init__(self, reactor, host, port, timeout=30, bindAddress=None):
        self._reactor = reactor
        self._host = host
        self._port = port
        self._timeout = timeout
        self._bindAddress = bindAddress

    def connect(self, protocolFactory):
        """Connect (after a lookup if needed); return a Deferred firing with the protocol."""
        if isIPv6Address(self._host):
            return self._resolvedHostConnect(self._host, protocolFactory)
        # getaddrinfo blocks, so it runs in a thread; its first result's address is used.
        d = self._deferToThread(self._getaddrinfo, self._host, 0, socket.AF_INET6)
        d.addCallback(lambda results: results[0][4][0])
        d.addCallback(self._resolvedHostConnect, protocolFactory)
        return d

    def _resolvedHostConnect(self, resolvedHost, protocolFactory):
        return _connectTCP(self._reactor, resolvedHost, self._port, protocolFactory,
                           self._timeout, self._bindAddress)


def connectProtocol(endpoint, protocol):
    """Connect an existing protocol instance through ``endpoint``, without writing a factory.

    Returns ``endpoint.connect``'s Deferred, which fires with ``protocol``.
    """

    class OneShotFactory(Factory):
        def buildProtocol(self, addr):
            return protocol

    return endpoint.connect(OneShotFactory())


# --- Description strings ------------------------------------------------------------------

_OP, _STRING = range(2)


def _tokenize(description):
    """Split ``description`` into ``(_STRING, text)`` and ``(_OP, ':' or '=')`` tokens.

    ``:`` separates parameters and ``=`` gives one a name.  After an ``=`` only ``:`` is
    special, so a value may contain ``=``; a backslash makes the next character plain,
    so ``interface=\\:\\:1`` is the value ``::1``.
    """
    tokens = []
    current = ""
    ops = ":="
    chars = iter(description)
    for char in chars:
        if char in ops:
            tokens += [(_STRING, current), (_OP, char)]
            current = ""
            ops = ":" if char == "=" else ":="
        elif char == "\\":
            try:
                current += next(chars)
            except StopIteration:
                raise ValueError(f"Endpoint description ends with a backslash: {description!r}")
        else:
            current += char
    tokens.append((_STRING, current))
    return tokens


def _parse(description):
    """Return ``(args, kwargs)``: the ``:``-separated parameters, positional or ``name=value``.

    ``_parse('tcp:80:interface=127.0.0.1')`` is ``(['tcp', '80'], {'interface': '127.0.0.1'})``.
    """
    args, kwargs = [], {}
    parameter = []  # the one or two strings of the parameter being read

    def add(parameter):
        if len(parameter) == 1:
            args.append(parameter[0])
        else:
            kwargs[parameter[0]] = parameter[1]

    for kind, value in _tokenize(description):
        if kind == _STRING:
            parameter.append(value)
        elif value == ":":
            add(parameter)
            parameter = []
    add(parameter)
    return args, kwargs


def _unknownType(endpointType):
    return ValueError(f"Unknown endpoint type: '{endpointType.lower()}'")


def _parseTCP(port, interface="", backlog=50):
    """The ``tcp:`` server parameters, converted from strings."""
    return {"port": int(port), "interface": interface, "backlog": int(backlog)}


def _parseTCP6(port, backlog=50, interface="::"):
    """The ``tcp6:`` server parameters, converted from strings."""
    return {"port": int(port), "interface": interface, "backlog": int(backlog)}


def serverFromString(reactor, description):
    """Build a server endpoint from a string such as ``"tcp:8080:interface=127.0.0.1"``.

    Forms: ``tcp:PORT`` (or ``tcp:port=PORT``) with optional ``interface=`` and
    ``backlog=``; ``tcp6:PORT`` likewise, listening on ``::`` by default.  An unknown
    type raises ``ValueError``; a wrong parameter raises ``TypeError``, as in Twisted.
    """
    args, kwargs = _parse(description)
    endpointType, args = args[0], args[1:]
    # "tcp" must be lower case; "tcp6" may be any case (Twisted finds it as a plugin).
    if endpointType == "tcp":
        return TCP4ServerEndpoint(reactor, **_parseTCP(*args, **kwargs))
    if endpointType.lower() == "tcp6":
        return TCP6ServerEndpoint(reactor, **_parseTCP6(*args, **kwargs))
    raise _unknownType(endpointType)


def _parseClientTCP(*args, **kwargs):
    """The ``tcp:`` client parameters: ``host`` and ``port`` positional or named, converted."""
    if len(args) == 2:
        kwargs["host"], kwargs["port"] = args
    elif len(args) == 1:
        # One positional value is whichever of host and port was not named.
        kwargs["port" if "host" in kwargs else "host"] = args[0]
    if "port" in kwargs:
        kwargs["port"] = int(kwargs["port"])
    if "timeout" in kwargs:
        kwargs["timeout"] = int(kwargs["timeout"])
    if "bindAddress" in kwargs:
        kwargs["bindAddress"] = (kwargs["bindAddress"], 0)  # any local port
    return kwargs


def clientFromString(reactor, description):
    """Build a client endpoint from a string such as ``"tcp:host=127.0.0.1:port=80:timeout=5"``.

    ``tcp:HOST:PORT`` works too, as does naming only one of them.  Optional: ``timeout=``
    (whole seconds) and ``bindAddress=`` (a local IP).  The type is case-insensitive.
    """
    args, kwargs = _parse(description)
    endpointType = args.pop(0)
    if endpointType.upper() != "TCP":
        raise _unknownType(endpointType)
    return TCP4ClientEndpoint(reactor, **_parseClientTCP(*args, **kwargs))
