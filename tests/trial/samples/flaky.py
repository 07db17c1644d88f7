"""A test that passes twice, then fails: for --until-failure (not a test_ module)."""

import unittest

runs = []


class Flaky(unittest.TestCase):
    def test_third_time_fails(self):
        runs.append(1)
        self.assertLess(len(runs), 3)
