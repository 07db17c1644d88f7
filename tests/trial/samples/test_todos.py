"""trial's todo markers: an expected failure, an unexpected success, and a todo class."""

from twisted.trial import unittest


class Todos(unittest.TestCase):
    def test_todo(self):
        self.fail("known bug")

    test_todo.todo = "fix later"

    def test_unexpected(self):
        pass

    test_unexpected.todo = "should fail"


class TodoClass(unittest.SynchronousTestCase):
    todo = "the whole class"

    def test_a(self):
        raise ZeroDivisionError("a")

    def test_b(self):
        raise ZeroDivisionError("a")
