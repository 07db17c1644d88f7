"""Checks for the exercises of ``solutions/03_callbacks_and_deferreds.ipynb``: firing, predicting and building chains.

Mirrors ``twisted.internet.defer`` in miniature: ``TinyDeferred.callback`` and
``_runCallbacks`` are ``Deferred.callback`` and ``Deferred._runCallbacks`` without
errbacks; the chain to predict and the chain to build use minitwisted's own
``Deferred``, which behaves as Twisted's.  The lesson is
``notebooks/03_callbacks_and_deferreds.ipynb``.  Tests: ``tests/workshop/test_grade.py``.

``chain_to_predict`` is the chain of ``ex03_predict_chain``: the notebook displays its
source with ``workshop.reveal.show``, and the check runs the same code, so the
question and the answer cannot drift apart.
"""

from minitwisted.internet.defer import Deferred
from minitwisted.python.failure import Failure
from workshop.checks import exercise, expect

NOTEBOOK = "03_callbacks_and_deferreds.ipynb"

deferred_callback = exercise("ex03_deferred_callback", "Deferred.callback with chaining",
                             NOTEBOOK)
predict_chain = exercise("ex03_predict_chain", "Predict a chain of callbacks and errbacks",
                         NOTEBOOK)
build_chain = exercise("ex03_build_chain", "Build a chain that parses a port number", NOTEBOOK)


# --- ex03_deferred_callback --------------------------------------------------------------


def _fired(learner, result, *callbacks):
    """A new ``TinyDeferred`` of the learner's, with ``callbacks`` added, fired with ``result``."""
    d = learner.get("TinyDeferred")()
    for func in callbacks:
        d.addCallback(func)
    d.callback(result)
    return d


@deferred_callback.check("callback() passes its result to the first callback",
                         "callback(result) stores result in self.result, then "
                         "_runCallbacks calls the first callback with it")
def _first_callback_gets_result(learner):
    got = []
    _fired(learner, "hello", got.append)
    expect(got == ["hello"], "d.callback('hello') gave the first callback %r" % (got,))


@deferred_callback.check("each callback gets what the one before it returned",
                         "in _runCallbacks, store each callback's return value in "
                         "self.result before calling the next one: that is chaining")
def _results_pass_down_the_chain(learner):
    got = []
    _fired(learner, 3, lambda x: x + 1, lambda x: x * 10, got.append)
    expect(got == [40], "3, then +1, then *10 reached the last callback as %r, not 40"
           % (got[0] if got else "nothing",))


@deferred_callback.check("a callback added after the Deferred fired runs at once, on the "
                         "current result",
                         "addCallback calls _runCallbacks when self.called is True: it must "
                         "start from self.result, the result the chain has reached")
def _late_callback_runs_at_once(learner):
    got = []
    d = _fired(learner, 2, lambda x: x * 10)
    d.addCallback(got.append)
    expect(got == [20], "a callback added after firing got %r, not 20"
           % (got[0] if got else "nothing",))


@deferred_callback.check("callback() a second time raises AlreadyCalledError",
                         "a Deferred holds one result: check self.called at the top of "
                         "callback() and raise AlreadyCalledError", hidden=True)
def _fires_once(learner):
    already = learner.get("AlreadyCalledError")
    d = _fired(learner, 1)
    try:
        d.callback(2)
    except already:
        return
    expect(False, "a second d.callback(2) did not raise AlreadyCalledError")


@deferred_callback.check("each callback runs exactly once",
                         "remove each callback from self.callbacks as you run it (pop(0)), "
                         "or a later addCallback runs the whole chain again", hidden=True)
def _each_callback_runs_once(learner):
    counts = []

    def counted(x):
        counts.append(x)
        return x

    d = _fired(learner, 1, counted)
    d.addCallback(lambda x: x)
    expect(counts == [1], "a callback ran %d times after one more was added" % len(counts))


# --- ex03_predict_chain ------------------------------------------------------------------


def chain_to_predict(trace):
    """The chain of ex03_predict_chain: each function appends its name to ``trace`` as it runs."""
    def double(x):
        trace.append("double")
        return x * 2

    def check_small(x):
        trace.append("check_small")
        if x > 10:
            raise ValueError("too big: %d" % x)
        return x

    def add_one(x):
        trace.append("add_one")
        return x + 1

    def report(failure):
        trace.append("report")
        return failure

    def recover(failure):
        trace.append("recover")
        failure.trap(ValueError)
        return 10

    def show_result(x):
        trace.append("show_result")
        return "result: %s" % x

    d = Deferred()
    d.addCallback(double)
    d.addCallback(check_small)
    d.addCallbacks(add_one, report)
    d.addErrback(recover)
    d.addCallbacks(show_result, report)
    d.callback(7)
    return d


def _actual_chain():
    trace, outcome = [], []
    chain_to_predict(trace).addBoth(outcome.append)
    return trace, outcome[0]


@predict_chain.check("predicted_order() lists the functions in the order they run",
                     "when a callback raises, the chain jumps to the next errback; an errback "
                     "that returns a Failure stays on the errback side, one that returns "
                     "anything else goes back to the callbacks")
def _order_predicted(learner):
    predicted = list(learner.get("predicted_order")())
    trace, _ = _actual_chain()
    for position, (theirs, actual) in enumerate(zip(predicted, trace), 1):
        expect(theirs == actual, "step %d is not %r" % (position, theirs))
    expect(len(predicted) == len(trace), "%d functions run, not %d"
           % (len(trace), len(predicted)))


@predict_chain.check("predicted_result() is what the Deferred holds at the end",
                     "follow the value: which function produces the last result, and from "
                     "what input?")
def _result_predicted(learner):
    predicted = learner.get("predicted_result")()
    _, actual = _actual_chain()
    expect(predicted == actual, "the chain does not end with %r" % (predicted,))


# --- ex03_build_chain --------------------------------------------------------------------


def _outcome(learner, fire):
    """Build the learner's chain on a new Deferred, fire it with ``fire(d)``; the end result."""
    d = Deferred()
    returned = learner.get("build_chain")(d)
    outcome = []
    d.addBoth(outcome.append)  # also consumes a failure: nothing is logged as unhandled
    fire(d)
    return returned, d, outcome[0]


@build_chain.check("a port number as text comes out as an int",
                   "add a callback that turns the text into an int: int itself will do")
def _parses_numbers(learner):
    _, _, result = _outcome(learner, lambda d: d.callback("8000"))
    expect(type(result) is int and result == 8000,
           "d.callback('8000') ended with %r, not the int 8000" % (result,))


@build_chain.check("text that is not a number comes out as the default, 8080",
                   "int('http') raises ValueError, so the chain moves to the errback side; add "
                   "an errback after it that returns 8080 to move back to the callbacks")
def _defaults_when_not_a_number(learner):
    _, _, result = _outcome(learner, lambda d: d.callback("http"))
    expect(result == 8080, "d.callback('http') ended with %r, not 8080" % (result,))


@build_chain.check("other failures still reach the caller",
                   "in the errback, failure.trap(ValueError) re-raises any other error, "
                   "so only a bad number becomes the default", hidden=True)
def _other_failures_pass_through(learner):
    _, _, result = _outcome(learner, lambda d: d.errback(KeyError("no such service")))
    expect(isinstance(result, Failure) and result.check(KeyError),
           "a KeyError failure fired into the chain ended as %r instead of staying a "
           "Failure" % (result,))


@build_chain.check("build_chain returns the Deferred it was given",
                   "end with return d, so the caller can add more callbacks", hidden=True)
def _returns_the_deferred(learner):
    returned, d, _ = _outcome(learner, lambda d: d.callback("1"))
    expect(returned is d, "build_chain(d) returned %r" % (returned,))
