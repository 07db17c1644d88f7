"""A plain unittest expected failure, which real trial cannot print (not a test_ module)."""

import unittest


class PlainTodo(unittest.TestCase):
    @unittest.expectedFailure
    def test_todo(self):
        self.assertEqual(1, 2)
