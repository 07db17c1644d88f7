"""Plausible wrong answers to the exercises of ``solutions/05_protocols_and_factories.ipynb``.

Same layout as ``wrong_answers.py``: each entry is ``(exercise id, what is wrong,
[names of the checks it must fail], edit)``, where the edit is a pair ``(solution text,
replacement)``, or a list of such pairs, each made once in the solution cell's source.
"""

SHARED = "ex05_shared_state"
LINES = "ex05_line_receiver"
BOT = "ex05_irc_command"

NUMBERS = "each visitor is greeted with the next number"
LEFT = "a visitor who has left is no longer counted as here"
APART = "two factories, as for two ports, count separately"

SPLIT = "a line cut across chunks is delivered whole, once"
PACKED = "several lines packed into one chunk are each delivered, in order"
WAITS = "no line is delivered before its delimiter, even a delimiter cut in two"
TOO_LONG = "a line longer than MAX_LENGTH goes to lineLengthExceeded, not lineReceived"
EXACTLY_MAX = ("a line of exactly MAX_LENGTH bytes is delivered, even with its delimiter cut "
               "in two")
ENDLESS = "an endless line with no delimiter is refused before it fills the memory"
NOTHING_AFTER = "after a line that is too long, the lines behind it are not delivered"
EMPTY_LINE = "an empty line between two delimiters is still a line"
OWN_DELIMITER = "a subclass may change the delimiter"

JOINS = "after the server's welcome (001), the bot joins its channel"
ECHOES = "'!echo some words' in the channel is answered '<nick>: some words', in the channel"
IGNORES = "messages that are not the command get no answer"
PRIVATE = "a private message is answered to its sender, not to the bot itself"
ECHO_WHAT = "'!echo' with nothing after it is answered '<nick>: echo what?'"
WHERE_ASKED = "the answer goes to the channel the command was said in"

SOLUTION_BODY = (
    "        self.buffer += data\n"
    "        while self.delimiter in self.buffer:\n"
    "            line, self.buffer = self.buffer.split(self.delimiter, 1)\n")

WRONG_ANSWERS = [
    (SHARED, "the count is kept on the protocol, as in the lesson's CountOnProtocol",
     [NUMBERS],
     [("        self.factory.visitors += 1\n        self.number = self.factory.visitors\n",
       "        self.visitors += 1  # a new protocol each time: always 0 + 1\n"
       "        self.number = self.visitors\n"),
      ("    def connectionMade(self):", "    visitors = 0\n\n    def connectionMade(self):")]),
    (SHARED, "the count is a class attribute of the protocol, shared by every factory",
     [APART],
     [("        self.factory.visitors += 1\n        self.number = self.factory.visitors\n",
       "        Greeter.visitors += 1\n        self.number = Greeter.visitors\n"),
      ("    def connectionMade(self):", "    visitors = 0\n\n    def connectionMade(self):")]),
    (SHARED, "nobody is ever taken out of factory.here",
     [LEFT],
     ("        self.factory.here.discard(self)\n", "        pass\n")),

    (LINES, "each chunk is split on its own, without a buffer (the lesson's SplitEachChunk)",
     [SPLIT, WAITS],
     (SOLUTION_BODY,
      "        for line in data.split(self.delimiter)[:-1]:\n"
      "            self.lineReceived(line)\n"
      "        self.buffer = b\"\"\n"
      "        while self.delimiter in self.buffer:  # never: the buffer is always empty\n"
      "            line, self.buffer = self.buffer.split(self.delimiter, 1)\n")),
    (LINES, "only the first line of a chunk is delivered: if instead of while",
     [PACKED],
     ("        while self.delimiter in self.buffer:\n",
      "        if self.delimiter in self.buffer:\n")),
    (LINES, "what is left at the end of a chunk is delivered as a line",
     [SPLIT, WAITS],
     ("        # No delimiter in the buffer",
      "        if self.buffer:\n"
      "            line, self.buffer = self.buffer, b\"\"\n"
      "            self.lineReceived(line)\n"
      "        # No delimiter in the buffer")),
    (LINES, "a complete line is never compared with MAX_LENGTH",
     [TOO_LONG],
     ("            if len(line) > self.MAX_LENGTH:\n",
      "            if False:\n")),
    (LINES, "a partial line is refused once it passes MAX_LENGTH, half a delimiter counted",
     [EXACTLY_MAX],
     ("len(self.buffer) >= self.MAX_LENGTH + len(self.delimiter)",
      "len(self.buffer) > self.MAX_LENGTH")),
    (LINES, "only complete lines are measured: an endless line grows the buffer for ever",
     [ENDLESS],
     ("        if len(self.buffer) >= self.MAX_LENGTH + len(self.delimiter):\n",
      "        if False:\n")),
    (LINES, "a too-long line is skipped and the lines behind it read on",
     [NOTHING_AFTER],
     ("                self.buffer = b\"\"  # we hang up: the lines behind it are not read\n"
      "                return self.lineLengthExceeded(line)\n",
      "                self.lineLengthExceeded(line)\n"
      "                continue\n")),
    (LINES, "empty lines are skipped",
     [EMPTY_LINE],
     ("            self.lineReceived(line)\n        # No",
      "            if line:\n                self.lineReceived(line)\n        # No")),
    (LINES, "the delimiter is written out as b'\\r\\n'",
     [OWN_DELIMITER],
     (SOLUTION_BODY,
      "        self.buffer += data\n"
      "        while b\"\\r\\n\" in self.buffer:\n"
      "            line, self.buffer = self.buffer.split(b\"\\r\\n\", 1)\n")),

    (BOT, "signedOn greets the channel instead of joining it",
     [JOINS],
     ("        self.join(self.channel)\n", "        self.msg(self.channel, \"hello\")\n")),
    (BOT, "the whole nick!user@host is used as the nick",
     [ECHOES],
     ("nick = user.split(\"!\", 1)[0]", "nick = user")),
    (BOT, "the command is searched anywhere in the message",
     [IGNORES],
     ("        if command != \"!echo\":\n",
      "        if \"!echo\" not in message:\n")),
    (BOT, "any word that starts with !echo counts",
     [IGNORES],
     ("        if command != \"!echo\":\n",
      "        if not command.startswith(\"!echo\"):\n")),
    (BOT, "a private message is answered to the bot's own nick",
     [PRIVATE],
     ("target = nick if channel == self.nickname else channel", "target = channel")),
    (BOT, "'!echo' alone gets an empty answer",
     [ECHO_WHAT],
     ("text or \"echo what?\"", "text")),
    (BOT, "the answer always goes to the bot's own channel",
     [WHERE_ASKED],
     ("target = nick if channel == self.nickname else channel",
      "target = nick if channel == self.nickname else self.channel")),
]
