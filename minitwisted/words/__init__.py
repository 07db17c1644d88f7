"""Chat protocols: an IRC client, and a small IRC server written for the workshop.

Mirrors ``twisted.words``.
"""
