"""Three passing tests in two classes: the simplest report."""

from twisted.trial import unittest


class Arithmetic(unittest.TestCase):
    def test_add(self):
        self.assertEqual(1 + 1, 2)

    def test_multiply(self):
        self.assertEqual(2 * 3, 6)


class Strings(unittest.SynchronousTestCase):
    def test_upper(self):
        self.assertEqual("a".upper(), "A")


class Waiting(unittest.TestCase):
    def test_deferred(self):
        from twisted.internet import reactor, task

        return task.deferLater(reactor, 0.01, lambda: None)
