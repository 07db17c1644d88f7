"""Live mode for notebooks: minitwisted's reactor runs on the Jupyter kernel's own asyncio loop.

A server started in one cell keeps serving while the learner runs the next cells, and a
cell can wait for a Deferred with top-level ``await``::

    from workshop import live
    live.start()                                  # first, before importing the reactor
    from minitwisted.internet import reactor      # the live reactor
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    ...
    reply = await live.wait(d)                    # d is a Deferred (or a coroutine)
    await live.stop()                             # closes ports and connections

Built on ``minitwisted.internet.asyncioreactor`` (which mirrors
``twisted.internet.asyncioreactor``); the notebooks use it from
``notebooks/02_reactor.ipynb`` onwards.  Tests: ``tests/workshop/test_live.py``.

The rule for the global reactor: the live reactor is *the* global minitwisted reactor,
so that ``from minitwisted.internet import reactor`` and every transport use it.  Call
``start()`` before the first import of ``minitwisted.internet.reactor``.  If a cell
imported it earlier (which installs the default select reactor), ``start()`` replaces
the global reactor, as long as that one is not running; names bound by earlier imports
still point at the old reactor, so run ``from minitwisted.internet import reactor``
again after ``start()``.  ``stop()`` then ``start()`` in the same kernel reuses the same
live reactor (minitwisted's reactors can run again after a stop).

Why not ``reactor.run()`` in a cell: it would block the kernel until the reactor stops,
and the kernel's loop is already running, so asyncio refuses to run it a second time.
Instead ``start()`` only fires the startup event (``startRunning``); the kernel's loop
does the waiting, between and during cells.

Where ``print`` output goes: the kernel sends what a callback prints to the cell whose
code registered it with the loop (ipykernel follows asyncio's context), not to the cell
running now; a listening port registers each connection it accepts in its own context.
So the ``dataReceived`` of a server started in cell 3 prints under cell 3, even when
cell 5 made the connection; in a notebook run by nbclient or nbval, output for a
finished cell is dropped (checked with nbclient and ipykernel 7.4).  To show what a server did in a later cell, collect it (in a
list, say) and print it in the cell that waited for it, as the notebooks do.
"""

import asyncio
import sys

from minitwisted.internet import asyncioreactor, defer

_GLOBAL = "minitwisted.internet.reactor"


def _kernel_loop():
    """The asyncio loop running this code: the kernel's, inside a notebook."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            "live mode runs the reactor on the Jupyter kernel's asyncio loop, and no "
            "asyncio loop is running here: call workshop.live.start() in a notebook cell"
        ) from None


def _live_reactor(loop):
    """The global reactor if it is an asyncio reactor on ``loop``, else None."""
    current = sys.modules.get(_GLOBAL)
    if isinstance(current, asyncioreactor.AsyncioSelectorReactor) and (
            current._asyncioEventloop is loop):
        return current
    return None


def start():
    """Run the global minitwisted reactor on the kernel's loop (installing it first); return it.

    Calling it again while live mode is on does nothing more and returns the same reactor.
    """
    loop = _kernel_loop()
    reactor = _live_reactor(loop)
    if reactor is None:
        previous = sys.modules.get(_GLOBAL)
        if getattr(previous, "running", False):
            raise RuntimeError(
                "the global reactor %r is running; stop it before workshop.live.start()"
                % (previous,))
        # installReactor refuses while a reactor is installed: step the old one aside.
        sys.modules.pop(_GLOBAL, None)
        reactor = asyncioreactor.install(loop)
    if not reactor.running:
        # The kernel runs the loop; we only fire the startup event.  No signal handlers:
        # the kernel's interrupt button must keep working as the kernel intends.
        reactor.startRunning(installSignalHandlers=False)
    return reactor


def stop():
    """Stop the live reactor now: the shutdown event closes ports and connections.

    Returns an asyncio Future that is done when shutdown has finished (at once, unless a
    before-shutdown trigger returned a Deferred); ``await live.stop()`` waits for it.
    Call it from a cell, not from a reactor callback (there, use ``reactor.stop()``).
    """
    loop = _kernel_loop()
    reactor = _live_reactor(loop)
    if reactor is None or not reactor.running:
        raise RuntimeError("live mode is not on: call workshop.live.start() first")
    finished = loop.create_future()
    reactor.addSystemEventTrigger(
        "after", "shutdown", lambda: finished.done() or finished.set_result(None))
    reactor.stop()
    # Fire the shutdown event now, as the loop's next pass would, so that a start() in
    # the same cell finds the reactor stopped.
    reactor._justStopped = False
    reactor.fireSystemEvent("shutdown")
    return finished


def wait(d, timeout=None):
    """Make a Deferred (or a coroutine using Deferreds) awaitable at a cell's top level.

    ``await d`` alone fails in a cell, because IPython runs top-level ``await`` with
    asyncio, which does not know Deferreds; ``await live.wait(d)`` hands the result over
    through an asyncio Future.  With ``timeout`` (seconds), waiting too long raises
    ``TimeoutError`` and cancels ``d``.  Like ``d.asFuture``, it takes ``d``'s result:
    callbacks added to ``d`` afterwards see ``None``.
    """
    future = defer.ensureDeferred(d).asFuture(_kernel_loop())
    if timeout is None:
        return future
    return asyncio.wait_for(future, timeout)
