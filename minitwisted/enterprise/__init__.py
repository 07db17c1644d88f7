"""Database access without blocking the reactor: mirrors ``twisted.enterprise``."""
