"""Plausible wrong answers to the exercises of ``solutions/04_transports.ipynb``, some per check.

Same layout as ``wrong_answers.py``: each entry is ``(exercise id, what is wrong,
[names of the checks it must fail], edit)``, where the edit is a pair ``(solution text,
replacement)``, or a list of such pairs, each made once in the solution cell's source.
"""

BUFFERED = "ex04_buffered_transport"
PRODUCER = "ex04_push_producer"

WRITE_BUFFERS = ("write() returns at once: the bytes wait in self.buffer and the reactor is "
                 "asked for doWrite")
PARTIAL = "doWrite() sends what the socket takes and keeps the rest for next time"
STOPS = "doWrite() stops asking once everything is sent"
LOSE_WAITS = ("loseConnection() waits until the buffer has drained, then closes with "
              "ConnectionDone")
LOSE_EMPTY = "loseConnection() with nothing buffered closes on the next doWrite"
IN_ORDER = "bytes of many writes, between doWrites, go out whole and in order"
REAL_MIB = "on a real socket pair and SelectReactor, 1 MiB arrives whole, then end of file"

PAUSED = "a push producer is paused once the buffer passes bufferSize, not before"
RESUMED = ("a paused push producer is resumed once the buffer has drained, then paused again "
           "when it fills")
ONCE = "pauseProducing is called once, however many writes follow"
PULL_ASKED = "a pull producer is asked for more each time the buffer is empty"
PULL_NEVER_PAUSED = "a pull producer is never paused"
CLOSES = "with no producer, loseConnection still closes once the buffer drains"
REAL_PUSH = ("on a real socket pair and SelectReactor, a push producer of 400 KiB is paused "
             "and resumed five times and everything arrives")

WRONG_ANSWERS = [
    (BUFFERED, "write() sends at once instead of buffering",
     [WRITE_BUFFERS],
     ("        self.buffer += data\n        self.reactor.addWriter(self)\n",
      "        sent = self.sock.send(data)\n        self.buffer += data[sent:]\n"
      "        self.reactor.addWriter(self)\n")),
    (BUFFERED, "write() buffers but never asks the reactor for doWrite",
     [WRITE_BUFFERS],
     ("        self.buffer += data\n        self.reactor.addWriter(self)\n",
      "        self.buffer += data\n")),
    (BUFFERED, "doWrite() forgets what the kernel did not take",
     [PARTIAL, REAL_MIB],
     ("self.buffer = self.buffer[sent:]", "self.buffer = b\"\"")),
    (BUFFERED, "doWrite() keeps what was sent instead of the rest",
     [PARTIAL],
     ("self.buffer = self.buffer[sent:]", "self.buffer = self.buffer[:sent]")),
    (BUFFERED, "doWrite() never stops being a writer",
     [STOPS],
     ("        if not self.buffer:\n            self.reactor.removeWriter(self)\n",
      "        if not self.buffer:\n")),
    (BUFFERED, "loseConnection() closes at once, dropping the buffer",
     [LOSE_WAITS],
     ("        self.reactor.addWriter(self)  # doWrite finds the buffer empty, now or later, "
      "and closes\n",
      "        self.connectionLost(Failure(main.CONNECTION_DONE))\n")),
    (BUFFERED, "bufferEmpty() never closes",
     [LOSE_WAITS, LOSE_EMPTY, REAL_MIB],
     ("        if self.disconnecting:\n            return main.CONNECTION_DONE\n", "")),
    (BUFFERED, "loseConnection() only sets the flag: an empty buffer never closes",
     [LOSE_EMPTY],
     ("        self.reactor.addWriter(self)  # doWrite finds the buffer empty, now or later, "
      "and closes\n", "")),
    (BUFFERED, "write() replaces the buffer instead of adding to it",
     [IN_ORDER],
     ("self.buffer += data", "self.buffer = data")),

    (PRODUCER, "the producer is paused at exactly bufferSize, not past it",
     [PAUSED],
     ("len(self.buffer) > self.bufferSize", "len(self.buffer) >= self.bufferSize")),
    (PRODUCER, "self.paused is set but the producer is never told",
     [PAUSED],
     ("            self.paused = True\n            self.producer.pauseProducing()",
      "            self.paused = True\n            # self.producer.pauseProducing()")),
    (PRODUCER, "bufferEmpty() never resumes the producer",
     [RESUMED, PULL_ASKED, REAL_PUSH],
     ("            self.paused = False\n            self.producer.resumeProducing()  # drained: "
      "more, please\n", "            self.paused = False\n")),
    (PRODUCER, "bufferEmpty() resumes the producer but leaves self.paused set",
     [RESUMED, REAL_PUSH],
     ("            self.paused = False\n            self.producer.resumeProducing()",
      "            self.producer.resumeProducing()")),
    (PRODUCER, "the producer is paused again on every write past the mark",
     [ONCE],
     ("and not self.paused\n                and len", "and len")),
    (PRODUCER, "a pull producer is resumed only when paused",
     [PULL_ASKED],
     ("(self.paused or not self.streaming)", "self.paused")),
    (PRODUCER, "pull producers are paused too",
     [PULL_NEVER_PAUSED],
     ("self.producer is not None and self.streaming and not self.paused",
      "self.producer is not None and not self.paused")),
    (PRODUCER, "bufferEmpty() forgets loseConnection",
     [CLOSES],
     ("        if self.disconnecting:\n            return main.CONNECTION_DONE\n", "")),
]
