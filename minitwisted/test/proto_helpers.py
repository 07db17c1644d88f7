"""The old name of ``minitwisted.internet.testing``: each name here warns, then gives the new one.

Mirrors ``twisted.test.proto_helpers`` (Twisted 26.10), deprecated since Twisted 19.7.0
in favour of ``twisted.internet.testing``.  As in Twisted, importing the module is
silent, and *using* a name from it (``proto_helpers.StringTransport``, or
``from minitwisted.test.proto_helpers import StringTransport``) emits a
``DeprecationWarning`` that points to ``minitwisted.internet.testing``.  Older Twisted
tutorials use this module; ``notebooks/06_testing_with_trial.ipynb`` says which one to use.
Tests: ``tests/test/test_proto_helpers.py``.

Differs from Twisted: the warning names minitwisted's modules, e.g.
"minitwisted.test.proto_helpers.StringTransport was deprecated in Twisted 19.7.0: Please
use minitwisted.internet.testing.StringTransport instead.", and Twisted does the
warning with a module proxy (``twisted.python.deprecate.deprecatedModuleAttribute``)
where this module uses a plain module-level ``__getattr__`` (PEP 562).  There is no
``EventLoggingObserver`` to re-export (see ``minitwisted.internet.testing``).
"""

import warnings

from minitwisted.internet import testing

__all__ = list(testing.__all__)


def __getattr__(name):
    # Called only for names not defined here, i.e. for every re-exported name.
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"{__name__}.{name} was deprecated in Twisted 19.7.0: "
        f"Please use minitwisted.internet.testing.{name} instead.",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(testing, name)
