"""Networking and event-loop core: mirrors ``twisted.internet``."""
