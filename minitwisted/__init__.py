"""minitwisted: a compact, readable reimplementation of Twisted's core, for learning.

Laid out like Twisted so that imports map one to one: ``minitwisted.internet.defer``
mirrors ``twisted.internet.defer``, ``minitwisted.python.failure`` mirrors
``twisted.python.failure``, and so on.  A learner who finishes the workshop moves
to real Twisted by changing ``minitwisted`` to ``twisted`` in their imports.

minitwisted imports only the standard library and ``zope.interface``.
"""

__version__ = "0.1.0"

#: The Twisted release whose behaviour minitwisted mirrors, and which the tests
#: run side by side with minitwisted as the oracle.
TWISTED_ORACLE_VERSION = "26.10.0"
