"""Shared pytest set-up: the pinned oracle, and real reactors for side-by-side tests.

The side-by-side tests treat real Twisted as the definition of correct behaviour, and
Twisted's behaviour changes between releases (for instance ``returnValue`` warns since
24.7.0).  A different installed version would make those comparisons mean something
else, so the run stops with a clear message instead.
"""

import types

import pytest
import twisted

import minitwisted


def pytest_configure(config):
    if twisted.__version__ != minitwisted.TWISTED_ORACLE_VERSION:
        raise pytest.UsageError(
            "The tests compare minitwisted with Twisted %s, but Twisted %s is installed; "
            "run 'python3 kit.py setup' to install the pinned version."
            % (minitwisted.TWISTED_ORACLE_VERSION, twisted.__version__))


# --- Real reactors, ours and Twisted's --------------------------------------------------
#
# The ``net`` fixture runs a test once with minitwisted and once with Twisted 26.10.  It
# gives the framework's modules and ``net.spin(d)``, which runs that framework's global
# reactor until the Deferred ``d`` fires and returns its result (or raises its failure).
#
# Twisted's reactor cannot ``run()`` again after ``stop()``, but it can after ``crash()``
# (trial relies on this), so ``spin`` leaves the loop with ``crash()`` on both.  After
# each test every reader and writer still registered (ports, connections) is closed,
# so one test's leftovers cannot reach the next.


class SpinTimeout(AssertionError):
    """The reactor ran for the whole timeout and the awaited Deferred never fired."""


def spinReactor(reactor, d, timeout=10.0):
    """Run ``reactor`` until the Deferred ``d`` fires; return its result or raise its exception."""
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
    if hasattr(result, "raiseException"):  # a Failure, of either framework
        result.raiseException()
    return result


def _namespace(name):
    if name == "minitwisted":
        from minitwisted.internet import (
            defer, error, interfaces, main, protocol, reactor, selectreactor, task, threads)
        from minitwisted.internet.address import IPv4Address
        from minitwisted.python import failure, log
    else:
        from twisted.internet import (
            defer, error, interfaces, main, protocol, reactor, selectreactor, task, threads)
        from twisted.internet.address import IPv4Address
        from twisted.python import failure, log

    def spin(d, timeout=10.0):
        """Run the reactor until ``d`` fires; return its result or raise its exception."""
        return spinReactor(reactor, d, timeout)

    def cleanUp():
        for selectable in reactor.removeAll():
            try:
                selectable.connectionLost(failure.Failure(main.CONNECTION_LOST))
            except Exception:
                pass
        for call in reactor.getDelayedCalls():
            call.cancel()
        # spin() leaves with crash(), so the shutdown event that would stop the thread
        # pool never fires; its (non-daemon, in Twisted) threads would keep pytest alive.
        if getattr(reactor, "threadpool", None) or getattr(reactor, "_threadpool", None):
            reactor._stopThreadPool()

    return types.SimpleNamespace(
        name=name, reactor=reactor, defer=defer, error=error, interfaces=interfaces, main=main,
        protocol=protocol, task=task, threads=threads, Failure=failure.Failure, log=log,
        selectreactor=selectreactor,
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


@pytest.fixture(params=["minitwisted", "twisted"])
def framework(request):
    """A framework's modules, for tests that build their own reactors (``selectreactor.SelectReactor()``)."""
    return _namespace(request.param)


@pytest.fixture
def reactor(framework):
    """A fresh ``SelectReactor`` of ``framework``, not installed as the global reactor."""
    return framework.selectreactor.SelectReactor()


@pytest.fixture
def logged(request):
    """The log events of the framework under test (``net``, ``mini`` or ``framework``)."""
    for name in ("net", "mini", "framework"):
        if name in request.fixturenames:
            log = request.getfixturevalue(name).log
            break
    events = []
    log.addObserver(events.append)
    yield events
    log.removeObserver(events.append)


def messages(framework, events):
    """The text of each logged event, as the framework's log observers format it."""
    return [framework.log.textFromEventDict(event) for event in events]
