"""Check that the kit is set up: versions, the Jupyter kernel, Deferreds and a loopback echo on both libraries.

``python -m workshop check`` prints one line per check and exits non-zero if one
fails.  The installation section of the workshop runs the same checks from inside a
notebook, so a learner sees at once whether their machine is ready.
"""

import platform
import sys
from dataclasses import dataclass

KERNEL_NAME = "twisted-workshop"


@dataclass
class Check:
    """The outcome of one check: its name, whether it passed, and what it found."""

    name: str
    ok: bool
    detail: str


def check_python():
    ok = sys.version_info >= (3, 10)
    return Check("Python 3.10 or newer", ok,
                 "%s on %s" % (platform.python_version(), platform.system()))


def check_twisted_version():
    import twisted

    import minitwisted

    ok = twisted.__version__ == minitwisted.TWISTED_ORACLE_VERSION
    return Check("Twisted %s (the version minitwisted mirrors)"
                 % minitwisted.TWISTED_ORACLE_VERSION, ok, "found " + twisted.__version__)


def check_kernel():
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        return Check("Jupyter kernel '%s'" % KERNEL_NAME, False,
                     "not registered: run 'python3 kit.py setup'")
    return Check("Jupyter kernel '%s'" % KERNEL_NAME, True, spec.display_name)


def deferred_round_trip(defer):
    """Fire a Deferred through a callback, an error and a recovery; return what arrived."""
    seen = []
    d = defer.Deferred()
    d.addCallback(lambda greeting: greeting + ", world")
    d.addCallback(lambda text: 1 / 0)
    d.addErrback(lambda failure: "recovered from " + failure.type.__name__)
    d.addCallback(seen.append)
    d.callback("hello")
    return seen


def check_deferreds():
    from twisted.internet import defer as real

    from minitwisted.internet import defer as mini

    ours, theirs = deferred_round_trip(mini), deferred_round_trip(real)
    return Check("a Deferred chain gives the same result on minitwisted and Twisted",
                 ours == theirs, repr(ours))


def loopback_round_trip(reactor, protocol, message=b"ping"):
    """Echo ``message`` over a real TCP connection on 127.0.0.1 with ``reactor``; return the reply.

    The reactor is a fresh one, not the global reactor, so the check leaves nothing
    behind and works the same for minitwisted and for Twisted.
    """
    class Echo(protocol.Protocol):
        def dataReceived(self, data):
            self.transport.write(data)

    received = []

    class Ping(protocol.Protocol):
        def connectionMade(self):
            self.transport.write(message)

        def dataReceived(self, data):
            received.append(data)
            if len(b"".join(received)) >= len(message):
                self.transport.loseConnection()

        def connectionLost(self, reason):
            reactor.stop()

    port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
    reactor.connectTCP("127.0.0.1", port.getHost().port, protocol.ClientFactory.forProtocol(Ping))
    reactor.callLater(5, reactor.stop)  # a guard: never hang the check
    reactor.run(installSignalHandlers=False)
    return b"".join(received)


def check_loopback():
    from twisted.internet import protocol as real_protocol
    from twisted.internet.selectreactor import SelectReactor as RealReactor

    from minitwisted.internet import protocol as mini_protocol
    from minitwisted.internet.selectreactor import SelectReactor as MiniReactor

    ours = loopback_round_trip(MiniReactor(), mini_protocol)
    theirs = loopback_round_trip(RealReactor(), real_protocol)
    return Check("an echo over TCP on 127.0.0.1 works on minitwisted and Twisted",
                 ours == theirs == b"ping", "received %r and %r" % (ours, theirs))


CHECKS = (check_python, check_twisted_version, check_kernel, check_deferreds, check_loopback)


def run_checks(checks=CHECKS):
    """Run every check; a check that raises counts as failed, with the error as detail."""
    results = []
    for check in checks:
        try:
            results.append(check())
        except Exception as error:
            results.append(Check(check.__name__, False,
                                 "%s: %s" % (type(error).__name__, error)))
    return results


def report(results):
    """Format results one per line, ``[ok]`` or ``[FAILED]`` first."""
    return "\n".join("%s %s: %s" % ("[ok]    " if r.ok else "[FAILED]", r.name, r.detail)
                     for r in results)
