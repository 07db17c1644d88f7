"""A test that checks it runs inside trial's temporary directory."""

import os
import unittest


class WorkingDirectory(unittest.TestCase):
    def test_runs_inside_trial_temp(self):
        self.assertEqual(os.path.basename(os.getcwd()), "_trial_temp")
        with open("written_by_test.txt", "w") as f:
            f.write("hello")
