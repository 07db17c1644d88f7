"""Failure: an exception caught now, carried along, and handled later.

Mirrors ``twisted.python.failure``; built in
``notebooks/03_callbacks_and_deferreds.ipynb``; tested by ``tests/python/test_failure.py``.

Why it exists: ``try``/``except`` only works while the error is still on the
call stack.  A Deferred runs its errbacks later, often from the event loop,
long after the function that raised has returned.  So the error has to become
a value that can travel down a callback chain: a ``Failure`` holds the
exception's type, value and traceback, answers "is this the kind of error I
handle?" (``check``, ``trap``), prints itself like a Python traceback, and can
re-raise the original exception.

How it maps to Twisted: same class name, constructor, attributes (``type``,
``value``, ``tb``, ``frames``, ``parents``, ``count``) and methods, and the
same traceback text, character for character, in its three levels of detail
("default", "brief", "verbose").

Differs from Twisted:

- ``repr()`` names this module: ``<minitwisted.python.failure.Failure
  builtins.KeyError: 'missing'>`` where Twisted prints
  ``<twisted.python.failure.Failure ...>``.  The deprecation warning for
  ``stack`` names this module too.
- ``printTraceback()`` with no file writes to ``sys.stderr``.  Twisted writes
  to ``log.logerr``, which turns each line into an error-level log event that
  its no-observer fallback does not show, so the call prints nothing at all in
  a plain script or notebook.
- ``frames`` is computed when the Failure is made; Twisted computes it on
  first use.  With ``captureVars=True`` we therefore record the local
  variables as they were when the error was caught.
- Left out: ``getTracebackObject()`` (fake traceback objects), the private
  ``_withoutTraceback`` shortcut, ``startDebugMode()`` (post-mortem debugger)
  and the chained-Failure printing, which the constructor never produces.
"""

import linecache
import sys
import traceback
import warnings
from io import StringIO

#: How many Failures have been made so far; each takes the next number as its
#: ``count`` (shown in the verbose traceback header ``*--- Failure #N ---``).
count = 0

_DETAILS = ("default", "brief", "verbose", "verbose-vars-not-captured")


class NoCurrentExceptionError(Exception):
    """``Failure()`` was called with no arguments outside an ``except`` block."""


def _qual(cls):
    """Return the dotted name Twisted uses for a class: ``'builtins.KeyError'``."""
    return cls.__module__ + "." + cls.__name__


def _safeStr(obj):
    """Return ``str(obj)``, never raising (mirrors ``twisted.python.reflect.safe_str``).

    UTF-8 bytes are decoded.  A broken ``__str__`` gives a description of the
    object and the traceback of what went wrong, because an error report must
    never fail on account of the error it is reporting.
    """
    if isinstance(obj, bytes):
        try:
            return obj.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        return str(obj)
    except BaseException:
        return _describeBroken(obj, "str")


def _safeRepr(obj):
    """Return ``repr(obj)``, never raising (mirrors ``reflect.safe_repr``)."""
    try:
        return repr(obj)
    except BaseException:
        return _describeBroken(obj, "repr")


def _describeBroken(obj, formatterName):
    """Describe ``obj`` whose ``str`` or ``repr`` has just raised, with that traceback."""
    return "<%s instance at 0x%x with %s error:\n %s>" % (
        type(obj).__name__, id(obj), formatterName, traceback.format_exc())


def format_frames(frames, write, detail="default"):
    """Write one traceback entry per frame in ``frames`` with ``write``.

    ``detail`` is "default" (Python's ``File ..., line ..., in ...`` plus the
    source line), "brief" (``file:line:function``), "verbose" (also lists the
    captured locals and globals), or "verbose-vars-not-captured" (what
    "verbose" becomes when there are no variables to show).
    """
    if detail not in _DETAILS:
        raise ValueError(
            "Detail must be default, brief, verbose, or "
            "verbose-vars-not-captured. (not %r)" % (detail,)
        )
    for funcName, fileName, lineNumber, localsItems, globalsItems in frames:
        if detail == "brief":
            write("%s:%s:%s\n" % (fileName, lineNumber, funcName))
        elif detail == "default":
            write('  File "%s", line %s, in %s\n' % (fileName, lineNumber, funcName))
            write("    %s\n" % linecache.getline(fileName, lineNumber).strip())
        else:
            write("%s:%d: %s(...)\n" % (fileName, lineNumber, funcName))
            if detail == "verbose":
                write(" [ Locals ]\n")
                for name, value in localsItems:
                    write("  %s : %r\n" % (name, value))
                write(" ( Globals )\n")
                for name, value in globalsItems:
                    write("  %s : %r\n" % (name, value))
    if detail == "verbose-vars-not-captured":
        write(" [Capture of Locals and Globals disabled (use captureVars=True)]\n")


def _framesFromTraceback(tb, captureVars):
    """Turn a traceback into Twisted's frame tuples, outermost frame first.

    Each tuple is ``(funcName, fileName, lineNumber, localsItems,
    globalsItems)``.  The variables are empty tuples unless ``captureVars``:
    copying every frame's variables is slow and keeps objects alive.
    """
    frames = []
    while tb is not None:
        frame = tb.tb_frame
        localsItems = globalsItems = ()
        if captureVars:
            localz = dict(frame.f_locals)
            # At module level locals *are* the globals: list them once.
            globalz = {} if frame.f_locals is frame.f_globals else dict(frame.f_globals)
            localz.pop("__builtins__", None)
            globalz.pop("__builtins__", None)
            localsItems, globalsItems = list(localz.items()), list(globalz.items())
        frames.append(
            (frame.f_code.co_name, frame.f_code.co_filename, tb.tb_lineno,
             localsItems, globalsItems)
        )
        tb = tb.tb_next
    return frames


class Failure(BaseException):
    """An error that happened, kept as a value so it can be handled later.

    ``Failure()`` inside an ``except`` block captures the exception being
    handled; ``Failure(exc)`` wraps an exception instance, taking its
    ``__traceback__`` if it was raised; ``Failure(otherFailure)`` copies it.

    Attributes:

    - ``type``, ``value``, ``tb``: the exception class, instance and
      traceback (``tb`` is None if the exception was never raised, or after
      ``cleanFailure``).
    - ``frames``: one ``(funcName, fileName, lineNumber, localsItems,
      globalsItems)`` tuple per traceback entry, outermost first.
    - ``parents``: dotted names of the exception's class and its bases; this
      is what ``check`` and ``trap`` match against.
    - ``count``: this Failure's serial number.
    - ``pickled``: 1 once the Failure has been pickled or cleaned.

    Invariant: ``frames`` always describes the traceback, even after ``tb``
    is dropped, so the text of ``getTraceback()`` never changes.

    It subclasses ``BaseException`` (as Twisted's does) so that a Failure can
    itself be raised; ``Failure()`` in the ``except`` block then copies it.
    """

    pickled = 0
    _parents = None  # filled in by the parents property on first use

    def __init__(self, exc_value=None, exc_type=None, exc_tb=None, captureVars=False):
        global count
        count += 1
        self.count = count
        self.captureVars = captureVars
        if exc_value is None:
            # Ignore exc_type and exc_tb: the current exception supplies all three.
            exc_type, exc_value, exc_tb = sys.exc_info()
            if exc_type is None:
                raise NoCurrentExceptionError()
        elif exc_type is None:
            exc_type = type(exc_value)
        if isinstance(exc_value, Failure):
            # Wrapping a Failure gives a copy of it, count included.
            self.__dict__ = dict(exc_value.__dict__)
            return
        if exc_tb is None:
            exc_tb = getattr(exc_value, "__traceback__", None)
        self.type, self.value, self.tb = exc_type, exc_value, exc_tb
        self.frames = _framesFromTraceback(exc_tb, captureVars)

    @property
    def parents(self):
        """Dotted names of the exception's class and its bases, worked out on first use.

        Most Failures are never checked or trapped (they flow down an errback chain
        that returns them), so this waits until ``check`` asks: it is a tenth of
        the cost of a failing Deferred in ``benchmarks/bench_defer.py``, row (b).
        """
        parents = self._parents
        if parents is None:
            if isinstance(self.type, type) and issubclass(self.type, Exception):
                parents = [_qual(cls) for cls in self.type.__mro__]
            else:
                # Twisted lists the full ancestry only for Exception subclasses;
                # KeyboardInterrupt and friends match only their own class.
                parents = [self.type]
            self._parents = parents
        return parents

    @property
    def stack(self):
        """Always an empty list: deprecated since Twisted 24.10.

        Use ``traceback.extract_stack(failure.tb)`` for the same information.
        """
        warnings.warn(
            _qual(Failure) + ".stack was deprecated in Twisted 24.10.0",
            DeprecationWarning,
            stacklevel=2,
        )
        return []

    def check(self, *errorTypes):
        """Return the first of ``errorTypes`` this failure matches, else None.

        Each may be a class or a dotted name such as ``'builtins.KeyError'``;
        a base class matches too, since we compare against ``parents``.
        """
        for error in errorTypes:
            name = error
            if isinstance(error, type) and issubclass(error, Exception):
                name = _qual(error)
            if name in self.parents:
                return error
        return None

    def trap(self, *errorTypes):
        """Return the matching type, or re-raise the original exception.

        This is the errback idiom ``failure.trap(KeyError)``: "I handle
        KeyError; anything else goes on down the chain".  What is raised is the
        original exception (not this Failure), so the next errback gets a
        Failure wrapping it.
        """
        error = self.check(*errorTypes)
        if not error:
            self.raiseException()
        return error

    def raiseException(self):
        """Raise the original exception, with its traceback if we still have it."""
        raise self.value.with_traceback(self.tb)

    def throwExceptionIntoGenerator(self, g):
        """Throw the original exception into generator ``g`` at its ``yield``.

        Return what ``g`` yields next (``inlineCallbacks`` uses this to make a
        failed Deferred raise inside the generator).
        """
        return g.throw(self.value.with_traceback(self.tb))

    def getErrorMessage(self):
        """Return ``str()`` of the exception: ``"'missing'"`` for ``KeyError('missing')``."""
        return _safeStr(self.value)

    def getTraceback(self, elideFrameworkCode=0, detail="default"):
        """Return the traceback text that ``printTraceback`` would write."""
        io = StringIO()
        self.printTraceback(io, elideFrameworkCode, detail)
        return io.getvalue()

    def getBriefTraceback(self):
        """Return the compact traceback: a summary line, then ``file:line:function`` lines."""
        io = StringIO()
        self.printBriefTraceback(io)
        return io.getvalue()

    def printTraceback(self, file=None, elideFrameworkCode=False, detail="default"):
        """Write the traceback to ``file`` (default ``sys.stderr``) at ``detail``.

        ``detail`` is "default", "brief" or "verbose" (see ``format_frames``).
        ``elideFrameworkCode`` is accepted and ignored, as in Twisted.  When
        there are no frames, "default" prints ``Failure: `` where Python would
        print the frames, so the text still says what it is.
        """
        if file is None:
            file = sys.stderr
        write = file.write
        frameDetail = detail
        if detail == "verbose" and not self.captureVars:
            frameDetail = "verbose-vars-not-captured"

        if detail == "verbose":
            pickled = " (pickled) " if self.pickled else " "
            write("*--- Failure #%d%s---\n" % (self.count, pickled))
        elif detail == "brief":
            prefix = "Traceback" if self.frames else "Traceback (failure with no frames)"
            write("%s: %s: %s\n" % (prefix, _safeStr(self.type), _safeStr(self.value)))
        else:
            write("Traceback (most recent call last):\n")

        if self.frames:
            format_frames(self.frames, write, frameDetail)
        elif detail != "brief":
            write("Failure: ")

        if detail != "brief":
            write("%s: %s\n" % (_qual(self.type), _safeStr(self.value)))
        if detail == "verbose":
            write("*--- End of Failure #%d ---\n" % self.count)

    def printBriefTraceback(self, file=None, elideFrameworkCode=0):
        """Write the brief traceback (see ``getBriefTraceback``)."""
        self.printTraceback(file, elideFrameworkCode, detail="brief")

    def printDetailedTraceback(self, file=None, elideFrameworkCode=0):
        """Write the verbose traceback, with variables if ``captureVars`` was set."""
        self.printTraceback(file, elideFrameworkCode, detail="verbose")

    def cleanFailure(self):
        """Drop the traceback and frame objects, keeping everything needed to print.

        A traceback keeps every frame on it alive, with all their local
        variables; a Failure waiting in a Deferred could otherwise hold large
        objects for a long time.  Afterwards ``tb`` is None, captured
        variables are replaced by their ``repr``, and ``getTraceback()`` gives
        the same text as before.
        """
        self.__dict__ = self.__getstate__()
        if getattr(self.value, "__traceback__", None) is not None:
            self.value.__traceback__ = None

    def __getstate__(self):
        """Return a copy of our state without live objects: for pickling and cleaning."""
        state = dict(self.__dict__)
        state["tb"] = None
        state["pickled"] = 1
        if self.captureVars:
            state["frames"] = [
                (name, fileName, line,
                 [(k, _safeRepr(v)) for k, v in localsItems],
                 [(k, _safeRepr(v)) for k, v in globalsItems])
                for name, fileName, line, localsItems, globalsItems in self.frames
            ]
        return state

    def __reduce__(self):
        # BaseException defines its own __reduce__, which would ignore
        # __getstate__; ask pickle to build a bare Failure and restore our state.
        return (Failure.__new__, (type(self),), self.__getstate__())

    def __repr__(self):
        return "<%s %s: %s>" % (_qual(type(self)), _qual(self.type), self.getErrorMessage())

    def __str__(self):
        return "[Failure instance: %s]" % self.getBriefTraceback()

