"""``python -m minitwisted.trial``: run tests and report them as trial does.

Mirrors ``twisted/trial/__main__.py`` (Twisted 26.10); the command lives in
``minitwisted.trial.runner.run``.  Used in ``notebooks/06_testing_with_trial.ipynb``;
tested by ``tests/trial/test_runner.py``.
"""

from minitwisted.trial.runner import run

if __name__ == "__main__":
    run()
