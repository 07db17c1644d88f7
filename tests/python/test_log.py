"""Tests for minitwisted.python.log, run side by side with twisted.python.log.

Twisted's logging is global and cannot be reset (``startLogging`` replaces
stdio for good, its stderr fallback keeps the stream of import time), so
scenarios that start logging or log errors run real Twisted in a fresh
Python process; pure functions and observers run in this one.  Our own
global state is reset after every test by ``stopLogging``.
"""

import io
import json
import logging
import pathlib
import re
import subprocess
import sys
import textwrap
import threading
import time
import types

import pytest
from twisted.python import log as tlog
from zope.interface.interface import InterfaceClass

from minitwisted.python import log as mlog
from minitwisted.python.failure import Failure

FIXED_TIME = 1795239245.5  # 2026-11-21 05:34:05 UTC
ROOT = pathlib.Path(__file__).resolve().parents[2]  # so a fresh Python imports this minitwisted


@pytest.fixture(autouse=True)
def reset_log():
    """Start each test with logging not started; check that the test left no observer behind."""
    mlog.stopLogging()
    before = list(mlog._observers)
    yield
    mlog.stopLogging()
    assert mlog._observers == before


@pytest.fixture
def events():
    """The events logged during the test, collected by an observer."""
    got = []
    mlog.addObserver(got.append)
    yield got
    mlog.removeObserver(got.append)


@pytest.fixture
def fixed_time(monkeypatch):
    """Make minitwisted's log stamp every event with FIXED_TIME."""
    monkeypatch.setattr(mlog, "time", types.SimpleNamespace(time=lambda: FIXED_TIME))


def run_fresh(code):
    """Run ``code`` in a fresh Python with the time fixed; return (stdout, stderr)."""
    prelude = "import time\ntime.time = lambda: %r\n" % (FIXED_TIME,)
    result = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout, result.stderr


def texts(eventList):
    """The text of each event, as an observer would show it."""
    return [mlog.textFromEventDict(e) for e in eventList]


# --- msg and observers -------------------------------------------------------------------


def test_msgSendsAnEventDictToObservers(events, fixed_time):
    """Differs from Twisted: an event holds just message, isError, system and time."""
    mlog.msg("hello", "world")
    assert events == [{"message": ("hello", "world"), "isError": 0, "system": "-",
                       "time": FIXED_TIME}]


def test_msgKeywordsBecomeEventKeys(events):
    """Keyword arguments of msg appear in the event; isError and system can be set."""
    mlog.msg("Started", system="Foo", isError=1, extra=[1])
    assert (events[0]["system"], events[0]["isError"], events[0]["extra"]) == ("Foo", 1, [1])


def test_msgOverwritesATimeKeyword(events, fixed_time):
    """A time= keyword is replaced by the current time, as in Twisted."""
    mlog.msg("x", time=5)
    assert events[0]["time"] == FIXED_TIME
    stdout, _ = run_fresh("""
        from twisted.python import log
        got = []
        log.addObserver(got.append)
        log.msg("x", time=5)
        print(got[0]["time"] == time.time())
    """)
    assert stdout == "True\n"


def test_removedObserverGetsNothing(events):
    """An observer removed with removeObserver receives no more events; unknown ones are ignored."""
    other = []
    mlog.addObserver(other.append)
    mlog.removeObserver(other.append)
    mlog.removeObserver(other.append)
    mlog.msg("after")
    assert (other, texts(events)) == ([], ["after"])


def test_observerAddedTwiceIsCalledTwice():
    """An observer added twice gets each event twice until removed twice, as in Twisted."""
    for log in (mlog, tlog):
        got = []
        log.addObserver(got.append)
        log.addObserver(got.append)
        log.msg("twice")
        log.removeObserver(got.append)
        log.msg("once")
        log.removeObserver(got.append)
        log.msg("none")
        assert [e["message"] for e in got] == [("twice",), ("twice",), ("once",)]


def test_iLogObserverIsAnInterface():
    """ILogObserver is a zope.interface Interface whose one method is __call__."""
    assert isinstance(mlog.ILogObserver, InterfaceClass)
    assert list(mlog.ILogObserver.names()) == ["__call__"]


# --- err --------------------------------------------------------------------------------


def test_errLogsAFailure(events):
    """err(failure) logs an error event carrying that failure and why=None."""
    f = Failure(ValueError("x"))
    mlog.err(f)
    assert (events[0]["failure"], events[0]["why"], events[0]["isError"]) == (f, None, 1)
    assert events[0]["message"] == ()


def test_errWrapsAnExceptionInAFailure(events):
    """err(exception) wraps the exception in a Failure."""
    error = ValueError("x")
    mlog.err(error, "while testing")
    assert events[0]["failure"].value is error
    assert texts(events) == ["while testing\nTraceback (most recent call last):\n"
                             "Failure: builtins.ValueError: x\n"]


def test_errWithNoArgumentLogsTheCurrentException(events):
    """err() inside an except block logs the exception being handled."""
    try:
        raise KeyError("k")
    except KeyError:
        mlog.err()
    assert events[0]["failure"].check(KeyError)
    assert "test_errWithNoArgumentLogsTheCurrentException" in texts(events)[0]


def test_errOfAnythingElseLogsItsRepr(events):
    """err of something that is not an Exception logs its repr as an error message."""
    mlog.err("a string")
    mlog.err(KeyboardInterrupt())
    assert texts(events) == ["'a string'", "KeyboardInterrupt()"]
    assert [e["isError"] for e in events] == [1, 1]


def test_errPassesKeywordsIntoTheEvent(events):
    """Keyword arguments of err, such as system, go into the event."""
    mlog.err(ValueError("x"), system="proto")
    assert events[0]["system"] == "proto"


# --- textFromEventDict -------------------------------------------------------------------


class BrokenStr:
    def __str__(self):
        raise RuntimeError("no str")

    def __repr__(self):
        return "<BrokenStr>"


def failing_failure():
    """A stand-in Failure whose getTraceback raises."""
    return types.SimpleNamespace(getTraceback=lambda: 1 / 0)


class BrokenRepr:
    def __repr__(self):
        raise RuntimeError("no repr")


EVENTS = [
    {"message": ("hello", "world"), "isError": 0},
    {"message": (b"bytes", 3, None, b"\xff"), "isError": 0},
    {"message": (), "isError": 0},
    {"message": (), "isError": 1},
    {"message": (), "isError": 0, "format": "%(a)s and %(b)d", "a": "A", "b": 2},
    {"message": ("wins",), "isError": 0, "format": "ignored"},
    {"message": (), "isError": 1, "failure": Failure(ValueError("x")), "why": None},
    {"message": (), "isError": 1, "failure": Failure(ValueError("x")), "why": ""},
    {"message": (), "isError": 1, "failure": Failure(ValueError("x")), "why": "because"},
    {"message": (), "isError": 1, "failure": Failure(ValueError("x")), "why": b"bytes why"},
    {"message": (), "isError": 0, "failure": Failure(ValueError("x")), "why": "not an error"},
    {"message": (), "isError": 1, "failure": failing_failure()},
    {"message": (), "isError": 0, "format": "%(x)d", "x": BrokenRepr()},
]


@pytest.mark.parametrize("event", EVENTS)
def test_textFromEventDictMatchesTwisted(event):
    """textFromEventDict gives Twisted's text for messages, formats, failures and empty events."""
    assert mlog.textFromEventDict(dict(event)) == tlog.textFromEventDict(dict(event))


def test_textFromEventDictRules():
    """The message wins, then an error's why and traceback, then format; otherwise None."""
    f = Failure(ValueError("x"))
    assert mlog.textFromEventDict({"message": ("a", 1), "isError": 0}) == "a 1"
    assert mlog.textFromEventDict({"message": (), "isError": 1, "failure": f}) == (
        "Unhandled Error\n" + f.getTraceback())
    assert mlog.textFromEventDict({"message": (), "isError": 0, "format": "%(n)d", "n": 4}) == "4"
    assert mlog.textFromEventDict({"message": (), "isError": 0}) is None


def test_badFormatIsReportedInsteadOfRaising():
    """A format that cannot be filled in gives a message naming the format and the event."""
    event = {"message": (), "isError": 0, "format": "%(missing)s"}
    assert mlog.textFromEventDict(event) == (
        "Invalid format string or unformattable object in log message: '%(missing)s', "
        "{'message': (), 'isError': 0, 'format': '%(missing)s'}")


def test_brokenStrInAMessageIsDescribed():
    """A message part whose __str__ raises is described, with the error, instead of raising."""
    text = mlog.textFromEventDict({"message": (BrokenStr(),), "isError": 0})
    assert text.startswith("<BrokenStr instance at 0x") and "RuntimeError: no str" in text
    assert tlog.textFromEventDict({"message": (BrokenStr(),), "isError": 0}).startswith(
        "<BrokenStr instance at 0x")


# --- FileLogObserver ---------------------------------------------------------------------


FILE_EVENTS = [
    {"message": ("hello world",), "isError": 0, "system": "-", "time": FIXED_TIME},
    {"message": ("a\nb\n",), "isError": 0, "system": "Proto,3,127.0.0.1", "time": 0.99},
    {"message": (), "isError": 1, "system": "-", "time": FIXED_TIME,
     "failure": Failure(ValueError("x")), "why": None},
    {"message": (), "isError": 0, "system": "-", "time": FIXED_TIME},
]


@pytest.mark.parametrize("event", FILE_EVENTS)
def test_fileLogObserverWritesTwistedsLines(event):
    """FileLogObserver.emit writes exactly the line Twisted's writes for the same event."""
    ours, theirs = io.StringIO(), io.StringIO()
    mlog.FileLogObserver(ours).emit(dict(event))
    tlog.FileLogObserver(theirs).emit(dict(event))
    assert ours.getvalue() == theirs.getvalue()


def test_fileLogObserverIndentsLaterLinesWithATab(monkeypatch):
    """Each line after the first of an event's text starts with a tab."""
    out = io.StringIO()
    observer = mlog.FileLogObserver(out)
    monkeypatch.setattr(observer, "formatTime", lambda when: "T")
    observer.emit({"message": ("one\ntwo",), "isError": 0, "system": "sys", "time": 0})
    assert out.getvalue() == "T [sys] one\n\ttwo\n"


@pytest.mark.parametrize("tz", ["UTC0", "IST-5:30", "NST3:30NDT,M3.2.0,M11.1.0",
                                "EST5EDT,M3.2.0,M11.1.0", "LHST-10:30LHDT-11,M10.1.0,M4.1.0"])
def test_formatTimeShowsLocalTimeAndOffsetLikeTwisted(tz, monkeypatch):
    """formatTime gives Twisted's local time and UTC offset, in and out of summer time."""
    monkeypatch.setenv("TZ", tz)
    time.tzset()
    try:
        for when in (0, FIXED_TIME, 1784000000.25, 1500000000, -1e9):
            theirs = tlog.FileLogObserver(io.StringIO()).formatTime(when)
            assert mlog.FileLogObserver(io.StringIO()).formatTime(when) == theirs
    finally:
        monkeypatch.undo()
        time.tzset()


def test_formatTimeUsesTimeFormat():
    """A timeFormat attribute replaces the default format, as strftime of local time."""
    ours, theirs = mlog.FileLogObserver(io.StringIO()), tlog.FileLogObserver(io.StringIO())
    ours.timeFormat = theirs.timeFormat = "%Y/%m/%d %H.%M"
    assert ours.formatTime(FIXED_TIME) == theirs.formatTime(FIXED_TIME)


def test_fileLogObserverStartAndStop(fixed_time):
    """start() makes a FileLogObserver receive events and stop() ends that."""
    out = io.StringIO()
    observer = mlog.FileLogObserver(out)
    observer.start()
    mlog.msg("seen")
    observer.stop()
    mlog.msg("not seen")
    assert out.getvalue().endswith(" [-] seen\n") and "not seen" not in out.getvalue()


# --- startLogging -------------------------------------------------------------------------

STARTED_SCENARIO = """
import io, sys
from {package}.python import log
from {package}.python.failure import Failure
out = io.StringIO()
observer = log.startLogging(out)
print(type(observer).__name__)
print("hello", "world")
sys.stdout.write("part")
sys.stdout.write("ial\\nnext\\n")
print("to err", file=sys.stderr)
sys.stdout.writelines(["l1\\n", "kept in buffer"])
log.msg("a\\nb", system="sys")
log.err(ValueError("x"))
log.msg(format="%(a)s", a=1)
"""


def test_startLoggingWritesWhatTwistedWrites(fixed_time):
    """startLogging logs 'Log opened.', then messages, errors and printed lines as Twisted does."""
    stdout, stderr = run_fresh(STARTED_SCENARIO.format(package="twisted")
                                 + "sys.__stdout__.write(out.getvalue())")
    out = io.StringIO()
    realStdout = sys.stdout
    try:
        exec(STARTED_SCENARIO.format(package="minitwisted").replace("out = io.StringIO()", ""),
             {"out": out})
    finally:
        mlog.stopLogging()
    assert sys.stdout is realStdout
    assert stderr == ""
    assert out.getvalue() == stdout
    assert " [-] FileLogObserver\n" in stdout and " [-] to err\n" in stdout


def test_startLoggingReturnsItsFileLogObserver():
    """startLogging returns the FileLogObserver it started."""
    observer = mlog.startLogging(io.StringIO(), setStdout=False)
    assert isinstance(observer, mlog.FileLogObserver)


def test_startLoggingRedirectsStdioIntoTheLog(events):
    """With setStdout, printed lines become events with printed=1; stderr's are errors."""
    mlog.startLogging(io.StringIO())
    print("out line")
    sys.stderr.write("err line\npartial")
    mlog.stopLogging()
    printed = [e for e in events if e.get("printed")]
    assert [(e["message"], e["isError"]) for e in printed] == [
        (("out line",), 0), (("err line",), 1)]


def test_startLoggingWithoutSetStdoutLeavesStdioAlone():
    """setStdout=False keeps sys.stdout and sys.stderr as they were."""
    before = (sys.stdout, sys.stderr)
    mlog.startLogging(io.StringIO(), setStdout=False)
    assert (sys.stdout, sys.stderr) == before


def test_startLoggingToARedirectedStdoutDoesNothing():
    """startLogging of a redirected stdout returns None: the log would feed itself."""
    mlog.startLogging(io.StringIO())
    assert mlog.startLogging(sys.stdout) is None


def test_startLoggingWithObserverLogsLogOpened(events):
    """startLoggingWithObserver adds the observer and logs 'Log opened.' to it."""
    got = []
    assert mlog.startLoggingWithObserver(got.append, setStdout=False) is None
    assert texts(got) == ["Log opened."] and texts(events) == ["Log opened."]


def test_stopLoggingUndoesStartLogging(capsys):
    """Differs from Twisted: stopLogging removes the observers, restores stdio and the fallback."""
    before = (sys.stdout, sys.stderr)
    out = io.StringIO()
    mlog.startLogging(out)
    mlog.startLogging(io.StringIO())
    mlog.stopLogging()
    assert (sys.stdout, sys.stderr) == before
    mlog.msg("after stop", isError=1)
    assert "after stop" not in out.getvalue()
    assert capsys.readouterr().err == "after stop\n"


def test_stdioOnnaStickBuffersPartialLinesAndDecodesBytes(events):
    """StdioOnnaStick logs only complete lines, decodes bytes and handles writelines."""
    stick = mlog.StdioOnnaStick(isError=0, encoding="utf-8")
    stick.write(b"caf\xc3\xa9 ")
    stick.writelines(["au lait\n", "two\nthr"])
    stick.flush()
    assert [e["message"] for e in events] == [("caf\u00e9 au lait",), ("two",)]
    assert stick.buf == "thr" and stick.isatty() is False


WARNING_SCENARIO = """
import io, sys, warnings
from {package}.python import log
out = io.StringIO()
log.startLogging(out)
warnings.warn("careful")
sys.__stdout__.write(out.getvalue())
"""


def test_warningsReachTheLogOnlyAsPrintedLines():
    """Differs from Twisted: after startLogging, a warning is logged as its stderr lines."""
    ours, _ = run_fresh(WARNING_SCENARIO.format(package="minitwisted"))
    theirs, _ = run_fresh(WARNING_SCENARIO.format(package="twisted"))
    stamp = re.compile(r"^.*? \[-\] ", re.M)
    assert stamp.sub("", ours).splitlines() == [
        "Log opened.", "<string>:8: UserWarning: careful"]
    assert stamp.sub("", theirs).splitlines() == [
        "Log opened.", "<string>:8: builtins.UserWarning: careful"]


# --- The stderr fallback --------------------------------------------------------------------

FALLBACK_SCENARIO = """
import logging
from {package}.python import log
from {package}.python.failure import Failure
log.err(ValueError("x"))
log.msg("hi", isError=1)
log.msg("plain")
log.msg(isError=1)
log.err("a string")
log.err(ValueError("y"), "because")
log.msg("critical level", logLevel=logging.CRITICAL)
log.msg("error at info", isError=1, logLevel=logging.INFO)
log.msg("odd level", isError=1, logLevel=15)
log.msg(format="fmt %(a)s", a=1, isError=1)
got = []
log.addObserver(got.append)
log.err(ValueError("still on stderr"))
log.removeObserver(got.append)
"""


def test_errorsGoToStderrBeforeLoggingStarts(capsys):
    """Before startLogging, critical events go to stderr exactly as Twisted writes them."""
    _, expected = run_fresh(FALLBACK_SCENARIO.format(package="twisted"))
    exec(FALLBACK_SCENARIO.format(package="minitwisted"), {})
    assert capsys.readouterr().err == expected
    assert expected.startswith("Unhandled Error\nTraceback (most recent call last):\n"
                               "Failure: builtins.ValueError: x\n\nhi\n\n")


def test_fallbackStopsWhenLoggingStarts(capsys):
    """After startLogging, error events go to the log file and not to stderr."""
    mlog.startLogging(io.StringIO(), setStdout=False)
    mlog.err(ValueError("x"))
    assert capsys.readouterr().err == ""


def test_fallbackLooksUpStderrWhenItWrites(monkeypatch):
    """Differs from Twisted: the fallback writes to whatever sys.stderr is at that moment."""
    replacement = io.StringIO()
    monkeypatch.setattr(sys, "stderr", replacement)
    mlog.msg("now", isError=1)
    assert replacement.getvalue() == "now\n"


# --- Reporting an unhandled error in a Deferred --------------------------------------------

DEFERRED_TWISTED = """
import gc, io, json, logging, sys
from twisted.internet import defer
from twisted.python import log
from twisted.python.failure import Failure

def report():
    d = defer.Deferred()
    d.errback(Failure(ValueError("lost")))
    del d
    gc.collect()
"""

DEFERRED_OURS = """
from minitwisted.python import log
from minitwisted.python.failure import Failure

def report():
    log.msg(format="Unhandled error in Deferred:", isError=True)
    log.failure("", Failure(ValueError("lost")), debugInfo="")
"""


def test_unhandledDeferredReportOnStderrMatchesTwisted(capsys):
    """msg(format=..., isError=True), failure('', f) print what Twisted's collected Deferred does."""
    _, expected = run_fresh(DEFERRED_TWISTED + "report()")
    exec(DEFERRED_OURS + "report()", {})
    assert capsys.readouterr().err == expected == (
        "Unhandled error in Deferred:\n\nTraceback (most recent call last):\n"
        "Failure: builtins.ValueError: lost\n\n")


def test_unhandledDeferredReportToObserversMatchesTwisted(events):
    """An observer sees the same two texts, flags and why as with Twisted's collected Deferred."""
    stdout, _ = run_fresh(DEFERRED_TWISTED + """
        got = []
        log.addObserver(got.append)
        report()
        print(json.dumps([[log.textFromEventDict(e), e["isError"], e.get("why"), e["message"]]
                          for e in got]))
    """.replace("\n        ", "\n"))
    exec(DEFERRED_OURS + "report()", {})
    ours = [[mlog.textFromEventDict(e), e["isError"], e.get("why"), list(e["message"])]
            for e in events]
    assert ours == json.loads(stdout)
    assert ours[1][0].startswith("Unhandled Error\n")


def test_unhandledDeferredReportInALogFileMatchesTwisted(fixed_time):
    """A log file shows the report as Twisted's: the headline, 'Unhandled Error', the traceback."""
    stdout, _ = run_fresh(DEFERRED_TWISTED + """
        out = io.StringIO()
        log.startLogging(out, setStdout=False)
        report()
        print(out.getvalue(), end="")
    """.replace("\n        ", "\n"))
    out = io.StringIO()
    mlog.startLogging(out, setStdout=False)
    exec(DEFERRED_OURS + "report()", {})
    # Twisted's Deferred stamps its events with its own clock, not time.time.
    stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4}", re.M)
    assert stamp.sub("T", out.getvalue()) == stamp.sub("T", stdout)
    assert stamp.sub("T", stdout).splitlines()[1:] == [
        "T [-] Unhandled error in Deferred:", "T [-] Unhandled Error",
        "\tTraceback (most recent call last):", "\tFailure: builtins.ValueError: lost", "\t"]


PYTHON_LOGGING = """
import logging
records = []
class Collect(logging.Handler):
    def emit(self, record):
        records.append([record.name, record.levelname, record.getMessage(),
                        record.exc_info is not None])
collect = Collect()
logging.getLogger("tw").addHandler(collect)
logging.getLogger("tw").setLevel(logging.DEBUG)
observer = log.PythonLoggingObserver("tw")
observer.start()
log.msg("info msg")
log.msg("debug msg", logLevel=logging.DEBUG)
log.msg("warn msg", logLevel=logging.WARNING)
log.msg("odd level", logLevel=15, isError=1)
log.msg("err msg", isError=1)
log.err(ValueError("boom"), "why")
log.msg(format="f %(x)s", x=3)
log.msg()
report()
observer.stop()
log.msg("after stop")
logging.getLogger("tw").removeHandler(collect)
"""


def test_pythonLoggingObserverMatchesTwisted():
    """PythonLoggingObserver logs at Twisted's levels and texts, including the Deferred report."""
    stdout, _ = run_fresh(DEFERRED_TWISTED + PYTHON_LOGGING + "print(json.dumps(records))")
    namespace = {}
    exec(DEFERRED_OURS + PYTHON_LOGGING, namespace)
    assert namespace["records"] == json.loads(stdout)
    assert namespace["records"][4] == ["tw", "CRITICAL", "err msg", False]
    assert namespace["records"][-1] == ["tw", "CRITICAL", "", True]


def test_pythonLoggingObserverEmitAcceptsAnyEventDict(caplog):
    """Differs from Twisted: calling emit directly with a plain event dict logs it."""
    event = {"message": ("direct",), "isError": 0, "system": "-", "time": 0}
    with caplog.at_level(logging.INFO, logger="twisted"):
        mlog.PythonLoggingObserver().emit(dict(event))
        tlog.PythonLoggingObserver().emit(dict(event))
    assert [(r.name, r.getMessage()) for r in caplog.records] == [("twisted", "direct")]


# --- failure() -------------------------------------------------------------------------------


def test_failureFormatsItsHeaderFromTheEvent(events):
    """failure() logs an error whose why is the format filled in from its keywords."""
    f = Failure(ValueError("x"))
    mlog.failure("while {what} in {system}", f, what="parsing")
    assert (events[0]["why"], events[0]["failure"], events[0]["isError"]) == (
        "while parsing in -", f, 1)
    assert texts(events)[0].startswith("while parsing in -\nTraceback")


def test_failureWithoutAFailureUsesTheCurrentException(events):
    """failure() with no failure logs the exception being handled."""
    try:
        raise KeyError("k")
    except KeyError:
        mlog.failure("oops")
    assert events[0]["failure"].check(KeyError)


def test_failureWithABadFormatSaysSo(events):
    """A format naming a missing key gives an 'Unable to format event' header instead of raising."""
    mlog.failure("{missing}", Failure(ValueError("x")))
    assert events[0]["why"] == "Unable to format event '{missing}': 'missing'"


# --- Observers that break or log ---------------------------------------------------------------


def broken(eventDict):
    raise RuntimeError("observer broke")


def test_brokenObserverDoesNotStopOthers(events, capsys):
    """An observer that raises is reported, stays registered, and the others still get events."""
    mlog.addObserver(broken)
    try:
        mlog.msg("one")
        mlog.msg("two")
    finally:
        mlog.removeObserver(broken)
    assert [t.split("\n")[0] for t in texts(events)][0::2] == ["one", "two"]
    report = texts(events)[1]
    assert re.match(r"Temporarily disabling observer <function broken at 0x[0-9a-f]+> due to "
                    r"exception: \[Failure instance: Traceback: <class 'RuntimeError'>: "
                    r"observer broke\n", report)
    assert report.endswith("builtins.RuntimeError: observer broke\n")
    assert capsys.readouterr().err.count("Temporarily disabling observer") == 2


def test_twistedNamesTheWrapperOfABrokenObserver():
    """Differs from Twisted: Twisted's report names LegacyLogObserverWrapper around the observer."""
    _, stderr = run_fresh("""
        from twisted.python import log
        def broken(e):
            raise RuntimeError("observer broke")
        log.addObserver(broken)
        log.msg("one")
    """)
    assert stderr.startswith("Temporarily disabling observer LegacyLogObserverWrapper(<function")


def test_brokenObserverDoesNotGetItsOwnReport():
    """The report about a broken observer is not sent to that observer."""
    seen = []

    def brokenRecorder(eventDict):
        seen.append(eventDict)
        raise RuntimeError("broke")

    mlog.addObserver(brokenRecorder)
    try:
        mlog.msg("one")
    finally:
        mlog.removeObserver(brokenRecorder)
    assert texts(seen) == ["one"]


def test_observerThatLogsDoesNotSeeItsOwnMessages(events):
    """Differs from Twisted: an observer that always logs never receives its own events."""
    order = []

    def echo(eventDict):
        order.append(("echo", eventDict["message"]))
        mlog.msg("nested")

    mlog.addObserver(echo)
    try:
        mlog.msg("first")
    finally:
        mlog.removeObserver(echo)
    assert order == [("echo", ("first",))]
    assert texts(events) == ["first", "nested"]


def test_twistedDeliversAnObserversOwnMessagesToIt():
    """Twisted delivers an event logged inside an observer to that observer too, at once."""
    order = []

    def echo(eventDict):
        order.append(eventDict["message"])
        if eventDict["message"] == ("first",):
            tlog.msg("nested")

    tlog.addObserver(echo)
    try:
        tlog.msg("first")
    finally:
        tlog.removeObserver(echo)
    assert order == [("first",), ("nested",)]


# --- Context: callWithContext and callWithLogger ---------------------------------------------


class Prefixed:
    def logPrefix(self):
        return "MyProto,1"


class BadPrefix:
    def logPrefix(self):
        raise RuntimeError("bad prefix")


def test_callWithContextAddsKeysToEventsInside(events):
    """Events logged inside callWithContext carry its keys; outside, the defaults return."""
    for log in (mlog, tlog):
        got = []
        log.addObserver(got.append)
        try:
            result = log.callWithContext({"system": "ctx", "extra": 5}, log.msg, "inside")
            log.msg("outside")
        finally:
            log.removeObserver(got.append)
        assert result is None
        assert [(e["system"], e.get("extra")) for e in got] == [("ctx", 5), ("-", None)]


def test_callWithContextNests(events):
    """An inner callWithContext adds to the outer one's keys and restores them afterwards."""
    def outer():
        mlog.callWithContext({"system": "inner", "b": 2}, mlog.msg, "in")
        mlog.msg("out")

    mlog.callWithContext({"system": "outer", "a": 1}, outer)
    assert [(e["system"], e.get("a"), e.get("b")) for e in events] == [
        ("inner", 1, 2), ("outer", 1, None)]


def test_contextIsPerThread(events):
    """A thread started inside callWithContext logs with the default system."""
    def start():
        thread = threading.Thread(target=mlog.msg, args=("from thread",))
        thread.start()
        thread.join()

    mlog.callWithContext({"system": "main"}, start)
    assert events[0]["system"] == "-"


def test_callWithLoggerUsesLogPrefixAndReturnsTheResult():
    """callWithLogger sets system to logger.logPrefix() and returns what func returns."""
    for log in (mlog, tlog):
        got = []
        log.addObserver(got.append)
        try:
            result = log.callWithLogger(Prefixed(), lambda x: log.msg("inside", x) or x * 2, 3)
        finally:
            log.removeObserver(got.append)
        assert (result, [(e["system"], e["message"]) for e in got]) == (
            6, [("MyProto,1", ("inside", 3))])


def test_loggerBaseClassPrefixIsADash(events):
    """A plain Logger's logPrefix is '-', the default system, as in Twisted."""
    assert mlog.Logger().logPrefix() == tlog.Logger().logPrefix() == "-"
    mlog.callWithLogger(mlog.Logger(), mlog.msg, "x")
    assert events[0]["system"] == "-"


CALL_WITH_LOGGER = """
import json
from {package}.python import log
class Prefixed:
    def logPrefix(self):
        return "MyProto,1"
class BadPrefix:
    def logPrefix(self):
        raise RuntimeError("bad prefix")
def boom():
    raise ValueError("cb broke")
got = []
log.addObserver(got.append)
results = [log.callWithLogger(Prefixed(), boom), log.callWithLogger(BadPrefix(), log.msg, "x")]
log.removeObserver(got.append)
print(json.dumps([results] + [[e["system"], e["isError"], e.get("why"),
                               e["failure"].value.args[0] if "failure" in e else None]
                              for e in got]))
"""


def test_callWithLoggerLogsErrorsWithTheSystem(capsys):
    """An exception from func, or from logPrefix, is logged under the prefix (or a buggy marker)."""
    stdout, _ = run_fresh(CALL_WITH_LOGGER.format(package="twisted"))
    exec(CALL_WITH_LOGGER.format(package="minitwisted"), {})
    assert capsys.readouterr().out == stdout
    assert json.loads(stdout) == [
        [None, None], ["MyProto,1", 1, None, "cb broke"],
        ["(buggy logPrefix method)", 1, None, "bad prefix"],
        ["(buggy logPrefix method)", 0, None, None]]
