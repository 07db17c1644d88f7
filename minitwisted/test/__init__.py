"""Test helpers kept under their old Twisted name: ``minitwisted.test.proto_helpers``.

Mirrors the package ``twisted.test``, of which minitwisted keeps only the deprecated
alias module ``proto_helpers`` (Twisted's own unit tests, which live there, are not
mirrored).  Use ``minitwisted.internet.testing`` instead; the workshop does, in
``notebooks/06_testing_with_trial.ipynb``.  Tests: ``tests/test/test_proto_helpers.py``.
"""
