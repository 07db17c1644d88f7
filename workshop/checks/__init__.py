"""The exercises' checks: what each exercise must do, and the hint a learner gets when it does not.

Mirrors no Twisted module.  It plays the part of nbgrader's hidden test cells and of
otter's ``grader.check("q1")``, but the checks live here, in the kit, not in the
notebook: a learner can neither read them in the notebook nor edit them away.
``solutions/NN_slug.ipynb`` holds the exercises with their solutions; each exercise has
an id such as ``ex02_timer_heap`` that is shared by its prose, its solution cell
(``grade_id`` in the nbgrader metadata) and its checks, which are registered in one
module per solution notebook (``workshop/checks/reactor.py`` for ``02_reactor``, ...).

A check is a function of the learner's namespace (the names their notebook defined).
It returns when the exercise does what it should and raises ``CheckFailed`` with a
detail otherwise; the hint it was registered with says what to look at, in the
terms of the lesson.  Checks are *visible* (the notebook's self-check cell runs them,
``selfcheck("ex02_timer_heap")``) or *hidden* (only the grader, ``python -m workshop
grade``, runs them).  Each passed check earns its points; an exercise is worth the sum.

Tests: ``tests/workshop/test_grade.py`` (every solution passes every check, every
fresh exercise fails every check, a plausible wrong answer fails each check) and
``tests/workshop/test_exercises.py``.
"""

import os
import signal
import sys
import threading
from dataclasses import dataclass, field

#: The modules that register exercises, one per solution notebook, in agenda order.
MODULES = ("workshop.checks.reactor", "workshop.checks.callbacks_and_deferreds",
           "workshop.checks.transports", "workshop.checks.protocols_and_factories",
           "workshop.checks.testing_with_trial", "workshop.checks.deployment")

#: Seconds one check may take before it counts as failed (a ``run()`` that never returns).
CHECK_SECONDS = 5


class CheckFailed(Exception):
    """A check found a mistake; the message says what happened (the hint says where to look)."""


class NameMissing(CheckFailed):
    """The notebook does not define a name the exercise needs (deleted, renamed, or a syntax error)."""


class CheckTimeout(BaseException):
    """A check ran out of time.

    A ``BaseException``, so that a learner's ``except Exception`` in a loop cannot
    swallow it and keep the check running.
    """


@dataclass(frozen=True)
class Check:
    """One check of one exercise: a present-tense sentence, the hint, and the function."""

    exercise: str
    name: str
    hint: str
    func: object
    points: int = 1
    hidden: bool = False


@dataclass
class Result:
    """The outcome of one check on one submission.

    ``message`` is empty when the check passed; otherwise it says what went wrong and
    what to look at.
    """

    exercise: str
    name: str
    passed: bool
    message: str
    points: int
    max_points: int
    hidden: bool

    def as_dict(self):
        return {"name": self.name, "passed": self.passed, "message": self.message,
                "points": self.points, "max_points": self.max_points, "hidden": self.hidden}


@dataclass
class Exercise:
    """An exercise: its id (shared with its notebook cell), a title, and its checks in order."""

    id: str
    title: str
    notebook: str
    checks: list = field(default_factory=list)

    @property
    def max_points(self):
        return sum(check.points for check in self.checks)

    def check(self, name, hint, points=1, hidden=False):
        """Register the decorated function as a check of this exercise."""
        def register(func):
            self.checks.append(Check(self.id, name, hint, func, points, hidden))
            return func
        return register


EXERCISES = {}


def exercise(id, title, notebook):
    """Create and register the exercise ``id`` of ``notebook`` (a solutions/ file name)."""
    if id in EXERCISES:
        raise ValueError("exercise %r is registered twice" % id)
    EXERCISES[id] = Exercise(id, title, notebook)
    return EXERCISES[id]


def load_all():
    """Import every check module, so that ``EXERCISES`` holds every exercise."""
    import importlib

    for name in MODULES:
        importlib.import_module(name)
    return EXERCISES


def exercises_of(notebook):
    """The exercises of one solution notebook (a file name such as ``02_reactor.ipynb``)."""
    return [ex for ex in load_all().values() if ex.notebook == notebook]


class Learner:
    """What a learner's notebook defined, with errors that say which name is missing."""

    def __init__(self, namespace):
        self.namespace = namespace

    def get(self, name):
        """The object the notebook calls ``name``; ``CheckFailed`` if it is not there."""
        try:
            return self.namespace[name]
        except KeyError:
            raise NameMissing(
                "%s is not defined: did you delete or rename it, or did its cell fail? The "
                "exercise needs it under exactly that name" % name) from None


def expect(condition, detail):
    """Fail the current check with ``detail`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(detail)


class _time_limit:
    """Raise ``CheckTimeout`` in the main thread after ``seconds`` (no limit elsewhere)."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.armed = (seconds and hasattr(signal, "setitimer")
                      and threading.current_thread() is threading.main_thread())

    def _expired(self, signum, frame):
        raise CheckTimeout()

    def __enter__(self):
        if self.armed:
            self.previous = signal.signal(signal.SIGALRM, self._expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc_info):
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


def short(text, limit=300):
    """``text`` cut to ``limit`` characters: an error message may hold a huge value."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "... (%d characters)" % len(text)


def run_check(check, namespace, seconds=CHECK_SECONDS):
    """Run one check against ``namespace``; return its ``Result``.  Never raises."""
    def failed(message):
        return Result(check.exercise, check.name, False, message, 0, check.points,
                      check.hidden)

    try:
        with _time_limit(seconds):
            check.func(Learner(namespace))
    except NameMissing as exc:  # the hint would talk about code that is not there
        return failed(str(exc))
    except CheckFailed as exc:
        return failed("%s. Hint: %s" % (short(exc), check.hint))
    except NotImplementedError:
        return failed("not done yet: your code still raises NotImplementedError")
    except CheckTimeout:
        return failed("did not finish within %s s. Hint: %s" % (seconds, check.hint))
    except (Exception, SystemExit) as exc:  # the learner's code failed: say how, then hint
        return failed("raised %s: %s. Hint: %s" % (type(exc).__name__, short(exc), check.hint))
    return Result(check.exercise, check.name, True, "", check.points, check.points,
                  check.hidden)


def run_exercise(exercise_id, namespace, hidden=True, seconds=CHECK_SECONDS):
    """Run the checks of ``exercise_id`` (the hidden ones too if ``hidden``); a list of ``Result``."""
    ex = load_all()[exercise_id]
    return [run_check(check, namespace, seconds) for check in ex.checks
            if hidden or not check.hidden]


def _grading_under_nbgrader():
    # nbgrader sets this while it autogrades or validates a notebook.
    return os.environ.get("NBGRADER_EXECUTION", "") in ("autograde", "validate")


def selfcheck(exercise_id, namespace=None):
    """Run the visible checks of ``exercise_id`` on the caller's names; print one line per check.

    This is the self-check cell of each exercise.  It never raises, so an exercise
    notebook runs top to bottom with its blanks still unfilled; under nbgrader
    (``NBGRADER_EXECUTION``) it runs the hidden checks too and raises
    ``AssertionError`` if one fails, so nbgrader's test cell scores the exercise.
    """
    if namespace is None:
        namespace = sys._getframe(1).f_globals  # the notebook's names
    nbgrader = _grading_under_nbgrader()
    ex = load_all()[exercise_id]
    results = run_exercise(exercise_id, namespace, hidden=nbgrader)
    for result in results:
        if result.passed:
            print("ok    " + result.name)
        elif result.message.startswith("not done yet"):
            print("todo  %s: %s" % (result.name, result.message))
        else:
            print("FAIL  %s: %s" % (result.name, result.message))
    passed = sum(result.passed for result in results)
    hidden = sum(check.hidden for check in ex.checks)
    more = "; the grader runs %d more, hidden" % hidden if hidden and not nbgrader else ""
    print("%s: %d of %d checks pass%s." % (exercise_id, passed, len(results), more))
    if nbgrader and passed < len(results):
        raise AssertionError("%s: %d of %d checks fail" % (exercise_id, len(results) - passed,
                                                             len(results)))
