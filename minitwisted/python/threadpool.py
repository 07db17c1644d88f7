"""A pool of worker threads for blocking work: where ``callInThread`` and ``deferToThread`` run.

Mirrors ``twisted.python.threadpool.ThreadPool`` (Twisted 26.10): ``start``, ``stop``,
``callInThread``, ``callInThreadWithCallback``, ``adjustPoolsize``, ``min``/``max``,
``threads``, ``started``, ``joined``, and thread names ``PoolThread-<name>-<n>``.
The workshop uses it in ``notebooks/A3_database_in_threads.ipynb`` (threads and the reactor).
Tests: ``tests/python/test_threadpool.py``.

Work waits in a ``queue.Queue``.  A worker thread is started when work arrives and no
worker is idle, up to ``max``; workers never exit until ``stop()``, which queues one
"quit" marker per thread and joins them all.

Differs from Twisted: Twisted builds the pool on its ``_threads`` "team" machinery and
runs each call inside Twisted's logging context; this pool is a plain queue of calls.
"""

import queue
import threading

from minitwisted.python import log
from minitwisted.python.failure import Failure

_QUIT = object()  # the marker that tells a worker thread to exit


class ThreadPool:
    """Run callables in up to ``maxthreads`` threads; ``minthreads`` are started up front.

    Invariants: ``_idle`` counts workers blocked on the queue; a call queued while the
    pool is not started waits and runs after ``start()``; after ``stop()`` (``joined``)
    new calls are dropped, as in Twisted.
    """

    min = 5
    max = 20
    joined = False
    started = False
    name = None

    def __init__(self, minthreads=5, maxthreads=20, name=None):
        assert minthreads >= 0, "minimum is negative"
        assert minthreads <= maxthreads, "minimum is greater than maximum"
        self.min = minthreads
        self.max = maxthreads
        self.name = name
        self.threads = []
        self._queue = queue.Queue()
        self._idle = 0
        self._lock = threading.Lock()

    @property
    def workers(self):
        """How many worker threads exist."""
        return len(self.threads)

    def start(self):
        """Start ``min`` workers, and enough more for the work already queued."""
        self.joined = False
        self.started = True
        self.adjustPoolsize()
        for _ in range(min(self._queue.qsize(), self.max - self.workers)):
            self._startAWorker()

    def _startAWorker(self):
        thread = threading.Thread(
            target=self._work, name=f"PoolThread-{self.name or id(self)}-{self.workers}",
            daemon=True)
        self.threads.append(thread)
        thread.start()

    def _work(self):
        while True:
            with self._lock:
                self._idle += 1
            item = self._queue.get()
            with self._lock:
                self._idle -= 1
            if item is _QUIT:
                return
            item()

    def callInThread(self, func, *args, **kw):
        """Run ``func(*args, **kw)`` in a worker; an exception is logged."""
        self.callInThreadWithCallback(None, func, *args, **kw)

    def callInThreadWithCallback(self, onResult, func, *args, **kw):
        """Run ``func`` in a worker, then ``onResult(True, result)`` or ``onResult(False, Failure)``.

        ``onResult`` runs in the worker thread: to get back to the reactor it should use
        ``reactor.callFromThread``, as ``deferToThreadPool`` does.
        """
        if self.joined:
            return

        def call():
            try:
                result, ok = func(*args, **kw), True
            except BaseException:
                result, ok = Failure(), False
            if onResult is not None:
                onResult(ok, result)
            elif not ok:
                log.err(result)

        self._queue.put(call)
        with self._lock:
            needWorker = self.started and self._idle < self._queue.qsize()
        if needWorker and self.workers < self.max:
            self._startAWorker()

    def stop(self):
        """Let the workers finish what they run, stop them, and wait for them."""
        self.joined = True
        self.started = False
        threads, self.threads = self.threads, []
        for _ in threads:
            self._queue.put(_QUIT)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join()

    def adjustPoolsize(self, minthreads=None, maxthreads=None):
        """Change ``min`` and ``max``; start workers up to the new minimum if running."""
        minthreads = self.min if minthreads is None else minthreads
        maxthreads = self.max if maxthreads is None else maxthreads
        assert minthreads >= 0, "minimum is negative"
        assert minthreads <= maxthreads, "minimum is greater than maximum"
        self.min, self.max = minthreads, maxthreads
        if not self.started:
            return
        while self.workers < self.min:
            self._startAWorker()
