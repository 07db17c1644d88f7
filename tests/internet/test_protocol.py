"""Tests for minitwisted.internet.protocol, side by side with real Twisted.

Most tests take the ``impl`` fixture and run once on minitwisted and once on Twisted
26.10.  Time is fake: Twisted's side uses ``twisted.internet.task.Clock``; ours uses
``minitwisted.internet.task.Clock`` when it exists, otherwise ``FakeClock`` below.
Connectors and reactors are small fakes that record what they are asked to do.
"""

import inspect
import math
import random
import sys
import types

import pytest
from twisted.internet import task as ttask

from minitwisted.internet import defer as mdefer
from minitwisted.internet import error as merror
from minitwisted.internet import protocol as mprotocol
from minitwisted.python import log as mlog


class FakeDelayedCall:
    """Just enough of a DelayedCall for a reconnecting factory."""

    def __init__(self, clock, time, f, args):
        self.clock, self.time, self.f, self.args = clock, time, f, args
        self.cancelled = self.called = False

    def getTime(self):
        return self.time

    def active(self):
        return not (self.cancelled or self.called)

    def cancel(self):
        self.cancelled = True
        self.clock.calls.remove(self)


class FakeClock:
    """A stand-in for ``task.Clock`` until minitwisted has one: callLater and advance."""

    def __init__(self):
        self.now = 0.0
        self.calls = []

    def seconds(self):
        return self.now

    def callLater(self, delay, f, *args):
        call = FakeDelayedCall(self, self.now + delay, f, args)
        self.calls.append(call)
        return call

    def getDelayedCalls(self):
        return list(self.calls)

    def advance(self, amount):
        self.now += amount
        for call in sorted(self.calls, key=lambda c: c.time):
            if call.time <= self.now and call in self.calls:
                self.calls.remove(call)
                call.called = True
                call.f(*call.args)


def _ourClock():
    try:
        from minitwisted.internet.task import Clock
    except ImportError:
        return FakeClock()
    return Clock()


def _namespace(name):
    if name == "minitwisted":
        return types.SimpleNamespace(name=name, protocol=mprotocol, error=merror,
                                     defer=mdefer, log=mlog, Clock=_ourClock)
    from twisted.internet import defer, error, protocol
    from twisted.python import log
    return types.SimpleNamespace(name=name, protocol=protocol, error=error,
                                 defer=defer, log=log, Clock=ttask.Clock)


@pytest.fixture(params=["minitwisted", "twisted"])
def impl(request):
    """The protocol module under test: ours, then the oracle."""
    return _namespace(request.param)


@pytest.fixture
def logged(impl):
    """The text of each event ``impl`` logs during the test."""
    events = []
    impl.log.addObserver(events.append)
    yield lambda: [impl.log.textFromEventDict(e) for e in events]
    impl.log.removeObserver(events.append)


class FakeConnector:
    """Records ``connect``/``stopConnecting`` calls; prints as ``<FakeConnector>``."""

    def __init__(self, notConnecting=None):
        self.connects = 0
        self.stops = 0
        self.notConnecting = notConnecting  # an exception stopConnecting raises

    def connect(self):
        self.connects += 1

    def stopConnecting(self):
        self.stops += 1
        if self.notConnecting:
            raise self.notConnecting

    def disconnect(self):
        self.stops += 1

    def __str__(self):
        return "<FakeConnector>"


def _retryDelays(impl, retries, **attributes):
    """Fail ``retries`` connections in a row; return the delays the factory scheduled."""
    factory = impl.protocol.ReconnectingClientFactory()
    factory.noisy = False
    factory.clock = impl.Clock()
    for name, value in attributes.items():
        setattr(factory, name, value)
    connector = FakeConnector()
    delays = []
    for attempt in range(retries):
        factory.clientConnectionFailed(connector, None)
        pending = factory.clock.getDelayedCalls()
        if not pending:
            break
        delays.append(pending[0].getTime() - factory.clock.seconds())
        factory.clock.advance(delays[-1])
    return delays


# --- Protocols -------------------------------------------------------------------------


def test_connectionDoneIsACleanConnectionDoneFailure(impl):
    """``connectionDone`` is a Failure wrapping ``ConnectionDone`` with Twisted's message."""
    done = impl.protocol.connectionDone
    assert done.check(impl.error.ConnectionDone)
    assert done.getErrorMessage() == "Connection was closed cleanly."
    assert done.tb is None


def test_connectionLostDefaultsToConnectionDone(impl):
    """``Protocol.connectionLost``'s reason defaults to ``connectionDone``."""
    parameter = inspect.signature(impl.protocol.Protocol.connectionLost).parameters["reason"]
    assert parameter.default is impl.protocol.connectionDone


def test_makeConnectionSetsTransportThenCallsConnectionMade(impl):
    """``makeConnection`` sets ``transport`` and ``connected`` before ``connectionMade`` runs."""
    seen = []

    class Greeter(impl.protocol.Protocol):
        def connectionMade(self):
            seen.append((self.transport, self.connected))

    p = Greeter()
    assert (p.transport, p.connected, p.factory) == (None, 0, None)
    p.makeConnection("the transport")
    assert seen == [("the transport", 1)]


def test_protocolLogPrefixIsTheClassName(impl):
    """A protocol and a factory name themselves in logs by their class name."""

    class Echo(impl.protocol.Protocol):
        pass

    class EchoFactory(impl.protocol.Factory):
        pass

    assert Echo().logPrefix() == "Echo"
    assert EchoFactory().logPrefix() == "EchoFactory"
    assert impl.protocol.DatagramProtocol().logPrefix() == "DatagramProtocol"


def test_protocolDefaultsDoNothing(impl):
    """The default event handlers accept their arguments and return None."""
    p = impl.protocol.Protocol()
    assert p.dataReceived(b"x") is None
    assert p.connectionLost() is None
    assert p.connectionMade() is None


# --- Factories -------------------------------------------------------------------------


def test_buildProtocolSetsFactory(impl):
    """``buildProtocol`` calls ``protocol`` and points the new protocol at the factory."""
    factory = impl.protocol.Factory()
    factory.protocol = impl.protocol.Protocol
    p = factory.buildProtocol(None)
    assert type(p) is impl.protocol.Protocol
    assert p.factory is factory
    assert factory.buildProtocol(None) is not p


def test_buildProtocolWithoutProtocolFails(impl):
    """A factory with no ``protocol`` set fails its assertion in ``buildProtocol``."""
    with pytest.raises(AssertionError):
        impl.protocol.Factory().buildProtocol(None)


def test_forProtocolSetsProtocolAndPassesArguments(impl):
    """``forProtocol`` builds the factory class with the extra arguments and sets ``protocol``."""

    class NamedFactory(impl.protocol.ServerFactory):
        def __init__(self, name, greeting="hi"):
            self.name, self.greeting = name, greeting

    factory = NamedFactory.forProtocol(impl.protocol.Protocol, "echo", greeting="yo")
    assert type(factory) is NamedFactory
    assert (factory.name, factory.greeting) == ("echo", "yo")
    assert factory.protocol is impl.protocol.Protocol


def test_factoryStartsOnFirstPortAndStopsOnLast(impl):
    """``startFactory`` runs at the first ``doStart``, ``stopFactory`` at the last ``doStop``."""
    events = []

    class Counting(impl.protocol.Factory):
        noisy = False

        def startFactory(self):
            events.append(("start", self.numPorts))

        def stopFactory(self):
            events.append(("stop", self.numPorts))

    factory = Counting()
    factory.doStart()
    factory.doStart()
    factory.doStop()
    assert events == [("start", 0)]
    assert factory.numPorts == 1
    factory.doStop()
    assert events == [("start", 0), ("stop", 0)]


def test_extraDoStopIsIgnored(impl):
    """``doStop`` with no port counted leaves ``numPorts`` at 0 and stops nothing."""
    factory = impl.protocol.Factory()
    factory.doStop()
    assert factory.numPorts == 0


def test_noisyFactoryLogsStartAndStop(impl, logged):
    """A noisy factory logs "Starting factory <repr>" and "Stopping factory <repr>"."""

    class Shown(impl.protocol.Factory):
        def __repr__(self):
            return "<Shown>"

    factory = Shown()
    factory.doStart()
    factory.doStart()
    factory.doStop()
    factory.doStop()
    assert logged() == ["Starting factory <Shown>", "Stopping factory <Shown>"]


def test_quietFactoryLogsNothing(impl, logged):
    """With ``noisy = False`` starting and stopping log nothing."""
    factory = impl.protocol.Factory()
    factory.noisy = False
    factory.doStart()
    factory.doStop()
    assert logged() == []


def test_factoryLogLineIsAPlainMessageEvent():
    """Differs from Twisted: the "Starting factory" event is a ``log.msg`` message, not a format."""
    events = []
    mlog.addObserver(events.append)
    try:
        mprotocol.Factory().doStart()
    finally:
        mlog.removeObserver(events.append)
    assert events[0]["message"][0].startswith("Starting factory <minitwisted.internet")
    assert "log_format" not in events[0]


def test_clientFactoryNotificationsDoNothing(impl):
    """``ClientFactory``'s three connection notifications accept their arguments and return None."""
    factory = impl.protocol.ClientFactory()
    connector = FakeConnector()
    assert factory.startedConnecting(connector) is None
    assert factory.clientConnectionFailed(connector, None) is None
    assert factory.clientConnectionLost(connector, None) is None
    assert connector.connects == 0


# --- ReconnectingClientFactory -----------------------------------------------------------


def test_reconnectingDefaultsMatchTwisted(impl):
    """The back-off settings have Twisted's values: e, 1 s first, 1 h at most, 12% jitter."""
    factory = impl.protocol.ReconnectingClientFactory()
    settings = (factory.maxDelay, factory.initialDelay, factory.factor, factory.jitter,
                factory.delay, factory.retries, factory.maxRetries, factory.continueTrying,
                factory.clock, factory.connector)
    assert settings == (3600, 1.0, math.e, 0.119626565582, 1.0, 0, None, 1, None, None)


def test_firstRetryWaitsInitialDelay(impl):
    """Without jitter the delays are 1, e, e**2, ... up to 3600 s (Twisted 26.10's sequence)."""
    delays = _retryDelays(impl, 12, jitter=0)
    expected = [min(math.e ** n, 3600) for n in range(12)]
    assert delays == pytest.approx(expected)
    assert delays[:3] == pytest.approx([1.0, 2.718, 7.389], abs=1e-3)
    assert delays[-3:] == [3600, 3600, 3600]


def test_jitteredDelaysMatchTwistedForTheSameRandomSeed():
    """With the same seed both libraries draw the same jittered delays, even above maxDelay."""
    sequences = []
    for name in ["minitwisted", "twisted"]:
        random.seed(20261)
        sequences.append(_retryDelays(_namespace(name), 14))
    assert sequences[0] == pytest.approx(sequences[1])
    assert sequences[0][0] != 1.0
    assert max(sequences[0]) > 3600 * 0.9  # jitter is applied after the clamp


def test_everyRetryCallsConnectorConnect(impl):
    """Each scheduled retry calls ``connect()`` on the connector once its delay has passed."""
    factory = impl.protocol.ReconnectingClientFactory()
    factory.noisy, factory.jitter, factory.clock = False, 0, impl.Clock()
    connector = FakeConnector()
    factory.clientConnectionLost(connector, None)
    assert factory.connector is connector
    factory.clock.advance(0.5)
    assert connector.connects == 0
    factory.clock.advance(0.5)
    assert connector.connects == 1


def test_retryLogsTheWholeSeconds(impl, logged):
    """A noisy factory logs "<connector> will retry in N seconds", N truncated to an integer."""
    factory = impl.protocol.ReconnectingClientFactory()
    factory.jitter, factory.clock = 0, impl.Clock()
    connector = FakeConnector()
    factory.clientConnectionFailed(connector, None)
    factory.clientConnectionFailed(connector, None)
    assert logged() == ["<FakeConnector> will retry in 1 seconds",
                        "<FakeConnector> will retry in 2 seconds"]


def test_maxRetriesAbandonsAfterThatManyRetries(impl, logged):
    """With ``maxRetries = 3`` three retries are scheduled and the fourth failure abandons."""
    delays = _retryDelays(impl, 10, jitter=0, maxRetries=3)
    assert delays == pytest.approx([1.0, math.e, math.e ** 2])

    factory = impl.protocol.ReconnectingClientFactory()
    factory.jitter, factory.maxRetries, factory.clock = 0, 1, impl.Clock()
    connector = FakeConnector()
    factory.clientConnectionFailed(connector, None)
    factory.clientConnectionFailed(connector, None)
    assert factory.retries == 2
    assert logged()[-1] == "Abandoning <FakeConnector> after 2 retries."


def test_resetDelayStartsTheSequenceAgain(impl):
    """``resetDelay`` puts back ``initialDelay``, zero retries and ``continueTrying``."""
    factory = impl.protocol.ReconnectingClientFactory()
    factory.noisy, factory.jitter, factory.clock = False, 0, impl.Clock()
    connector = FakeConnector()
    for attempt in range(3):
        factory.clientConnectionFailed(connector, None)
    assert factory.retries == 3
    factory.resetDelay()
    assert (factory.delay, factory.retries, factory.continueTrying) == (1.0, 0, 1)


def test_stopTryingCancelsThePendingRetry(impl):
    """``stopTrying`` cancels the scheduled retry, stops the connector, and retries no more."""
    factory = impl.protocol.ReconnectingClientFactory()
    factory.noisy, factory.clock = False, impl.Clock()
    connector = FakeConnector()
    factory.clientConnectionLost(connector, None)
    factory.stopTrying()
    assert factory.clock.getDelayedCalls() == []
    assert (connector.stops, factory.continueTrying) == (1, 0)
    factory.clientConnectionLost(connector, None)
    factory.clock.advance(10000)
    assert connector.connects == 0


def test_stopTryingIgnoresNotConnectingError(impl):
    """``stopTrying`` on a connector that is not connecting swallows ``NotConnectingError``."""
    factory = impl.protocol.ReconnectingClientFactory()
    factory.connector = FakeConnector(notConnecting=impl.error.NotConnectingError())
    factory.stopTrying()
    assert factory.connector.stops == 1


def test_retryAfterStopTryingLogsAbandoning(impl, logged):
    """Calling ``retry`` after ``stopTrying`` logs that it abandons "on explicit request"."""
    factory = impl.protocol.ReconnectingClientFactory()
    factory.stopTrying()
    factory.retry(FakeConnector())
    assert logged() == ["Abandoning <FakeConnector> on explicit request"]


def test_retryWithoutConnectorRaisesValueError(impl):
    """``retry()`` before any connection attempt has no connector and raises ``ValueError``."""
    with pytest.raises(ValueError, match="no connector to retry"):
        impl.protocol.ReconnectingClientFactory().retry()


def test_clockDefaultsToTheGlobalReactor(monkeypatch):
    """Without ``clock`` the first retry imports ``minitwisted.internet.reactor`` and uses it."""
    import minitwisted.internet

    clock = FakeClock()
    monkeypatch.delattr(minitwisted.internet, "reactor", raising=False)
    monkeypatch.setitem(sys.modules, "minitwisted.internet.reactor", clock)
    factory = mprotocol.ReconnectingClientFactory()
    factory.noisy = False
    factory.clientConnectionFailed(FakeConnector(), None)
    assert factory.clock is clock
    assert len(clock.calls) == 1


# --- DatagramProtocol ----------------------------------------------------------------------


class Shown:
    """Mixin: a protocol that prints as ``<Shown>`` and records start/stop."""

    def __repr__(self):
        return "<Shown>"

    def startProtocol(self):
        self.events.append("start")

    def stopProtocol(self):
        self.events.append("stop")


def _datagramProtocol(impl):
    proto = type("Udp", (Shown, impl.protocol.DatagramProtocol), {})()
    proto.events = []
    return proto


def test_datagramMakeConnectionStartsOnce(impl):
    """``makeConnection`` sets ``transport`` and ``startProtocol`` runs for the first port only."""
    proto = _datagramProtocol(impl)
    proto.makeConnection("port")
    assert (proto.transport, proto.numPorts, proto.events) == ("port", 1, ["start"])
    proto.doStart()
    assert (proto.numPorts, proto.events) == (2, ["start"])


def test_datagramDoStopDropsTransportAndStopsOnLast(impl):
    """Each ``doStop`` clears ``transport``; the last one runs ``stopProtocol``."""
    proto = _datagramProtocol(impl)
    proto.makeConnection("port")
    proto.doStart()
    proto.doStop()
    assert (proto.transport, proto.events) == (None, ["start"])
    proto.doStop()
    assert proto.events == ["start", "stop"]


def test_datagramStartAndStopAreLogged(impl, logged):
    """A noisy datagram protocol logs "Starting protocol <str>" and "Stopping protocol <str>"."""
    proto = _datagramProtocol(impl)
    proto.makeConnection("port")
    proto.doStop()
    assert logged() == ["Starting protocol <Shown>", "Stopping protocol <Shown>"]


def test_datagramMisuseFailsAssertions(impl):
    """A second transport, or ``doStop`` without ``doStart``, fails an assertion."""
    proto = impl.protocol.DatagramProtocol()
    with pytest.raises(AssertionError):
        proto.doStop()
    proto.noisy = False
    proto.makeConnection("port")
    with pytest.raises(AssertionError):
        proto.makeConnection("another port")


def test_datagramDefaultsDoNothing(impl):
    """The default datagram handlers accept their arguments and return None."""
    proto = impl.protocol.DatagramProtocol()
    assert proto.datagramReceived(b"x", ("127.0.0.1", 9)) is None
    assert proto.connectionRefused() is None


# --- ClientCreator -------------------------------------------------------------------------


class FakeReactor:
    """Records ``connectTCP`` calls; ``callLater`` goes to a fake clock."""

    def __init__(self, clock):
        self.clock = clock
        self.tcpClients = []
        self.connector = FakeConnector()

    def callLater(self, delay, f, *args):
        return self.clock.callLater(delay, f, *args)

    def connectTCP(self, host, port, factory, timeout=30, bindAddress=None):
        self.tcpClients.append((host, port, factory, timeout, bindAddress))
        return self.connector


def _creator(impl):
    reactor = FakeReactor(impl.Clock())
    creator = impl.protocol.ClientCreator(reactor, impl.protocol.Protocol)
    return reactor, creator


def test_clientCreatorFiresWithTheProtocolAfterATurn(impl):
    """The Deferred fires with the protocol instance a reactor turn after ``buildProtocol``."""
    reactor, creator = _creator(impl)
    d = creator.connectTCP("127.0.0.1", 8000, timeout=5)
    host, port, factory, timeout, bindAddress = reactor.tcpClients[0]
    assert (host, port, timeout, bindAddress) == ("127.0.0.1", 8000, 5, None)
    assert factory.noisy is False
    proto = factory.buildProtocol(None)
    assert isinstance(proto, impl.protocol.Protocol)
    results = []
    d.addCallback(results.append)
    assert results == []
    reactor.clock.advance(0)
    assert results == [proto]


def test_clientCreatorFailsWithTheConnectFailure(impl):
    """A failed connect fails the Deferred with the reason the factory was given."""
    reactor, creator = _creator(impl)
    d = creator.connectTCP("127.0.0.1", 8000)
    factory = reactor.tcpClients[0][2]
    factory.clientConnectionFailed(reactor.connector, impl.error.ConnectionRefusedError())
    reactor.clock.advance(0)
    failures = []
    d.addErrback(failures.append)
    assert failures[0].check(impl.error.ConnectionRefusedError)


def test_clientCreatorCancelDisconnects(impl):
    """Cancelling the Deferred disconnects the connector and fails with ``CancelledError``."""
    reactor, creator = _creator(impl)
    d = creator.connectTCP("127.0.0.1", 8000)
    reactor.tcpClients[0][2].buildProtocol(None)
    d.cancel()
    failures = []
    d.addErrback(failures.append)
    assert failures[0].check(impl.defer.CancelledError)
    assert reactor.connector.stops == 1
    assert reactor.clock.getDelayedCalls() == []


def test_leftOutClassesAreAbsent():
    """Differs from Twisted: process protocols, FileWrapper and the adapters are left out."""
    from twisted.internet import protocol

    for name in ["ProcessProtocol", "ConnectedDatagramProtocol", "FileWrapper",
                 "ProtocolToConsumerAdapter", "ConsumerToProtocolAdapter"]:
        assert hasattr(protocol, name)
        assert not hasattr(mprotocol, name)
