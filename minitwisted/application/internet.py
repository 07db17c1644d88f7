"""Services that put the reactor to work: listen, connect, or call something every few seconds.

Mirrors ``twisted.application.internet`` (Twisted 26.10).  ``TCPServer(8000, factory)``
calls ``reactor.listenTCP(8000, factory)`` when started and ``stopListening`` when
stopped, so a ``.tac`` file can declare its ports without touching the reactor.  Taught
in ``notebooks/07_deployment.ipynb``; tested by ``tests/application/test_internet.py``
(real loopback sockets on both frameworks, and ``task.Clock`` for ``TimerService``).

Every server and client service passes its arguments unchanged to the reactor method
it is named after, and uses the global reactor unless given ``reactor=`` (stored as
the ``reactor`` attribute, looked up when the service starts).

Differs from Twisted: only the TCP and UDP services, ``TimerService`` and
``StreamServerEndpointService`` are here (no UNIX, SSL, multicast, ``CooperatorService``
or ``ClientService``); and services are not picklable (no ``volatile`` attributes).
"""

from minitwisted.application import service
from minitwisted.internet import task
from minitwisted.internet.defer import CancelledError
from minitwisted.python import log


def _maybeGlobalReactor(reactor):
    """``reactor``, or the global reactor when it is None (imported late: importing installs it)."""
    if reactor is None:
        from minitwisted.internet import reactor
    return reactor


class _AbstractServer(service.Service):
    """Call ``reactor.listen<method>(*args, **kwargs)`` on start and stop listening on stop.

    Invariant: ``_port`` is the listening port between start and stop, else None.
    """

    method = ""
    reactor = None
    _port = None

    def __init__(self, *args, **kwargs):
        self.args = args
        if "reactor" in kwargs:
            self.reactor = kwargs.pop("reactor")
        self.kwargs = kwargs

    def privilegedStartService(self):
        # Listening happens here, while twistd still has root: ports below 1024 need it.
        service.Service.privilegedStartService(self)
        self._port = self._getPort()

    def startService(self):
        service.Service.startService(self)
        if self._port is None:
            # Started without privilegedStartService (a plain startService call).
            self._port = self._getPort()

    def stopService(self):
        """Stop listening; return the port's stopListening Deferred (if it was listening)."""
        service.Service.stopService(self)
        if self._port is not None:
            d = self._port.stopListening()
            del self._port  # back to the class default, None
            return d
        return None

    def _getPort(self):
        listen = getattr(_maybeGlobalReactor(self.reactor), "listen" + self.method)
        return listen(*self.args, **self.kwargs)


class _AbstractClient(service.Service):
    """Call ``reactor.connect<method>(*args, **kwargs)`` on start and disconnect on stop.

    Invariant: ``_connection`` is the connector between start and stop, else None.
    """

    method = ""
    reactor = None
    _connection = None

    def __init__(self, *args, **kwargs):
        self.args = args
        if "reactor" in kwargs:
            self.reactor = kwargs.pop("reactor")
        self.kwargs = kwargs

    def startService(self):
        service.Service.startService(self)
        self._connection = self._getConnection()

    def stopService(self):
        service.Service.stopService(self)
        if self._connection is not None:
            self._connection.disconnect()
            del self._connection

    def _getConnection(self):
        connect = getattr(_maybeGlobalReactor(self.reactor), "connect" + self.method)
        return connect(*self.args, **self.kwargs)


class TCPServer(_AbstractServer):
    """Listen for TCP: ``TCPServer(port, factory, backlog=50, interface='')``."""

    method = "TCP"


class TCPClient(_AbstractClient):
    """Connect over TCP: ``TCPClient(host, port, factory, timeout=30, bindAddress=None)``."""

    method = "TCP"


class UDPServer(_AbstractServer):
    """Receive datagrams: ``UDPServer(port, protocol, interface='', maxPacketSize=8192)``."""

    method = "UDP"


class TimerService(service.Service):
    """Call ``callable(*args, **kwargs)`` every ``step`` seconds while running, first at start.

    Built on ``task.LoopingCall``; set ``clock`` (a ``task.Clock`` in tests) before
    starting to schedule on something other than the global reactor.  If the callable
    fails, the failure is logged and the calls stop.
    """

    def __init__(self, step, callable, *args, **kwargs):
        self.step = step
        self.call = (callable, args, kwargs)
        self.clock = None

    def startService(self):
        service.Service.startService(self)
        callable, args, kwargs = self.call
        # A fresh LoopingCall per start: a stopped one cannot be restarted cleanly mid-call.
        self._loop = task.LoopingCall(callable, *args, **kwargs)
        self._loop.clock = _maybeGlobalReactor(self.clock)
        self._loopFinished = self._loop.start(self.step, now=True)
        self._loopFinished.addErrback(self._failed)

    def _failed(self, why):
        # The loop ended by itself; stopService must not stop it a second time.
        self._loop.running = False
        log.err(why)

    def stopService(self):
        """Stop the calls; the Deferred fires when a call in progress (if any) has finished."""
        if self._loop.running:
            self._loop.stop()
        self._loopFinished.addCallback(lambda _: service.Service.stopService(self))
        return self._loopFinished


class StreamServerEndpointService(service.Service):
    """Listen on a stream server endpoint (``endpoint.listen(factory)``) while running.

    Invariant: ``_waitingForPort`` is None before the first start, then the Deferred
    from ``endpoint.listen``, which fires with the listening port.
    """

    # strports.service sets this: a failure to listen then raises from the start call.
    _raiseSynchronously = False

    def __init__(self, endpoint, factory):
        self.endpoint = endpoint
        self.factory = factory
        self._waitingForPort = None

    def privilegedStartService(self):
        service.Service.privilegedStartService(self)
        self._waitingForPort = self.endpoint.listen(self.factory)
        raisedNow = []

        def handleIt(failure):
            if self._raiseSynchronously:
                raisedNow.append(failure)
            elif not failure.check(CancelledError):
                log.err(failure)

        self._waitingForPort.addErrback(handleIt)
        if raisedNow:
            raisedNow[0].raiseException()
        # Only the first, synchronous attempt raises; later failures are logged.
        self._raiseSynchronously = False

    def startService(self):
        service.Service.startService(self)
        if self._waitingForPort is None:
            self.privilegedStartService()

    def stopService(self):
        """Stop listening (or cancel a listen still in progress); the Deferred fires when done."""
        self._waitingForPort.cancel()

        def stopIt(port):
            if port is not None:
                return port.stopListening()

        def stopped(passthrough):
            self.running = False
            return passthrough

        d = self._waitingForPort.addCallback(stopIt)
        d.addBoth(stopped)
        return d


__all__ = ["TCPServer", "TCPClient", "UDPServer", "TimerService", "StreamServerEndpointService"]
