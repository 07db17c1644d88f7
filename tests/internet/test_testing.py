"""Tests for minitwisted.internet.testing, side by side with real Twisted.

Most tests take the ``impl`` fixture and run once on minitwisted and once on Twisted
26.10: the same scenario must give the same result on both.  Nothing here touches the
network: these fakes exist so that protocol tests do not have to.  Tests that pin a
deliberate difference say so in their docstring.
"""

import types

import pytest
from zope.interface.verify import verifyObject

from minitwisted.internet import address as maddress
from minitwisted.internet import defer as mdefer
from minitwisted.internet import error as merror
from minitwisted.internet import interfaces as minterfaces
from minitwisted.internet import protocol as mprotocol
from minitwisted.internet import task as mtask
from minitwisted.internet import testing as mtesting
from minitwisted.python import failure as mfailure


def _namespace(name):
    if name == "minitwisted":
        return types.SimpleNamespace(
            name=name, testing=mtesting, address=maddress, defer=mdefer, error=merror,
            interfaces=minterfaces, protocol=mprotocol, task=mtask,
            Failure=mfailure.Failure)
    from twisted.internet import address, defer, error, interfaces, protocol, task, testing
    from twisted.python import failure
    return types.SimpleNamespace(
        name=name, testing=testing, address=address, defer=defer, error=error,
        interfaces=interfaces, protocol=protocol, task=task, Failure=failure.Failure)


@pytest.fixture(params=["minitwisted", "twisted"])
def impl(request):
    """The testing module under test (with its neighbours): ours, then the oracle."""
    return _namespace(request.param)


@pytest.fixture
def transport(impl):
    """A fresh StringTransport of the implementation under test."""
    return impl.testing.StringTransport()


# --- StringTransport: writing -----------------------------------------------------------


def test_newTransportHoldsNoBytes(transport):
    """A new StringTransport has written nothing and is connected."""
    assert transport.value() == b""
    assert transport.connected is True
    assert transport.disconnecting is False
    assert transport.disconnected is False


def test_writeKeepsBytesInOrder(transport):
    """value() is everything written, in order."""
    transport.write(b"hello ")
    transport.write(b"world")
    assert transport.value() == b"hello world"
    assert transport.io.getvalue() == b"hello world"


def test_writeSequenceWritesEachItem(transport):
    """writeSequence writes its items one after the other."""
    transport.writeSequence([b"a", b"b", b"c"])
    assert transport.value() == b"abc"


def test_clearForgetsWhatWasWritten(transport):
    """clear() empties the buffer; later writes start afresh."""
    transport.write(b"old")
    transport.clear()
    assert transport.value() == b""
    transport.write(b"new")
    assert transport.value() == b"new"


def test_writingStrRaisesTypeError(transport):
    """write() refuses str with TypeError("Data must be bytes") and keeps nothing."""
    with pytest.raises(TypeError, match=r"^Data must be bytes$"):
        transport.write("text")
    assert transport.value() == b""


def test_protocolConnectedToATransportWritesToIt(impl, transport):
    """A protocol's writes through its transport show up in value()."""

    class Echo(impl.protocol.Protocol):
        def dataReceived(self, data):
            self.transport.write(data.upper())

    proto = Echo()
    proto.makeConnection(transport)
    proto.dataReceived(b"hi")
    assert transport.value() == b"HI"


# --- StringTransport: connection state and addresses --------------------------------------


def test_loseConnectionOnlySetsDisconnecting(transport):
    """loseConnection sets disconnecting and nothing else."""
    transport.loseConnection()
    assert transport.disconnecting is True
    assert transport.disconnected is False
    assert transport.connected is True


def test_abortConnectionSetsDisconnectingAndDisconnected(transport):
    """abortConnection sets both disconnecting and disconnected."""
    transport.abortConnection()
    assert transport.disconnecting is True
    assert transport.disconnected is True


def test_defaultAddressesAreTwistedsMadeUpOnes(impl, transport):
    """getPeer is 192.168.1.1:54321 and getHost is 10.0.0.1:12345, both TCP."""
    assert transport.getPeer() == impl.address.IPv4Address("TCP", "192.168.1.1", 54321)
    assert transport.getHost() == impl.address.IPv4Address("TCP", "10.0.0.1", 12345)
    assert repr(transport.getPeer()) == "IPv4Address(type='TCP', host='192.168.1.1', port=54321)"


def test_givenAddressesAreReturned(impl):
    """Addresses given to the constructor are what getHost and getPeer return."""
    host = impl.address.IPv4Address("TCP", "127.0.0.1", 8000)
    peer = impl.address.IPv4Address("TCP", "127.0.0.1", 40000)
    transport = impl.testing.StringTransport(hostAddress=host, peerAddress=peer)
    assert transport.getHost() is host
    assert transport.getPeer() is peer


def test_transportProvidesTwistedsInterfaces(impl, transport):
    """StringTransport provides ITransport, IConsumer and IPushProducer, but not ITCPTransport."""
    for interface in ("ITransport", "IConsumer", "IPushProducer"):
        assert verifyObject(getattr(impl.interfaces, interface), transport)
    assert not impl.interfaces.ITCPTransport.providedBy(transport)


# --- StringTransport: producers -------------------------------------------------------------


def test_registerProducerRecordsTheProducer(transport):
    """registerProducer sets producer and streaming; unregisterProducer clears both."""
    producer = object()
    transport.registerProducer(producer, True)
    assert (transport.producer, transport.streaming) == (producer, True)
    transport.unregisterProducer()
    assert (transport.producer, transport.streaming) == (None, None)


def test_registeringTwoProducersRaises(transport):
    """A second registerProducer raises RuntimeError("Cannot register two producers")."""
    transport.registerProducer(object(), False)
    with pytest.raises(RuntimeError, match=r"^Cannot register two producers$"):
        transport.registerProducer(object(), False)


def test_unregisteringWithoutAProducerRaises(transport):
    """unregisterProducer with none registered raises RuntimeError."""
    with pytest.raises(RuntimeError,
                       match=r"^Cannot unregister a producer unless one is registered$"):
        transport.unregisterProducer()


def test_producerStateFollowsPauseResumeAndStop(transport):
    """producerState goes producing, paused, producing, stopped."""
    assert transport.producerState == "producing"
    transport.pauseProducing()
    assert transport.producerState == "paused"
    transport.resumeProducing()
    assert transport.producerState == "producing"
    transport.stopProducing()
    assert transport.producerState == "stopped"


def test_resumingAStoppedTransportRaises(transport):
    """After stopProducing, pause and resume raise "Cannot resume a stopped producer"."""
    transport.stopProducing()
    for action in (transport.resumeProducing, transport.pauseProducing):
        with pytest.raises(RuntimeError, match=r"^Cannot resume a stopped producer$"):
            action()


def test_producingAfterLoseConnectionRaisesUnlessLenient(impl, transport):
    """After loseConnection, pause and resume raise RuntimeError unless the transport is lenient."""
    transport.loseConnection()
    for action in (transport.resumeProducing, transport.pauseProducing):
        with pytest.raises(RuntimeError,
                           match=r"^Cannot resume producing after loseConnection$"):
            action()
    lenient = impl.testing.StringTransport(lenient=True)
    lenient.loseConnection()
    lenient.pauseProducing()
    lenient.resumeProducing()
    assert lenient.producerState == "producing"


# --- StringTransportWithDisconnection -------------------------------------------------------


@pytest.fixture
def connected(impl):
    """An AccumulatingProtocol connected to a StringTransportWithDisconnection."""
    transport = impl.testing.StringTransportWithDisconnection()
    proto = impl.testing.AccumulatingProtocol()
    transport.protocol = proto
    proto.makeConnection(transport)
    return transport, proto


def test_loseConnectionCallsConnectionLostAtOnce(impl, connected):
    """loseConnection calls connectionLost(Failure(ConnectionDone("Bye."))) before returning."""
    transport, proto = connected
    transport.loseConnection()
    assert proto.closed == 1
    assert isinstance(proto.closedReason, impl.Failure)
    assert proto.closedReason.check(impl.error.ConnectionDone)
    assert proto.closedReason.value.args == ("Bye.",)
    assert transport.connected is False
    assert transport.disconnecting is False


def test_secondLoseConnectionDoesNothing(connected):
    """Only the first loseConnection reaches the protocol."""
    transport, proto = connected
    lost = []
    proto.connectionLost = lost.append
    transport.loseConnection()
    transport.loseConnection()
    assert len(lost) == 1


def test_abortConnectionAlsoDisconnectsTheProtocol(connected):
    """abortConnection sets disconnected and calls connectionLost once."""
    transport, proto = connected
    transport.abortConnection()
    assert transport.disconnected is True
    assert proto.closed == 1


# --- AccumulatingProtocol, LineSendingProtocol ------------------------------------------


def test_accumulatingProtocolRecordsWhatHappens(impl, transport):
    """made, data, closed and closedReason record the protocol's life."""
    proto = impl.testing.AccumulatingProtocol()
    assert (proto.made, proto.data, proto.closed, proto.closedReason) == (0, b"", 0, None)
    proto.makeConnection(transport)
    proto.dataReceived(b"ab")
    proto.dataReceived(b"cd")
    reason = impl.Failure(impl.error.ConnectionLost())
    proto.connectionLost(reason)
    assert (proto.made, proto.data, proto.closed, proto.closedReason) == (1, b"abcd", 1, reason)


def test_closedDeferredFiresOnConnectionLost(impl, transport):
    """A closedDeferred set by the test fires with None when the connection is lost, once."""
    proto = impl.testing.AccumulatingProtocol()
    proto.closedDeferred = d = impl.defer.Deferred()
    proto.makeConnection(transport)
    assert not d.called
    proto.connectionLost(None)
    assert d.called and d.result is None
    assert proto.closedDeferred is None


def test_factoryProtocolConnectionMadeFiresWithTheProtocol(impl, transport):
    """The factory's protocolConnectionMade Deferred fires with the first connected protocol."""
    factory = impl.protocol.Factory.forProtocol(impl.testing.AccumulatingProtocol)
    factory.protocolConnectionMade = d = impl.defer.Deferred()
    proto = factory.buildProtocol(None)
    proto.makeConnection(transport)
    assert d.result is proto
    assert factory.protocolConnectionMade is None
    factory.buildProtocol(None).makeConnection(impl.testing.StringTransport())


def test_lineSendingProtocolSendsItsLinesOnConnection(impl, transport):
    """With start=True the lines are sent as soon as the connection is made."""
    proto = impl.testing.LineSendingProtocol([b"one", b"two"])
    proto.makeConnection(transport)
    assert transport.value() == b"one\r\ntwo\r\n"
    proto.dataReceived(b"reply\r\n")
    assert proto.response == [b"reply"]
    proto.connectionLost(None)
    assert proto.lostConn is True


def test_lineSendingProtocolCanWaitForTheFirstLine(impl, transport):
    """With start=False the lines are sent after the first line arrives, and only once."""
    proto = impl.testing.LineSendingProtocol([b"one"], start=False)
    proto.makeConnection(transport)
    assert transport.value() == b""
    proto.dataReceived(b"hello\r\nagain\r\n")
    assert transport.value() == b"one\r\n"


def test_lineSendingProtocolRecordsTheFirstLineReceived(impl, transport):
    """Differs from Twisted: with start=False, response begins with the line received, not sent."""
    proto = impl.testing.LineSendingProtocol([b"one"], start=False)
    proto.makeConnection(transport)
    proto.dataReceived(b"hello\r\nagain\r\n")
    if impl.name == "minitwisted":
        assert proto.response == [b"hello", b"again"]
    else:
        assert proto.response == [b"one", b"again"]


# --- Producers and files ------------------------------------------------------------------


def test_nonStreamingProducerWritesTenTimesThenUnregisters(impl, transport):
    """Ten resumeProducing calls write b"0123456789", unregister it, and fire result."""
    producer = impl.testing.NonStreamingProducer(transport)
    transport.registerProducer(producer, False)
    result = producer.result
    for _ in range(10):
        producer.resumeProducing()
    assert transport.value() == b"0123456789"
    assert transport.producer is None
    assert result.called
    with pytest.raises(RuntimeError, match=r"^BUG: resume after unregister/stop\.$"):
        producer.resumeProducing()


def test_nonStreamingProducerRefusesPause(impl, transport):
    """pauseProducing on the pull producer raises RuntimeError."""
    producer = impl.testing.NonStreamingProducer(transport)
    with pytest.raises(RuntimeError, match=r"^BUG: pause should never be called\.$"):
        producer.pauseProducing()


def test_nonStreamingProducerStopFiresResult(impl, transport):
    """stopProducing sets stopped and fires result."""
    producer = impl.testing.NonStreamingProducer(transport)
    result = producer.result
    producer.stopProducing()
    assert producer.stopped is True
    assert result.called


def test_stringIOWithoutClosingStaysReadableAfterClose(impl):
    """close() leaves the buffer open and readable."""
    f = impl.testing.StringIOWithoutClosing()
    f.write(b"kept")
    f.close()
    assert not f.closed
    assert f.getvalue() == b"kept"


def test_fakeDatagramTransportRecordsPackets(impl):
    """write records (packet, addr), with noAddr when no address is given."""
    transport = impl.testing.FakeDatagramTransport()
    transport.write(b"a", ("127.0.0.1", 9))
    transport.write(b"b")
    assert transport.written == [(b"a", ("127.0.0.1", 9)), (b"b", transport.noAddr)]


def test_waitUntilAllDisconnectedFiresOnceNoTransportIsConnected(impl):
    """The Deferred fires on the first check after every transport has disconnected."""
    clock = impl.task.Clock()
    protocols = []
    for _ in range(2):
        transport = impl.testing.StringTransportWithDisconnection()
        proto = impl.testing.AccumulatingProtocol()
        transport.protocol = proto
        proto.makeConnection(transport)
        protocols.append(proto)
    d = impl.testing.waitUntilAllDisconnected(clock, protocols)
    protocols[0].transport.loseConnection()
    clock.advance(0.01)
    assert not d.called
    protocols[1].transport.loseConnection()
    clock.advance(0.01)
    assert d.called
    assert clock.calls == []


# --- MemoryReactor ------------------------------------------------------------------------


@pytest.fixture
def reactor(impl):
    """A fresh MemoryReactor of the implementation under test."""
    return impl.testing.MemoryReactor()


def test_memoryReactorProvidesItsInterfaces(impl, reactor):
    """MemoryReactor provides IReactorCore, IReactorTCP and IReactorFDSet, as declared."""
    for interface in ("IReactorCore", "IReactorTCP", "IReactorFDSet"):
        assert verifyObject(getattr(impl.interfaces, interface), reactor)


def test_newMemoryReactorHasRecordedNothing(reactor):
    """A new MemoryReactor has empty records and has never run."""
    assert (reactor.tcpServers, reactor.tcpClients, reactor.connectors) == ([], [], [])
    assert (reactor.readers, reactor.writers) == (set(), set())
    assert (reactor.triggers, reactor.whenRunningHooks) == ({}, [])
    assert (reactor.running, reactor.hasRun, reactor.hasStopped, reactor.hasCrashed,
            reactor.hasInstalled) == (False, False, False, False, False)


def test_listenTCPRecordsTheCallAndReturnsAFakePort(impl, reactor):
    """listenTCP records (port, factory, backlog, interface); the port says 0.0.0.0:port."""
    factory = impl.protocol.Factory()
    port = reactor.listenTCP(8000, factory)
    reactor.listenTCP(8001, factory, backlog=5, interface="127.0.0.1")
    assert reactor.tcpServers == [(8000, factory, 50, ""), (8001, factory, 5, "127.0.0.1")]
    assert port.getHost() == impl.address.IPv4Address("TCP", "0.0.0.0", 8000)
    assert verifyObject(impl.interfaces.IListeningPort, port)
    assert port.stopListening() is None
    assert port.startListening() is None


def test_listenTCPOnAnIPv6InterfaceGivesAnIPv6Address(impl, reactor):
    """A port listening on an IPv6 interface reports an IPv6Address with that host."""
    port = reactor.listenTCP(8000, impl.protocol.Factory(), interface="::1")
    assert port.getHost() == impl.address.IPv6Address("TCP", "::1", 8000)


def test_connectTCPRecordsTheCallAndReturnsAFakeConnector(impl, reactor):
    """connectTCP records the call, tells the factory, and keeps the connector in connectors."""
    started = []

    class Recording(impl.protocol.ClientFactory):
        def startedConnecting(self, connector):
            started.append(connector)

    factory = Recording()
    connector = reactor.connectTCP("127.0.0.1", 8000, factory)
    assert reactor.tcpClients == [("127.0.0.1", 8000, factory, 30, None)]
    assert reactor.connectors == [connector]
    assert started == [connector]
    assert connector.getDestination() == impl.address.IPv4Address("TCP", "127.0.0.1", 8000)
    assert verifyObject(impl.interfaces.IConnector, connector)
    assert connector.stoppedConnecting is False
    connector.stopConnecting()
    assert connector.stoppedConnecting is True


def test_connectTCPToAnIPv6HostGivesAnIPv6Destination(impl, reactor):
    """A connector to an IPv6 literal has an IPv6Address destination."""
    connector = reactor.connectTCP("::1", 8000, impl.protocol.ClientFactory(), timeout=5)
    assert connector.getDestination() == impl.address.IPv6Address("TCP", "::1", 8000)
    assert reactor.tcpClients[0][3] == 5


def test_runCallsTheWhenRunningHooksThenStops(reactor):
    """run() calls the hooks kept by callWhenRunning, then stops; later hooks run at once."""
    calls = []
    reactor.callWhenRunning(calls.append, "early")
    assert reactor.whenRunningHooks == [(calls.append, ("early",), {})]
    assert calls == []
    reactor.run()
    assert calls == ["early"]
    assert (reactor.running, reactor.hasRun, reactor.hasStopped) == (False, True, True)
    reactor.callWhenRunning(calls.append, "late")
    assert calls == ["early", "late"]


def test_crashRecordsTheCrash(reactor):
    """crash() sets running to None and hasCrashed to True."""
    reactor.crash()
    assert reactor.running is None
    assert reactor.hasCrashed is True


def test_installRecordsTheInstall(reactor):
    """install() sets hasInstalled."""
    reactor.install()
    assert reactor.hasInstalled is True


def test_systemEventTriggersAreOnlyRecorded(reactor):
    """addSystemEventTrigger files triggers by phase and event; firing or removing is not faked."""
    result = reactor.addSystemEventTrigger("before", "shutdown", print, 1, sep="")
    assert result is None
    assert reactor.triggers == {"before": {"shutdown": [(print, (1,), {"sep": ""})]}}
    for action in (lambda: reactor.fireSystemEvent("shutdown"),
                   lambda: reactor.removeSystemEventTrigger(None),
                   lambda: reactor.iterate(),
                   lambda: reactor.resolve("localhost")):
        with pytest.raises(NotImplementedError):
            action()


def test_readersAndWritersAreKeptInSets(reactor):
    """add/remove Reader/Writer keep sets; removeAll empties both and returns what was there."""
    reader, writer = object(), object()
    reactor.addReader(reader)
    reactor.addReader(reader)
    reactor.addWriter(writer)
    assert reactor.getReaders() == [reader]
    assert reactor.getWriters() == [writer]
    reactor.removeReader(reader)
    reactor.removeReader(reader)
    assert reactor.getReaders() == []
    reactor.addReader(reader)
    assert set(reactor.removeAll()) == {reader, writer}
    assert (reactor.readers, reactor.writers) == (set(), set())


def test_memoryReactorAddsUDPAndLeavesOutSSLAndUNIX(impl, reactor):
    """Differs from Twisted: ours fakes listenUDP (into udpServers) and has no SSL or UNIX fakes."""
    if impl.name == "twisted":
        assert not hasattr(reactor, "listenUDP")
        assert hasattr(reactor, "listenSSL") and hasattr(reactor, "connectUNIX")
        return
    assert verifyObject(impl.interfaces.IReactorUDP, reactor)
    assert not hasattr(reactor, "listenSSL") and not hasattr(reactor, "connectUNIX")
    proto = impl.protocol.DatagramProtocol()
    port = reactor.listenUDP(9999, proto)
    reactor.listenUDP(0, proto, interface="::1", maxPacketSize=512)
    assert reactor.udpServers == [(9999, proto, "", 8192), (0, proto, "::1", 512)]
    assert port.getHost() == impl.address.IPv4Address("UDP", "0.0.0.0", 9999)


def test_eventLoggingObserverIsLeftOut(impl):
    """Differs from Twisted: there is no EventLoggingObserver, as there is no twisted.logger."""
    assert hasattr(impl.testing, "EventLoggingObserver") == (impl.name == "twisted")


def test_memoryReactorClockHasFakeTimeAndRecords(impl):
    """MemoryReactorClock records like MemoryReactor and schedules like Clock."""
    reactor = impl.testing.MemoryReactorClock()
    assert verifyObject(impl.interfaces.IReactorTime, reactor)
    ran = []
    reactor.callLater(2, ran.append, "tick")
    reactor.listenTCP(8000, impl.protocol.Factory())
    reactor.advance(2)
    assert ran == ["tick"]
    assert reactor.seconds() == 2
    assert len(reactor.tcpServers) == 1


def test_raisingMemoryReactorRaisesTheGivenExceptions(impl):
    """Every listen raises listenException and every connect raises connectException."""
    listenError = impl.error.CannotListenError("", 80, OSError("in use"))
    connectError = impl.error.ConnectionRefusedError()
    reactor = impl.testing.RaisingMemoryReactor(listenError, connectError)
    with pytest.raises(impl.error.CannotListenError):
        reactor.listenTCP(80, impl.protocol.Factory())
    with pytest.raises(impl.error.ConnectionRefusedError):
        reactor.connectTCP("127.0.0.1", 80, impl.protocol.ClientFactory())
