"""Tests for minitwisted.internet.interfaces, side by side with real Twisted.

The first section compares each interface with Twisted's: the same bases, the same
method and attribute names, the same method signatures.  The second section
(``VERIFIED``) builds real objects of both libraries and checks with ``verifyObject``
that they provide what they declare, and that they declare the same interfaces.
"""

import importlib
import types

import pytest
from twisted.internet import interfaces as tinterfaces
from zope.interface import providedBy
from zope.interface.interface import InterfaceClass
from zope.interface.verify import verifyObject

from minitwisted.internet import interfaces as minterfaces

INTERFACE_NAMES = [
    "IReactorCore", "IReactorTime", "IDelayedCall", "IReactorTCP", "IReactorUDP",
    "IReactorFDSet", "IReactorFromThreads", "IReactorInThreads", "IReactorThreads",
    "IReadDescriptor", "IWriteDescriptor", "IReadWriteDescriptor", "IFileDescriptor",
    "IHalfCloseableDescriptor", "IListeningPort", "IConnector", "IAddress", "ITransport",
    "ITCPTransport", "IUDPTransport", "IConsumer", "IProducer", "IPushProducer",
    "IPullProducer", "IProtocol", "IHalfCloseableProtocol", "IProtocolFactory",
    "IStreamServerEndpoint", "IStreamClientEndpoint", "ILoggingContext",
]


# --- The interfaces themselves ---------------------------------------------------------


def test_everyListedInterfaceExists():
    """Each interface the workshop needs is a zope interface in our module."""
    for name in INTERFACE_NAMES:
        assert isinstance(getattr(minterfaces, name), InterfaceClass), name


def test_noInterfaceBeyondTheList():
    """The module defines exactly the listed interfaces, so this test covers them all."""
    ours = {name for name, value in vars(minterfaces).items()
            if isinstance(value, InterfaceClass) and value.__module__ == minterfaces.__name__}
    assert ours == set(INTERFACE_NAMES)


@pytest.mark.parametrize("name", INTERFACE_NAMES)
def test_interfaceHasTwistedsBases(name):
    """The interface inherits from interfaces of the same names as Twisted's."""
    ours = [base.__name__ for base in getattr(minterfaces, name).__bases__]
    theirs = [base.__name__ for base in getattr(tinterfaces, name).__bases__]
    assert ours == theirs


@pytest.mark.parametrize("name", INTERFACE_NAMES)
def test_interfaceHasTwistedsNames(name):
    """The interface has the same methods and attributes as Twisted's, inherited ones included."""
    ours = getattr(minterfaces, name)
    theirs = getattr(tinterfaces, name)
    assert sorted(ours.names(all=True)) == sorted(theirs.names(all=True))


@pytest.mark.parametrize("name", INTERFACE_NAMES)
def test_interfaceMethodsHaveTwistedsSignatures(name):
    """Each method takes the same parameters, with the same defaults, as Twisted's."""
    ours = getattr(minterfaces, name)
    theirs = getattr(tinterfaces, name)
    for attribute in theirs.names(all=True):
        if hasattr(theirs[attribute], "getSignatureString"):
            assert ours[attribute].getSignatureString() == \
                theirs[attribute].getSignatureString(), attribute
        else:
            assert not hasattr(ours[attribute], "getSignatureString"), attribute


@pytest.mark.parametrize("name", INTERFACE_NAMES)
def test_everyInterfaceAndMethodHasADocstring(name):
    """Each interface and each of its own methods says in a line what it is for."""
    interface = getattr(minterfaces, name)
    assert interface.__doc__.strip()
    for attribute in interface.names():
        assert interface[attribute].getDoc().strip(), attribute


# --- verifyObject on real objects ------------------------------------------------------

_MODULES = ["address", "base", "endpoints", "protocol", "selectreactor", "task", "testing"]


def _modules(package):
    """A namespace of ``package.internet``'s modules."""
    namespace = types.SimpleNamespace()
    for name in _MODULES:
        setattr(namespace, name, importlib.import_module(f"{package}.internet.{name}"))
    return namespace


def _selectReactor(module):
    """A new, uninstalled select reactor of either framework."""
    return module.SelectReactor()


def _listeningPorts(m):
    """A TCP port and a UDP port listening on 127.0.0.1, on a fresh reactor."""
    reactor = _selectReactor(m.selectreactor)
    tcp = reactor.listenTCP(0, m.protocol.Factory(), interface="127.0.0.1")
    udp = reactor.listenUDP(0, m.protocol.DatagramProtocol(), interface="127.0.0.1")
    return tcp, udp


def _tcpTransports(m):
    """The server and the client transport of a real connection on 127.0.0.1."""
    reactor = _selectReactor(m.selectreactor)
    made = {}

    class Recorder(m.protocol.Protocol):
        def connectionMade(self):
            made[type(self.transport).__name__] = self.transport

    port = reactor.listenTCP(0, m.protocol.Factory.forProtocol(Recorder), interface="127.0.0.1")
    reactor.connectTCP("127.0.0.1", port.getHost().port,
                       m.protocol.ClientFactory.forProtocol(Recorder))
    for _ in range(200):
        if len(made) == 2:
            return made["Server"], made["Client"]
        reactor.iterate(0.01)
    raise AssertionError("no connection on 127.0.0.1")


# What Twisted's listening ports declare because they inherit from its FileDescriptor.
_PORT_EXTRAS = ["ITransport", "IConsumer", "IPushProducer", "IReadWriteDescriptor",
                "IHalfCloseableDescriptor"]


# Each entry builds one object, given a namespace of modules (ours or Twisted's), and
# names the interfaces it provides; an optional third item names interfaces only ours
# provides, an optional fourth those only Twisted's declares (listening ports: Twisted's
# inherit transport interfaces they do not really offer; ours declare what they are).
# Adding a class is one line.
VERIFIED = [
    (lambda m: m.protocol.Protocol(), ["IProtocol", "ILoggingContext"]),
    (lambda m: m.protocol.Factory(), ["IProtocolFactory", "ILoggingContext"]),
    (lambda m: m.protocol.ServerFactory(), ["IProtocolFactory", "ILoggingContext"]),
    (lambda m: m.protocol.ClientFactory(), ["IProtocolFactory", "ILoggingContext"]),
    (lambda m: m.protocol.ReconnectingClientFactory(), ["IProtocolFactory", "ILoggingContext"]),
    (lambda m: m.protocol.DatagramProtocol(), ["ILoggingContext"]),
    (lambda m: m.address.IPv4Address("TCP", "127.0.0.1", 8000), ["IAddress"]),
    (lambda m: m.address.IPv6Address("TCP", "::1", 8000), ["IAddress"]),
    (lambda m: m.endpoints.TCP4ServerEndpoint(None, 0), ["IStreamServerEndpoint"]),
    (lambda m: m.endpoints.TCP6ServerEndpoint(None, 0), ["IStreamServerEndpoint"]),
    (lambda m: m.endpoints.TCP4ClientEndpoint(None, "127.0.0.1", 80), ["IStreamClientEndpoint"]),
    (lambda m: m.endpoints.TCP6ClientEndpoint(None, "::1", 80), ["IStreamClientEndpoint"]),
    (lambda m: m.task.Clock(), ["IReactorTime"]),
    (lambda m: m.task.Clock().callLater(1, print), ["IDelayedCall"]),
    (lambda m: m.testing.StringTransport(), ["ITransport", "IConsumer", "IPushProducer"]),
    (lambda m: m.testing.StringTransportWithDisconnection(),
     ["ITransport", "IConsumer", "IPushProducer"]),
    (lambda m: m.testing.MemoryReactor(), ["IReactorCore", "IReactorTCP", "IReactorFDSet"],
     ["IReactorUDP"]),
    (lambda m: m.testing.MemoryReactorClock(),
     ["IReactorCore", "IReactorTCP", "IReactorFDSet", "IReactorTime"], ["IReactorUDP"]),
    (lambda m: _selectReactor(m.selectreactor),
     ["IReactorCore", "IReactorTime", "IReactorTCP", "IReactorUDP", "IReactorFDSet",
      "IReactorThreads"]),
    (lambda m: _selectReactor(m.selectreactor).callLater(1, print), ["IDelayedCall"]),
    (lambda m: _listeningPorts(m)[0], ["IListeningPort", "ILoggingContext"],
     ["IReadDescriptor"], _PORT_EXTRAS),
    (lambda m: _listeningPorts(m)[1], ["IListeningPort", "IUDPTransport", "ILoggingContext"],
     ["IReadDescriptor"], _PORT_EXTRAS),
    (lambda m: _selectReactor(m.selectreactor).connectTCP(
        "127.0.0.1", 9, m.protocol.ClientFactory()), ["IConnector"]),
    (lambda m: _tcpTransports(m)[0],
     ["ITCPTransport", "IConsumer", "IPushProducer", "IReadWriteDescriptor"]),
    (lambda m: _tcpTransports(m)[1],
     ["ITCPTransport", "IConsumer", "IPushProducer", "IReadWriteDescriptor"]),
]


def _build(package, entry):
    """Build the entry's object from ``package``'s modules."""
    return entry[0](_modules(package))


def _oursOnly(entry):
    return set(entry[2]) if len(entry) > 2 else set()


def _theirsOnly(entry):
    return set(entry[3]) if len(entry) > 3 else set()


def _entryId(entry):
    return entry[1][0] + ":" + ",".join(entry[1][1:])


@pytest.fixture(params=["minitwisted", "twisted"])
def impl(request):
    """The package under test: ours, then the oracle."""
    return request.param


@pytest.mark.parametrize("entry", VERIFIED, ids=[_entryId(e) for e in VERIFIED])
def test_objectProvidesItsInterfaces(impl, entry):
    """``verifyObject`` accepts the object for each interface it is listed with."""
    obj = _build(impl, entry)
    interfaces = importlib.import_module(f"{impl}.internet.interfaces")
    names = entry[1] + (list(_oursOnly(entry)) if impl == "minitwisted" else [])
    for name in names:
        assert verifyObject(getattr(interfaces, name), obj)


@pytest.mark.parametrize("entry", VERIFIED, ids=[_entryId(e) for e in VERIFIED])
def test_objectDeclaresTheSameInterfacesAsTwisted(entry):
    """Of our interfaces, the object declares the same ones as Twisted's, but for its listed extras."""
    ours = {i.__name__ for i in providedBy(_build("minitwisted", entry))}
    theirs = {i.__name__ for i in providedBy(_build("twisted", entry))}
    assert ours == ((theirs & set(INTERFACE_NAMES)) - _theirsOnly(entry)) | _oursOnly(entry)
