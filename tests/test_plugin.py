"""Tests for minitwisted.plugin: drop-in folders, side by side with twisted.plugin.

Plugin discovery depends on ``sys.path`` at import time, so each scenario runs in a
fresh interpreter with a temporary drop-in folder first on ``PYTHONPATH``, once for
minitwisted (``minitwisted/plugins/``) and once for Twisted (``twisted/plugins/``).
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from minitwisted import plugin

ROOT = Path(__file__).resolve().parent.parent

PLUGIN_MODULE = """
from zope.interface import Interface, implementer
from FRAMEWORK.plugin import IPlugin


class IGreeter(Interface):
    def greet():
        "Say hello."


@implementer(IPlugin, IGreeter)
class Greeter:
    def __init__(self, name):
        self.name = name

    def greet(self):
        return "hello from " + self.name


english = Greeter("english")
french = Greeter("french")
notAPlugin = object()
"""

LISTING = """
from FRAMEWORK.plugin import getPlugins
from FRAMEWORK.plugins.greeters import IGreeter
print(sorted(p.greet() for p in getPlugins(IGreeter)))
"""


def drop_in(tmp_path, framework, modules):
    """Write ``modules`` (name -> source) into a drop-in folder ``<tmp>/<framework>/plugins``."""
    folder = tmp_path / framework / "plugins"
    folder.mkdir(parents=True)
    for name, source in modules.items():
        (folder / f"{name}.py").write_text(source.replace("FRAMEWORK", framework))
    return tmp_path


def run(framework, path_first, script):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(path_first), str(ROOT)]),
               TMPDIR=str(path_first))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script).replace("FRAMEWORK", framework)],
        capture_output=True, text=True, timeout=60, cwd=path_first, env=env)


@pytest.mark.parametrize("framework", ["minitwisted", "twisted"])
def test_dropInModuleIsFound(framework, tmp_path):
    """A module in a drop-in plugins folder on the path gives its IPlugin providers."""
    path = drop_in(tmp_path, framework, {"greeters": PLUGIN_MODULE})
    finished = run(framework, path, LISTING)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "['hello from english', 'hello from french']\n"


@pytest.mark.parametrize("framework", ["minitwisted", "twisted"])
def test_brokenPluginModuleIsLoggedAndSkipped(framework, tmp_path):
    """A plugin module that raises on import is logged and skipped; the others are still found."""
    path = drop_in(tmp_path, framework, {
        "greeters": PLUGIN_MODULE, "broken": "raise RuntimeError('broken plugin')\n"})
    finished = run(framework, path, (
        "from FRAMEWORK.python import log\n"
        "errors = []\n"
        "log.addObserver(lambda e: e.get('isError') and errors.append(e))\n"
        + LISTING +
        "print([str(e['failure'].value) for e in errors])\n"))
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == (
        "['hello from english', 'hello from french']\n['broken plugin']\n")


@pytest.mark.parametrize("framework", ["minitwisted", "twisted"])
def test_onlyProvidersOfTheInterfaceAreReturned(framework, tmp_path):
    """Plugins that do not provide the interface asked for are left out."""
    path = drop_in(tmp_path, framework, {"greeters": PLUGIN_MODULE})
    finished = run(framework, path, """
        from zope.interface import Interface
        from FRAMEWORK.plugin import getPlugins
        class INothing(Interface):
            pass
        print(list(getPlugins(INothing)))
    """)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "[]\n"


def test_folderWithInitIsNotADropIn(tmp_path):
    """pluginPackagePaths leaves out a folder that has an __init__.py (it is a package)."""
    (tmp_path / "a" / "minitwisted" / "plugins").mkdir(parents=True)
    (tmp_path / "b" / "minitwisted" / "plugins").mkdir(parents=True)
    (tmp_path / "b" / "minitwisted" / "plugins" / "__init__.py").write_text("")
    saved = list(sys.path)
    sys.path[:] = [str(tmp_path / "a"), str(tmp_path / "b")]
    try:
        paths = plugin.pluginPackagePaths("minitwisted.plugins")
    finally:
        sys.path[:] = saved
    assert paths == [str(tmp_path / "a" / "minitwisted" / "plugins")]


def test_packageArgumentChoosesWhereToLook(tmp_path, monkeypatch):
    """getPlugins(interface, package) scans that package instead of minitwisted.plugins."""
    package = tmp_path / "myplugins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "greeters.py").write_text(PLUGIN_MODULE.replace("FRAMEWORK", "minitwisted"))
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    myplugins = importlib.import_module("myplugins")
    greeters = importlib.import_module("myplugins.greeters")
    names = sorted(p.name for p in plugin.getPlugins(greeters.IGreeter, myplugins))
    assert names == ["english", "french"]


def test_noDropInCacheIsWritten(tmp_path):
    """Differs from Twisted: no dropin.cache file is written next to the plugins."""
    for framework in ("minitwisted", "twisted"):
        path = drop_in(tmp_path / framework, framework, {"greeters": PLUGIN_MODULE})
        assert run(framework, path, LISTING).returncode == 0
    assert not (tmp_path / "minitwisted" / "minitwisted" / "plugins" / "dropin.cache").exists()
    assert (tmp_path / "twisted" / "twisted" / "plugins" / "dropin.cache").exists()
