"""Build, then reveal: show minitwisted's own source in a notebook, never a pasted copy.

Mirrors no Twisted module.  The notebooks build a concept from scratch, then call
``show(minitwisted.internet.base.DelayedCall.cancel)`` to display the real code, read
from the installed package at that moment, so the notebook can never drift from the
library.  ``twisted_source(name)`` does the same for real Twisted, for the curious.
Tests: ``tests/workshop/test_reveal.py``.
"""

import importlib
import inspect

from IPython.display import Markdown


def show(obj):
    """Display the source of a module, class, function or method, highlighted.

    Returns an ``IPython.display.Markdown`` holding a fenced Python block: a notebook
    cell ending with ``show(...)`` renders it highlighted, and the stored output is the
    source itself, so it changes exactly when the library's code does.  (Markdown
    rather than ``Code``, whose HTML depends on the installed Pygments version.)
    """
    return Markdown("```python\n%s```" % inspect.getsource(obj))


def twisted_source(dotted):
    """Display real Twisted's source for ``dotted``: a module, class, function or method.

    ``"twisted.internet.task"``, ``"twisted.internet.task.Clock"`` and
    ``"twisted.internet.task.Clock.advance"`` all work: the longest importable prefix
    is the module, the rest are attributes.
    """
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return show(obj)
    raise ImportError("no module in %r" % (dotted,))
