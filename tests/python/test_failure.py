"""Tests for minitwisted.python.failure, run side by side with twisted.python.failure.

Most tests run one scenario on both implementations and compare what they
produce; those named in "Differs from Twisted" pin our own behaviour.
"""

import pickle
import re
import subprocess
import sys
import textwrap

import pytest
from twisted.python import failure as tfailure

from minitwisted.python import failure as mfailure

IMPLS = {"minitwisted": mfailure, "twisted": tfailure}


@pytest.fixture(params=sorted(IMPLS))
def impl(request):
    """The failure module of minitwisted, then of real Twisted."""
    return IMPLS[request.param]


def normalise(text):
    """Make texts from both implementations comparable: module path and failure numbers."""
    text = text.replace("twisted.python.failure.Failure", "<module>.Failure")
    text = text.replace("mini<module>.Failure", "<module>.Failure")
    return re.sub(r"Failure #\d+", "Failure #N", text)


def on_both(scenario):
    """Run ``scenario(failureModule)`` on both implementations; return the normalised result."""
    results = {name: scenario(module) for name, module in IMPLS.items()}
    if all(isinstance(r, str) for r in results.values()):
        results = {name: normalise(r) for name, r in results.items()}
    assert results["minitwisted"] == results["twisted"]
    return results["minitwisted"]


def caught(module, **kw):
    """Return a Failure made inside ``except`` for a ValueError raised two calls deep."""
    def inner():
        raise ValueError("boom")

    def outer():
        inner()

    try:
        outer()
    except ValueError:
        return module.Failure(**kw)


def from_stdin(module):
    """Return a Failure captured at line 4 of code compiled as '<stdin>'."""
    namespace = {"Failure": module.Failure}
    source = ("try:\n    x = 1\n\n    raise ValueError('boom')\n"
              "except ValueError:\n    f = Failure()\n")
    exec(compile(source, "<stdin>", "exec"), namespace)
    return namespace["f"]


# --- Making a Failure ------------------------------------------------------------------


def test_wrapsAnExceptionInstance():
    """A Failure made from an exception holds its type and value and has no frames."""
    error = ValueError("no tb")
    f = mfailure.Failure(error)
    assert (f.type, f.value, f.tb, f.frames) == (ValueError, error, None, [])


def test_isABaseException(impl):
    """A Failure is a BaseException, so it can be raised, but not an Exception."""
    assert issubclass(impl.Failure, BaseException)
    assert not issubclass(impl.Failure, Exception)


def test_noArgumentsCapturesTheCurrentException():
    """Failure() inside an except block captures the exception being handled and its traceback."""
    try:
        raise KeyError("k")
    except KeyError as e:
        f = mfailure.Failure()
        assert (f.type, f.value, f.tb) == (KeyError, e, e.__traceback__)


def test_noArgumentsOutsideExceptRaisesNoCurrentExceptionError(impl):
    """Failure() with no exception being handled raises NoCurrentExceptionError."""
    with pytest.raises(impl.NoCurrentExceptionError):
        impl.Failure()
    assert issubclass(impl.NoCurrentExceptionError, Exception)


def test_usesTheTracebackOfARaisedException():
    """An exception that was raised brings its __traceback__, so frames are known."""
    try:
        raise ValueError("raised")
    except ValueError as e:
        error = e
    f = mfailure.Failure(error)
    assert f.tb is error.__traceback__
    assert f.frames[0][0] == "test_usesTheTracebackOfARaisedException"


def test_explicitTracebackIsUsed():
    """exc_tb, when given, is the traceback the Failure keeps."""
    try:
        raise ValueError("first")
    except ValueError as e:
        tb = e.__traceback__
    f = mfailure.Failure(ValueError("second"), ValueError, tb)
    assert f.tb is tb and len(f.frames) == 1


def test_explicitTypeIsReported(impl):
    """exc_type, when given, is the type shown, checked and listed in parents."""
    f = impl.Failure(ValueError("v"), exc_type=TypeError)
    assert repr(f).endswith(".Failure builtins.TypeError: v>")
    assert f.parents[0] == "builtins.TypeError"
    assert f.check(TypeError) is TypeError and f.check(ValueError) is None


def test_wrappingAFailureCopiesIt(impl):
    """Failure(otherFailure) copies the other one: same value, traceback and number."""
    original = caught(impl)
    copy = impl.Failure(original)
    assert copy is not original
    assert (copy.value, copy.tb, copy.count) == (original.value, original.tb, original.count)
    assert copy.getTraceback() == original.getTraceback()


def test_failureRaisedAndCaughtIsCopied(impl):
    """Failure() while handling a raised Failure gives a copy of it, not a wrapper."""
    original = impl.Failure(KeyError("k"))
    try:
        raise original
    except BaseException:
        f = impl.Failure()
    assert (f.type, f.value, f.count) == (KeyError, original.value, original.count)


def test_eachFailureGetsTheNextCount():
    """Every new Failure takes the next number from the module's count."""
    first = mfailure.Failure(ValueError())
    second = mfailure.Failure(ValueError())
    assert second.count == first.count + 1 == mfailure.count


def test_framesDescribeTheTraceback():
    """frames holds a (function, file, line, (), ()) tuple per traceback entry, outermost first."""
    f = caught(mfailure)
    assert [frame[0] for frame in f.frames] == ["caught", "outer", "inner"]
    assert all(frame[1] == __file__ and frame[3:] == ((), ()) for frame in f.frames)
    on_both(lambda m: [(name, line) for name, _, line, _, _ in caught(m).frames])


def test_parentsListTheQualifiedNamesOfTheMro(impl):
    """parents names the exception class and all its bases."""
    assert impl.Failure(ValueError()).parents == [
        "builtins.ValueError", "builtins.Exception", "builtins.BaseException", "builtins.object"]


def test_parentsOfANonExceptionAreJustItsType():
    """A KeyboardInterrupt's parents are its class alone, so only that class matches it."""
    def scenario(m):
        f = m.Failure(KeyboardInterrupt())
        return (f.parents, f.check(KeyboardInterrupt), f.check("builtins.KeyboardInterrupt"),
                f.check(BaseException))

    assert on_both(scenario) == ([KeyboardInterrupt], KeyboardInterrupt, None, None)


def test_stackIsDeprecatedAndEmpty(impl):
    """Reading stack warns that it is deprecated and gives an empty list."""
    with pytest.warns(DeprecationWarning, match=r"Failure\.stack was deprecated in Twisted 24\.10"):
        assert impl.Failure(ValueError()).stack == []


def test_capturedVariablesAreFrozenWhenTheFailureIsMade():
    """Differs from Twisted: with captureVars, frames keep locals as they were when caught."""
    def scenario(m):
        x = 1
        try:
            raise ValueError()
        except ValueError:
            f = m.Failure(captureVars=True)
        x = 2  # noqa: F841 (read back through the frame)
        return dict(f.frames[0][3])["x"]

    assert scenario(mfailure) == 1
    assert scenario(tfailure) == 2


# --- check and trap -----------------------------------------------------------------------

CHECKS = [
    (KeyError,),
    (LookupError,),
    ("builtins.KeyError",),
    ("builtins.LookupError",),
    (ValueError, "builtins.Exception", KeyError),
    (ValueError, TypeError),
    (BaseException,),
    ("builtins.BaseException",),
    (),
]


@pytest.mark.parametrize("errorTypes", CHECKS)
def test_checkReturnsTheFirstMatchingArgument(errorTypes):
    """check returns the first argument the failure matches (subclass or dotted name), else None."""
    on_both(lambda m: m.Failure(KeyError("missing")).check(*errorTypes))


def test_checkMatchesSuperclassesAndNames():
    """check accepts a base class or a fully qualified name and returns that argument."""
    f = mfailure.Failure(KeyError("missing"))
    assert f.check(LookupError) is LookupError
    assert f.check("builtins.KeyError") == "builtins.KeyError"
    assert f.check(ValueError, TypeError) is None


def test_trapReturnsTheMatch(impl):
    """trap returns the matching type when the failure is one it handles."""
    assert impl.Failure(KeyError("k")).trap(ValueError, LookupError) is LookupError


def test_trapReraisesTheOriginalException(impl):
    """trap re-raises the original exception, not the Failure, when nothing matches."""
    error = KeyError("missing")
    with pytest.raises(KeyError) as info:
        impl.Failure(error).trap(ValueError)
    assert info.value is error


# --- Raising again ---------------------------------------------------------------------------


def test_raiseExceptionKeepsTheOriginalTraceback(impl):
    """raiseException raises the original exception with the frames where it was first raised."""
    f = caught(impl)
    with pytest.raises(ValueError) as info:
        f.raiseException()
    assert info.value is f.value
    assert "inner" in [entry.name for entry in info.traceback]


def test_throwExceptionIntoGeneratorReturnsWhatItYieldsNext(impl):
    """throwExceptionIntoGenerator raises the exception at the yield and returns the next value."""
    def gen():
        try:
            yield 1
        except ValueError as e:
            yield "caught %s" % (e,)

    g = gen()
    next(g)
    assert impl.Failure(ValueError("v")).throwExceptionIntoGenerator(g) == "caught v"
    with pytest.raises(ValueError):
        impl.Failure(ValueError("again")).throwExceptionIntoGenerator(g)


# --- Text: messages, repr, tracebacks ------------------------------------------------------


def test_getErrorMessageIsTheStrOfTheException(impl):
    """getErrorMessage gives str() of the value, so a KeyError's message is quoted."""
    assert impl.Failure(KeyError("missing")).getErrorMessage() == "'missing'"


def test_getErrorMessageSurvivesABrokenStr():
    """A value whose __str__ raises gives a description naming the class and the error."""
    class Broken(Exception):
        def __str__(self):
            raise RuntimeError("no str")

    def scenario(m):
        text = m.Failure(Broken()).getErrorMessage()
        return re.sub(r"0x[0-9a-f]+", "0x?", text.split("\n")[0]), "RuntimeError: no str" in text

    assert on_both(scenario) == ("<Broken instance at 0x? with str error:", True)


def test_getErrorMessageDecodesUtf8Bytes():
    """A bytes value is shown decoded when it is UTF-8, and as its repr when not."""
    assert on_both(lambda m: m.Failure(b"caf\xc3\xa9").getErrorMessage()) == "caf\u00e9"
    assert on_both(lambda m: m.Failure(b"\xff").getErrorMessage()) == "b'\\xff'"


def test_reprNamesThisModule():
    """Differs from Twisted: repr names minitwisted's Failure class, then the error."""
    assert repr(mfailure.Failure(KeyError("missing"))) == (
        "<minitwisted.python.failure.Failure builtins.KeyError: 'missing'>")
    assert repr(tfailure.Failure(KeyError("missing"))) == (
        "<twisted.python.failure.Failure builtins.KeyError: 'missing'>")


def test_strIsTheBriefTraceback(impl):
    """str() wraps the brief traceback in '[Failure instance: ...]'."""
    assert str(impl.Failure(ValueError("no tb"))) == (
        "[Failure instance: Traceback (failure with no frames): <class 'ValueError'>: no tb\n]")


def test_tracebackOfCodeFromStdin(impl):
    """getTraceback shows each frame with its source line, then the qualified error."""
    assert from_stdin(impl).getTraceback() == (
        'Traceback (most recent call last):\n  File "<stdin>", line 4, in <module>\n'
        "    \nbuiltins.ValueError: boom\n")


def test_briefTracebackOfCodeFromStdin(impl):
    """getBriefTraceback gives a summary line, then file:line:function per frame."""
    assert from_stdin(impl).getBriefTraceback() == (
        "Traceback: <class 'ValueError'>: boom\n<stdin>:4:<module>\n")


def test_tracebacksWithoutFrames(impl):
    """A Failure with no frames says so at every level of detail."""
    f = impl.Failure(ValueError("no tb"))
    assert f.getTraceback() == (
        "Traceback (most recent call last):\nFailure: builtins.ValueError: no tb\n")
    assert f.getBriefTraceback() == (
        "Traceback (failure with no frames): <class 'ValueError'>: no tb\n")
    assert f.getTraceback(detail="verbose") == (
        "*--- Failure #%d ---\nFailure: builtins.ValueError: no tb\n"
        "*--- End of Failure #%d ---\n" % (f.count, f.count))


@pytest.mark.parametrize("detail", ["default", "brief", "verbose"])
def test_tracebackTextMatchesTwisted(detail):
    """getTraceback at each detail level gives exactly Twisted's text for the same error."""
    text = on_both(lambda m: caught(m).getTraceback(detail=detail))
    assert text.count(__file__) == 3


def raise_with_locals(a):
    """Raise a ValueError from a frame with two local variables."""
    b = [a, "two"]  # noqa: F841 (shown in the traceback)
    raise ValueError(a)


def test_verboseTracebackListsCapturedVariables():
    """With captureVars, the verbose traceback lists locals and globals as Twisted's does."""
    def scenario(m):
        FailureClass = m.Failure
        del m  # the two module reprs would differ
        try:
            raise_with_locals(1)
        except ValueError:
            return FailureClass(captureVars=True).getTraceback(detail="verbose")

    text = on_both(scenario)
    assert " [ Locals ]\n  a : 1\n  b : [1, 'two']\n ( Globals )\n" in text


def test_verboseWithoutCapturedVariablesSaysSo(impl):
    """Without captureVars, the verbose traceback says that variables were not captured."""
    assert " [Capture of Locals and Globals disabled (use captureVars=True)]\n" in (
        caught(impl).getTraceback(detail="verbose"))


def test_unknownDetailIsRejected(impl):
    """An unknown detail level raises ValueError once there are frames to format."""
    with pytest.raises(ValueError, match=r"Detail must be default, brief, verbose, or "
                       r"verbose-vars-not-captured\. \(not 'bogus'\)"):
        caught(impl).getTraceback(detail="bogus")
    assert impl.Failure(ValueError("x")).getTraceback(detail="bogus").startswith("Traceback")


def test_elideFrameworkCodeIsIgnored(impl):
    """elideFrameworkCode is accepted and changes nothing."""
    f = caught(impl)
    assert f.getTraceback(elideFrameworkCode=1) == f.getTraceback()


def test_printMethodsWriteToTheGivenFile(impl, tmp_path):
    """printTraceback, printBriefTraceback and printDetailedTraceback write the three texts."""
    f = caught(impl)
    with open(tmp_path / "out.txt", "w") as out:
        f.printTraceback(out)
        f.printBriefTraceback(out)
        f.printDetailedTraceback(out)
    assert (tmp_path / "out.txt").read_text() == (
        f.getTraceback() + f.getBriefTraceback() + f.getTraceback(detail="verbose"))


def test_printTracebackWithNoFileWritesToStderr(capsys):
    """Differs from Twisted: printTraceback() with no file writes to sys.stderr."""
    f = mfailure.Failure(ValueError("shown"))
    f.printTraceback()
    assert capsys.readouterr().err == f.getTraceback()


def test_twistedPrintTracebackWithNoFileWritesNothingToStderr():
    """Twisted's printTraceback() with no file sends lines to the log: a script shows nothing."""
    script = textwrap.dedent("""
        from twisted.python.failure import Failure
        Failure(ValueError("hidden")).printTraceback()
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


# --- Cleaning and pickling ----------------------------------------------------------------


def test_cleanFailureDropsTracebackButKeepsTheText(impl):
    """cleanFailure drops tb and the exception's __traceback__, and getTraceback is unchanged."""
    f = caught(impl)
    before = f.getTraceback()
    f.cleanFailure()
    assert f.tb is None and f.value.__traceback__ is None
    assert f.getTraceback() == before
    assert f.getTraceback(detail="verbose").startswith("*--- Failure #%d (pickled) ---\n" % f.count)


def test_cleanFailureReplacesCapturedVariablesWithReprs(impl):
    """After cleanFailure, captured variables are their reprs, as in Twisted."""
    def scenario(m):
        def inner():
            obj = object()  # noqa: F841 (captured)
            raise ValueError()

        try:
            inner()
        except ValueError:
            f = m.Failure(captureVars=True)
        f.cleanFailure()
        return [(name, value.startswith("<object object at")) for name, value in f.frames[-1][3]]

    assert on_both(scenario) == [("obj", True)]


def test_pickledFailureKeepsItsTextButNoTraceback(impl):
    """A pickled Failure comes back without tb, marked pickled, with the same frames and text."""
    f = caught(impl)
    copy = pickle.loads(pickle.dumps(f))
    assert (copy.tb, copy.pickled, copy.count, copy.parents) == (None, 1, f.count, f.parents)
    assert [tuple(frame) for frame in copy.frames] == [tuple(frame) for frame in f.frames]
    assert copy.getTraceback() == f.getTraceback()
    assert f.tb is not None and f.pickled == 0


def test_pickledTextMatchesTwisted():
    """A pickled Failure prints the same verbose and brief text as Twisted's."""
    on_both(lambda m: pickle.loads(pickle.dumps(caught(m))).getTraceback(detail="verbose"))
    on_both(lambda m: repr(pickle.loads(pickle.dumps(m.Failure(KeyError("k"))))))
