"""Tests for minitwisted.protocols.policies (TimeoutMixin), side by side with real Twisted.

Each test takes the ``impl`` fixture and runs once on minitwisted and once on Twisted
26.10.  Time is a ``task.Clock`` of the same implementation, installed by replacing
the protocol's ``callLater``, so no test touches a reactor or waits.
"""

import subprocess
import sys
import types
from pathlib import Path

import pytest


def _namespace(name):
    if name == "minitwisted":
        from minitwisted.internet import error, protocol, task, testing
        from minitwisted.protocols import policies
    else:
        from twisted.internet import error, protocol, task, testing
        from twisted.protocols import policies
    return types.SimpleNamespace(name=name, error=error, protocol=protocol, task=task,
                                 testing=testing, policies=policies)


@pytest.fixture(params=["minitwisted", "twisted"])
def impl(request):
    """The implementation under test: ours, then the oracle."""
    return _namespace(request.param)


def connect(impl, **attributes):
    """Return a connected TimeoutMixin protocol whose ``clock`` drives its timeout."""

    class Idle(impl.protocol.Protocol, impl.policies.TimeoutMixin):
        pass

    for name, value in attributes.items():
        setattr(Idle, name, value)
    protocol = Idle()
    protocol.clock = impl.task.Clock()
    protocol.callLater = protocol.clock.callLater
    protocol.makeConnection(impl.testing.StringTransport())
    return protocol


def test_noTimeoutUntilSetTimeout(impl):
    """Without setTimeout nothing is scheduled, even if timeOut is set on the class."""
    protocol = connect(impl, timeOut=5)
    assert protocol.clock.getDelayedCalls() == []
    protocol.clock.advance(100)
    assert not protocol.transport.disconnecting


def test_timeOutDefaultsToNone(impl):
    """The class attribute timeOut is None."""
    assert impl.policies.TimeoutMixin.timeOut is None


def test_setTimeoutReturnsThePreviousPeriod(impl):
    """setTimeout returns the period it replaces, None the first time."""
    protocol = connect(impl)
    assert protocol.setTimeout(5) is None
    assert protocol.setTimeout(7) == 5
    assert protocol.setTimeout(None) == 7
    assert protocol.timeOut is None


def test_timeoutClosesTheConnection(impl):
    """When the period has passed, timeoutConnection calls loseConnection."""
    protocol = connect(impl)
    protocol.setTimeout(5)
    protocol.clock.advance(4.9)
    assert not protocol.transport.disconnecting
    protocol.clock.advance(0.1)
    assert protocol.transport.disconnecting
    assert protocol.clock.getDelayedCalls() == []


def test_resetTimeoutRestartsTheCountdown(impl):
    """resetTimeout pushes the deadline to a full period from now."""
    protocol = connect(impl)
    protocol.setTimeout(5)
    protocol.clock.advance(4)
    protocol.resetTimeout()
    protocol.clock.advance(4)
    assert not protocol.transport.disconnecting
    protocol.clock.advance(1)
    assert protocol.transport.disconnecting


def test_resetTimeoutWithoutACountdownDoesNothing(impl):
    """resetTimeout before any setTimeout schedules nothing."""
    protocol = connect(impl, timeOut=5)
    protocol.resetTimeout()
    assert protocol.clock.getDelayedCalls() == []


def test_setTimeoutNoneCancelsTheCountdown(impl):
    """setTimeout(None) cancels the pending call, and the connection stays open."""
    protocol = connect(impl)
    protocol.setTimeout(5)
    protocol.setTimeout(None)
    assert protocol.clock.getDelayedCalls() == []
    protocol.clock.advance(10)
    assert not protocol.transport.disconnecting


def test_newPeriodCountsFromNow(impl):
    """Changing the period while counting down reschedules it from the current time."""
    protocol = connect(impl)
    protocol.setTimeout(5)
    protocol.clock.advance(3)
    protocol.setTimeout(10)
    [call] = protocol.clock.getDelayedCalls()
    assert call.getTime() == 13


def test_timeoutConnectionCanBeOverridden(impl):
    """An overriding timeoutConnection runs instead of loseConnection."""
    fired = []
    protocol = connect(impl, timeoutConnection=lambda self: fired.append(self.clock.seconds()))
    protocol.setTimeout(2)
    protocol.clock.advance(2)
    assert fired == [2]
    assert not protocol.transport.disconnecting


def test_afterATimeoutResetDoesNothingAndSetTimeoutStartsAgain(impl):
    """Once expired, resetTimeout is ignored and setTimeout starts a new countdown."""
    fired = []
    protocol = connect(impl, timeoutConnection=lambda self: fired.append(self.clock.seconds()))
    protocol.setTimeout(2)
    protocol.clock.advance(2)
    protocol.resetTimeout()
    assert protocol.clock.getDelayedCalls() == []
    assert protocol.setTimeout(3) == 2
    protocol.clock.advance(3)
    assert fired == [2, 5]


def test_setTimeoutNoneAfterTheCallWasCancelledElsewhere(impl):
    """setTimeout(None) ignores a pending call that someone else already cancelled."""
    protocol = connect(impl)
    protocol.setTimeout(5)
    [call] = protocol.clock.getDelayedCalls()
    call.cancel()
    assert protocol.setTimeout(None) == 5
    with pytest.raises(impl.error.AlreadyCancelled):
        call.cancel()


def runPython(code):
    """Run ``code`` in a fresh interpreter at the repository root and return its output."""
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, check=True).stdout.strip()


def test_importingPoliciesDoesNotImportTheReactor():
    """Importing minitwisted.protocols.policies leaves the reactor unimported."""
    output = runPython("import sys, minitwisted.protocols.policies\n"
                       "print('minitwisted.internet.reactor' in sys.modules)")
    assert output == "False"


def test_defaultCallLaterSchedulesOnTheGlobalReactor():
    """Without a replacement, setTimeout schedules its call on the global reactor."""
    output = runPython(
        "from minitwisted.protocols.policies import TimeoutMixin\n"
        "mixin = TimeoutMixin()\n"
        "mixin.setTimeout(30)\n"
        "from minitwisted.internet import reactor\n"
        "[call] = reactor.getDelayedCalls()\n"
        "print(call.getTime() - reactor.seconds() > 29)\n"
        "mixin.setTimeout(None)\n"
        "print(reactor.getDelayedCalls())\n")
    assert output.split("\n") == ["True", "[]"]


def test_leftOutNamesAreAbsent():
    """Differs from Twisted: the wrapping and spewing factories are left out."""
    from twisted.protocols import policies

    from minitwisted.protocols import policies as mpolicies

    for name in ["ProtocolWrapper", "WrappingFactory", "ThrottlingFactory",
                 "LimitTotalConnectionsFactory", "TimeoutFactory", "TrafficLoggingFactory",
                 "SpewingFactory"]:
        assert hasattr(policies, name)
        assert not hasattr(mpolicies, name)
