"""Tests for minitwisted.python.usage, side by side with twisted.python.usage.

Each scenario defines its Options subclasses on the framework under test (the ``usage``
fixture gives minitwisted's module, then Twisted's) and must parse to the same dict, fail
with the same message, and print the same help text.
"""

import sys

import pytest
from twisted.python import usage as tusage

import minitwisted
from minitwisted.python import usage as musage


@pytest.fixture(params=["minitwisted", "twisted"])
def usage(request, monkeypatch):
    """The usage module under test, with a fixed program name for the synopsis line."""
    monkeypatch.setattr(sys, "argv", ["/nowhere/serve"])
    monkeypatch.setenv("COLUMNS", "80")
    return musage if request.param == "minitwisted" else tusage


def serverOptions(usage):
    """An Options class with flags, coerced parameters, handlers and an alias."""

    class ServerOptions(usage.Options):
        longdesc = "Serve things over TCP."
        optFlags = [["verbose", "v", "Say more."], ["quiet", None, "Say less."]]
        optParameters = [
            ["port", "p", 8080, "The port to listen on.", int],
            ["interface", "i", "127.0.0.1", "The address to bind."],
            ["limit", None, None, "A limit.", usage.portCoerce],
        ]

        def __init__(self):
            super().__init__()
            self["defines"] = []

        def opt_define(self, value):
            """Define a name."""
            self["defines"].append(value)

        opt_D = opt_define

        def opt_debug_mode(self):
            """Turn on debugging."""
            self["debug"] = True

        def parseArgs(self, root, extra=None):
            self["root"], self["extra"] = root, extra

    return ServerOptions


def commandOptions(usage):
    """An Options class with two sub-commands, one of them the default."""

    class RunOptions(usage.Options):
        optFlags = [["fast", "f", "Go fast."]]

    class StopOptions(usage.Options):
        optParameters = [["grace", "g", 5, "Seconds to wait.", int]]

    class ToolOptions(usage.Options):
        longdesc = ""
        subCommands = [
            ["run", "r", RunOptions, "Run the tool."],
            ["stop", None, StopOptions, "Stop the tool."],
        ]
        defaultSubCommand = "run"

    return ToolOptions


def parse(optionsClass, argv):
    options = optionsClass()
    options.parseOptions(argv)
    return options


def normalised(text):
    """Help text with our --version line worded as Twisted's."""
    return text.replace("Display minitwisted version", "Display Twisted version")


# --- Parsing --------------------------------------------------------------------------


def test_defaultsFillTheDictBeforeParsing(usage):
    """A fresh Options holds each flag as 0 and each parameter's default."""
    options = serverOptions(usage)()
    assert dict(options) == {"verbose": 0, "quiet": 0, "port": 8080,
                             "interface": "127.0.0.1", "limit": None, "defines": []}


def test_optionsIsADict(usage):
    """Options is a dict subclass that stays hashable."""
    options = serverOptions(usage)()
    assert isinstance(options, dict)
    assert {options: 1}[options] == 1


def test_longAndShortSpellingsParseAlike(usage):
    """--port=9, --port 9, -p 9 and -p9 all store the coerced int 9."""
    for argv in (["--port=9", "r"], ["--port", "9", "r"], ["-p", "9", "r"], ["-p9", "r"]):
        assert parse(serverOptions(usage), argv)["port"] == 9


def test_flagsAreStoredAsOne(usage):
    """A flag given on the command line is stored as 1, including combined short flags."""
    options = parse(serverOptions(usage), ["-vp7", "--quiet", "r"])
    assert (options["verbose"], options["quiet"], options["port"]) == (1, 1, 7)


def test_longOptionPrefixIsAccepted(usage):
    """An unambiguous prefix of a long option names it, as getopt allows."""
    assert parse(serverOptions(usage), ["--verb", "r"])["verbose"] == 1


def test_handlersAndAliasesAreCalled(usage):
    """opt_define and its alias opt_D each receive their value, in command-line order."""
    options = parse(serverOptions(usage), ["--define", "a", "-Db", "--debug-mode", "r"])
    assert options["defines"] == ["a", "b"]
    assert options["debug"] is True


def test_synonymsMapEveryAliasToTheLongestName(usage):
    """The synonyms table maps 'D', 'define' and 'p' to their long names."""
    options = serverOptions(usage)()
    assert options.synonyms["D"] == "define"
    assert options.synonyms["p"] == "port"
    assert options.synonyms["debug-mode"] == "debug-mode"


def test_getoptSpecsMatch(usage):
    """The shortOpt and longOpt specs handed to getopt match Twisted's."""
    options = serverOptions(usage)()
    assert options.shortOpt == "vp:i:D:"
    assert sorted(options.longOpt) == sorted([
        "verbose", "quiet", "port=", "interface=", "limit=", "define=", "debug-mode",
        "help", "version"])


def test_parseArgsReceivesTheRemainingArguments(usage):
    """Arguments left after the options go to parseArgs."""
    options = parse(serverOptions(usage), ["-v", "www", "more"])
    assert (options["root"], options["extra"]) == ("www", "more")


def test_postOptionsRunsLast(usage):
    """postOptions sees the parsed values and can reject them."""

    class Checked(serverOptions(usage)):
        def postOptions(self):
            if self["port"] < 1024:
                raise usage.UsageError("port too low")

    with pytest.raises(usage.UsageError, match="port too low"):
        parse(Checked, ["-p", "80", "r"])


def test_inheritedDeclarationsAccumulate(usage):
    """A subclass's optFlags add to its base class's rather than replacing them."""

    class More(serverOptions(usage)):
        optFlags = [["extra-flag", "x", "More."]]

    options = parse(More, ["-x", "-v", "r"])
    assert (options["extra-flag"], options["verbose"]) == (1, 1)


def test_subCommandParsesItsOwnOptions(usage):
    """A sub-command gets its own Options in subOptions, with parent set."""
    options = parse(commandOptions(usage), ["stop", "-g", "9"])
    assert options.subCommand == "stop"
    assert options.subOptions["grace"] == 9
    assert options.subOptions.parent is options


def test_subCommandShortcutAndDefault(usage):
    """A shortcut names its sub-command, and no argument picks defaultSubCommand."""
    assert parse(commandOptions(usage), ["r", "-f"]).subOptions["fast"] == 1
    assert parse(commandOptions(usage), []).subCommand == "run"


def test_parseOptionsDefaultsToSysArgv(usage, monkeypatch):
    """Without arguments, parseOptions reads sys.argv[1:]."""
    monkeypatch.setattr(sys, "argv", ["serve", "-p", "81", "root"])
    options = serverOptions(usage)()
    options.parseOptions()
    assert (options["port"], options["root"]) == (81, "root")


def test_synopsisOfAPackageMain(usage, monkeypatch, tmp_path):
    """A program run as package/__main__.py shows as '<python> -m package'."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    monkeypatch.setattr(sys, "argv", [str(tmp_path / "pkg" / "__main__.py")])
    monkeypatch.setattr(sys, "executable", "/usr/bin/python3")
    assert usage.Options().getSynopsis() == "Usage: python3 -m pkg [options]"


# --- Errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("argv, message", [
    (["--bogus"], "option --bogus not recognized"),
    (["-z"], "option -z not recognized"),
    (["--port"], "option --port requires argument"),
    (["--verbose=1"], "option --verbose must not have an argument"),
    (["--port=abc"],
     "Parameter type enforcement failed: invalid literal for int() with base 10: 'abc'"),
    (["--limit=70000"], "Parameter type enforcement failed: Port number not in range: 70000"),
    ([], "Wrong number of arguments."),
    (["a", "b", "c"], "Wrong number of arguments."),
])
def test_errorMessagesMatchTwisted(usage, argv, message):
    """Each malformed command line raises UsageError with Twisted's message."""
    with pytest.raises(usage.UsageError) as info:
        parse(serverOptions(usage), argv)
    assert str(info.value) == message


def test_unknownSubCommand(usage):
    """An argument that is no sub-command raises 'Unknown command'."""
    with pytest.raises(usage.UsageError) as info:
        parse(commandOptions(usage), ["extra-arg"])
    assert str(info.value) == "Unknown command: extra-arg"


def test_defaultOptionsTakeNoArguments(usage):
    """A plain Options refuses any positional argument."""
    with pytest.raises(usage.UsageError, match="Wrong number of arguments."):
        parse(usage.Options, ["surplus"])


def test_handlerWithTwoArgumentsIsRefused(usage):
    """An opt_ method taking two values is refused when the Options is made."""

    class Broken(usage.Options):
        def opt_pair(self, a, b):
            pass

    with pytest.raises(usage.UsageError, match="Invalid Option function for pair"):
        Broken()


# --- Help and version -----------------------------------------------------------------


def test_helpTextMatchesTwisted(monkeypatch):
    """str(options) gives Twisted's synopsis, aligned option table and long description."""
    monkeypatch.setattr(sys, "argv", ["/nowhere/serve"])
    texts = []
    for usage in (musage, tusage):
        options = serverOptions(usage)()
        texts.append(normalised(str(options)))
    assert texts[0] == texts[1]
    assert texts[0].splitlines()[1] == "Options:"


def test_helpTextLayout(usage):
    """The help text lists options sorted, with defaults and coercion notes."""
    text = normalised(str(serverOptions(usage)()))
    lines = text.splitlines()
    assert lines[0] == "Usage: serve [options]"
    assert "  -p, --port=       The port to listen on. [default: 8080]" in lines
    assert "      --quiet       Say less." in lines
    assert "      --limit=      A limit.. Must be an int between 0 and 65535." in lines
    assert lines[-1] == "Serve things over TCP."


def test_subCommandHelpMatchesTwisted(monkeypatch):
    """Commands are listed under 'Commands:' and a sub-command's synopsis names its parent."""
    monkeypatch.setattr(sys, "argv", ["/nowhere/serve"])
    texts = []
    for usage in (musage, tusage):
        options = parse(commandOptions(usage), ["stop"])
        texts.append((normalised(str(options)), normalised(options.subOptions.getSynopsis()),
                      normalised(commandOptions(usage)().getUsage())))
    assert texts[0] == texts[1]
    assert texts[0][1] == "Usage: serve [options] stop [options]"
    assert "    run       Run the tool." in texts[0][2]


def test_helpPrintsUsageAndExits(usage, capsys):
    """--help prints the help text and exits with status 0."""
    with pytest.raises(SystemExit) as info:
        parse(serverOptions(usage), ["--help"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("Usage: serve [options]\nOptions:\n")


def test_versionNamesMinitwisted(capsys):
    """--version prints minitwisted's version; Twisted prints its own (a pinned difference)."""
    for usage, expected in ((musage, "minitwisted version: %s\n" % minitwisted.__version__),
                            (tusage, "Twisted version: 26.10.0\n")):
        with pytest.raises(SystemExit) as info:
            parse(usage.Options, ["--version"])
        assert info.value.code == 0
        assert capsys.readouterr().out == expected


def test_noShellCompletion():
    """Twisted's shell-completion Completer classes are not here (a pinned difference)."""
    assert hasattr(tusage, "Completer") and hasattr(tusage.Options, "completionData")
    assert not hasattr(musage, "Completer")
    assert not hasattr(musage.Options, "completionData")
