"""Keep pytest away from these modules: ``test_twisted_style.py`` runs them under both trials.

Collected directly, pytest would run the Twisted versions inside its own process.
"""

collect_ignore_glob = ["test_*.py"]
