"""Chat protocols.

Mirrors ``twisted.words.protocols``.
"""
