"""A DB-API 2.0 database behind Deferreds: blocking queries run in a pool of threads.

Mirrors ``twisted.enterprise.adbapi`` (Twisted 26.10): ``ConnectionPool`` with
``runQuery``, ``runOperation``, ``runInteraction``, ``runWithConnection``, ``close``,
``start``, ``connect``/``disconnect``, pickling of the settings; the ``Connection`` and ``Transaction`` wrappers;
``ConnectionLost``.  It is ``deferToThreadPool`` (blocking work without blocking the loop)
applied to a database, taught in ``notebooks/A3_database_in_threads.ipynb``.
Tests: ``tests/enterprise/test_adbapi.py``.

How the pieces fit:

1. ``ConnectionPool(dbapiName, *connargs, **connkw)`` imports the DB-API module by name,
   takes its own options from the ``cp_*`` keywords and keeps the rest for ``connect``.
   It makes a ``ThreadPool(cp_min, cp_max)`` that starts when the reactor runs and
   stops (closing every connection) at reactor shutdown, through a system event trigger.
2. Each ``run*`` call hands the blocking work to ``threads.deferToThreadPool``.  In the
   worker thread, ``connect()`` gives that thread's own DB-API connection (made on first
   use, then kept in ``connections`` under the thread id), because many drivers, sqlite3
   among them, refuse a connection used from two threads.
3. ``runInteraction`` wraps the connection's cursor in a ``Transaction``; the
   interaction's return commits, its exception rolls back.  ``runQuery`` and
   ``runOperation`` are two small interactions: execute, then ``fetchall`` or nothing.

As in Twisted, ``close()`` closes the connections from the calling (reactor) thread; a
sqlite3 connection opened with the default ``check_same_thread=True`` refuses that, and
the pool logs "Connection close failed" for it.  Pass ``check_same_thread=False`` to
sqlite3 (the pool still uses each connection from one thread only).
"""

import importlib
import threading

from minitwisted.internet import threads
from minitwisted.python import log
from minitwisted.python.threadpool import ThreadPool


class ConnectionLost(Exception):
    """A database connection died (seen during a rollback); the work may be tried again."""


class Connection:
    """The current thread's DB-API connection, seen through its pool.

    Every attribute not defined here (``cursor``, ``commit``, ...) is the real
    connection's.  ``close`` does nothing: the connection belongs to the pool's thread,
    and the pool closes it.  With ``cp_reconnect`` a failed rollback replaces it.
    """

    def __init__(self, pool):
        self._pool = pool
        self._connection = None
        self.reconnect()

    def close(self):
        # Closing would leave this pool thread with a dead connection; the pool owns it.
        pass

    def rollback(self):
        """Roll back; with ``cp_reconnect``, check the connection and drop it if it is dead."""
        if not self._pool.reconnect:
            self._connection.rollback()
            return
        try:
            self._connection.rollback()
            # A rollback can "succeed" on a dead connection: prove it alive with good_sql.
            cursor = self._connection.cursor()
            cursor.execute(self._pool.good_sql)
            cursor.close()
            self._connection.commit()
            return
        except BaseException:
            log.err(None, "Rollback failed")
        self._pool.disconnect(self._connection)
        if self._pool.noisy:
            log.msg("Connection lost.")
        raise ConnectionLost()

    def reconnect(self):
        """Drop this thread's connection (if any) and get a new one from the pool."""
        if self._connection is not None:
            self._pool.disconnect(self._connection)
        self._connection = self._pool.connect()

    def __getattr__(self, name):
        return getattr(self._connection, name)


class Transaction:
    """A DB-API cursor for one interaction: ``execute``, ``fetchall``... are the cursor's.

    ``runInteraction`` commits or rolls back the connection around it; the interaction
    itself only executes statements.
    """

    _cursor = None

    def __init__(self, pool, connection):
        self._pool = pool
        self._connection = connection
        self.reopen()

    def close(self):
        cursor, self._cursor = self._cursor, None
        cursor.close()

    def reopen(self):
        """Open a fresh cursor; with ``cp_reconnect``, reconnect once if that fails."""
        if self._cursor is not None:
            self.close()
        try:
            self._cursor = self._connection.cursor()
            return
        except BaseException:
            if not self._pool.reconnect:
                raise
            log.err(None, "Cursor creation failed")
        if self._pool.noisy:
            log.msg("Connection lost, reconnecting")
        self.reconnect()
        self._cursor = self._connection.cursor()

    def reconnect(self):
        self._connection.reconnect()
        self._cursor = None

    def __getattr__(self, name):
        return getattr(self._cursor, name)


class ConnectionPool:
    """Connections to one database, one per worker thread, used through Deferreds.

    Keywords starting ``cp_`` configure the pool (``cp_min`` 3, ``cp_max`` 5,
    ``cp_name``, ``cp_noisy``, ``cp_openfun`` called with each new connection,
    ``cp_reconnect``, ``cp_good_sql`` "select 1", ``cp_reactor``); every other argument
    goes to the DB-API module's ``connect``.

    Invariants: ``connections`` maps a thread id to the connection that thread (and only
    it) uses; ``running`` is true between ``start()`` and ``close()``/shutdown, and then
    ``shutdownID`` holds the shutdown trigger; ``startID`` holds the trigger that will
    call ``start()`` until the reactor runs.
    """

    CP_ARGS = "min max name noisy openfun reconnect good_sql".split()

    noisy = False
    min = 3
    max = 5
    name = None
    openfun = None
    reconnect = False
    good_sql = "select 1"

    running = False
    connectionFactory = Connection
    transactionFactory = Transaction
    shutdownID = None  # set by start(); close() may run before start() ever does

    def __init__(self, dbapiName, *connargs, **connkw):
        self.dbapiName = dbapiName
        self.dbapi = importlib.import_module(dbapiName)
        if getattr(self.dbapi, "apilevel", None) != "2.0":
            log.msg("DB API module not DB API 2.0 compliant.")
        if getattr(self.dbapi, "threadsafety", 0) < 1:
            log.msg("DB API module not sufficiently thread-safe.")

        reactor = connkw.pop("cp_reactor", None)
        if reactor is None:
            from minitwisted.internet import reactor
        self._reactor = reactor

        for arg in self.CP_ARGS:
            if f"cp_{arg}" in connkw:
                setattr(self, arg, connkw.pop(f"cp_{arg}"))
        # A minimum above the maximum is lowered to it (the maximum wins), as in Twisted.
        self.min = min(self.min, self.max)
        self.max = max(self.min, self.max)
        self.connargs = connargs
        self.connkw = connkw  # only the DB-API's own keywords are left

        self.connections = {}  # thread id -> that thread's DB-API connection
        self.threadID = threading.get_ident
        self.threadpool = ThreadPool(self.min, self.max)
        self.startID = self._reactor.callWhenRunning(self._start)

    def _start(self):
        self.startID = None
        return self.start()

    def start(self):
        """Start the worker threads (the reactor does it when it runs) and arm the shutdown."""
        if not self.running:
            self.threadpool.start()
            self.shutdownID = self._reactor.addSystemEventTrigger(
                "during", "shutdown", self.finalClose)
            self.running = True

    # -- Running work in a thread --------------------------------------------------------------

    def runWithConnection(self, func, *args, **kw):
        """Call ``func(connection, *args, **kw)`` in a worker; commit on return, roll back on error."""
        return threads.deferToThreadPool(
            self._reactor, self.threadpool, self._runWithConnection, func, *args, **kw)

    def _runWithConnection(self, func, *args, **kw):
        conn = self.connectionFactory(self)
        try:
            result = func(conn, *args, **kw)
            conn.commit()
            return result
        except BaseException:
            self._rollback(conn)
            raise

    def runInteraction(self, interaction, *args, **kw):
        """Call ``interaction(transaction, *args, **kw)`` in a worker, as one database transaction.

        The Deferred fires with what the interaction returns, after the commit; if it
        raises, everything it did is rolled back and the Deferred fails with its exception.
        """
        return threads.deferToThreadPool(
            self._reactor, self.threadpool, self._runInteraction, interaction, *args, **kw)

    def _runInteraction(self, interaction, *args, **kw):
        conn = self.connectionFactory(self)
        trans = self.transactionFactory(self, conn)
        try:
            result = interaction(trans, *args, **kw)
            trans.close()
            conn.commit()
            return result
        except BaseException:
            self._rollback(conn)
            raise  # the caller sees the interaction's error, not the rollback's

    def _rollback(self, conn):
        try:
            conn.rollback()
        except BaseException:
            log.err(None, "Rollback failed")

    def runQuery(self, *args, **kw):
        """Execute one statement (arguments as for ``cursor.execute``); fire with ``fetchall()``."""
        return self.runInteraction(self._runQuery, *args, **kw)

    def runOperation(self, *args, **kw):
        """Execute one statement that returns no rows (INSERT, UPDATE...); fire with None."""
        return self.runInteraction(self._runOperation, *args, **kw)

    def _runQuery(self, trans, *args, **kw):
        trans.execute(*args, **kw)
        return trans.fetchall()

    def _runOperation(self, trans, *args, **kw):
        trans.execute(*args, **kw)

    # -- Stopping --------------------------------------------------------------------------------

    def close(self):
        """Stop the worker threads and close every connection; the reactor triggers are removed."""
        if self.shutdownID:
            self._reactor.removeSystemEventTrigger(self.shutdownID)
            self.shutdownID = None
        if self.startID:
            self._reactor.removeSystemEventTrigger(self.startID)
            self.startID = None
        self.finalClose()

    def finalClose(self):
        """Stop the threads, then close the connections (the reactor's shutdown trigger)."""
        self.shutdownID = None
        # Threads first: after stop() no worker can be using a connection we close.
        self.threadpool.stop()
        self.running = False
        for conn in self.connections.values():
            self._close(conn)
        self.connections.clear()

    # -- Connections, one per thread -------------------------------------------------------------

    def connect(self):
        """Return the calling thread's connection, connecting on first use (call in a worker)."""
        tid = self.threadID()
        conn = self.connections.get(tid)
        if conn is None:
            if self.noisy:
                log.msg(f"adbapi connecting: {self.dbapiName}")
            conn = self.dbapi.connect(*self.connargs, **self.connkw)
            if self.openfun is not None:
                self.openfun(conn)
            self.connections[tid] = conn
        return conn

    def disconnect(self, conn):
        """Close and forget the calling thread's connection ``conn`` (call in that worker)."""
        tid = self.threadID()
        if conn is not self.connections.get(tid):
            raise Exception("wrong connection for thread")
        if conn is not None:
            self._close(conn)
            del self.connections[tid]

    def _close(self, conn):
        if self.noisy:
            log.msg(f"adbapi closing: {self.dbapiName}")
        try:
            conn.close()
        except BaseException:
            log.err(None, "Connection close failed")

    # -- Pickling: the settings travel, the threads and connections are made anew -----------

    def __getstate__(self):
        return {
            "dbapiName": self.dbapiName, "min": self.min, "max": self.max,
            "noisy": self.noisy, "reconnect": self.reconnect, "good_sql": self.good_sql,
            "connargs": self.connargs, "connkw": self.connkw,
        }

    def __setstate__(self, state):
        # The settings sit in the instance, so __init__ (with no cp_ keywords) keeps them;
        # the new pool uses the global reactor and starts when it runs.
        self.__dict__ = state
        self.__init__(self.dbapiName, *self.connargs, **self.connkw)


__all__ = ["Transaction", "ConnectionPool"]
