"""Code that waits, tested with a fake clock (``task.Clock``), as a Twisted user writes it.

Run by ``tests/trial/test_twisted_style.py`` under real trial, and again under
``python -m minitwisted.trial`` with ``twisted`` renamed ``minitwisted`` in the imports.
"""

from twisted.internet import task
from twisted.trial import unittest


class Heartbeat:
    """Calls ``send`` every ``interval`` seconds and counts the beats, until stopped."""

    def __init__(self, send, interval, clock):
        self.beats = 0
        self.send = send
        self.interval = interval
        self.loop = task.LoopingCall(self.beat)
        self.loop.clock = clock

    def beat(self):
        self.beats += 1
        self.send(self.beats)

    def start(self):
        return self.loop.start(self.interval)

    def stop(self):
        self.loop.stop()


class LoopingCallTests(unittest.TestCase):
    def setUp(self):
        self.clock = task.Clock()
        self.sent = []
        self.heartbeat = Heartbeat(self.sent.append, 10, self.clock)

    def test_firstBeatIsImmediate(self):
        """Starting the loop beats at once, before any time passes."""
        self.heartbeat.start()
        self.assertEqual(self.sent, [1])

    def test_beatsFollowTheClock(self):
        """One more beat happens each time the clock passes an interval."""
        self.heartbeat.start()
        self.clock.advance(10)
        self.clock.advance(9)
        self.assertEqual(self.sent, [1, 2])
        self.clock.advance(1)
        self.assertEqual(self.sent, [1, 2, 3])

    def test_pumpAdvancesStepByStep(self):
        """``pump`` advances the clock by each amount in turn."""
        self.heartbeat.start()
        self.clock.pump([10, 10, 10])
        self.assertEqual(self.sent, [1, 2, 3, 4])

    def test_stopFiresTheStartDeferred(self):
        """Stopping the loop fires the Deferred that ``start`` returned with the loop."""
        d = self.heartbeat.start()
        self.heartbeat.stop()
        self.assertIs(self.successResultOf(d), self.heartbeat.loop)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_countingTheWrongBeats(self):
        """Fails on purpose: one 30-second jump runs the missed beats once, so 2 beats, not 4."""
        self.heartbeat.start()
        self.clock.advance(30)
        self.assertEqual(self.heartbeat.beats, 4)


class CallLaterTests(unittest.TestCase):
    def test_callRunsWhenItsTimeComes(self):
        """A delayed call runs once the clock reaches its time, and not before."""
        clock = task.Clock()
        calls = []
        clock.callLater(5, calls.append, "ding")
        clock.advance(4.5)
        self.assertEqual(calls, [])
        clock.advance(0.5)
        self.assertEqual(calls, ["ding"])

    def test_cancelledCallNeverRuns(self):
        """A cancelled delayed call is gone from the clock and never runs."""
        clock = task.Clock()
        calls = []
        call = clock.callLater(5, calls.append, "ding")
        call.cancel()
        clock.advance(10)
        self.assertEqual(calls, [])
        self.assertEqual(clock.getDelayedCalls(), [])

    def test_delayedCallCanBePushedBack(self):
        """``delay`` moves a pending call later."""
        clock = task.Clock()
        calls = []
        call = clock.callLater(5, calls.append, "ding")
        call.delay(5)
        clock.advance(5)
        self.assertEqual(calls, [])
        clock.advance(5)
        self.assertEqual(calls, ["ding"])

    def test_pendingCallOnAFakeClockIsNotDirt(self):
        """A call left pending on a Clock does not make the reactor unclean."""
        task.Clock().callLater(100, lambda: None)


class DeferLaterTests(unittest.TestCase):
    def test_deferLaterFiresWithTheResult(self):
        """``deferLater`` fires with what the function returns, once the time has passed."""
        clock = task.Clock()
        d = task.deferLater(clock, 3, lambda: "done")
        self.assertNoResult(d)
        clock.advance(3)
        self.assertEqual(self.successResultOf(d), "done")

    def test_cancellingDeferLaterCancelsTheCall(self):
        """Cancelling the Deferred cancels the delayed call and fails with CancelledError."""
        from twisted.internet import defer

        clock = task.Clock()
        d = task.deferLater(clock, 3, lambda: "done")
        d.cancel()
        self.failureResultOf(d, defer.CancelledError)
        self.assertEqual(clock.getDelayedCalls(), [])

    def test_testCanWaitOnAFakeClock(self):
        """A test may return a Deferred that a fake clock fires before the test returns."""
        clock = task.Clock()
        d = task.deferLater(clock, 60, lambda: None)
        clock.advance(60)
        return d
