"""The default reactor: waits on ``selectors.DefaultSelector`` (epoll, kqueue or select) for I/O.

Mirrors ``twisted.internet.posixbase.PosixReactorBase`` with the I/O half of
``twisted.internet.epollreactor``/``selectreactor`` (Twisted 26.10): the reader and
writer sets (``addReader`` ... ``getWriters``), the waker that lets other threads
interrupt a wait, ``doIteration``, and the networking calls ``listenTCP``,
``connectTCP`` and ``listenUDP``.  ``base.ReactorBase`` has the timers, events and the
main loop.  The workshop builds a select loop in ``notebooks/00_introduction.ipynb`` and
this reactor in ``notebooks/02_reactor.ipynb``.  Tests: ``tests/internet/test_selectreactor.py``.

One pass of the loop, seen from here::

    def doIteration(self, timeout):
        self._flushWrites()                                  # send what callbacks wrote
        for key, events in self._selector.select(timeout):   # wait for I/O or the timeout
            self._dispatch(key.data, events)                 # doRead / doWrite

Differs from Twisted: errors raised by a protocol are logged with the connection's log
prefix (``Echo,0,127.0.0.1``) in the event's ``system``, but Twisted also sets that
prefix for everything logged *while* the protocol runs; minitwisted does not, to keep
the dispatch path short (see ``benchmarks/bench_echo.py``).
"""

import selectors
import socket
import sys

from zope.interface import implementer

from minitwisted.internet import error, main
from minitwisted.internet.base import ReactorBase
from minitwisted.internet.interfaces import (
    IHalfCloseableDescriptor,
    IReactorFDSet,
    IReactorTCP,
    IReactorUDP,
    IReadDescriptor,
)
from minitwisted.python import log
from minitwisted.python.failure import Failure

_READ = selectors.EVENT_READ
_WRITE = selectors.EVENT_WRITE

# Reasons the reactor itself reports: shared Failures, as Twisted's faildict.
_SHARED_FAILURES = {
    error.ConnectionDone: Failure(error.ConnectionDone()),
    error.ConnectionLost: Failure(error.ConnectionLost()),
}


@implementer(IReadDescriptor)
class _Waker:
    """A socket pair: a byte written to one end wakes the loop waiting to read the other."""

    logstr = "Waker"

    def __init__(self):
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)

    def fileno(self):
        return self._reader.fileno()

    def wakeUp(self):
        try:
            self._writer.send(b"x")
        except OSError:
            pass  # the pipe is full: the loop is being woken already

    def doRead(self):
        try:
            while self._reader.recv(4096):
                pass
        except BlockingIOError:
            pass

    def connectionLost(self, reason):
        self._reader.close()
        self._writer.close()

    def logPrefix(self):
        return self.logstr


@implementer(IReactorFDSet, IReactorTCP, IReactorUDP)
class SelectReactor(ReactorBase):
    """A reactor whose ``doIteration`` waits on a ``selectors`` selector.

    The name is Twisted's; Twisted's ``SelectReactor`` calls ``select()`` itself, while
    this one lets the ``selectors`` module pick the best the platform has (epoll on
    Linux, kqueue on macOS, select on Windows), which is what Twisted's default
    reactor does with separate classes.

    Invariants: every descriptor in ``_events`` is registered with the selector, under
    its number in ``_fds``, with itself as ``key.data`` and the events ``_events`` says;
    the waker is a reader (listed by ``getReaders``, as in Twisted) that ``removeAll``
    leaves in place.  ``_flushes`` lists the transports with writes to try before waiting.
    """

    def __init__(self):
        self._selector = selectors.DefaultSelector()
        self._events = {}  # selectable -> the events watched for it (_READ, _WRITE or both)
        self._fds = {}  # selectable -> its descriptor number when it was registered
        self._flushes = []
        super().__init__()
        self.waker = _Waker()
        self._watch(self.waker, _READ, 0)

    # -- The reader and writer sets --------------------------------------------------------

    def _watch(self, selectable, add, remove):
        """Change the events watched for ``selectable``, keeping ``_events`` and ``_fds`` true."""
        old = self._events.get(selectable, 0)
        new = (old | add) & ~remove
        if new == old:
            return
        if not old:
            self._fds[selectable] = selectable.fileno()
        # By the number it was registered with: fileno() is -1 once a socket closes.
        self._changeEvents(selectable, self._fds[selectable], old, new)
        if new:
            self._events[selectable] = new
        else:
            del self._events[selectable], self._fds[selectable]

    def _changeEvents(self, selectable, fd, old, new):
        """Tell the selector: ``fd`` was watched for ``old`` events and now is for ``new``."""
        if not old:
            self._selector.register(fd, new, selectable)
        elif not new:
            self._selector.unregister(fd)
        else:
            self._selector.modify(fd, new, selectable)

    def addReader(self, reader):
        """Call ``reader.doRead()`` whenever it is readable."""
        self._watch(reader, _READ, 0)

    def addWriter(self, writer):
        """Call ``writer.doWrite()`` whenever it is writable."""
        self._watch(writer, _WRITE, 0)

    def removeReader(self, reader):
        self._watch(reader, 0, _READ)

    def removeWriter(self, writer):
        self._watch(writer, 0, _WRITE)

    def removeAll(self):
        """Remove every reader and writer but the waker; return them."""
        everything = [s for s in self._events if s is not self.waker]
        for selectable in everything:
            self._watch(selectable, 0, _READ | _WRITE)
        return everything

    def getReaders(self):
        return [s for s, events in self._events.items() if events & _READ]

    def getWriters(self):
        return [s for s, events in self._events.items() if events & _WRITE]

    def wakeUp(self):
        self.waker.wakeUp()

    def sigInt(self, number, frame=None):
        super().sigInt(number, frame)
        self.wakeUp()  # the handler runs in the loop's thread, maybe while it waits

    def sigTerm(self, number, frame=None):
        super().sigTerm(number, frame)
        self.wakeUp()

    # -- One pass of the loop ----------------------------------------------------------------

    def doIteration(self, timeout):
        """Send pending writes, wait for I/O at most ``timeout`` seconds, and dispatch it."""
        self._flushWrites()
        for key, events in self._selector.select(timeout):
            self._dispatch(key.data, events)

    def _flushWrites(self):
        while self._flushes:
            flushes, self._flushes = self._flushes, []
            for transport in flushes:
                transport._flush()

    def _dispatch(self, selectable, events):
        """Call ``doRead``/``doWrite``; a returned reason or a raised exception closes it."""
        why = None
        isRead = False
        try:
            # Check the registration again: an earlier dispatch of this pass may have
            # closed this descriptor.
            if events & _READ and self._events.get(selectable, 0) & _READ:
                isRead = True
                why = selectable.doRead()
            if events & _WRITE and not why and self._events.get(selectable, 0) & _WRITE:
                isRead = False
                why = selectable.doWrite()
        except BaseException:
            # A protocol callback raised: log it, and close that connection only.
            why = sys.exc_info()[1]
            log.err(Failure(), None, system=selectable.logPrefix())
        if why:
            self._disconnectSelectable(selectable, why, isRead)

    def _disconnectSelectable(self, selectable, why, isRead):
        """Close ``selectable`` because of ``why`` (an exception); half-close on a clean read EOF."""
        self.removeReader(selectable)
        reason = _SHARED_FAILURES.get(type(why))
        try:
            if reason is None:
                reason = Failure(why)
            elif isRead and type(why) is error.ConnectionDone and (
                    IHalfCloseableDescriptor.providedBy(selectable)):
                selectable.readConnectionLost(reason)
                return
            self.removeWriter(selectable)
            selectable.connectionLost(reason)
        except BaseException:
            # connectionLost (or readConnectionLost) raised: log it; the loop goes on.
            log.err(Failure(), None, system=selectable.logPrefix())

    def disconnectAll(self):
        """At shutdown: close every connection and port (``ConnectionLost``)."""
        for selectable in self.removeAll():
            try:
                selectable.connectionLost(Failure(main.CONNECTION_LOST))
            except BaseException:
                log.err(Failure(), None, system=selectable.logPrefix())

    # -- Networking ------------------------------------------------------------------------------

    def listenTCP(self, port, factory, backlog=50, interface=""):
        """Listen for TCP connections on ``interface:port``; each gets a protocol from ``factory``."""
        from minitwisted.internet import tcp

        listeningPort = tcp.Port(port, factory, backlog, interface, self)
        listeningPort.startListening()
        return listeningPort

    def connectTCP(self, host, port, factory, timeout=30, bindAddress=None):
        """Connect to ``host:port`` without blocking; return the connector."""
        from minitwisted.internet import tcp

        connector = tcp.Connector(host, port, factory, timeout, bindAddress, self)
        connector.connect()
        return connector

    def listenUDP(self, port, protocol, interface="", maxPacketSize=8192):
        """Receive and send datagrams on ``interface:port`` with ``protocol``."""
        from minitwisted.internet import udp

        datagramPort = udp.Port(port, protocol, interface, maxPacketSize, self)
        datagramPort.startListening()
        return datagramPort


def install():
    """Install a new ``SelectReactor`` as the global reactor, and return it."""
    from minitwisted.internet.main import installReactor

    reactor = SelectReactor()
    installReactor(reactor)
    return reactor
