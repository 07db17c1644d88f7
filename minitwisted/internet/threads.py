"""Blocking code and the reactor: run it in a thread and get a Deferred, or call back into the loop.

Mirrors ``twisted.internet.threads`` (Twisted 26.10): ``deferToThread``,
``deferToThreadPool``, ``callMultipleInThread`` and ``blockingCallFromThread``, with the
same signatures.  The workshop uses them in ``notebooks/A3_database_in_threads.ipynb`` (blocking work
without blocking the loop).  Tests: ``tests/internet/test_threads.py``.

The one rule behind all four: only the reactor thread touches the reactor, transports
and Deferreds.  A worker thread hands its result back with ``reactor.callFromThread``,
which queues a call and wakes the loop.
"""

import queue

from minitwisted.internet import defer
from minitwisted.python import failure


def deferToThreadPool(reactor, threadpool, f, *args, **kwargs):
    """Run ``f(*args, **kwargs)`` in ``threadpool``; a Deferred fires with its result in the reactor thread."""
    d = defer.Deferred()

    def onResult(success, result):
        # Called in the worker thread: hand the result to the reactor thread.
        if success:
            reactor.callFromThread(d.callback, result)
        else:
            reactor.callFromThread(d.errback, result)

    threadpool.callInThreadWithCallback(onResult, f, *args, **kwargs)
    return d


def deferToThread(f, *args, **kwargs):
    """Run ``f(*args, **kwargs)`` in the global reactor's thread pool; return a Deferred of the result."""
    from minitwisted.internet import reactor

    return deferToThreadPool(reactor, reactor.getThreadPool(), f, *args, **kwargs)


def _runMultiple(tupleList):
    for f, args, kwargs in tupleList:
        f(*args, **kwargs)


def callMultipleInThread(tupleList):
    """Run each ``(f, args, kwargs)`` of ``tupleList`` in order, in one pool thread."""
    from minitwisted.internet import reactor

    reactor.callInThread(_runMultiple, tupleList)


def blockingCallFromThread(reactor, f, *a, **kw):
    """From a non-reactor thread: run ``f`` in the reactor thread, wait, and return its result.

    If ``f`` returns a Deferred, wait for it; a Failure is raised here as its exception.
    Calling this from the reactor thread would wait forever, so don't.
    """
    results = queue.Queue()

    def inReactor():
        defer.maybeDeferred(f, *a, **kw).addBoth(results.put)

    reactor.callFromThread(inReactor)
    result = results.get()
    if isinstance(result, failure.Failure):
        result.raiseException()
    return result
