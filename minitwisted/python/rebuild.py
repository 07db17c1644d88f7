"""Reload a module in a running program, and move its existing objects to the new code.

Mirrors ``twisted.python.rebuild`` (Twisted 26.10): ``rebuild(module, doLog=1)``,
``Sensitive``, ``latestFunction``, ``latestClass``, ``updateInstance``, ``RebuildError``.
The workshop shows it in ``notebooks/A4_updating_running_code.ipynb`` (changing a server's code
without dropping its connections).  Tests: ``tests/python/test_rebuild.py``.

``importlib.reload`` alone runs the module's code again into the same module object:
the module's names now point to new classes and functions, but every object made
before still holds the old ones.  ``rebuild`` repairs the two cases that matter most:

1. instances of a class the module defined get ``__class__`` set to the new class of
   the same name, so a live protocol instance runs the new ``dataReceived`` at once
   (its attributes are untouched: ``__dict__`` stays as it was);
2. globals of *other* modules that named one of the module's old functions are
   rebound to the new function.

What it cannot repair: local variables, bound methods, lists and dicts holding old
functions or classes (a factory's ``protocol`` attribute set from outside the module,
say), and subclasses defined in other modules (they keep the old base class).  Keep
those references in the module, or look them up through ``latestFunction`` /
``latestClass`` / ``Sensitive`` when they are used.

Differs from Twisted: with ``doLog`` true, Twisted also writes progress characters
("o" per class, "f" per function, "." per ten modules) straight to ``log.logfile``;
minitwisted has no ``log.logfile`` and logs only the whole-line messages.  Twisted also
sets ``twisted.python.components.ALLOW_DUPLICATES`` during the reload so adapter
registrations can be repeated; minitwisted has no ``components`` registry, so there is
nothing to allow.  Twisted's ``__injectedgetattr__`` helper (unused by Twisted itself)
is left out.
"""

import gc
import importlib
import linecache
import sys
import time
import types

from minitwisted.python import log

lastRebuild = time.time()  # when rebuild() last ran; Sensitive objects compare against it

_modDictIDMap = {}  # id(module.__dict__) -> module, for every module rebuild() has seen


class RebuildError(Exception):
    """A class could not be rebuilt."""


class Sensitive:
    """A mixin for long-lived objects that want to notice a rebuild and refresh what they hold.

    Call ``needRebuildUpdate()`` before using stored callables; if true, replace each by
    ``latestVersionOf(it)`` and call ``rebuildUpToDate()``.
    """

    lastRebuild = lastRebuild

    def needRebuildUpdate(self):
        """True if a rebuild happened since this object was last brought up to date."""
        return self.lastRebuild < lastRebuild

    def rebuildUpToDate(self):
        """Note that this object is now current."""
        self.lastRebuild = time.time()

    def latestVersionOf(self, anObject):
        """The current version of a function or bound method; anything else comes back as is."""
        if type(anObject) is types.FunctionType:
            return latestFunction(anObject)
        if type(anObject) is types.MethodType:
            # The instance's class was updated by rebuild, so looking the name up again
            # finds the new method.
            return getattr(anObject.__self__, anObject.__name__)
        log.msg("warning returning anObject!")
        return anObject


def latestFunction(oldFunc):
    """The function now named like ``oldFunc`` in its module, if rebuild() has seen that module."""
    # A reload refills the same module dict, so the old function's globals identify it.
    module = _modDictIDMap.get(id(oldFunc.__globals__))
    if module is None:
        return oldFunc
    return getattr(module, oldFunc.__name__)


def latestClass(oldClass):
    """The class now named like ``oldClass`` in its module, with its bases brought up to date too."""
    module = importlib.import_module(oldClass.__module__)
    newClass = getattr(module, oldClass.__name__)
    if newClass.__module__ == "builtins":
        return newClass  # builtins are never reloaded
    newBases = tuple(latestClass(base) for base in newClass.__bases__)
    try:
        newClass.__bases__ = newBases
        return newClass
    except TypeError:
        # Some base changes are refused (layout conflicts): make a fresh class instead.
        return type(newClass)(newClass.__name__, newBases, dict(newClass.__dict__))


def updateInstance(self):
    """Move one instance to the latest version of its class."""
    self.__class__ = latestClass(self.__class__)


def rebuild(module, doLog=1):
    """Reload ``module``; move instances of its classes and other modules' globals to the new code.

    Refuses (``RuntimeError``) a module that sets ``ALLOW_TWISTED_REBUILD = False``.
    Returns the module (the same object, reloaded).
    """
    global lastRebuild
    lastRebuild = time.time()
    if not getattr(module, "ALLOW_TWISTED_REBUILD", True):
        raise RuntimeError("I am not allowed to be rebuilt.")
    if doLog:
        log.msg(f"Rebuilding {module.__name__}...")
    _modDictIDMap[id(module.__dict__)] = module

    oldClasses, oldFunctions = _definedIn(module)
    if doLog:
        log.msg(f"  (reload   {module.__name__})")
    importlib.reload(module)
    linecache.clearcache()  # tracebacks must show the new source lines

    if doLog:
        log.msg(f"  (cleaning {module.__name__}): ")
    _updateInstances(module, oldClasses)
    if doLog:
        log.msg(f"  (fixing   {module.__name__}): ")
    _rebindFunctions(module, oldFunctions)
    if doLog:
        log.msg(f"   Rebuilt {module.__name__}.")
    return module


def _definedIn(module):
    """The classes and functions ``module`` defines itself (not the ones it imports)."""
    classes, functions = [], set()
    for value in list(module.__dict__.values()):
        if isinstance(value, types.FunctionType):
            if value.__globals__ is module.__dict__:
                functions.add(value)
        elif isinstance(value, type) and value.__module__ == module.__name__:
            classes.append(value)
    return classes, functions


def _updateInstances(module, oldClasses):
    # An instance refers to its class, so the garbage collector's referrers of the old
    # classes include every live instance of them.
    referrers = gc.get_referrers(*oldClasses) if oldClasses else []
    for oldClass in oldClasses:
        newClass = getattr(module, oldClass.__name__)  # a class the reload removed: AttributeError
        if newClass is oldClass:
            log.msg(f"WARNING: new-class {module.__name__}.{oldClass.__name__} "
                    "not replaced by reload!")
            continue
        for referrer in referrers:
            if getattr(referrer, "__class__", None) is oldClass:
                referrer.__class__ = newClass


def _rebindFunctions(module, oldFunctions):
    # sys.modules may change while we look (an import inside a __hash__...): copy the keys.
    for name in list(sys.modules):
        other = sys.modules.get(name)
        if other is None or other is module or not hasattr(other, "__file__"):
            continue  # gone, the rebuilt module itself, or built in
        for key, value in list(other.__dict__.items()):
            try:
                isOld = value in oldFunctions
            except Exception:
                continue  # unhashable or with a broken __eq__: cannot be an old function
            if isOld:
                setattr(other, key, latestFunction(value))
