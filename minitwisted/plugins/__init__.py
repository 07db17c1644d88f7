"""The plugin package: ``minitwisted.plugin.getPlugins`` looks here, and in drop-in folders.

Mirrors ``twisted.plugins``.  Any folder named ``minitwisted/plugins`` on ``sys.path``
without an ``__init__.py`` adds its modules to this package (see ``minitwisted.plugin``).
"""

from minitwisted.plugin import pluginPackagePaths

__path__.extend(pluginPackagePaths(__name__))
__all__ = []
