"""Tests for minitwisted.trial.util, side by side with twisted.trial.util."""

import types

import pytest
from twisted.trial import util as tutil

from minitwisted.internet import reactor
from minitwisted.trial import util as mutil


@pytest.fixture(params=[mutil, tutil], ids=["minitwisted", "twisted"])
def util(request):
    """The util module under test: ours, then the oracle."""
    return request.param


def test_defaultTimeoutIs120Seconds(util):
    """The default timeout of a TestCase step is 120 seconds."""
    assert util.DEFAULT_TIMEOUT_DURATION == 120.0


def test_cleanReactorMessage(util):
    """A DirtyReactorAggregateError with nothing listed says only that the reactor was unclean."""
    assert str(util.DirtyReactorAggregateError([], [])) == "Reactor was unclean."


def test_dirtyReactorMessageListsCallsThenSelectables(util):
    """The message lists the delayed calls, then the selectables, one a line."""
    error = util.DirtyReactorAggregateError(["call1", "call2"], ["port"])
    assert str(error) == (
        "Reactor was unclean.\n"
        "DelayedCalls: (set twisted.internet.base.DelayedCall.debug = True to debug)\n"
        "call1\ncall2\nSelectables:\nport")


def test_acquireAttributeTakesTheFirstThatHasIt(util):
    """acquireAttribute looks through the objects in order and falls back to the default."""
    first, second = types.SimpleNamespace(), types.SimpleNamespace(x=2)
    assert util.acquireAttribute([first, second], "x") == 2
    assert util.acquireAttribute([first], "x", 9) == 9
    with pytest.raises(AttributeError):
        util.acquireAttribute([first], "x")


def test_janitorCancelsAndReportsPendingCalls():
    """The janitor cancels a pending call and reports it; a clean reactor reports nothing."""
    reports = []
    janitor = mutil._Janitor("a test", lambda test, failure: reports.append(failure))
    assert janitor.postCaseCleanup() is True
    call = reactor.callLater(50, print)
    assert janitor.postCaseCleanup() is False
    assert call.cancelled
    assert "<DelayedCall" in str(reports[0].value)
    assert reactor.getDelayedCalls() == []


def test_janitorLeavesTheWakerAndStopsTheThreadPool():
    """postClassCleanup keeps the waker registered and stops the reactor's thread pool."""
    reactor.getThreadPool()
    mutil._Janitor("a test", lambda test, failure: None).postClassCleanup()
    assert reactor.getReaders() == [reactor.waker]
    assert reactor._threadpool is None
