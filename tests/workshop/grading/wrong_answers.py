"""Plausible wrong answers, one or more per check: each is the solution with one mistake a learner makes.

``tests/workshop/test_grade.py`` runs each against the checks and asserts that every
check it names fails; it also asserts that every check is named by at least one wrong
answer, since a check that cannot fail is a defect.  Each entry is
``(exercise id, what is wrong, [names of the checks it must fail], edit)``, where the
edit is a pair ``(solution text, replacement)``, or a list of such pairs, each made
once in the solution cell's source.
"""

TIMER_HEAP = "ex02_timer_heap"
RUN_STOP = "ex02_run_stop"
CALLBACK = "ex03_deferred_callback"
PREDICT = "ex03_predict_chain"
BUILD = "ex03_build_chain"

WRONG_ANSWERS = [
    (TIMER_HEAP, "the call's time is the delay alone, not now + delay",
     ["callLater returns a call that runs once its delay has passed"],
     ("TinyDelayedCall(self.clock.seconds() + delay,", "TinyDelayedCall(delay,")),
    (TIMER_HEAP, "calls go on a plain list, not a heap",
     ["calls run earliest first, whatever the order they were scheduled in"],
     ("heapq.heappush(self._timers, call)", "self._timers.append(call)")),
    (TIMER_HEAP, "timeout() goes negative when a call is late",
     ["timeout() is the time until the earliest call: 0 when it is overdue, None when there "
      "is none"],
     ("return max(0, self._timers[0].time - self.clock.seconds())",
      "return self._timers[0].time - self.clock.seconds()")),
    (TIMER_HEAP, "every call gets the same sequence number",
     ["calls due at the same time run in the order they were scheduled"],
     ("next(self._sequence), func, args)", "0, func, args)")),
    (TIMER_HEAP, "cancelled calls run anyway",
     ["a cancelled call never runs"],
     ("            if call.cancelled:\n                continue\n", "")),
    (TIMER_HEAP, "the arguments are passed as one tuple",
     ["the arguments given to callLater reach the function"],
     ("call.func(*call.args)", "call.func(call.args)")),

    (RUN_STOP, "stop() sets a flag that run() never reads",
     ["run() returns once a callback calls stop()"],
     ("    def stop(self):\n        \"\"\"Make run() return at the end of the current turn.\"\"\"\n"
      "        ### BEGIN SOLUTION\n        self.running = False",
      "    def stop(self):\n        \"\"\"Make run() return at the end of the current turn.\"\"\"\n"
      "        ### BEGIN SOLUTION\n        self.stopped = True")),
    (RUN_STOP, "run() polls every 0.1 s, like the naive reactor of notebook 00",
     ["run() sleeps until the next call is due, instead of spinning"],
     ("self.clock.sleep(delay)", "self.clock.sleep(0.1)")),
    (RUN_STOP, "run() asks timeout() once, before the loop",
     ["calls that callbacks schedule while run() runs also run, on time",
      "run() sleeps until the next call is due, instead of spinning"],
     ("        while self.running:\n            self.runUntilCurrent()\n"
      "            delay = self.timeout()\n",
      "        delay = self.timeout()\n        while self.running:\n"
      "            self.runUntilCurrent()\n")),
    (RUN_STOP, "run() sleeps for timeout() even when it is None",
     ["run() returns when no call is left to wait for"],
     ("if not self.running or delay is None:", "if not self.running:")),
    (RUN_STOP, "stop() raises to leave the loop at once",
     ["stop() lets the other calls due in the same turn run"],
     [("        self.running = True\n        while self.running:\n"
       "            self.runUntilCurrent()\n",
       "        self.running = True\n        while self.running:\n"
       "            try:\n                self.runUntilCurrent()\n"
       "            except StopIteration:\n                break\n"),
      ("        ### BEGIN SOLUTION\n        self.running = False\n        ### END SOLUTION",
       "        ### BEGIN SOLUTION\n        self.running = False\n        raise StopIteration\n"
       "        ### END SOLUTION")]),

    (CALLBACK, "callback() never stores the result",
     ["callback() passes its result to the first callback"],
     ("        self.result = result\n        self._runCallbacks()",
      "        self._runCallbacks()")),
    (CALLBACK, "each callback gets the first result, not the previous return value",
     ["each callback gets what the one before it returned"],
     ("self.result = func(self.result)", "func(self.result)")),
    (CALLBACK, "the chain restarts from the first result every time",
     ["a callback added after the Deferred fired runs at once, on the current result"],
     [("        while self.callbacks:\n            func = self.callbacks.pop(0)\n"
       "            self.result = func(self.result)",
       "        result = self.first\n        while self.callbacks:\n"
       "            func = self.callbacks.pop(0)\n            result = func(result)\n"
       "        self.result = result"),
      ("        self.result = result\n        self._runCallbacks()",
       "        self.result = self.first = result\n        self._runCallbacks()")]),
    (CALLBACK, "firing twice is allowed",
     ["callback() a second time raises AlreadyCalledError"],
     ("        if self.called:\n            raise AlreadyCalledError(\"this TinyDeferred has "
      "already fired\")\n", "")),
    (CALLBACK, "callbacks stay in the list after they ran",
     ["each callback runs exactly once"],
     ("        while self.callbacks:\n            func = self.callbacks.pop(0)\n",
      "        for func in self.callbacks:\n")),

    (PREDICT, "the errback 'report' is skipped, as if it handled the error",
     ["predicted_order() lists the functions in the order they run"],
     ('"check_small", "report", "recover"', '"check_small", "recover"')),
    (PREDICT, "add_one runs, as if the chain ignored the error",
     ["predicted_order() lists the functions in the order they run"],
     ('"check_small", "report", "recover"', '"check_small", "add_one", "recover"')),
    (PREDICT, "recover's 10 goes through add_one",
     ["predicted_result() is what the Deferred holds at the end"],
     ('return "result: 10"', 'return "result: 11"')),

    (BUILD, "the text becomes a float",
     ["a port number as text comes out as an int"],
     ("d.addCallback(int)", "d.addCallback(float)")),
    (BUILD, "the errback comes before the callback that raises",
     ["text that is not a number comes out as the default, 8080"],
     ("    d.addCallback(int)\n    d.addErrback(use_default)",
      "    d.addErrback(use_default)\n    d.addCallback(int)")),
    (BUILD, "every failure becomes the default",
     ["other failures still reach the caller"],
     ("        failure.trap(ValueError)  # anything else goes on down the errback side\n", "")),
    (BUILD, "build_chain forgets to return d",
     ["build_chain returns the Deferred it was given"],
     ("    return d\n", "")),
]
