"""minitwistd: run an application (a ``.tac`` file or a plugin) as a server, with pidfile and log.

Mirrors ``twisted.scripts.twistd`` with the parts of ``twisted.application.app`` and
``twisted.scripts._twistd_unix`` it uses (Twisted 26.10): the same options (``-y``, ``-n``,
``--pidfile``, ``-l``, ``--umask``, ``-r``), the same pidfile rules and messages, the same
order of events, and plugins run by their ``tapname``.  Run it as ``minitwistd`` or
``python -m minitwisted.twistd``.  The workshop runs a ``.tac`` file with it in
``notebooks/07_deployment.ipynb``.  Tests: ``tests/scripts/test_twistd.py``.

What happens, in order (``runApp``):

1. parse the options and start logging (to ``twistd.log``; to stdout with ``-n`` and
   no ``-l``, or ``-l -``);
2. refuse to start if the pidfile names a live process; remove it if the process is gone;
3. load the application: the ``application`` variable of the ``-y`` file, or the
   service a plugin's ``makeService`` builds;
4. daemonize unless ``-n`` (POSIX: fork, new session, fork, umask 077, stdio to
   ``/dev/null``), then write the pidfile;
5. ``privilegedStartService`` and ``startService`` on the application's service, and a
   *before shutdown* trigger that stops it (the reactor waits for its Deferred);
6. run the reactor until SIGTERM or SIGINT; then log "Server Shut Down." and remove the
   pidfile.

Differs from Twisted: log lines carry ``[-]`` as their system where Twisted's new
logger names the emitting class (``[twisted.scripts._twistd_unix.UnixAppLogger#info]``);
the version line names minitwistd; the only reactor is ``select`` (minitwisted's
``selectors`` reactor); after a clean shutdown on SIGTERM or SIGINT minitwistd exits
with status 0, where twistd sends itself the signal again so that its parent sees it
killed by that signal; ``--uid``/``--gid``/``--chroot``, profiling, syslog and saving
the application (``.tap`` files) are left out.
"""

import errno
import os
import sys
from datetime import datetime, timezone

import minitwisted
from minitwisted.python import log, usage

REACTORS = {"select": "minitwisted.internet.selectreactor"}


def _umask(value):
    return int(value, 8)


class ServerOptions(usage.Options):
    """minitwistd's command line; each plugin adds a sub-command named by its ``tapname``."""

    synopsis = "Usage: minitwistd [options]"
    optFlags = [
        ["nodaemon", "n", "don't daemonize, don't use default umask of 0077"],
    ]
    optParameters = [
        ["python", "y", None, "read an application from within a Python file (implies -o)"],
        ["logfile", "l", None, "log to a specified file, - for stdout"],
        ["pidfile", "", "twistd.pid", "Name of the pidfile"],
        ["umask", "", None, "The (octal) file creation mask to apply.", _umask],
        ["reactor", "r", None, "Which reactor to use (only 'select' here)."],
    ]

    def __init__(self):
        super().__init__()
        self.loadedPlugins = {}

    @property
    def subCommands(self):
        from minitwisted.application.service import IServiceMaker
        from minitwisted.plugin import getPlugins

        self.loadedPlugins = {}
        for plugin in sorted(getPlugins(IServiceMaker), key=lambda p: p.tapname):
            self.loadedPlugins[plugin.tapname] = plugin
            yield (plugin.tapname, None,
                   # Bind plugin now: the options class is made only if this one is chosen.
                   lambda plugin=plugin: plugin.options(), plugin.description)

    def opt_version(self):
        """Print version information and exit."""
        print(f"minitwistd (the minitwisted daemon) {minitwisted.__version__}")
        sys.exit(0)

    def postOptions(self):
        if self["reactor"] is not None and self["reactor"] not in REACTORS:
            raise usage.UsageError(
                f"The specified reactor cannot be used, failed with error: "
                f"no reactor named {self['reactor']!r} (choose from: {', '.join(REACTORS)})")
        if self.subCommand is None and self["python"] is None:
            raise usage.UsageError("No application: give -y FILE or a plugin name.")
        if self["pidfile"]:
            self["pidfile"] = os.path.abspath(self["pidfile"])


# --- The pidfile -----------------------------------------------------------------------------


def checkPID(pidfile):
    """Exit if ``pidfile`` names a running process; remove it if that process is gone."""
    if not pidfile or not os.path.exists(pidfile):
        return
    try:
        with open(pidfile) as f:
            pid = int(f.read())
    except ValueError:
        sys.exit(f"Pidfile {pidfile} contains non-numeric value")
    try:
        os.kill(pid, 0)
    except OSError as why:
        if why.errno != errno.ESRCH:
            sys.exit(f"Can't check status of PID {pid} from pidfile {pidfile}: {why}")
        log.msg(f"Removing stale pidfile {pidfile}", isError=True)
        os.remove(pidfile)
    else:
        sys.exit(
            f"Another twistd server is running, PID {pid}\n\n"
            "This could either be a previously started instance of your application or a\n"
            "different application entirely. To start a new one, either run it in some other\n"
            "directory, or use the --pidfile and --logfile parameters to avoid clashes.\n")


def removePID(pidfile):
    if not pidfile:
        return
    try:
        os.unlink(pidfile)
    except OSError as e:
        if e.errno in (errno.EACCES, errno.EPERM):
            log.msg("Warning: No permission to delete pid file")
        elif e.errno != errno.ENOENT:
            log.err(None, "Failed to unlink PID file:")


# --- Logging --------------------------------------------------------------------------------


class _TwistdLogObserver(log.FileLogObserver):
    """Log lines as twistd writes them: ``2026-11-21T08:34:45+0000 [-] text``."""

    def formatTime(self, when):
        moment = datetime.fromtimestamp(when, timezone.utc).astimezone()
        return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


def startLogging(config):
    """Send the log to the logfile (or stdout); return the file to close at the end, if any."""
    filename = config["logfile"]
    if filename == "-":
        if not config["nodaemon"]:
            sys.exit("Daemons cannot log to stdout, exiting!")
        logFile = sys.stdout
    elif config["nodaemon"] and not filename:
        logFile = sys.stdout
    else:
        logFile = open(filename or "twistd.log", "a")
    log.defaultObserver.stop()
    log.addObserver(_TwistdLogObserver(logFile).emit)
    return logFile


# --- Running ----------------------------------------------------------------------------------


def loadApplication(config):
    """The application: from the ``-y`` file, or made from the chosen plugin's service."""
    from minitwisted.application import service

    if config.subCommand is not None:
        plugin = config.loadedPlugins[config.subCommand]
        application = service.Application(plugin.tapname)
        plugin.makeService(config.subOptions).setServiceParent(application)
        return application
    filename = config["python"]
    log.msg(f"Loading {filename}...")
    namespace = {"__file__": filename}  # no __name__, as twistd: classes print unqualified
    try:
        with open(filename) as source:
            exec(compile(source.read(), filename, "exec"), namespace)
        application = namespace["application"]
    except Exception as e:
        message = f"Failed to load application: {e}"
        if isinstance(e, KeyError) and e.args[0] == "application":
            message += (
                "\nCould not find 'application' in the file. To use 'twistd -y', your .tac\n"
                "file must create a suitable object (e.g., by calling service.Application())\n"
                "and store it in a variable named 'application'. twistd loads your .tac file\n"
                "and scans the global variables for one of this name.\n")
        log.err(None, message)
        sys.exit("\n" + message + "\n")
    log.msg("Loaded.")
    return application


def daemonize():
    """Detach from the terminal: fork, start a new session, fork again, stdio to /dev/null."""
    if os.fork():
        os._exit(0)  # the parent returns to the shell at once
    os.setsid()
    if os.fork():
        os._exit(0)  # the session leader exits, so we can never get a terminal back
    null = os.open(os.devnull, os.O_RDWR)
    for fd in range(3):
        os.dup2(null, fd)
    os.close(null)


def runApp(config):
    """Run the application ``config`` describes until a signal stops the reactor."""
    from minitwisted.application import service

    if config["reactor"] is not None:
        __import__(REACTORS[config["reactor"]], fromlist=["install"]).install()
    logFile = startLogging(config)
    checkPID(config["pidfile"])  # after startLogging, so "Removing stale pidfile" is in the log
    application = loadApplication(config)
    from minitwisted.internet import reactor

    log.msg(f"minitwistd {minitwisted.__version__} ({sys.executable} "
            f"{sys.version.split()[0]}) starting up.")
    log.msg(f"reactor class: {type(reactor).__module__}.{type(reactor).__qualname__}.")
    if not config["nodaemon"] and os.name == "posix":
        daemonize()
    if config["umask"] is not None:
        os.umask(config["umask"])
    elif not config["nodaemon"]:
        os.umask(0o077)  # a daemon creates private files unless told otherwise
    if config["pidfile"]:
        with open(config["pidfile"], "w") as f:
            f.write(str(os.getpid()))
    top = service.IService(application)
    top.privilegedStartService()
    top.startService()
    # The reactor waits for stopService's Deferred before it closes connections.
    reactor.addSystemEventTrigger("before", "shutdown", top.stopService)
    try:
        reactor.run()
    finally:
        log.msg("Server Shut Down.")
        removePID(config["pidfile"])
        if logFile is not sys.stdout:
            logFile.close()


def run(argv=None):
    """The ``minitwistd`` command: parse ``argv`` (default ``sys.argv[1:]``) and run."""
    config = ServerOptions()
    try:
        config.parseOptions(argv)
    except usage.UsageError as error:
        print(config)
        print(f"minitwistd: {error}")
        sys.exit(1)
    runApp(config)
