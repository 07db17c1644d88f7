"""Tests for minitwisted.python.threadpool, side by side with twisted.python.threadpool."""

import threading
import time
import types

import pytest


@pytest.fixture(params=["minitwisted", "twisted"])
def impl(request):
    if request.param == "minitwisted":
        from minitwisted.python import threadpool
        from minitwisted.python.failure import Failure
    else:
        from twisted.python import threadpool
        from twisted.python.failure import Failure
    return types.SimpleNamespace(ThreadPool=threadpool.ThreadPool, Failure=Failure)


def wait_for(condition, timeout=5):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def test_defaultsAndValidation(impl):
    """The pool defaults to 5..20 threads and refuses a minimum above the maximum."""
    pool = impl.ThreadPool()
    assert (pool.min, pool.max, pool.started, pool.joined) == (5, 20, False, False)
    with pytest.raises(AssertionError, match="minimum is greater than maximum"):
        impl.ThreadPool(3, 2)
    with pytest.raises(AssertionError, match="minimum is negative"):
        impl.ThreadPool(-1, 2)


def test_workQueuedBeforeStartRunsAfterStart(impl):
    """A call made before start() waits, then runs once the pool starts."""
    pool = impl.ThreadPool(0, 2, "early")
    ran = []
    pool.callInThread(ran.append, "x")
    time.sleep(0.02)
    assert ran == []
    pool.start()
    try:
        wait_for(lambda: ran == ["x"])
    finally:
        pool.stop()


def test_callbackGetsResultOrFailure(impl):
    """callInThreadWithCallback reports (True, result) or (False, Failure)."""
    pool = impl.ThreadPool(1, 1)
    pool.start()
    results = []
    try:
        pool.callInThreadWithCallback(lambda ok, r: results.append((ok, r)), lambda: 42)
        pool.callInThreadWithCallback(lambda ok, r: results.append((ok, r)), lambda: 1 / 0)
        wait_for(lambda: len(results) == 2)
    finally:
        pool.stop()
    assert results[0] == (True, 42)
    assert results[1][0] is False and isinstance(results[1][1], impl.Failure)
    assert results[1][1].type is ZeroDivisionError


def test_threadsAreNamedAndCapped(impl):
    """Workers are named PoolThread-<name>-<n> and never more than max run at once."""
    pool = impl.ThreadPool(0, 2, "capped")
    pool.start()
    names, release = set(), threading.Event()
    running = []

    def work():
        running.append(1)
        names.add(threading.current_thread().name)
        release.wait(5)

    try:
        for _ in range(5):
            pool.callInThread(work)
        wait_for(lambda: len(running) == 2)
        time.sleep(0.05)
        assert len(running) == 2
        release.set()
        wait_for(lambda: len(running) == 5)
    finally:
        pool.stop()
    assert names == {"PoolThread-capped-0", "PoolThread-capped-1"}


def test_stopJoinsTheThreadsAndDropsLaterWork(impl):
    """stop() waits for the workers to exit; work given afterwards never runs."""
    pool = impl.ThreadPool(2, 2)
    pool.start()
    threads = list(pool.threads)
    pool.stop()
    assert pool.joined and not pool.started
    assert not any(thread.is_alive() for thread in threads)
    ran = []
    pool.callInThread(ran.append, 1)
    time.sleep(0.02)
    assert ran == []
