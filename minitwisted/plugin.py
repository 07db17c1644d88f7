"""Plugins: objects found by scanning drop-in folders, such as the services ``minitwistd`` can run.

Mirrors ``twisted.plugin`` (Twisted 26.10): ``IPlugin``, ``getPlugins(interface,
package=None)`` and ``pluginPackagePaths``.  A plugin is any module-level object in a
module of a plugins package that provides ``IPlugin`` (and the interface asked for).
The package ``minitwisted.plugins`` extends its ``__path__`` with every folder named
``minitwisted/plugins`` along ``sys.path`` that has no ``__init__.py``: that is Twisted's
drop-in convention, which lets a project add a plugin by shipping one file in its own
``minitwisted/plugins/`` folder.  The workshop writes a plugin in
``notebooks/07_deployment.ipynb``.  Tests: ``tests/test_plugin.py``.

Differs from Twisted: there is no ``dropin.cache``.  Twisted imports each plugin module
once and pickles what it found next to it, so later scans import only the plugins that
are used; minitwisted imports every module of the package on each ``getPlugins``, which
is simpler and fast enough for a handful of plugins.  A module that fails to import is
logged (with its traceback) and skipped, as in Twisted.
"""

import importlib
import os
import pkgutil
import sys

from zope.interface import Interface

from minitwisted.python import log


class IPlugin(Interface):
    """Marks an object as a plugin; it also provides the interfaces it plugs into."""


def pluginPackagePaths(name):
    """The folders along ``sys.path`` that extend the plugin package ``name`` (drop-in folders).

    A folder counts only if it has no ``__init__.py``: a folder with one is the real
    package, not a drop-in.
    """
    parts = name.split(".")
    return [
        os.path.abspath(os.path.join(entry, *parts))
        for entry in sys.path
        if not os.path.exists(os.path.join(entry, *parts, "__init__.py"))
    ]


def _pluginModules(package):
    """Import each module of ``package`` (one level deep); log and skip those that fail."""
    seen = set()
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in seen:
            continue  # the same name in two drop-in folders: the first one wins, as on import
        seen.add(info.name)
        try:
            yield importlib.import_module(f"{package.__name__}.{info.name}")
        except BaseException:
            log.err(None, f"Failed to load plugin module {package.__name__}.{info.name}")


def getPlugins(interface, package=None):
    """Yield every plugin in ``package`` (default ``minitwisted.plugins``) that provides ``interface``."""
    if package is None:
        import minitwisted.plugins as package
    for module in _pluginModules(package):
        for value in list(vars(module).values()):
            if not IPlugin.providedBy(value):
                continue
            try:
                adapted = interface(value, None)
            except BaseException:
                log.err()
            else:
                if adapted is not None:
                    yield adapted


getPlugIns = getPlugins  # Twisted's old name
