"""Tests for minitwisted.internet.asyncioreactor: the reactor scenarios, driven by an asyncio loop.

Each scenario runs on a fresh reactor passed explicitly (never installed globally),
once on an ``AsyncioSelectorReactor`` with a new asyncio loop and once on the default
``SelectReactor``, so both reactors are held to the same behaviour.  Networking is on
127.0.0.1 only.
"""

import asyncio
import socket
import subprocess
import sys
import textwrap
import threading

import pytest
from zope.interface.verify import verifyObject

from minitwisted.internet import defer, error, interfaces, protocol, task
from minitwisted.internet.asyncioreactor import AsyncioSelectorReactor
from minitwisted.internet.selectreactor import SelectReactor
from minitwisted.python import log
from tests.conftest import spinReactor


@pytest.fixture(params=["asyncio", "select"])
def reactor(request):
    """A fresh reactor of each kind; its connections, ports and loop are closed afterwards."""
    if request.param == "asyncio":
        loop = asyncio.new_event_loop()
        made = AsyncioSelectorReactor(loop)
    else:
        made = SelectReactor()
    yield made
    made.disconnectAll()
    if request.param == "asyncio":
        loop.close()
    else:
        made.waker.connectionLost(None)


@pytest.fixture
def loop():
    """A new asyncio loop, closed afterwards."""
    made = asyncio.new_event_loop()
    yield made
    made.close()


def runUntil(reactor, d, timeout=10.0):
    """Run ``reactor`` until ``d`` fires; return its result or raise its exception."""
    return spinReactor(reactor, d, timeout)


class Echo(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)


class Collect(protocol.Protocol):
    """Sends ``message`` on connect; fires ``factory.done`` with everything received on close."""

    def connectionMade(self):
        self.received = []
        self.transport.write(self.factory.message)

    def dataReceived(self, data):
        self.received.append(data)
        if b"".join(self.received) == self.factory.message and self.factory.hangUp:
            self.transport.loseConnection()

    def connectionLost(self, reason):
        self.factory.done.callback((b"".join(self.received), reason.type))


def collector(message, hangUp=True):
    factory = protocol.ClientFactory.forProtocol(Collect)
    factory.message, factory.hangUp, factory.done = message, hangUp, defer.Deferred()
    return factory


def echoServer(reactor, protocolClass=Echo):
    port = reactor.listenTCP(0, protocol.Factory.forProtocol(protocolClass),
                             interface="127.0.0.1")
    return port, port.getHost().port


# --- Construction and running ------------------------------------------------------------------


def test_theReactorWrapsTheLoopItIsGiven(loop):
    """A reactor made with a loop drives that loop."""
    reactor = AsyncioSelectorReactor(loop)
    assert reactor._asyncioEventloop is loop


def test_withoutALoopTheRunningOneIsUsed(loop):
    """Made inside a running loop with no argument, the reactor uses that loop."""
    async def make():
        return AsyncioSelectorReactor()

    assert loop.run_until_complete(make())._asyncioEventloop is loop


def test_theReactorProvidesItsInterfaces(reactor):
    """The reactor provides the core, time, FD-set, TCP, UDP and thread interfaces."""
    for name in ("IReactorCore", "IReactorTime", "IReactorFDSet", "IReactorTCP",
                 "IReactorUDP", "IReactorThreads"):
        assert verifyObject(getattr(interfaces, name), reactor)


def test_runReturnsAfterStop(reactor):
    """run() returns once stop() has been called, and running is false again."""
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert not reactor.running


def test_systemEventsFireInTheirPhases(reactor):
    """Startup and shutdown triggers run in order: before, during, after."""
    calls = []
    for event in ("startup", "shutdown"):
        for phase in ("before", "during", "after"):
            reactor.addSystemEventTrigger(phase, event, calls.append, (phase, event))
    reactor.callWhenRunning(calls.append, "running")
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert calls == [("before", "startup"), ("during", "startup"), ("after", "startup"),
                     "running",
                     ("before", "shutdown"), ("during", "shutdown"), ("after", "shutdown")]


def test_beforeShutdownDeferredHoldsBackTheRest(reactor):
    """A before-shutdown trigger's Deferred delays the during phase until it fires."""
    calls = []
    reactor.addSystemEventTrigger(
        "before", "shutdown", lambda: task.deferLater(reactor, 0.01, calls.append, "waited"))
    reactor.addSystemEventTrigger("during", "shutdown", calls.append, "during")
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert calls == ["waited", "during"]


def test_crashLeavesWithoutShutdownAndRunWorksAgain(reactor):
    """crash() ends run() with no shutdown event, and a second run() works."""
    calls = []
    reactor.addSystemEventTrigger("during", "shutdown", calls.append, "shutdown")
    reactor.callWhenRunning(reactor.crash)
    reactor.run(installSignalHandlers=False)
    assert calls == []
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert calls == ["shutdown"]


def test_stopWhenNotRunningRaises(reactor):
    """stop() on a reactor that is not running raises ReactorNotRunning."""
    with pytest.raises(error.ReactorNotRunning):
        reactor.stop()


def test_stopFromAnotherThreadEndsAnIdleRun(reactor):
    """callFromThread(stop) from another thread wakes a reactor waiting with no timers."""
    reactor.callWhenRunning(
        lambda: threading.Thread(target=reactor.callFromThread, args=(reactor.stop,)).start())
    reactor.run(installSignalHandlers=False)
    assert not reactor.running


def test_readersAndWritersAreListedAndRemoved(reactor):
    """addReader/addWriter list a descriptor; removeAll returns it and empties both lists."""
    a, b = socket.socketpair()

    class Descriptor:
        def fileno(self):
            return a.fileno()

    descriptor = Descriptor()
    try:
        reactor.addReader(descriptor)
        reactor.addWriter(descriptor)
        assert descriptor in reactor.getReaders() and descriptor in reactor.getWriters()
        reactor.removeWriter(descriptor)
        assert descriptor in reactor.getReaders() and reactor.getWriters() == []
        assert reactor.removeAll() == [descriptor]
        assert descriptor not in reactor.getReaders()
    finally:
        a.close()
        b.close()


# --- Timers -------------------------------------------------------------------------------------


def test_callLaterRunsCallsInTimeOrder(reactor):
    """Calls run in the order of their times, and equal times first-in first-out."""
    calls = []
    reactor.callLater(0.03, calls.append, "third")
    reactor.callLater(0.01, calls.append, "first")
    reactor.callLater(0.02, calls.append, "second a")
    reactor.callLater(0.02, calls.append, "second b")
    reactor.callLater(0.05, reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert calls == ["first", "second a", "second b", "third"]


def test_cancelledCallDoesNotRun(reactor):
    """A cancelled call never runs and leaves getDelayedCalls."""
    calls = []
    call = reactor.callLater(0.01, calls.append, "cancelled")
    call.cancel()
    assert reactor.getDelayedCalls() == []
    reactor.callLater(0.02, reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert calls == []


def test_callResetSoonerRunsFirst(reactor):
    """A call reset to run sooner runs before one that was due earlier."""
    calls = []
    reactor.callLater(0.05, calls.append, "unchanged")
    moved = reactor.callLater(5, calls.append, "moved")
    moved.reset(0.01)
    reactor.callLater(0.1, reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert calls == ["moved", "unchanged"]


def test_callScheduledByACallRunsInALaterPass(reactor):
    """A callLater(0) made by a running call does not run in that same pass."""
    calls = []

    def first():
        reactor.callLater(0, calls.append, "scheduled by first")
        calls.append("first done")

    reactor.callLater(0, first)
    reactor.callLater(0, calls.append, "second")
    reactor.callLater(0.05, reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert calls == ["first done", "second", "scheduled by first"]


def test_iterateRunsDueCalls(reactor):
    """iterate() runs the calls that are due without run()."""
    calls = []
    reactor.callLater(0, calls.append, "due")
    reactor.iterate(0)
    assert calls == ["due"]


def test_loopingCallTicks(reactor):
    """A LoopingCall on the reactor calls its function repeatedly."""
    ticks = []
    done = defer.Deferred()

    def tick():
        ticks.append(1)
        if len(ticks) == 3:
            loop.stop()
            done.callback(len(ticks))

    loop = task.LoopingCall(tick)
    loop.clock = reactor
    loop.start(0.01)
    assert runUntil(reactor, done) == 3


# --- Threads -------------------------------------------------------------------------------------


def test_callFromThreadRunsInTheReactorThread(reactor):
    """A call made with callFromThread in another thread runs in the reactor's thread."""
    done = defer.Deferred()
    reactor.callWhenRunning(
        lambda: threading.Thread(
            target=reactor.callFromThread,
            args=(lambda: done.callback(threading.get_ident()),)).start())
    assert runUntil(reactor, done) == threading.get_ident()


def test_callFromThreadKeepsOrder(reactor):
    """Calls from one thread run in the order they were made."""
    calls = []
    done = defer.Deferred()

    def fromThread():
        for number in range(100):
            reactor.callFromThread(calls.append, number)
        reactor.callFromThread(done.callback, None)

    reactor.callWhenRunning(lambda: threading.Thread(target=fromThread).start())
    runUntil(reactor, done)
    assert calls == list(range(100))


def test_errorInCallFromThreadIsLogged(reactor):
    """An exception from a callFromThread call is logged and the reactor goes on."""
    errors = []
    observer = lambda event: event.get("isError") and errors.append(event)  # noqa: E731
    log.addObserver(observer)
    try:
        done = defer.Deferred()
        reactor.callFromThread(lambda: 1 / 0)
        reactor.callFromThread(done.callback, "after")
        assert runUntil(reactor, done) == "after"
    finally:
        log.removeObserver(observer)
    assert [e["failure"].type for e in errors] == [ZeroDivisionError]


# --- Networking ---------------------------------------------------------------------------------


def test_tcpEcho(reactor):
    """A TCP client gets back the bytes it sent to an echo server."""
    port, number = echoServer(reactor)
    factory = collector(b"hello, reactor\r\n")
    reactor.connectTCP("127.0.0.1", number, factory)
    assert runUntil(reactor, factory.done) == (b"hello, reactor\r\n", error.ConnectionDone)


def test_udpEcho(reactor):
    """A UDP datagram comes back from an echo port."""
    class UDPEcho(protocol.DatagramProtocol):
        def datagramReceived(self, data, addr):
            self.transport.write(data, addr)

    class Sender(protocol.DatagramProtocol):
        def startProtocol(self):
            self.transport.write(b"ping", ("127.0.0.1", server.getHost().port))

        def datagramReceived(self, data, addr):
            received.callback(data)

    received = defer.Deferred()
    server = reactor.listenUDP(0, UDPEcho(), interface="127.0.0.1")
    reactor.listenUDP(0, Sender(), interface="127.0.0.1")
    assert runUntil(reactor, received) == b"ping"


def test_loseConnectionSendsABigBufferFirst(reactor):
    """loseConnection after a 4 MB write closes only once every byte has been sent."""
    big = bytes(range(256)) * (4 * 4096)

    class SendAndClose(protocol.Protocol):
        def connectionMade(self):
            self.transport.write(big)
            self.transport.loseConnection()

    port, number = echoServer(reactor, SendAndClose)
    factory = collector(b"", hangUp=False)
    reactor.connectTCP("127.0.0.1", number, factory)
    received, reason = runUntil(reactor, factory.done)
    assert len(received) == len(big) and received == big
    assert reason is error.ConnectionDone


def test_hundredConnectionsAllEcho(reactor):
    """A hundred clients at once each get their own message back."""
    port, number = echoServer(reactor)
    factories = [collector(b"client %d\r\n" % n) for n in range(100)]
    for factory in factories:
        reactor.connectTCP("127.0.0.1", number, factory)
    results = runUntil(reactor, defer.gatherResults([f.done for f in factories]))
    assert [data for data, reason in results] == [b"client %d\r\n" % n for n in range(100)]


def test_protocolRaisingInDataReceivedIsLoggedAndDisconnected(reactor):
    """An exception in dataReceived is logged, closes that connection, and others still work."""
    class Broken(protocol.Protocol):
        def dataReceived(self, data):
            if data.startswith(b"boom"):
                raise ValueError("broken protocol")
            self.transport.write(data)

    errors = []
    observer = lambda event: event.get("isError") and errors.append(event)  # noqa: E731
    log.addObserver(observer)
    try:
        port, number = echoServer(reactor, Broken)
        broken, fine = collector(b"boom\r\n", hangUp=False), collector(b"fine\r\n")
        reactor.connectTCP("127.0.0.1", number, broken)
        reactor.connectTCP("127.0.0.1", number, fine)
        results = runUntil(reactor, defer.gatherResults([broken.done, fine.done]))
    finally:
        log.removeObserver(observer)
    assert results[0][0] == b"" and results[0][1] in (error.ConnectionDone,
                                                     error.ConnectionLost)
    assert results[1] == (b"fine\r\n", error.ConnectionDone)
    assert [e["failure"].type for e in errors] == [ValueError]


def test_shutdownClosesPortsAndConnections(reactor):
    """stop() closes the listening port and the open connections."""
    port, number = echoServer(reactor)
    factory = collector(b"stay open\r\n", hangUp=False)
    reactor.connectTCP("127.0.0.1", number, factory)
    reactor.callLater(0.2, reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert factory.done.called
    assert [r for r in reactor.getReaders() if r is not reactor.waker] == []


# --- asyncio only: the loop and the bridges ------------------------------------------------------


def test_writeFromOutsideACallbackIsSent(loop):
    """Bytes written by code the loop runs outside any reactor callback are still sent."""
    reactor = AsyncioSelectorReactor(loop)
    port, number = echoServer(reactor)
    clients = []
    creator = protocol.ClientCreator(reactor, protocol.Protocol)
    creator.connectTCP("127.0.0.1", number).addCallback(clients.append)

    async def talk():
        while not clients:
            await asyncio.sleep(0.01)
        received = loop.create_future()
        clients[0].dataReceived = received.set_result
        clients[0].transport.write(b"from a coroutine")  # no reactor callback is running
        return await received

    try:
        assert loop.run_until_complete(asyncio.wait_for(talk(), 10)) == b"from a coroutine"
    finally:
        reactor.disconnectAll()


def test_asFutureGivesTheDeferredsResultToAsyncio(loop):
    """Awaiting d.asFuture(loop) in a coroutine gives the value the Deferred fires with."""
    reactor = AsyncioSelectorReactor(loop)
    d = task.deferLater(reactor, 0.01, lambda: "from a Deferred")
    assert loop.run_until_complete(d.asFuture(loop)) == "from a Deferred"


def test_fromFutureGivesAsyncioResultToADeferred(loop):
    """Deferred.fromFuture fires with the result of an asyncio task on the reactor's loop."""
    reactor = AsyncioSelectorReactor(loop)
    future = loop.create_task(asyncio.sleep(0.01, result="from asyncio"))
    assert runUntil(reactor, defer.Deferred.fromFuture(future)) == "from asyncio"


def test_asyncDefAwaitsBothWays(loop):
    """An async def awaits a Deferred (through a Future) and a Future (through a Deferred)."""
    reactor = AsyncioSelectorReactor(loop)

    async def asyncioSide():
        return await task.deferLater(reactor, 0.01, lambda: 20).asFuture(loop)

    async def twistedSide():
        first = await defer.Deferred.fromFuture(loop.create_task(asyncioSide()))
        second = await task.deferLater(reactor, 0.01, lambda: 22)
        return first + second

    assert runUntil(reactor, defer.Deferred.fromCoroutine(twistedSide())) == 42


def test_reactRunsAnAsyncMainUsingBothBridges(loop):
    """task.react runs an async main that awaits a Future and a Deferred, then exits with 0."""
    reactor = AsyncioSelectorReactor(loop)
    results = []

    async def asyncioSide():
        return await task.deferLater(reactor, 0.01, lambda: "deferred").asFuture(loop)

    async def main(reactor):
        results.append(await defer.Deferred.fromFuture(
            loop.create_task(asyncio.sleep(0.01, result="future"))))
        results.append(await defer.Deferred.fromFuture(loop.create_task(asyncioSide())))

    with pytest.raises(SystemExit) as exited:
        task.react(main, [], _reactor=reactor)
    assert exited.value.code == 0
    assert results == ["future", "deferred"]


def test_failureReachesAsyncioAsTheException(loop):
    """A Deferred that fails raises its exception from the awaited Future."""
    reactor = AsyncioSelectorReactor(loop)
    d = task.deferLater(reactor, 0.01, lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        loop.run_until_complete(d.asFuture(loop))


def test_stopLeavesALoopItDoesNotRun(loop):
    """stop() on a reactor started on somebody else's running loop leaves that loop running.

    Differs from Twisted, whose crash() always stops the asyncio loop.
    """
    reactor = AsyncioSelectorReactor(loop)
    shutdown = []
    reactor.addSystemEventTrigger("after", "shutdown", shutdown.append, "done")

    async def host():
        reactor.startRunning(installSignalHandlers=False)
        assert reactor.running
        reactor.stop()
        while not shutdown:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)  # the loop would have stopped by now
        return loop.is_running(), reactor.running

    assert loop.run_until_complete(asyncio.wait_for(host(), 10)) == (True, False)


def test_installMakesItTheGlobalReactor(tmp_path):
    """install() makes an AsyncioSelectorReactor the global reactor, on the given loop."""
    script = textwrap.dedent("""
        import asyncio
        from minitwisted.internet import asyncioreactor
        loop = asyncio.new_event_loop()
        installed = asyncioreactor.install(loop)
        from minitwisted.internet import reactor
        assert reactor is installed and reactor._asyncioEventloop is loop
        reactor.callLater(0.01, reactor.stop)
        reactor.run()
        print("ran", type(reactor).__name__)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ran AsyncioSelectorReactor\n"


def test_asyncDefUsingBothRunsWhicheverLoopDrives(loop):
    """An async def mixing a Future and a Deferred runs driven by asyncio and driven by the reactor.

    Each driver awaits the other's kind of value through a bridge: asyncio awaits
    ``d.asFuture(loop)``, a coroutine the reactor drives awaits ``Deferred.fromFuture(f)``.
    """
    reactor = AsyncioSelectorReactor(loop)

    async def drivenByAsyncio():
        first = await asyncio.sleep(0.01, result=20)
        second = await task.deferLater(reactor, 0.01, lambda: 22).asFuture(loop)
        return first + second

    async def drivenByTheReactor():
        first = await defer.Deferred.fromFuture(loop.create_task(asyncio.sleep(0.01, result=20)))
        second = await task.deferLater(reactor, 0.01, lambda: 22)
        return first + second

    assert loop.run_until_complete(drivenByAsyncio()) == 42
    assert runUntil(reactor, defer.Deferred.fromCoroutine(drivenByTheReactor())) == 42
