"""Logging: send messages and errors, as event dicts, to every observer.

Mirrors ``twisted.python.log`` (the "legacy" API most Twisted examples use);
used in workshop sections 03 (Deferreds: reporting unhandled errors) and 07
(Deployment: logging to a file); tested by ``tests/python/test_log.py``.

``msg("hello")`` builds an *event dict*, ``{'message': ('hello',), 'isError':
0, 'system': '-', 'time': 1795239245.4}``, and calls every *observer* (any
callable taking one dict) with it; ``err(failure)`` logs an error event that
carries ``failure`` and ``why``.  Observers decide what to do with events:
``FileLogObserver`` writes lines like ``2026-11-21 04:22:18+0000 [-] hello``,
``PythonLoggingObserver`` hands them to the ``logging`` module.  Until
``startLogging`` picks a destination, ``defaultObserver`` writes error events
to ``sys.stderr``, so an error is never silently lost, even in a script or
notebook that never set up logging (it stays when ``addObserver`` adds others).

Differs from Twisted:

- Events carry only the keys above and the caller's; Twisted 26.10 routes them
  through ``twisted.logger``, which adds ``log_*`` keys and ``format``, and
  gives a printed line as ``message=()`` and ``log_io`` (here ``message=(line,)``
  and ``printed=1``).
- An observer is not given events logged while it is handling one (by
  itself, by code it calls, or by a Deferred collected meanwhile); the other
  observers get them.  Twisted delivers them at once, nested, so an observer
  that always logs recurses until ``RecursionError``.
- The "Temporarily disabling observer" report names the observer itself, not
  Twisted's ``LegacyLogObserverWrapper(...)`` around it.
- ``defaultObserver`` looks up ``sys.stderr`` when it writes (Twisted keeps the
  stream of import time), so pytest's capture and notebooks see its output.
- ``PythonLoggingObserver.emit`` accepts any event dict; Twisted's ignores
  dicts that did not come through its own publisher.
- ``startLogging`` leaves the ``warnings`` module alone and does not warn when
  called twice; ``stopLogging()``, not in Twisted, undoes it.
- ``failure(format, failure)`` comes from ``twisted.logger.Logger.failure``,
  so that ``defer.py`` can report an unhandled error exactly as Twisted does.
- Left out: ``LogPublisher``, ``deferr``, ``logfile``/``logerr``,
  ``discardLogs``, ``NullFile``, ``ILogContext``, ``getTimezoneOffset``.
"""

import contextvars
import logging
import sys
import threading
import time
from datetime import datetime, timezone

from zope.interface import Interface

from minitwisted.python.failure import Failure, _safeStr


class ILogObserver(Interface):
    """Something that receives log events: any callable taking one event dict."""

    def __call__(eventDict):
        """Handle one event: ``message``, ``isError``, ``system``, ``time``, ..."""


# --- Delivering events to observers ----------------------------------------

_observers = []  # in the order added; an observer added twice is called twice
_busy = []  # observers now handling an event, innermost last
_lock = threading.RLock()  # one event at a time; RLock: an observer may log


def addObserver(observer):
    """Call ``observer(eventDict)`` for every event from now on."""
    _observers.append(observer)


def removeObserver(observer):
    """Stop calling ``observer`` (once, if added twice); an unknown one is ignored."""
    if observer in _observers:
        _observers.remove(observer)


def _publish(eventDict):
    """Give ``eventDict`` to every observer, then report those that raised.

    A broken observer keeps its place (Twisted disables it only for its own
    report) and never stops the others from getting the event.  A busy
    observer is skipped, so one that logs, or prints into a redirected stdout,
    cannot loop forever.
    """
    with _lock:
        broken = []
        for observer in list(_observers):
            if observer in _busy:
                continue
            _busy.append(observer)
            try:
                observer(eventDict)
            except Exception:
                broken.append((observer, Failure()))
            finally:
                _busy.pop()
        for observer, observerFailure in broken:
            _busy.append(observer)  # so the report goes to everyone else
            try:
                failure("Temporarily disabling observer {observer} due to "
                        "exception: {failure}", observerFailure, observer=observer)
            finally:
                _busy.pop()


# --- Who is logging: the "system" of an event --------------------------------

# Keys added to each event logged inside callWithContext.  A ContextVar gives
# every thread its own value, starting from the default.
_context = contextvars.ContextVar("logContext", default={"system": "-"})


def callWithContext(ctx, func, *args, **kw):
    """Call ``func(*args, **kw)``, adding the keys of ``ctx`` to the events it logs."""
    token = _context.set({**_context.get(), **ctx})
    try:
        return func(*args, **kw)
    finally:
        _context.reset(token)


class Logger:
    """A base class for objects that name the ``system`` of what is logged for them."""

    def logPrefix(self):
        """Return the text shown in brackets on each line logged for this object."""
        return "-"


def callWithLogger(logger, func, *args, **kw):
    """Call ``func`` with ``system`` set to ``logger.logPrefix()``; log what it raises.

    The reactor calls protocol methods this way, so their log lines name the
    connection and one protocol's exception is logged instead of stopping the
    event loop.  Returns ``func``'s result, or None after an error.
    """
    try:
        prefix = logger.logPrefix()
    except KeyboardInterrupt:
        raise
    except BaseException:
        prefix = "(buggy logPrefix method)"
        err(system=prefix)
    try:
        return callWithContext({"system": prefix}, func, *args, **kw)
    except KeyboardInterrupt:
        raise
    except BaseException:
        err(system=prefix)


# --- Logging ---------------------------------------------------------------------


def msg(*message, **kw):
    """Log ``message`` (objects joined by spaces); keywords become event keys.

    ``msg("Started", system="Foo")``, ``msg(format="%(n)d bytes", n=4)``,
    ``msg("oops", isError=1)``.
    """
    eventDict = dict(_context.get())
    eventDict.update(kw)
    eventDict["message"] = message
    eventDict["time"] = time.time()  # after kw, as in Twisted: time= is ignored
    eventDict.setdefault("isError", 0)
    _publish(eventDict)


def err(_stuff=None, _why=None, **kw):
    """Log a Failure, an exception, or (given nothing) the exception being handled.

    ``_why`` says what was going on; the underscores keep both names clear of
    event keywords.  Anything else is logged as its ``repr``.
    """
    if _stuff is None:
        _stuff = Failure()
    if isinstance(_stuff, Exception):
        _stuff = Failure(_stuff)
    if isinstance(_stuff, Failure):
        msg(failure=_stuff, why=_why, isError=1, **kw)
    else:
        msg(repr(_stuff), why=_why, isError=1, **kw)


def failure(format, failure=None, **kw):
    """Log ``failure`` under a ``str.format`` header, like ``twisted.logger``'s ``failure``.

    Observers get an event like ``err``'s with ``why`` set to the formatted
    header (fields come from ``kw``, ``failure`` and ``system``).  It keeps
    ``log_format`` too, because Twisted's stderr fallback and ``logging``
    bridge show such events differently: an empty header stays empty rather
    than becoming "Unhandled Error".
    """
    if failure is None:
        failure = Failure()
    try:
        why = format.format_map(dict(_context.get(), failure=failure, **kw))
    except Exception as e:
        why = "Unable to format event %r: %s" % (format, e)
    msg(failure=failure, why=why, isError=1, log_format=format, **kw)


# --- The text of an event -------------------------------------------------------


def _safeFormat(fmtString, fmtDict):
    """Return ``fmtString % fmtDict``, or a message saying that it failed."""
    try:
        return fmtString % fmtDict
    except Exception:
        try:
            return ("Invalid format string or unformattable object in log message: "
                    "%r, %s" % (fmtString, fmtDict))
        except Exception:  # some value's repr raises too
            return ("UNFORMATTABLE OBJECT WRITTEN TO LOG with fmt %r, MESSAGE LOST"
                    % (fmtString,))


def textFromEventDict(eventDict):
    """Return the text of an event, or None if it has none.

    The first that applies: the ``message`` parts joined by spaces; for an
    error with a ``failure``, ``why`` (or "Unhandled Error"), a newline and
    the traceback; the ``format`` key %-formatted with the event.
    """
    if eventDict["message"]:
        return " ".join(_safeStr(part) for part in eventDict["message"])
    if eventDict["isError"] and "failure" in eventDict:
        why = _safeStr(eventDict["why"]) if eventDict.get("why") else "Unhandled Error"
        try:
            tb = eventDict["failure"].getTraceback()
        except Exception as e:
            tb = "(unable to obtain traceback): " + str(e)
        return why + "\n" + tb
    if "format" in eventDict:
        return _safeFormat(eventDict["format"], eventDict)
    return None


_STDLIB_LEVELS = (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR,
                  logging.CRITICAL)


def _levelOf(eventDict):
    """Return the ``logging`` level Twisted gives an event.

    A standard ``logLevel`` key wins (any other number counts as INFO);
    otherwise an error is CRITICAL and the rest INFO.
    """
    if "logLevel" in eventDict:
        level = eventDict["logLevel"]
        return level if level in _STDLIB_LEVELS else logging.INFO
    return logging.CRITICAL if eventDict["isError"] else logging.INFO


# --- Observers -----------------------------------------------------------------------


class _GlobalStartStopObserver:
    """An observer object: ``start()`` and ``stop()`` add and remove its ``emit``."""

    def start(self):
        addObserver(self.emit)

    def stop(self):
        removeObserver(self.emit)


class FileLogObserver(_GlobalStartStopObserver):
    """Write each event to a file as ``<time> [<system>] <text>``.

    ``timeFormat``, if set, is a ``strftime`` format for the time.
    """

    timeFormat = None

    def __init__(self, f):
        self.write = f.write
        self.flush = f.flush

    def formatTime(self, when):
        """Format the POSIX time ``when`` as local time and UTC offset."""
        if self.timeFormat is not None:
            return datetime.fromtimestamp(when).strftime(self.timeFormat)
        local = datetime.fromtimestamp(when, timezone.utc).astimezone()
        return local.strftime("%Y-%m-%d %H:%M:%S%z")

    def emit(self, eventDict):
        text = textFromEventDict(eventDict)
        if text is None:
            return
        # A tab before each later line keeps one event one entry in the file.
        self.write("%s [%s] %s\n" % (self.formatTime(eventDict["time"]),
                                     eventDict["system"], text.replace("\n", "\n\t")))
        self.flush()


class PythonLoggingObserver(_GlobalStartStopObserver):
    """Pass events to the standard ``logging`` module, as logger ``loggerName``.

    Errors go at CRITICAL (as Twisted 26.10 does), the rest at INFO, unless
    the event says otherwise: ``msg("x", logLevel=logging.DEBUG)``.
    """

    def __init__(self, loggerName="twisted"):
        self.logger = logging.getLogger(loggerName)

    def emit(self, eventDict):
        if "log_format" in eventDict:  # from failure(): the traceback as exc_info
            f = eventDict["failure"]
            self.logger.log(_levelOf(eventDict), _safeStr(eventDict["why"]),
                            exc_info=(f.type, f.value, f.tb))
            return
        text = textFromEventDict(eventDict)
        if text is not None:
            self.logger.log(_levelOf(eventDict), text)


class DefaultObserver(_GlobalStartStopObserver):
    """Write critical events (errors, unless ``logLevel`` says otherwise) to stderr.

    Started when this module is imported; ``startLogging`` stops it.
    """

    def emit(self, eventDict):
        if _levelOf(eventDict) < logging.CRITICAL:
            return
        if "log_format" in eventDict:  # from failure(): the header, even if empty
            text = _safeStr(eventDict["why"]) + "\n" + eventDict["failure"].getTraceback()
        else:
            text = textFromEventDict(eventDict) or ""
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


defaultObserver = DefaultObserver()
defaultObserver.start()


# --- Starting to log -------------------------------------------------------------------


class StdioOnnaStick:
    """Stands in for ``sys.stdout`` or ``sys.stderr``, logging each complete line.

    A line becomes ``msg(line, printed=1)``, with ``isError=1`` for stderr; a
    partial line waits in ``buf``.
    """

    closed = False
    name = "<stdio (log)>"

    def __init__(self, isError=0, encoding=None):
        self.isError = isError
        self.encoding = encoding or sys.getdefaultencoding()
        self.buf = ""

    def write(self, data):
        if isinstance(data, bytes):
            data = data.decode(self.encoding)
        *lines, self.buf = (self.buf + data).split("\n")
        level = logging.ERROR if self.isError else logging.INFO  # as Twisted ranks them
        for line in lines:
            msg(line, printed=1, isError=self.isError, logLevel=level)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False


_startedObservers = []  # added by startLoggingWithObserver, for stopLogging
_originalStdio = None  # (stdout, stderr) from before the first redirection


def startLoggingWithObserver(observer, setStdout=True):
    """Make ``observer`` the log's destination in place of the stderr fallback.

    With ``setStdout``, ``sys.stdout`` and ``sys.stderr`` become
    ``StdioOnnaStick``s, so ``print`` goes to the log too.  Logs "Log opened.".
    """
    global _originalStdio
    defaultObserver.stop()
    addObserver(observer)
    _startedObservers.append(observer)
    if setStdout:
        if _originalStdio is None:
            _originalStdio = (sys.stdout, sys.stderr)
        sys.stdout = StdioOnnaStick(0, getattr(sys.stdout, "encoding", None))
        sys.stderr = StdioOnnaStick(1, getattr(sys.stderr, "encoding", None))
    msg("Log opened.")


def startLogging(file, setStdout=True):
    """Log to ``file`` through a new ``FileLogObserver``, and return the observer.

    If ``file`` is a redirected stdout, does nothing and returns None: the log
    would feed itself.
    """
    if isinstance(file, StdioOnnaStick):
        return None
    observer = FileLogObserver(file)
    startLoggingWithObserver(observer.emit, setStdout)
    return observer


def stopLogging():
    """Undo ``startLogging``: remove its observers, restore stdio and the fallback.

    Differs from Twisted: Twisted has no way to undo ``startLogging``; tests
    and notebooks here start logging more than once in one process.
    """
    global _originalStdio
    while _startedObservers:
        removeObserver(_startedObservers.pop())
    if _originalStdio is not None:
        sys.stdout, sys.stderr = _originalStdio
        _originalStdio = None
    if defaultObserver.emit not in _observers:
        defaultObserver.start()
