"""The global reactor: ``from minitwisted.internet import reactor`` gives the installed one.

Mirrors ``twisted.internet.reactor`` (Twisted 26.10).  Importing this module installs the
default reactor (``minitwisted.internet.selectreactor``) unless one is installed already;
``main.installReactor`` then replaces this module in ``sys.modules`` by the reactor
object itself, so every later import gets the reactor, not a module.  The workshop
explains the trick in ``notebooks/02_reactor.ipynb``.  Tests: ``tests/internet/test_main.py``.
"""

import sys

# Step aside so that install() can put the reactor object in our place.
del sys.modules["minitwisted.internet.reactor"]

from minitwisted.internet import selectreactor  # noqa: E402

selectreactor.install()
