"""Utilities beneath the event loop (failures, logging): mirrors ``twisted.python``."""
