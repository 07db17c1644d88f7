"""Command-line parsing: declare options on a class, parse ``argv`` into a dict.

Mirrors ``twisted.python.usage`` (Twisted 26.10): ``Options`` is a ``dict`` subclass that
reads ``optFlags``, ``optParameters``, ``opt_<name>`` methods and ``subCommands`` from its
class (and its base classes), and ``twistd`` plugins use it for their options.  Taught in
``notebooks/07_deployment.ipynb``; tested side by side with Twisted by
``tests/python/test_usage.py``.

How a parse goes:

1. ``__init__`` gathers every option into three tables: ``synonyms`` (any spelling ->
   the option's long name), ``_dispatch`` (long name -> a function storing the value) and
   ``docs``; it also builds the ``shortOpt``/``longOpt`` specs for the standard library's
   ``getopt``, which does the actual splitting (and so words the "not recognized" errors).
2. ``parseOptions`` calls each option's dispatcher in command-line order, then either
   hands the rest to a sub-command's own ``Options`` or to ``parseArgs``, and finally
   calls ``postOptions``.

Differs from Twisted:

- ``--version`` prints ``minitwisted version: <version>`` (and its help line says
  "minitwisted"), since that is the program really running.
- No shell-completion support (``--_shell-completion``, ``completionData``, the
  ``Completer`` classes).
"""

import getopt
import inspect
import os
import sys
import textwrap

import minitwisted


class UsageError(Exception):
    """The command line does not fit the options; the message says why."""


error = UsageError


class CoerceParameter:
    """Store a parameter's value after converting it with ``coerce`` (``int``, ``float``...)."""

    def __init__(self, options, coerce):
        self.options = options
        self.coerce = coerce
        # A coercer may describe itself; the usage text appends this to the option's doc.
        self.doc = getattr(coerce, "coerceDoc", "")

    def dispatch(self, parameterName, value):
        if value is None:
            raise UsageError(f"Parameter '{parameterName}' requires an argument.")
        try:
            value = self.coerce(value)
        except ValueError as e:
            # Only ValueError means "bad input"; other exceptions are bugs and propagate.
            raise UsageError(f"Parameter type enforcement failed: {e}")
        self.options.opts[parameterName] = value


def _accumulateClassList(cls, attr, into):
    """Append ``attr`` lists of ``cls`` and its bases, base classes first."""
    for base in cls.__bases__:
        _accumulateClassList(base, attr, into)
    into.extend(cls.__dict__.get(attr, []))


def _optMethodNames(cls, into):
    """Fill ``into`` with the ``<name>`` of each ``opt_<name>`` function, base classes first."""
    for base in cls.__bases__:
        _optMethodNames(base, into)
    for name, value in cls.__dict__.items():
        if name.startswith("opt_") and len(name) > 4 and inspect.isfunction(value):
            into[name[4:]] = 1


def _padTo(n, seq):
    """``seq`` as a list of length ``n``, padded with ``None`` (declarations may be short)."""
    seq = list(seq)
    if len(seq) > n:
        raise ValueError(f"{len(seq)} elements is more than {n}.")
    return seq + [None] * (n - len(seq))


def _programName(path):
    """The dotted module name of a script path, walking up through package folders."""
    fullName = os.path.abspath(path)
    name = os.path.splitext(os.path.basename(path.rstrip(os.sep)))[0]
    while True:
        fullName = os.path.dirname(fullName)
        if not os.path.exists(os.path.join(fullName, "__init__.py")):
            return name
        name = os.path.basename(fullName) + "." + name


def flagFunction(method, name=None):
    """True if the handler ``method`` takes no value (a flag), False if it takes one."""
    count = len(inspect.signature(method).parameters)
    if count > 1:
        raise UsageError("Invalid Option function for %s" % (name or method.__name__))
    return count == 0


def portCoerce(value):
    """Convert a port number given as text to an ``int`` in 0..65535."""
    value = int(value)
    if value < 0 or value > 65535:
        raise ValueError(f"Port number not in range: {value}")
    return value


portCoerce.coerceDoc = "Must be an int between 0 and 65535."


class Options(dict):
    """The options of one command; after ``parseOptions`` the dict holds their values.

    Declare options as class attributes::

        optFlags = [["verbose", "v", "Say more."]]            # stored as 0 or 1
        optParameters = [["port", "p", 8080, "Port.", int]]   # long, short, default, doc, coerce
        subCommands = [["run", None, RunOptions, "Run it."]]  # name, shortcut, Options class, doc

    or as methods: ``opt_name(self)`` for a flag, ``opt_name(self, value)`` for a
    parameter, with aliases made by assignment (``opt_n = opt_name``).

    Invariants after ``__init__``: every spelling of an option (short letter, long name,
    alias) is a key of ``synonyms`` whose value is the long name; every long name is a
    key of ``_dispatch``; ``self`` holds each flag's and parameter's default.
    """

    subCommand = None
    defaultSubCommand = None
    parent = None

    def __init__(self):
        super().__init__()
        self.opts = self
        self.defaults = {}
        self.longOpt = []  # getopt's long specs: "name" for flags, "name=" for parameters
        self.shortOpt = ""  # getopt's short spec: "v" for a flag, "p:" for a parameter
        self.docs = {}
        self.synonyms = {}
        self._dispatch = {}
        # Handlers come last so an opt_ method overrides a same-named flag or parameter.
        for gather in (self._gatherFlags, self._gatherParameters, self._gatherHandlers):
            longOpt, shortOpt, docs, settings, synonyms, dispatch = gather()
            self.longOpt.extend(longOpt)
            self.shortOpt += shortOpt
            self.docs.update(docs)
            self.update(settings)
            self.defaults.update(settings)
            self.synonyms.update(synonyms)
            self._dispatch.update(dispatch)

    # dict sets __hash__ to None; an Options object is used as a key (and in sets) by identity.
    __hash__ = object.__hash__

    def opt_help(self):
        """Display this help and exit."""
        print(self.__str__())
        sys.exit(0)

    def opt_version(self):
        """Display minitwisted version and exit."""
        print("minitwisted version:", minitwisted.__version__)
        sys.exit(0)

    # --- Parsing -----------------------------------------------------------------------

    def parseOptions(self, options=None):
        """Parse ``options`` (default ``sys.argv[1:]``) into this dict, or raise ``UsageError``."""
        if options is None:
            options = sys.argv[1:]
        try:
            opts, args = getopt.getopt(options, self.shortOpt, self.longOpt)
        except getopt.error as e:
            raise UsageError(str(e))

        for opt, arg in opts:
            opt = opt[2:] if opt[1] == "-" else opt[1:]
            name = opt
            if name not in self.synonyms:
                # "--log-file" reaches the handler opt_log_file.
                name = opt.replace("-", "_")
                if name not in self.synonyms:
                    raise UsageError(f"No such option '{opt}'")
            name = self.synonyms[name]
            dispatcher = self._dispatch[name]
            if isinstance(dispatcher, CoerceParameter):
                dispatcher.dispatch(name, arg)
            else:
                dispatcher(name, arg)

        if getattr(self, "subCommands", None) and (args or self.defaultSubCommand is not None):
            self._parseSubCommand(args or [self.defaultSubCommand])
        else:
            try:
                self.parseArgs(*args)
            except TypeError:
                # The arguments did not fit parseArgs's signature.
                raise UsageError("Wrong number of arguments.")
        self.postOptions()

    def _parseSubCommand(self, args):
        sub, rest = args[0], args[1:]
        for name, shortcut, parserClass, doc in self.subCommands:
            if sub == name or sub == shortcut:
                self.subCommand = name
                self.subOptions = parserClass()
                self.subOptions.parent = self
                self.subOptions.parseOptions(rest)
                return
        raise UsageError("Unknown command: %s" % sub)

    def postOptions(self):
        """Hook called after everything is parsed: check the options as a whole here."""

    def parseArgs(self):
        """Hook taking the arguments left after the options; by default there must be none."""

    # --- Gathering the declarations ----------------------------------------------------

    def _genericFlag(self, flagName, value=None):
        if value not in ("", None):
            raise UsageError("Flag '%s' takes no argument. Not even \"%s\"." % (flagName, value))
        self.opts[flagName] = 1

    def _gatherFlags(self):
        longOpt, shortOpt = [], ""
        docs, settings, synonyms, dispatch = {}, {}, {}, {}
        flags = []
        _accumulateClassList(self.__class__, "optFlags", flags)
        for flag in flags:
            long, short, doc = _padTo(3, flag)
            if not long:
                raise ValueError("A flag cannot be without a name.")
            docs[long] = doc
            settings[long] = 0
            if short:
                shortOpt += short
                synonyms[short] = long
            longOpt.append(long)
            synonyms[long] = long
            dispatch[long] = self._genericFlag
        return longOpt, shortOpt, docs, settings, synonyms, dispatch

    def _gatherParameters(self):
        longOpt, shortOpt = [], ""
        docs, settings, synonyms, dispatch = {}, {}, {}, {}
        parameters = []
        _accumulateClassList(self.__class__, "optParameters", parameters)
        for parameter in parameters:
            long, short, default, doc, coerce = _padTo(5, parameter)
            if not long:
                raise ValueError("A parameter cannot be without a name.")
            docs[long] = doc
            settings[long] = default  # the default is stored as given, never coerced
            if short:
                shortOpt += short + ":"
                synonyms[short] = long
            longOpt.append(long + "=")
            synonyms[long] = long
            dispatch[long] = CoerceParameter(self, str if coerce is None else coerce)
        return longOpt, shortOpt, docs, settings, synonyms, dispatch

    def _gatherHandlers(self):
        longOpt, shortOpt = [], ""
        docs, synonyms, dispatch = {}, {}, {}
        names = {}
        _optMethodNames(self.__class__, names)

        for name in names:
            method = getattr(self, "opt_" + name)
            takesArg = not flagFunction(method, name)
            prettyName = name.replace("_", "-")
            docs[prettyName] = method.__doc__ or self.docs.get(prettyName)
            synonyms[prettyName] = prettyName
            # Every dispatcher takes (name, value), whatever the handler's own signature.
            if takesArg:
                dispatch[prettyName] = lambda name, value, m=method: m(value)
            else:
                dispatch[prettyName] = lambda name, value=None, m=method: m()
            if len(name) == 1:
                shortOpt += name + (":" if takesArg else "")
            else:
                longOpt.append(prettyName + ("=" if takesArg else ""))

        # Aliases (opt_v = opt_verbose) are the same method: map them all to the longest name.
        byMethod = {}
        for name in names:
            byMethod.setdefault(getattr(self, "opt_" + name), []).append(name.replace("_", "-"))
        for aliases in byMethod.values():
            if len(aliases) > 1:
                longest = max(aliases, key=len)
                for alias in aliases:
                    synonyms[alias] = longest
        return longOpt, shortOpt, docs, {}, synonyms, dispatch

    # --- Help text ---------------------------------------------------------------------

    def __str__(self):
        return self.getSynopsis() + "\n" + self.getUsage(width=None)

    def getSynopsis(self):
        """The "Usage: ..." line: the program (or parent line and sub-command), "[options]"."""
        program = _programName(sys.argv[0])
        if program.endswith(".__main__"):
            # Run as "python -m package": show it that way.
            program = "%s -m %s" % (os.path.basename(sys.executable), program[:-len(".__main__")])
        options = " [options]" if self.longOpt else ""
        if self.parent is None:
            default = "Usage: " + program + options
        else:
            default = options.strip()
        synopsis = getattr(self, "synopsis", default).rstrip()
        if self.parent is not None:
            synopsis = " ".join((self.parent.getSynopsis(), self.parent.subCommand, synopsis))
        return synopsis

    def getUsage(self, width=None):
        """The "Options:" table, the long description, and the "Commands:" table."""
        if hasattr(self, "subOptions"):
            # A parse reached the sub-command: its options are the relevant ones.
            return self.subOptions.getUsage(width=width)
        if not width:
            width = int(os.environ.get("COLUMNS", "80"))

        commands = ""
        if hasattr(self, "subCommands"):
            rows = [{"long": name, "short": shortcut, "doc": doc, "optType": "command",
                     "default": None} for name, shortcut, parser, doc in self.subCommands]
            commands = "Commands:\n" + "".join(docMakeChunks(rows, width))

        shortOf = {}
        for spelling, long in self.synonyms.items():
            if spelling != long and len(spelling) == 1:
                shortOf[long] = spelling
            else:
                shortOf.setdefault(long, None)

        rows = []
        for opt in self.longOpt:
            optType = "parameter" if opt.endswith("=") else "flag"
            opt = opt.rstrip("=")
            rows.append({"long": opt, "short": shortOf[opt], "doc": self.docs[opt],
                         "optType": optType, "default": self.defaults.get(opt),
                         "dispatch": self._dispatch.get(opt)})

        longdesc = getattr(self, "longdesc", None)
        if longdesc is None:
            # Without a longdesc, the running script's docstring describes the program.
            longdesc = getattr(sys.modules.get("__main__"), "__doc__", None) or ""
        if longdesc:
            longdesc = "\n" + "\n".join(textwrap.wrap(longdesc, width)).strip() + "\n"

        if rows:
            options = "Options:\n" + "".join(docMakeChunks(rows, width))
        else:
            options = "Options: None\n"
        return options + longdesc + commands


def docMakeChunks(optList, width=80):
    """One help block (lines ending in newlines) per option, sorted, in aligned columns.

    Each item of ``optList`` is a dict with ``long``, ``short``, ``doc``, ``optType``
    (``flag``, ``parameter`` or ``command``), ``default`` and optionally ``dispatch``.
    """
    optList.sort(key=lambda o: o.get("short") or o.get("long"))

    longest = 0
    for opt in optList:
        size = len(opt.get("long") or "")
        if size and opt.get("optType") == "parameter":
            size += 1  # room for the "="
        longest = max(longest, size)
    column1Width = longest + len("  -s, --  ")
    column2Width = width - column1Width

    chunks = []
    seen = set()
    for opt in optList:
        short, long = opt.get("short"), opt.get("long")
        # An option reachable by two names appears once.
        if short in seen or long in seen:
            continue
        seen.update(x for x in (short, long) if x is not None)

        shortText = "-%c" % short if short else ""
        comma = " "
        if long:
            longText = long + ("=" if opt.get("optType") == "parameter" else "")
            longText = "%-*s" % (longest, longText)
            if shortText:
                comma = ","
        else:
            longText = " " * (longest + 2)
        if opt.get("optType") == "command":
            column1 = "    %s      " % longText
        else:
            column1 = "  %2s%c --%s  " % (shortText, comma, longText)

        doc = (opt.get("doc") or "").strip()
        if opt.get("optType") == "parameter":
            if opt.get("default") is not None:
                doc = f"{doc} [default: {opt['default']}]"
            dispatcher = opt.get("dispatch")
            if isinstance(dispatcher, CoerceParameter) and dispatcher.doc:
                doc = f"{doc}. {dispatcher.doc}"
        lines = textwrap.wrap(doc, column2Width) if doc else [""]
        text = column1 + lines[0] + "\n"
        for line in lines[1:]:
            text += " " * column1Width + line + "\n"
        chunks.append(text)
    return chunks
