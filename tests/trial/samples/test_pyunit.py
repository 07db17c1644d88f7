"""Plain unittest test cases with every outcome trial can report for them."""

import unittest


class PlainOutcomes(unittest.TestCase):
    def test_pass(self):
        pass

    def test_fail(self):
        self.assertTrue(False)

    def test_error(self):
        {}["missing"]

    @unittest.skip("not today")
    def test_skip(self):
        pass

    @unittest.expectedFailure
    def test_unexpected(self):
        pass


@unittest.skip("whole class")
class PlainSkippedClass(unittest.TestCase):
    def test_one(self):
        pass

    def test_two(self):
        pass
