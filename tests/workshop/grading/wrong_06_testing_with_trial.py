"""Plausible wrong answers to the exercises of ``solutions/06_testing_with_trial.ipynb``.

The same shape as ``wrong_answers.py``: ``(exercise id, what is wrong, [names of the
checks it must fail], edit)``, the edit being ``(solution text, replacement)`` or a list
of such pairs, each made once in the solution cell's source.  Here the learner writes
tests, so a wrong answer is a test suite too weak to catch one faulty protocol, or
one that fails on the correct protocol.
"""

BOT = "ex06_bot_tests"
CLOCK = "ex06_clock_tests"

BOT_PASSES = "your tests all pass on the correct GreeterBot"
NEVER_JOINS = "your tests catch a bot that never joins its channel"
RUDE = "your tests catch a bot that welcomes newcomers in the wrong words"
ANY_HELLO = "your tests catch a bot that answers any message with hello in it"
PRIVATE = "your tests catch a bot that answers a private !hello to itself"
PREFIX = "your tests catch a bot that greets the whole prefix, not the nick"

DOOR_PASSES = "your tests all pass on the correct Doorman"
NEVER_HANGS_UP = "your tests catch a doorman that says goodbye but never hangs up"
KEEPS_TIMER = "your tests catch a doorman that hangs up even after hearing a name"
IMPATIENT = "your tests catch a doorman that hangs up too early"
SILENT = "your tests catch a doorman that hangs up without saying why"
LEAVES_TIMER = "your tests catch a doorman that leaves its timer behind when the line closes"

WRONG_ANSWERS = [
    (BOT, "a test expects the welcome without its comma",
     [BOT_PASSES, NEVER_JOINS, RUDE],
     ('["PRIVMSG #foo :Welcome, bob!"]', '["PRIVMSG #foo :Welcome bob!"]')),
    (BOT, "setUp builds a GreeterBot, not self.botClass: no faulty bot is ever tested",
     [NEVER_JOINS, RUDE, ANY_HELLO, PRIVATE, PREFIX],
     ('self.bot = self.botClass("#foo")', 'self.bot = GreeterBot("#foo")')),
    (BOT, "the join test feeds the welcome but never looks at what the bot wrote",
     [NEVER_JOINS],
     ('        self.assertEqual(sent(self.transport), ["JOIN #foo"])\n', "")),
    (BOT, "the welcome test only checks that something was said in #foo",
     [RUDE],
     ('self.assertEqual(sent(self.transport), ["PRIVMSG #foo :Welcome, bob!"])',
      'self.assertTrue(sent(self.transport)[0].startswith("PRIVMSG #foo :"))')),
    (BOT, "the ignore test's messages have no hello in them",
     [ANY_HELLO],
     [(":hello everyone", ":good morning"), (":who said !hello?", ":how are you?")]),
    (BOT, "the private test only counts the answers",
     [PRIVATE],
     ('self.assertEqual(sent(self.transport), ["PRIVMSG bob :Hello, bob!"])',
      "self.assertEqual(len(sent(self.transport)), 1)")),
    (BOT, "the hello tests only check that the answer contains Hello",
     [PREFIX],
     [('self.assertEqual(sent(self.transport), ["PRIVMSG #foo :Hello, bob!"])',
       'self.assertIn("Hello", sent(self.transport)[0])'),
      ('self.assertEqual(sent(self.transport), ["PRIVMSG bob :Hello, bob!"])',
       'self.assertIn("Hello", sent(self.transport)[0])')]),

    (CLOCK, "the goodbye is expected without its line ending",
     [DOOR_PASSES, NEVER_HANGS_UP, KEEPS_TIMER],
     ('b"too slow, bye\\r\\n"', 'b"too slow, bye"')),
    (CLOCK, "the hang-up test stops at 29 s and never sees the deadline pass",
     [NEVER_HANGS_UP, SILENT],
     ('        self.clock.advance(1)\n'
      '        self.assertEqual(self.transport.value(), b"too slow, bye\\r\\n")\n'
      '        self.assertTrue(self.transport.disconnecting)\n', "")),
    (CLOCK, "the name test advances only to 20 s, before the forgotten timer would fire",
     [KEEPS_TIMER],
     ("self.clock.advance(60)", "self.clock.advance(10)")),
    (CLOCK, "the hang-up test jumps straight to 30 s, never looking at 29 s",
     [IMPATIENT],
     ('        self.clock.advance(29)\n        self.assertEqual(self.transport.value(), b"")\n'
      '        self.assertFalse(self.transport.disconnecting)\n        self.clock.advance(1)\n',
      "        self.clock.advance(30)\n")),
    (CLOCK, "the hang-up test checks disconnecting but not the goodbye",
     [SILENT],
     ('        self.assertEqual(self.transport.value(), b"too slow, bye\\r\\n")\n', "")),
    (CLOCK, "the lost-connection test looks at the transport, not at the clock",
     [LEAVES_TIMER],
     ("self.assertEqual(self.clock.getDelayedCalls(), [])",
      "self.assertFalse(self.transport.disconnecting)")),
]
