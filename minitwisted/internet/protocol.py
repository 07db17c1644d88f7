"""Protocols and factories: the code you write to handle connections, and what makes it.

Mirrors ``twisted.internet.protocol`` (Twisted 26.10): same class names, attributes,
method signatures and log lines, checked side by side against real Twisted by
``tests/internet/test_protocol.py``.  The workshop builds it in
``notebooks/05_protocols_and_factories.ipynb``.

Read it in this order:

1. ``BaseProtocol`` and ``Protocol``: one object per connection; the reactor calls
   ``makeConnection`` (then ``connectionMade``), ``dataReceived`` and ``connectionLost``;
2. ``Factory``: one object per listening port (or client); its ``buildProtocol`` makes a
   protocol for each connection, and it counts the ports using it (``doStart``/``doStop``);
3. ``ClientFactory`` and ``ReconnectingClientFactory``: a client hears whether its
   connection failed or was lost, and may try again after a growing delay;
4. ``DatagramProtocol``: UDP has no connections, so one protocol serves the whole port;
5. ``ClientCreator``: connect once without writing a factory.

Differs from Twisted:

- ``Factory.doStart``/``doStop`` log "Starting factory <...>" and "Stopping factory <...>"
  with ``minitwisted.python.log.msg``; Twisted sends them through ``twisted.logger``.  The
  text an observer formats is the same; the event's keys differ (see ``log.py``).
- Left out: ``ProcessProtocol`` (the workshop runs no child processes),
  ``ConnectedDatagramProtocol``, ``FileWrapper``, the ``IConsumer``/``IProtocol`` adapters,
  ``ClientCreator.connectUNIX``/``connectSSL``, pickling support, and the typing generics
  (``Factory[MyProtocol]``).
"""

import random

from zope.interface import implementer

from minitwisted.internet import defer, error
from minitwisted.internet.interfaces import ILoggingContext, IProtocol, IProtocolFactory
from minitwisted.python import log
from minitwisted.python.failure import Failure


# --- Factories -------------------------------------------------------------------------


@implementer(IProtocolFactory, ILoggingContext)
class Factory:
    """Builds one protocol per connection, and knows how many ports are using it.

    Invariant: ``numPorts`` is the number of ports and connectors that called
    ``doStart`` and not yet ``doStop``; ``startFactory`` ran when it went from 0 to 1,
    ``stopFactory`` when it went back to 0.
    """

    protocol = None  # the class (or any callable) buildProtocol calls
    numPorts = 0
    noisy = True  # log "Starting factory"/"Stopping factory"

    @classmethod
    def forProtocol(cls, protocol, *args, **kwargs):
        """Return ``cls(*args, **kwargs)`` with its ``protocol`` attribute set to ``protocol``."""
        factory = cls(*args, **kwargs)
        factory.protocol = protocol
        return factory

    def logPrefix(self):
        """Name this factory in log lines: its class name."""
        return self.__class__.__name__

    def doStart(self):
        """Count one more port; the first one starts the factory.  Called by ports, not by you."""
        if not self.numPorts:
            if self.noisy:
                log.msg("Starting factory %r" % (self,))
            self.startFactory()
        self.numPorts += 1

    def doStop(self):
        """Count one port fewer; the last one stops the factory.  Called by ports, not by you."""
        if self.numPorts == 0:
            return  # more stops than starts: ignore it rather than go negative, as Twisted
        self.numPorts -= 1
        if not self.numPorts:
            if self.noisy:
                log.msg("Stopping factory %r" % (self,))
            self.stopFactory()

    def startFactory(self):
        """Override to set up shared state (open a file, a database) before the first port."""

    def stopFactory(self):
        """Override to release shared state after the last port has stopped."""

    def buildProtocol(self, addr):
        """Return a new protocol for a connection from ``addr``, with ``factory`` set to me.

        Override it to build protocols differently; returning None refuses the connection.
        """
        assert self.protocol is not None, "set the factory's 'protocol' attribute first"
        p = self.protocol()
        p.factory = self  # how a protocol reaches state shared by all connections
        return p


class ServerFactory(Factory):
    """A factory meant for ``listenTCP``; it adds nothing but its name."""


class ClientFactory(Factory):
    """A factory for ``connectTCP``: it also hears how the connection attempt went."""

    def startedConnecting(self, connector):
        """The attempt has begun; ``connector.stopConnecting()`` would abandon it."""

    def clientConnectionFailed(self, connector, reason):
        """The connection could not be made; ``reason`` is a Failure (refused, timeout...)."""

    def clientConnectionLost(self, connector, reason):
        """A connection that was made has ended; ``connector.connect()`` would try again."""


class ReconnectingClientFactory(ClientFactory):
    """A client factory that reconnects after each failed or lost connection, waiting longer.

    The first retry waits ``initialDelay`` seconds; each later one waits ``factor`` (e)
    times longer, up to ``maxDelay``.  ``jitter`` blurs every delay (a normal
    distribution, ``jitter`` wide relative to the delay) so that many clients restarted
    together do not reconnect in step.  Call ``resetDelay()`` once connected, and
    ``stopTrying()`` to give up.  ``clock`` is what schedules the retries: the reactor
    unless a test sets it to a ``task.Clock``.
    """

    maxDelay = 3600
    initialDelay = 1.0
    factor = 2.7182818284590451  # e
    jitter = 0.119626565582
    delay = initialDelay  # the wait before the next retry
    retries = 0  # retries since the last resetDelay
    maxRetries = None  # None: never give up
    continueTrying = 1
    connector = None
    clock = None
    _callID = None  # the scheduled retry, while one is pending

    def clientConnectionFailed(self, connector, reason):
        """Retry, unless ``stopTrying`` was called."""
        if self.continueTrying:
            self.connector = connector
            self.retry()

    def clientConnectionLost(self, connector, unused_reason):
        """Retry, unless ``stopTrying`` was called."""
        if self.continueTrying:
            self.connector = connector
            self.retry()

    def retry(self, connector=None):
        """Schedule ``connector.connect()`` after the current delay, then grow the delay."""
        if not self.continueTrying:
            if self.noisy:
                log.msg(f"Abandoning {connector} on explicit request")
            return
        if connector is None:
            if self.connector is None:
                raise ValueError("no connector to retry")
            connector = self.connector

        self.retries += 1
        if self.maxRetries is not None and self.retries > self.maxRetries:
            if self.noisy:
                log.msg("Abandoning %s after %d retries." % (connector, self.retries))
            return

        # Jitter comes after the previous retry clamped the delay to maxDelay, so a
        # jittered delay can exceed maxDelay; and it sticks, as the next delay grows from it.
        if self.jitter:
            self.delay = random.normalvariate(self.delay, self.delay * self.jitter)
        if self.noisy:
            log.msg("%s will retry in %d seconds" % (connector, self.delay))

        def reconnect():
            self._callID = None
            connector.connect()

        if self.clock is None:
            from minitwisted.internet import reactor  # imported late: importing it installs one

            self.clock = reactor
        self._callID = self.clock.callLater(self.delay, reconnect)
        # Grow after scheduling, so the first retry waits initialDelay (Twisted >= 25).
        self.delay = min(self.delay * self.factor, self.maxDelay)

    def stopTrying(self):
        """Cancel a pending retry, stop any attempt in progress, and retry no more."""
        if self._callID:
            self._callID.cancel()
            self._callID = None
        self.continueTrying = 0
        if self.connector:
            try:
                self.connector.stopConnecting()
            except error.NotConnectingError:
                pass  # already connected or already failed: nothing to stop

    def resetDelay(self):
        """Start again from ``initialDelay`` with no retries counted: call it once connected."""
        self.delay = self.initialDelay
        self.retries = 0
        self._callID = None
        self.continueTrying = 1


# --- Protocols -------------------------------------------------------------------------


class BaseProtocol:
    """What every protocol has: a ``transport``, once ``makeConnection`` has attached one."""

    connected = 0
    transport = None

    def makeConnection(self, transport):
        """Remember ``transport``, mark the protocol connected, then call ``connectionMade``."""
        self.connected = 1
        self.transport = transport
        self.connectionMade()

    def connectionMade(self):
        """Override to act when the connection starts (send a greeting, start a timer)."""


# The reason a cleanly closed connection reports; also connectionLost's default.
connectionDone = Failure(error.ConnectionDone())
connectionDone.cleanFailure()  # no traceback to keep alive: it is shared by everyone


@implementer(IProtocol, ILoggingContext)
class Protocol(BaseProtocol):
    """The base class of stream protocols: override ``dataReceived`` and friends.

    ``factory`` is the factory that built this protocol (set by ``buildProtocol``).
    """

    factory = None

    def logPrefix(self):
        """Name this protocol in log lines: its class name."""
        return self.__class__.__name__

    def dataReceived(self, data):
        """Override to handle bytes as they arrive: any slice of what was sent, so buffer."""

    def connectionLost(self, reason=connectionDone):
        """Override to clean up when the connection ends; ``reason`` is a Failure saying why."""


class AbstractDatagramProtocol:
    """What a datagram protocol needs: a transport, and a count of the ports using it.

    Invariant: ``startProtocol`` ran when ``numPorts`` went from 0 to 1, and
    ``stopProtocol`` runs when it goes back to 0.
    """

    transport = None
    numPorts = 0
    noisy = True  # log "Starting protocol"/"Stopping protocol"

    def doStart(self):
        """Count one more port; the first one starts the protocol.  Called by ``makeConnection``."""
        if not self.numPorts:
            if self.noisy:
                log.msg("Starting protocol %s" % (self,))
            self.startProtocol()
        self.numPorts += 1

    def doStop(self):
        """Count one port fewer and drop the transport; the last one stops the protocol."""
        assert self.numPorts > 0, "doStop called more often than doStart"
        self.numPorts -= 1
        self.transport = None
        if not self.numPorts:
            if self.noisy:
                log.msg("Stopping protocol %s" % (self,))
            self.stopProtocol()

    def startProtocol(self):
        """Override to act once the port is ready (join a group, send a first datagram)."""

    def stopProtocol(self):
        """Override to clean up after the last port has closed."""

    def makeConnection(self, transport):
        """Attach the UDP port and start the protocol.  Called by ``listenUDP``."""
        assert self.transport is None, "this protocol already has a transport"
        self.transport = transport
        self.doStart()

    def datagramReceived(self, datagram, addr):
        """Override to handle one datagram (bytes) from ``addr``, a ``(host, port)`` tuple."""


@implementer(ILoggingContext)
class DatagramProtocol(AbstractDatagramProtocol):
    """The base class of UDP protocols: override ``datagramReceived``."""

    def logPrefix(self):
        """Name this protocol in log lines: its class name."""
        return self.__class__.__name__

    def connectionRefused(self):
        """Override to hear that a datagram sent on a connected port was refused (by ICMP)."""


# --- Connecting without a factory -------------------------------------------------------


class _InstanceFactory(ClientFactory):
    """The one-shot factory behind ``ClientCreator``: hands out one ready-made protocol.

    It fires ``deferred`` through ``reactor.callLater(0, ...)`` so the caller's callbacks
    run after ``connectionMade``, not in the middle of the reactor setting up the
    connection.  ``pending`` is that scheduled call, so cancelling can stop it.
    """

    noisy = False
    pending = None

    def __init__(self, reactor, instance, deferred):
        self.reactor = reactor
        self.instance = instance
        self.deferred = deferred

    def __repr__(self):
        return f"<ClientCreator factory: {self.instance!r}>"

    def buildProtocol(self, addr):
        """Return the prepared protocol and schedule the Deferred's success."""
        self.pending = self.reactor.callLater(0, self._fire, self.deferred.callback, self.instance)
        self.deferred = None  # fired once only
        return self.instance

    def clientConnectionFailed(self, connector, reason):
        """Schedule the Deferred's failure with ``reason``."""
        self.pending = self.reactor.callLater(0, self._fire, self.deferred.errback, reason)
        self.deferred = None

    def _fire(self, fire, value):
        self.pending = None
        fire(value)


class ClientCreator:
    """Connect one protocol instance, ``protocolClass(*args, **kwargs)``, without a factory.

    Useful when connections share no state and never reconnect.  Endpoints
    (``minitwisted.internet.endpoints``) are the modern way to do the same.
    """

    def __init__(self, reactor, protocolClass, *args, **kwargs):
        self.reactor = reactor
        self.protocolClass = protocolClass
        self.args = args
        self.kwargs = kwargs

    def connectTCP(self, host, port, timeout=30, bindAddress=None):
        """Connect over TCP; return a Deferred firing with the connected protocol.

        Cancelling the Deferred abandons the attempt (it fails with ``CancelledError``).
        """

        def cancel(d):
            connector.disconnect()
            if factory.pending is not None:
                factory.pending.cancel()  # connected already, but the caller gave up

        d = defer.Deferred(cancel)
        factory = _InstanceFactory(self.reactor, self.protocolClass(*self.args, **self.kwargs), d)
        connector = self.reactor.connectTCP(
            host, port, factory, timeout=timeout, bindAddress=bindAddress
        )
        return d
