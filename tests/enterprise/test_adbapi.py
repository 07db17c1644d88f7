"""Tests for minitwisted.enterprise.adbapi, side by side with twisted.enterprise.adbapi on sqlite3.

Each test gets a pool on a fresh sqlite3 file of its own and runs on the framework's
global reactor (the ``net`` fixture).  ``net.spin`` leaves the reactor with ``crash()``,
so the shutdown trigger never fires there: the ``pool`` fixture closes each pool itself.
What happens at a real reactor shutdown is checked in a subprocess at the end.
"""

import pickle
import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest

from tests.conftest import messages


def errorMessages(net, events):
    """The text of the logged errors (the reactors also log notes such as "Main loop terminated.")."""
    return messages(net, [event for event in events if event.get("isError")])


@pytest.fixture
def adbapi(net):
    """The adbapi module of the framework under test."""
    if net.name == "minitwisted":
        from minitwisted.enterprise import adbapi
    else:
        from twisted.enterprise import adbapi
    return adbapi


@pytest.fixture
def makePool(adbapi, tmp_path):
    """Make pools on one sqlite3 file; each is closed at the end if the test did not."""
    pools = []

    def make(**kw):
        kw.setdefault("check_same_thread", False)  # so close() may close them from here
        pool = adbapi.ConnectionPool("sqlite3", str(tmp_path / "test.db"), **kw)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        if pool.running or pool.startID:
            pool.close()


@pytest.fixture
def pool(net, makePool):
    """A pool with a table ``notes(text)``, already created."""
    pool = makePool()
    net.spin(pool.runOperation("CREATE TABLE notes (text TEXT)"))
    return pool


def test_runOperationThenRunQueryReturnsTheRows(net, pool):
    """runOperation fires with None; runQuery fires with the rows of fetchall()."""
    assert net.spin(pool.runOperation("INSERT INTO notes VALUES ('first')")) is None
    net.spin(pool.runOperation("INSERT INTO notes VALUES (?)", ("second",)))
    assert net.spin(pool.runQuery("SELECT text FROM notes ORDER BY text")) == [
        ("first",), ("second",)]


def test_runQueryFailsWithTheDatabaseError(net, pool):
    """A statement the database rejects fails the Deferred with the DB-API exception."""
    with pytest.raises(sqlite3.OperationalError, match="no such table: missing"):
        net.spin(pool.runQuery("SELECT * FROM missing"))


def test_runInteractionFiresWithWhatTheInteractionReturns(net, pool):
    """runInteraction passes a cursor-like Transaction and extra arguments, then commits."""
    def interaction(trans, first, second=None):
        trans.execute("INSERT INTO notes VALUES (?)", (first,))
        trans.execute("INSERT INTO notes VALUES (?)", (second,))
        trans.execute("SELECT count(*) FROM notes")
        return trans.fetchone()[0]

    assert net.spin(pool.runInteraction(interaction, "a", second="b")) == 2
    assert net.spin(pool.runQuery("SELECT text FROM notes ORDER BY text")) == [("a",), ("b",)]


def test_runInteractionRollsBackWhenTheInteractionRaises(net, pool):
    """An exception in the interaction undoes its insert, keeps earlier commits, and fails the Deferred."""
    net.spin(pool.runOperation("INSERT INTO notes VALUES ('kept')"))

    def interaction(trans):
        trans.execute("INSERT INTO notes VALUES ('lost')")
        raise ValueError("changed my mind")

    with pytest.raises(ValueError, match="changed my mind"):
        net.spin(pool.runInteraction(interaction))
    assert net.spin(pool.runQuery("SELECT text FROM notes")) == [("kept",)]


def test_concurrentInteractionsEachRunInOneTransaction(net, makePool):
    """Twenty interactions incrementing one counter at once see every value from 1 to 20 once."""
    pool = makePool()
    net.spin(pool.runOperation("CREATE TABLE counter (value INTEGER)"))
    net.spin(pool.runOperation("INSERT INTO counter VALUES (0)"))

    def increment(trans):
        # The UPDATE opens the transaction and locks the database until the commit,
        # so the SELECT sees this interaction's own increment and no other.
        trans.execute("UPDATE counter SET value = value + 1")
        trans.execute("SELECT value FROM counter")
        return trans.fetchone()[0]

    everything = net.defer.gatherResults([pool.runInteraction(increment) for _ in range(20)])
    assert sorted(net.spin(everything)) == list(range(1, 21))
    assert net.spin(pool.runQuery("SELECT value FROM counter")) == [(20,)]


def test_runWithConnectionCommitsOnReturnAndRollsBackOnError(net, pool):
    """runWithConnection passes the connection; a return commits, an exception rolls back."""
    def insert(connection, text, fail=False):
        connection.cursor().execute("INSERT INTO notes VALUES (?)", (text,))
        if fail:
            raise KeyError(text)
        return "inserted"

    assert net.spin(pool.runWithConnection(insert, "kept")) == "inserted"
    with pytest.raises(KeyError):
        net.spin(pool.runWithConnection(insert, "lost", fail=True))
    assert net.spin(pool.runQuery("SELECT text FROM notes")) == [("kept",)]


def test_eachWorkerThreadKeepsItsOwnConnection(net, makePool):
    """Connections are kept per worker thread, so sqlite3's same-thread check never fires."""
    pool = makePool(check_same_thread=True, cp_min=2, cp_max=2)

    def whoAmI(trans):
        trans.execute("SELECT 1")
        return threading.get_ident()

    everything = net.defer.gatherResults([pool.runInteraction(whoAmI) for _ in range(10)])
    threadIDs = set(net.spin(everything))
    assert threadIDs == set(pool.connections)
    assert len(threadIDs) <= 2
    assert threading.get_ident() not in threadIDs


def test_cpKeywordsConfigureThePoolAndTheRestGoToConnect(adbapi, tmp_path):
    """cp_* keywords set the pool's options (a min above max is lowered to it); the rest are for connect."""
    pool = adbapi.ConnectionPool(
        "sqlite3", str(tmp_path / "x.db"), cp_min=7, cp_max=2, cp_noisy=True,
        cp_good_sql="select 2", timeout=3)
    try:
        assert (pool.min, pool.max, pool.noisy, pool.good_sql) == (2, 2, True, "select 2")
        assert (pool.threadpool.min, pool.threadpool.max) == (2, 2)
        assert pool.connargs == (str(tmp_path / "x.db"),)
        assert pool.connkw == {"timeout": 3}
        assert (pool.running, pool.reconnect, pool.openfun) == (False, False, None)
    finally:
        pool.close()


def test_openfunIsCalledWithEachNewConnection(net, makePool):
    """cp_openfun gets each new DB-API connection before any interaction uses it."""
    opened = []

    def openfun(connection):
        opened.append(connection)
        connection.execute("CREATE TEMP TABLE session (who TEXT)")

    pool = makePool(cp_openfun=openfun, cp_min=1, cp_max=1)
    assert net.spin(pool.runQuery("SELECT count(*) FROM session")) == [(0,)]
    net.spin(pool.runQuery("SELECT 1"))
    assert len(opened) == 1
    assert opened[0] is list(pool.connections.values())[0]


def test_poolStartsWhenTheReactorRuns(net, makePool):
    """A new pool waits for the reactor; once it runs, the threads start and shutdown is armed."""
    pool = makePool()
    assert (pool.running, pool.threadpool.started) == (False, False)
    net.spin(pool.runQuery("SELECT 1"))
    assert (pool.running, pool.threadpool.started) == (True, True)
    assert pool.startID is None and pool.shutdownID is not None


def test_closeStopsTheThreadsAndClosesTheConnections(net, pool):
    """close() stops the worker threads, closes every connection and disarms shutdown."""
    net.spin(pool.runQuery("SELECT 1"))
    connections = list(pool.connections.values())
    pool.close()
    assert (pool.running, pool.shutdownID, pool.connections) == (False, None, {})
    assert not any(thread.is_alive() for thread in pool.threadpool.threads)
    for connection in connections:
        with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
            connection.execute("SELECT 1")


def test_closeBeforeTheReactorRunsCancelsTheStart(net, makePool):
    """A pool closed before the reactor runs never starts its threads."""
    pool = makePool()
    pool.close()
    net.spin(net.task.deferLater(net.reactor, 0, lambda: None))
    assert (pool.running, pool.startID, pool.threadpool.started) == (False, None, False)
    assert not any(thread.is_alive() for thread in pool.threadpool.threads)


def test_closingSameThreadSqliteConnectionsLogsTheFailure(net, makePool, logged):
    """With sqlite3's check_same_thread, close() from the reactor thread logs each refusal."""
    pool = makePool(check_same_thread=True, cp_min=1, cp_max=1)
    net.spin(pool.runQuery("SELECT 1"))
    pool.close()
    logged = errorMessages(net, logged)
    assert len(logged) == 1
    assert logged[0].startswith("Connection close failed")
    assert "SQLite objects created in a thread can only be used in that same thread" in logged[0]


def test_reconnectReplacesAConnectionThatDiedDuringAnInteraction(net, makePool, logged):
    """With cp_reconnect, a dead connection is dropped at rollback and the next call reconnects."""
    pool = makePool(cp_reconnect=True, cp_min=1, cp_max=1)
    net.spin(pool.runQuery("SELECT 1"))
    [first] = pool.connections.values()

    def breakIt(trans):
        first.close()  # the database "goes away" in the middle of the interaction
        raise RuntimeError("lost it")

    with pytest.raises(RuntimeError, match="lost it"):
        net.spin(pool.runInteraction(breakIt))
    assert pool.connections == {}
    assert net.spin(pool.runQuery("SELECT 42")) == [(42,)]
    assert list(pool.connections.values()) != [first]
    # The failed rollback is logged, then ConnectionLost is logged as a failed rollback too.
    logged = errorMessages(net, logged)
    assert [text.splitlines()[0] for text in logged] == ["Rollback failed", "Rollback failed"]
    assert "ConnectionLost" in logged[1]


def test_aPickledPoolKeepsItsSettingsAndStartsAfresh(net, adbapi, tmp_path):
    """Unpickling a pool gives a new, stopped pool with the same settings and connect arguments."""
    pool = adbapi.ConnectionPool("sqlite3", str(tmp_path / "p.db"), cp_min=1, cp_max=2,
                                 cp_noisy=True, cp_openfun=print, timeout=4)
    copy = pickle.loads(pickle.dumps(pool))
    try:
        assert (copy.min, copy.max, copy.noisy, copy.openfun) == (1, 2, True, None)
        assert (copy.connargs, copy.connkw) == ((str(tmp_path / "p.db"),), {"timeout": 4})
        assert (copy.running, copy.connections) == (False, {})
        assert copy.threadpool is not pool.threadpool
    finally:
        pool.close()
        copy.close()


class RecordingReactor:
    """Just the reactor calls a pool makes at creation and start: it records the triggers."""

    def __init__(self):
        self.triggers = {}  # trigger ID -> (phase, event type, callable)

    def callWhenRunning(self, f, *args, **kwargs):
        return self.addSystemEventTrigger("after", "startup", f, *args, **kwargs)

    def addSystemEventTrigger(self, phase, eventType, f, *args, **kwargs):
        triggerID = len(self.triggers), eventType
        self.triggers[triggerID] = (phase, eventType, lambda: f(*args, **kwargs))
        return triggerID

    def removeSystemEventTrigger(self, triggerID):
        del self.triggers[triggerID]

    def fire(self, eventType):
        for triggerID, (phase, event, call) in list(self.triggers.items()):
            if event == eventType:
                del self.triggers[triggerID]
                call()


@pytest.mark.parametrize("framework_name", ["minitwisted", "twisted"])
def test_thePoolStartsAtStartupAndClosesAtShutdownOfItsReactor(framework_name, tmp_path):
    """cp_reactor's startup event starts the pool; its shutdown event stops the threads."""
    if framework_name == "minitwisted":
        from minitwisted.enterprise import adbapi
    else:
        from twisted.enterprise import adbapi
    reactor = RecordingReactor()
    pool = adbapi.ConnectionPool("sqlite3", str(tmp_path / "r.db"), cp_reactor=reactor)
    assert [trigger[:2] for trigger in reactor.triggers.values()] == [("after", "startup")]
    assert not pool.running

    reactor.fire("startup")
    assert (pool.running, pool.threadpool.started) == (True, True)
    assert [trigger[:2] for trigger in reactor.triggers.values()] == [("during", "shutdown")]

    reactor.fire("shutdown")
    assert (pool.running, pool.shutdownID, reactor.triggers) == (False, None, {})
    assert not any(thread.is_alive() for thread in pool.threadpool.threads)


# --- At reactor shutdown -------------------------------------------------------------------


SHUTDOWN_SCRIPT = """
    import sys, threading
    from FRAMEWORK.enterprise import adbapi
    from FRAMEWORK.internet import reactor

    pool = adbapi.ConnectionPool("sqlite3", sys.argv[1], check_same_thread=False)

    def query():
        d = pool.runQuery("SELECT 6 * 7")
        d.addCallback(lambda rows: print("rows", rows))
        d.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(query)
    reactor.run(installSignalHandlers=False)
    print("running", pool.running, "connections", pool.connections)
    print("other threads", [t.name for t in threading.enumerate() if t is not threading.main_thread()])
"""


@pytest.mark.parametrize("framework_name", ["twisted", "minitwisted"])
def test_reactorShutdownClosesThePool(framework_name, tmp_path):
    """When the reactor stops, the pool stops its threads and closes its connections; the process exits."""
    script = textwrap.dedent(SHUTDOWN_SCRIPT).replace("FRAMEWORK", framework_name)
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "shutdown.db")],
                          capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        "rows [(42,)]", "running False connections {}", "other threads []"]
