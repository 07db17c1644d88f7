"""trial test cases with each outcome but todos: pass, fail, error, skip, skipped class."""

from twisted.trial import unittest


class Outcomes(unittest.TestCase):
    def test_pass(self):
        pass

    def test_fail(self):
        self.assertEqual(1, 2)

    def test_error(self):
        raise ValueError("boom")

    def test_skip(self):
        raise unittest.SkipTest("not today")


class SkippedClass(unittest.SynchronousTestCase):
    skip = "whole class"

    def test_one(self):
        pass

    def test_two(self):
        pass
