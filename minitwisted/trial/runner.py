"""The trial runner: find the tests a command line names, run them, report like trial.

Mirrors ``twisted.trial.runner`` and ``twisted.scripts.trial`` (Twisted 26.10); run it
as ``python -m minitwisted.trial NAME...`` (see ``__main__.py``).  The workshop uses it in
``notebooks/06_testing_with_trial.ipynb``; tested by ``tests/trial/test_runner.py``,
which runs real trial and this runner on the same sample modules and compares the output.

How a run goes:

1. ``TestLoader.loadByNames`` turns each name (a dotted name of a package, module, class
   or method, or a path to a ``.py`` file or package folder) into ``unittest`` tests.
   Packages are searched recursively for ``test_*`` modules; modules for
   ``unittest.TestCase`` subclasses; classes for ``test*`` methods.  Each list is sorted
   by name (modules by dotted name, classes by ``module.QualName``, tests by id), or
   shuffled by a seeded key with ``--random``.  A name that cannot be loaded becomes an
   ``ErrorHolder``, a pseudo-test that reports the import error as ``[ERROR]``.
2. ``TrialRunner.run`` enters the temporary directory (``_trial_temp``, emptied first),
   runs the suite into a reporter, and calls the reporter's ``done()`` for the report.
3. ``run()`` (the command line) exits with status 1 unless the run was successful.

Differs from Twisted:

- ``test.log`` gets the log of the run (what the tests log, and one ``--> test id <--``
  line per test) in minitwisted's log format.
- The traceback of a name that does not exist shows this runner's frames.  When even
  its first part is not a module, the error is the standard ``ModuleNotFoundError``
  (trial: ``twisted.python.reflect.ModuleNotFound``), with the same message.
- A package inside a namespace package (``tests.trial.samples``, where ``tests`` has no
  ``__init__.py``) loads; trial reports a ``TypeError`` for it.
- Only the options listed in ``Options`` exist (no ``-j``, ``--debug``, ``--coverage``...),
  and an unknown ``--reporter`` names the three choices.
"""

import importlib
import importlib.util
import os
import pkgutil
import random
import shutil
import sys
import types
import unittest

from minitwisted.python import log, usage
from minitwisted.trial import reporter as reporterModule


# --- Finding tests -------------------------------------------------------------------------


class ErrorHolder:
    """A pseudo-test standing for a name that failed to load: running it reports the error."""

    def __init__(self, description, error):
        self.description = description
        self.error = error  # an exc_info tuple

    def id(self):
        return self.description

    def __str__(self):
        return self.description

    def countTestCases(self):
        return 0

    def shortDescription(self):
        return self.description

    def run(self, result):
        result.startTest(self)
        result.addError(self, self.error)
        result.stopTest(self)

    __call__ = run


class TestSuite(unittest.TestSuite):
    """A suite that keeps its tests after running them, so ``--until-failure`` can rerun it."""

    _cleanup = False


def _byName(thing):
    if isinstance(thing, str):  # a module's dotted name
        return thing
    if isinstance(thing, type):
        return "%s.%s" % (thing.__module__, thing.__qualname__)
    return thing.id()


def _isTestCase(obj):
    return isinstance(obj, type) and issubclass(obj, unittest.TestCase)


def _isPackage(module):
    return hasattr(module, "__path__")


def filenameToModuleName(fileName):
    """The dotted name of a file or folder: its name, then each parent holding an __init__.py."""
    path = os.path.abspath(fileName).rstrip(os.sep)
    if path.endswith(".py"):
        path = path[:-3]
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)
    parts = [os.path.basename(path)]
    folder = os.path.dirname(path)
    while os.path.exists(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    return ".".join(parts)


class TestLoader:
    """Turn names into suites of test cases, in trial's order."""

    methodPrefix = "test"
    modulePrefix = "test_"

    def __init__(self, sorter=_byName):
        self.sorter = sorter  # a sort key; --random swaps in a seeded random one

    def sort(self, things):
        return sorted(things, key=self.sorter)

    def getTestCaseNames(self, klass):
        """The test method names of ``klass``, bases first, each in definition order.

        This order matters only for ``--random``: the shuffle gives each item a random
        key in the order it arrives, so the same seed shuffles as trial only if the
        items arrive in trial's order.
        """
        names = {}
        for cls in reversed(klass.__mro__):
            for name, value in vars(cls).items():
                if (isinstance(value, types.FunctionType) and name.startswith(self.methodPrefix)
                        and name != self.methodPrefix):
                    names.setdefault(name, None)
        return list(names)

    def loadClass(self, klass):
        return TestSuite(self.sort([klass(name) for name in self.getTestCaseNames(klass)]))

    def loadModule(self, module):
        # Sorted by attribute name first, as inspect.getmembers gives them to trial.
        classes = [value for _, value in sorted(vars(module).items()) if _isTestCase(value)]
        suite = TestSuite()
        for klass in self.sort(classes):
            suite.addTest(self.loadClass(klass))
        return suite

    def loadPackage(self, package):
        """Every ``test_*`` module inside the package and its sub-packages, by name."""
        names = [info.name for info in
                 pkgutil.walk_packages(package.__path__, package.__name__ + ".")
                 if info.name.rsplit(".", 1)[-1].startswith(self.modulePrefix)]
        suite = TestSuite()
        for name in self.sort(names):
            try:
                suite.addTest(self.loadModule(importlib.import_module(name)))
            except BaseException:  # a module that fails to import is reported, not fatal
                suite.addTest(ErrorHolder(name, sys.exc_info()))
        return suite

    def loadAnything(self, obj, parent=None, attrName=None):
        if isinstance(obj, type(sys)):
            return self.loadPackage(obj) if _isPackage(obj) else self.loadModule(obj)
        if _isTestCase(obj):
            return self.loadClass(obj)
        if callable(obj) and _isTestCase(parent):
            return parent(attrName)
        raise TypeError("don't know how to make test from: %s" % (obj,))

    def findByName(self, name):
        """Import the longest module prefix of ``name``, then walk the rest as attributes."""
        if os.sep in name:
            return self._loadPath(name)
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            moduleName = ".".join(parts[:cut])
            try:
                obj = importlib.import_module(moduleName)
            except ModuleNotFoundError as e:
                # Only "this very module is missing" means try a shorter prefix; an
                # import failing inside an existing module is a real error.
                if e.name is None or not moduleName.startswith(e.name):
                    raise
                continue
            break
        else:
            raise ModuleNotFoundError("No module named %r" % (name,))
        parent = None
        try:
            for attrName in parts[cut:]:
                parent, obj = obj, getattr(obj, attrName)
        except AttributeError:
            raise AttributeError("%s does not exist." % (name,))
        return self.loadAnything(obj, parent, parts[-1])

    def _loadPath(self, path):
        name = filenameToModuleName(path)
        try:
            return self.findByName(name)
        except ImportError:
            pass  # not importable by its dotted name: load the file directly
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or not os.path.isfile(path):
            raise ValueError("%s is not a Python file." % (path,))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return self.loadAnything(module)

    def loadByName(self, name):
        try:
            return TestSuite([self.findByName(name)])
        except BaseException:
            return TestSuite([ErrorHolder(name, sys.exc_info())])

    def loadByNames(self, names):
        """One suite for all names; a test named twice runs once."""
        seen = set()
        suite = TestSuite()
        for name in names:
            for test in self.loadByName(name):
                if str(test) not in seen:
                    seen.add(str(test))
                    suite.addTest(test)
        return suite


# --- Running them ---------------------------------------------------------------------------


class _ExitFirst:
    """Wrap a reporter so that the first failure or error stops the run (``--exitfirst``)."""

    def __init__(self, original):
        self._original = original

    def __getattr__(self, name):
        return getattr(self._original, name)

    def addFailure(self, test, err):
        self._original.addFailure(test, err)
        self._original.stop()

    def addError(self, test, err):
        self._original.addError(test, err)
        self._original.stop()


def _lock(path):
    """Take the lock on a folder: a symlink ``<path>.lock`` naming our pid, as trial makes.

    Return False if a live process holds it; a lock left by a dead process is taken over.
    """
    lockPath = path + ".lock"
    try:
        os.symlink(str(os.getpid()), lockPath)
        return True
    except FileExistsError:
        pass
    try:
        os.kill(int(os.readlink(lockPath)), 0)
    except PermissionError:
        return False  # the process exists but is someone else's
    except (OSError, ValueError):
        os.remove(lockPath)  # stale: its process is gone
        return _lock(path)
    return False


class TrialRunner:
    """Run a suite inside the temporary directory and report it."""

    def __init__(self, reporterFactory=reporterModule.TreeReporter, stream=None,
                 workingDirectory="_trial_temp", exitFirst=False):
        self.reporterFactory = reporterFactory
        self.stream = sys.stdout if stream is None else stream
        self.workingDirectory = workingDirectory
        self.exitFirst = exitFirst

    def _enterWorkingDirectory(self):
        """Lock, empty and enter the temporary directory; return the folder to come back to.

        A ``_trial_temp`` locked by another live run is left alone and the next free
        ``_trial_temp-N`` is used instead, as trial does.
        """
        previous = os.getcwd()
        base = self.workingDirectory
        path, counter = base, 0
        while not _lock(path):
            if os.path.basename(base) != "_trial_temp":
                raise SystemExit("%s is in use by another test run." % (base,))
            counter += 1
            path = "%s-%d" % (base, counter)
        self._lockedPath = os.path.abspath(path)
        if os.path.exists(path):
            shutil.rmtree(path)
        os.makedirs(path)
        # trial marks the folder as its own, so a later run may delete it safely.
        open(os.path.join(path, "_trial_marker"), "w").close()
        os.chdir(path)
        return previous

    def run(self, suite):
        previous = self._enterWorkingDirectory()
        with open("test.log", "w") as logFile:
            result = self.reporterFactory(self.stream)
            # Everything the tests log goes to test.log, not to the terminal, as in trial.
            observer = log.FileLogObserver(logFile)
            hadFallback = log.defaultObserver.emit in log._observers
            log.defaultObserver.stop()
            log.addObserver(observer.emit)
            log.msg("Log opened.")
            try:
                suite.run(_ExitFirst(result) if self.exitFirst else result)
            finally:
                log.removeObserver(observer.emit)
                if hadFallback:
                    log.defaultObserver.start()
        os.chdir(previous)
        os.remove(self._lockedPath + ".lock")
        result.done()
        return result

    def runUntilFailure(self, suite):
        count = 0
        while True:
            count += 1
            self.stream.write("Test Pass %d\n" % (count,))
            result = self.run(suite)
            if result.testsRun == 0 or not result.wasSuccessful():
                return result


# --- The command line ----------------------------------------------------------------------


class Options(usage.Options):
    synopsis = ("Usage: python -m minitwisted.trial [options] "
                "[[file|package|module|TestCase|testmethod]...]")
    longdesc = ("Runs unit tests (any unittest.TestCase) and reports them as trial does; "
                "the exit status is 1 when a test failed or had an error.")

    optFlags = [
        ["exitfirst", "x", "Stop the test run after the first failure or error."],
        ["until-failure", "u", "Repeat the tests until one fails."],
    ]
    optParameters = [
        ["reporter", None, "verbose",
         "The reporter: verbose (a tree), text (one character a test) or summary."],
        ["random", "z", 0, "Run the tests in a random order, seeded with this number.", int],
        ["temp-directory", None, "_trial_temp",
         "The folder the tests run in, emptied first."],
    ]

    def __init__(self):
        super().__init__()
        self["tests"] = []

    def parseArgs(self, *tests):
        self["tests"].extend(tests)

    def postOptions(self):
        if self["reporter"] not in reporterModule.reporters:
            raise usage.UsageError(
                "Unknown reporter %r: choose one of %s."
                % (self["reporter"], ", ".join(sorted(reporterModule.reporters))))


def _makeLoader(config, stream):
    if config["random"]:
        randomer = random.Random(config["random"])
        stream.write("Running tests shuffled with seed %d\n\n" % (config["random"],))
        return TestLoader(sorter=lambda thing: randomer.random())
    return TestLoader()


def run(argv=None, stream=None):
    """The ``python -m minitwisted.trial`` command: parse, load, run, exit 0 or 1."""
    argv = sys.argv[1:] if argv is None else list(argv)
    stream = sys.stdout if stream is None else stream
    if not argv:
        argv = ["--help"]  # as trial: no names at all shows the help
    config = Options()
    try:
        config.parseOptions(argv)
    except usage.UsageError as e:
        raise SystemExit("%s: %s" % (sys.argv[0], e))
    suite = _makeLoader(config, stream).loadByNames(config["tests"])
    runner = TrialRunner(reporterModule.reporters[config["reporter"]], stream,
                         config["temp-directory"], config["exitfirst"])
    if config["until-failure"]:
        result = runner.runUntilFailure(suite)
    else:
        result = runner.run(suite)
    sys.exit(not result.wasSuccessful())
