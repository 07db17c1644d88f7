"""Installing the global reactor, and the shared reasons a connection ends.

Mirrors ``twisted.internet.main`` (Twisted 26.10): ``installReactor`` makes a reactor the
one that ``from minitwisted.internet import reactor`` gives, and refuses a second one with
``ReactorAlreadyInstalledError("reactor already installed")``.  ``CONNECTION_DONE`` and
``CONNECTION_LOST`` are the exception instances transports use as reasons.  The workshop
shows the installation trick in ``notebooks/02_reactor.ipynb``.
Tests: ``tests/internet/test_main.py``.
"""

import sys

from minitwisted.internet import error

CONNECTION_DONE = error.ConnectionDone("Connection done")
CONNECTION_LOST = error.ConnectionLost("Connection lost")


def installReactor(reactor):
    """Make ``reactor`` the global one: the module ``minitwisted.internet.reactor`` *is* it.

    Importing ``minitwisted.internet.reactor`` for the first time installs the default
    reactor; after that (or after an ``install()``), installing another one fails.
    """
    import minitwisted.internet

    if "minitwisted.internet.reactor" in sys.modules:
        raise error.ReactorAlreadyInstalledError("reactor already installed")
    minitwisted.internet.reactor = reactor
    sys.modules["minitwisted.internet.reactor"] = reactor
