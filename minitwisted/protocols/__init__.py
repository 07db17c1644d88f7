"""Ready-made protocols: line and string framing, and connection policies.

Mirrors ``twisted.protocols``.
"""
