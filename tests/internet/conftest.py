"""Fixtures for tests that run a real reactor, ours and Twisted's, over loopback sockets.

The ``net`` fixture runs a test once with minitwisted and once with Twisted 26.10.  It
gives the framework's modules and ``net.spin(d)``, which runs that framework's global
reactor until the Deferred ``d`` fires and returns its result (or raises its failure).

Twisted's reactor cannot ``run()`` again after ``stop()``, but it can after ``crash()``
(trial relies on this), so ``spin`` leaves the loop with ``crash()`` on both.  After
each test every reader and writer still registered (ports, connections) is closed,
so one test's leftovers cannot reach the next.
"""

import types

import pytest


class SpinTimeout(AssertionError):
    """The reactor ran for the whole timeout and the awaited Deferred never fired."""


def _namespace(name):
    if name == "minitwisted":
        from minitwisted.internet import (
            defer, error, interfaces, main, protocol, reactor, task, threads)
        from minitwisted.internet.address import IPv4Address
        from minitwisted.python import failure, log
    else:
        from twisted.internet import (
            defer, error, interfaces, main, protocol, reactor, task, threads)
        from twisted.internet.address import IPv4Address
        from twisted.python import failure, log

    def spin(d, timeout=10.0):
        """Run the reactor until ``d`` fires; return its result or raise its exception."""
        box = []

        def done(result):
            box.append(result)
            if reactor.running:
                reactor.crash()

        d.addBoth(done)
        if not box:
            guard = reactor.callLater(timeout, reactor.crash)
            reactor.run(installSignalHandlers=False)
            if guard.active():
                guard.cancel()
        if not box:
            raise SpinTimeout(f"nothing happened within {timeout} s")
        result = box[0]
        if isinstance(result, failure.Failure):
            result.raiseException()
        return result

    def cleanUp():
        for selectable in reactor.removeAll():
            try:
                selectable.connectionLost(failure.Failure(main.CONNECTION_LOST))
            except Exception:
                pass
        for call in reactor.getDelayedCalls():
            call.cancel()

    return types.SimpleNamespace(
        name=name, reactor=reactor, defer=defer, error=error, interfaces=interfaces,
        protocol=protocol, task=task, threads=threads, Failure=failure.Failure, log=log,
        IPv4Address=IPv4Address, spin=spin, cleanUp=cleanUp)


@pytest.fixture(params=["minitwisted", "twisted"])
def net(request):
    """A framework with a real reactor: minitwisted, then Twisted."""
    namespace = _namespace(request.param)
    yield namespace
    namespace.cleanUp()


@pytest.fixture
def mini():
    """minitwisted alone, for tests of behaviour Twisted does not share."""
    namespace = _namespace("minitwisted")
    yield namespace
    namespace.cleanUp()
