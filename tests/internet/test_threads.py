"""Tests for minitwisted.internet.threads, side by side with Twisted on each global reactor."""

import threading

import pytest


def test_deferToThreadRunsInAPoolThread(net):
    """deferToThread fires with the function's result, computed in another thread."""
    d = net.threads.deferToThread(lambda a, b: (a + b, threading.current_thread().name), 2, b=3)
    total, name = net.spin(d)
    assert total == 5
    assert name.startswith(f"PoolThread-{net.name}.internet.reactor-")


def test_deferToThreadErrbacksWithTheException(net):
    """An exception in the thread arrives as the Deferred's failure."""
    d = net.threads.deferToThread(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        net.spin(d)


def test_deferToThreadPoolUsesTheGivenPool(net):
    """deferToThreadPool runs the function in the pool it is given."""
    if net.name == "minitwisted":
        from minitwisted.python.threadpool import ThreadPool
    else:
        from twisted.python.threadpool import ThreadPool
    pool = ThreadPool(1, 1, "custom")
    pool.start()
    try:
        d = net.threads.deferToThreadPool(
            net.reactor, pool, lambda: threading.current_thread().name)
        assert net.spin(d) == "PoolThread-custom-0"
    finally:
        pool.stop()


def test_blockingCallFromThreadReturnsTheResult(net):
    """From a thread, blockingCallFromThread returns what the reactor-side call (or its Deferred) gives."""
    def inThread():
        plain = net.threads.blockingCallFromThread(
            net.reactor, lambda: threading.current_thread() is threading.main_thread())
        later = net.threads.blockingCallFromThread(
            net.reactor, net.task.deferLater, net.reactor, 0.01, lambda: "later")
        return plain, later

    assert net.spin(net.threads.deferToThread(inThread)) == (True, "later")


def test_blockingCallFromThreadRaisesTheFailure(net):
    """A failure in the reactor thread is raised in the calling thread."""
    def inThread():
        try:
            net.threads.blockingCallFromThread(net.reactor, lambda: net.defer.fail(KeyError("k")))
        except KeyError as e:
            return repr(e)

    assert net.spin(net.threads.deferToThread(inThread)) == "KeyError('k')"


def test_callMultipleInThreadRunsInOrder(net):
    """callMultipleInThread runs each call in order in one thread."""
    seen = []
    done = net.defer.Deferred()
    net.threads.callMultipleInThread([
        (seen.append, (1,), {}),
        (seen.append, (2,), {}),
        (net.reactor.callFromThread, (done.callback, None), {}),
    ])
    net.spin(done)
    assert seen == [1, 2]
