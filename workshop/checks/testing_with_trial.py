"""Checks for the exercises of ``solutions/06_testing_with_trial.ipynb``: tests that catch bugs.

Mirrors ``twisted.trial`` from the other side: here the learner writes the tests and
the checks grade them, the way mutation testing grades a suite.  The lesson is
``notebooks/06_testing_with_trial.ipynb``.  Tests: ``tests/workshop/test_grade.py``.

Both exercises hand the learner a protocol (``GreeterBot``, an IRC bot; ``Doorman``, a
line protocol with a timeout on a ``task.Clock``) and a test case whose ``setUp``
builds it from a class attribute (``botClass``, ``doormanClass``).  A check runs the
learner's test case with that attribute set to the correct protocol, where every test
must pass, and to one faulty version, where at least one test must fail: a suite that
fails on the correct protocol proves nothing by failing on a faulty one.  The notebook
imports the correct protocols from here and shows their source; the faulty versions
are each the correct one with one plausible bug, and are not shown.

A test that still raises ``NotImplementedError`` (the stub of a fresh exercise) is not
written yet: it is left out, and the check says "not done yet" while any remain.
"""

import gc
import io

from minitwisted.protocols import basic
from minitwisted.trial import reporter, runner
from minitwisted.words.protocols import irc

from workshop.checks import CheckFailed, CheckTimeout, exercise, expect

NOTEBOOK = "06_testing_with_trial.ipynb"

bot_tests = exercise("ex06_bot_tests", "Trial tests for an IRC bot, with StringTransport",
                     NOTEBOOK)
clock_tests = exercise("ex06_clock_tests", "Trial tests for a timeout, with task.Clock",
                       NOTEBOOK)


# --- The protocols under test -------------------------------------------------------------


class GreeterBot(irc.IRCClient):
    """Join the channel once signed on; welcome newcomers; answer "!hello"."""

    nickname = "minibot"

    def __init__(self, channel="#foo"):
        self.channel = channel

    def signedOn(self):
        self.join(self.channel)

    def userJoined(self, nick, channel):
        self.say(channel, f"Welcome, {nick}!")

    def privmsg(self, user, channel, message):
        nick = user.split("!")[0]  # user is "nick!username@host"
        if message.strip() != "!hello":
            return
        # A message sent to our own nick is private: answer the sender, not a channel.
        target = nick if channel == self.nickname else channel
        self.msg(target, f"Hello, {nick}!")


class Doorman(basic.LineReceiver):
    """Ask who is there; wait ``patience`` seconds for a name, then say goodbye and hang up."""

    patience = 30

    def __init__(self, clock):
        self.clock = clock  # the reactor in production, a task.Clock in tests
        self.timer = None  # the pending goodbye, until a name comes or the line closes
        self.name = None

    def connectionMade(self):
        self.sendLine(b"who is there?")
        self.timer = self.clock.callLater(self.patience, self.tooSlow)

    def lineReceived(self, line):
        if self.name is not None:
            return
        self.timer.cancel()
        self.timer = None
        self.name = line
        self.sendLine(b"welcome, " + line)

    def tooSlow(self):
        self.timer = None
        self.sendLine(b"too slow, bye")
        self.transport.loseConnection()

    def connectionLost(self, reason):
        # A timer left pending after the connection is gone is a dirty reactor.
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


# --- Faulty versions: each the correct protocol with one bug -------------------------------


class _NeverJoins(GreeterBot):
    def signedOn(self):
        pass


class _RudeWelcome(GreeterBot):
    def userJoined(self, nick, channel):
        self.say(channel, f"Oh no, {nick} again.")


class _AnswersAnyHello(GreeterBot):
    def privmsg(self, user, channel, message):
        nick = user.split("!")[0]
        if "hello" in message:
            target = nick if channel == self.nickname else channel
            self.msg(target, f"Hello, {nick}!")


class _AnswersPrivateToItself(GreeterBot):
    def privmsg(self, user, channel, message):
        nick = user.split("!")[0]
        if message.strip() == "!hello":
            self.msg(channel, f"Hello, {nick}!")


class _GreetsWholePrefix(GreeterBot):
    def privmsg(self, user, channel, message):
        if message.strip() == "!hello":
            target = user.split("!")[0] if channel == self.nickname else channel
            self.msg(target, f"Hello, {user}!")


class _NeverHangsUp(Doorman):
    def tooSlow(self):
        self.timer = None
        self.sendLine(b"too slow, bye")


class _KeepsTimerAfterName(Doorman):
    def lineReceived(self, line):
        if self.name is None:
            self.name = line
            self.sendLine(b"welcome, " + line)


class _Impatient(Doorman):
    patience = 20


class _HangsUpSilently(Doorman):
    def tooSlow(self):
        self.timer = None
        self.transport.loseConnection()


class _LeavesTimerBehind(Doorman):
    def connectionLost(self, reason):
        pass


# --- Running the learner's tests -------------------------------------------------------------


class _Outcome:
    """What happened to each test of one run: passed, not written yet, or failed (and how)."""

    def __init__(self):
        self.passed, self.todo, self.failed = [], [], {}


def _value(detail):
    """The exception of a reporter's ``(test, detail)`` entry (an exc_info tuple or a Failure)."""
    return detail[1] if isinstance(detail, tuple) else getattr(detail, "value", detail)


class _Reporter(reporter.Reporter):
    """Trial's reporter, except that the check's time limit goes through.

    Trial turns every exception a test raises into an error, ``BaseException`` too, so a
    test that loops forever would swallow ``CheckTimeout`` and the check would go on.
    """

    def addError(self, test, error):
        if isinstance(_value(error), CheckTimeout):
            raise _value(error)
        super().addError(test, error)


def _run(testClass, attribute, protocolClass):
    """Run ``testClass`` with ``attribute`` set to ``protocolClass``; an ``_Outcome``."""
    graded = type(testClass.__name__, (testClass,),
                  {attribute: protocolClass, "__module__": testClass.__module__})
    suite = runner.TestLoader().loadClass(graded)
    result = _Reporter(io.StringIO())
    # After each test trial calls gc.collect() to find Deferreds that died with an
    # unhandled error; in a kernel holding a whole notebook that takes a quarter of a
    # second a test.  Frozen objects are not scanned, so only what the tests made is.
    gc.freeze()
    try:
        suite.run(result)
    finally:
        gc.unfreeze()
    outcome = _Outcome()
    problems = {}
    for test, detail in result.failures + result.errors:
        problems.setdefault(test._testMethodName, _value(detail))
    for test, _ in result.unexpectedSuccesses + result.expectedFailures:
        problems.setdefault(test._testMethodName, "it is marked todo")
    names = runner.TestLoader().getTestCaseNames(graded)
    for name in names:
        problem = problems.get(name)
        if problem is None:
            outcome.passed.append(name)
        elif isinstance(problem, NotImplementedError):
            outcome.todo.append(name)
        else:
            outcome.failed[name] = problem
    return outcome


def _describe(problem):
    text = "%s: %s" % (type(problem).__name__, problem) if isinstance(problem, BaseException) \
        else str(problem)
    return text.strip().splitlines()[0] if text.strip() else text


def _suite(learner, className, attribute):
    """The learner's test case, checked to build its protocol from ``attribute``."""
    testClass = learner.get(className)
    if not isinstance(testClass, type):
        raise CheckFailed("%s is not a class" % className)
    if attribute not in vars(testClass):
        raise CheckFailed("%s has no %s attribute: the checks set it to the protocol to test"
                          % (className, attribute))
    return testClass


def _passes_on_correct(learner, className, attribute, correct):
    """Run on the correct protocol; raise unless every written test passes.  The outcome."""
    testClass = _suite(learner, className, attribute)
    outcome = _run(testClass, attribute, correct)
    if not outcome.passed and not outcome.failed:
        if outcome.todo:
            raise NotImplementedError("no test is written yet")
        raise CheckFailed("%s has no test methods (their names must start with test)"
                          % className)
    if outcome.failed:
        name, problem = sorted(outcome.failed.items())[0]
        raise CheckFailed("on the correct %s, %d of your tests fail, so failing on a faulty "
                          "one proves nothing; %s: %s"
                          % (correct.__name__, len(outcome.failed), name, _describe(problem)))
    return outcome


def _catches(learner, className, attribute, correct, faulty, bug):
    """Raise unless the tests pass on ``correct`` and at least one fails on ``faulty``."""
    _passes_on_correct(learner, className, attribute, correct)
    testClass = _suite(learner, className, attribute)
    outcome = _run(testClass, attribute, faulty)
    expect(outcome.failed, "all your tests pass on a %s that %s" % (correct.__name__, bug))


def _all_written(learner, className, attribute, correct):
    outcome = _passes_on_correct(learner, className, attribute, correct)
    if outcome.todo:
        raise NotImplementedError("%s still to write" % ", ".join(sorted(outcome.todo)))


# --- ex06_bot_tests ----------------------------------------------------------------------------

BOT = ("GreeterBotTests", "botClass", GreeterBot)


@bot_tests.check("your tests all pass on the correct GreeterBot",
                 "build the bot with self.botClass in setUp, feed it whole IRC lines ending "
                 "in \\r\\n with dataReceived, and compare what it wrote (sent(self.transport)) "
                 "with the exact lines you expect")
def _bot_passes_on_correct(learner):
    _all_written(learner, *BOT)


@bot_tests.check("your tests catch a bot that never joins its channel",
                 "play the server: feed the welcome, b\":irc.local 001 minibot :Welcome\\r\\n\", "
                 "and check that the bot then writes JOIN #foo")
def _catches_never_joins(learner):
    _catches(learner, *BOT, _NeverJoins, "never joins #foo")


@bot_tests.check("your tests catch a bot that welcomes newcomers in the wrong words",
                 "feed b\":bob!b@h JOIN #foo\\r\\n\" and compare the whole line the bot writes "
                 "with PRIVMSG #foo :Welcome, bob!")
def _catches_rude_welcome(learner):
    _catches(learner, *BOT, _RudeWelcome, "welcomes bob with 'Oh no, bob again.'")


@bot_tests.check("your tests catch a bot that answers any message with hello in it",
                 "test what the bot must not do, too: an ordinary message such as "
                 "'hello everyone' gets no answer at all (sent(...) == [])", hidden=True)
def _catches_any_hello(learner):
    _catches(learner, *BOT, _AnswersAnyHello, "answers 'hello everyone' as if it were !hello")


@bot_tests.check("your tests catch a bot that answers a private !hello to itself",
                 "a message sent to minibot (not to #foo) is private: the answer goes to "
                 "the sender, PRIVMSG bob :Hello, bob!", hidden=True)
def _catches_private_to_itself(learner):
    _catches(learner, *BOT, _AnswersPrivateToItself,
             "answers a private !hello with PRIVMSG minibot, to itself")


@bot_tests.check("your tests catch a bot that greets the whole prefix, not the nick",
                 "compare the exact answer to !hello from bob!b@h: PRIVMSG #foo :Hello, bob! "
                 "(the nick only)", hidden=True)
def _catches_whole_prefix(learner):
    _catches(learner, *BOT, _GreetsWholePrefix, "answers 'Hello, bob!b@h!'")


# --- ex06_clock_tests --------------------------------------------------------------------------

DOOR = ("DoormanTests", "doormanClass", Doorman)


@clock_tests.check("your tests all pass on the correct Doorman",
                   "build the doorman with self.doormanClass(self.clock) in setUp, move time "
                   "with self.clock.advance(seconds), and read self.transport.value() and "
                   "self.transport.disconnecting")
def _door_passes_on_correct(learner):
    _all_written(learner, *DOOR)


@clock_tests.check("your tests catch a doorman that says goodbye but never hangs up",
                   "advance the clock by 30 seconds without sending a name, then check "
                   "self.transport.disconnecting")
def _catches_never_hangs_up(learner):
    _catches(learner, *DOOR, _NeverHangsUp, "says 'too slow, bye' but forgets to hang up")


@clock_tests.check("your tests catch a doorman that hangs up even after hearing a name",
                   "send a name in time (b\"bob\\r\\n\"), then advance well past 30 seconds: "
                   "the connection must stay open")
def _catches_keeps_timer(learner):
    _catches(learner, *DOOR, _KeepsTimerAfterName,
             "forgets to cancel its timer and hangs up on bob 30 s after he gave his name")


@clock_tests.check("your tests catch a doorman that hangs up too early",
                   "check both sides of the deadline: still connected after 29 seconds, "
                   "gone at 30", hidden=True)
def _catches_impatient(learner):
    _catches(learner, *DOOR, _Impatient, "hangs up after 20 s instead of 30")


@clock_tests.check("your tests catch a doorman that hangs up without saying why",
                   "check what it writes before hanging up: the line 'too slow, bye'",
                   hidden=True)
def _catches_silent(learner):
    _catches(learner, *DOOR, _HangsUpSilently, "hangs up without writing 'too slow, bye'")


@clock_tests.check("your tests catch a doorman that leaves its timer behind when the line closes",
                   "call connectionLost(Failure(ConnectionDone())) before 30 s, then check "
                   "self.clock.getDelayedCalls() == []: a pending timer is a dirty reactor",
                   hidden=True)
def _catches_leaves_timer(learner):
    _catches(learner, *DOOR, _LeavesTimerBehind,
             "keeps its goodbye pending after connectionLost")
