"""Unit testing with Deferreds: TestCase classes that run the reactor for you.

Mirrors ``twisted.trial`` (Twisted 26.10): ``unittest`` holds the TestCase classes,
``util`` the reactor janitor, ``runner`` and ``reporter`` the command-line runner.
The workshop teaches it in ``notebooks/06_testing_with_trial.ipynb``; the tests are in
``tests/trial/``.
"""
