"""Tests for minitwisted.internet.address, side by side with real Twisted.

The ``impl`` fixture runs each test on our module and on ``twisted.internet.address``:
the records must print, compare, hash and validate the same way.
"""

import copy
import pickle

import pytest
from twisted.internet import address as taddress

from minitwisted.internet import address as maddress


@pytest.fixture(params=["minitwisted", "twisted"])
def impl(request):
    """The address module under test: ours, then the oracle."""
    return maddress if request.param == "minitwisted" else taddress


def test_ipv4AddressRepr(impl):
    """An IPv4 address prints its three fields by name."""
    address = impl.IPv4Address("TCP", "127.0.0.1", 8000)
    assert repr(address) == "IPv4Address(type='TCP', host='127.0.0.1', port=8000)"
    assert str(address) == repr(address)


def test_ipv6AddressReprShowsFlowInfoAndScope(impl):
    """An IPv6 address also prints ``flowInfo`` and ``scopeID``, which default to 0."""
    assert repr(impl.IPv6Address("UDP", "::1", 53)) == \
        "IPv6Address(type='UDP', host='::1', port=53, flowInfo=0, scopeID=0)"
    assert repr(impl.IPv6Address("TCP", "fe80::1", 80, 1, "eth0")) == \
        "IPv6Address(type='TCP', host='fe80::1', port=80, flowInfo=1, scopeID='eth0')"


def test_fieldsAreAttributes(impl):
    """``type``, ``host`` and ``port`` (and the IPv6 extras) are plain attributes."""
    address = impl.IPv6Address(type="TCP", host="::1", port=8000, flowInfo=2, scopeID=3)
    fields = (address.type, address.host, address.port, address.flowInfo, address.scopeID)
    assert fields == ("TCP", "::1", 8000, 2, 3)


def test_portIsRequired(impl):
    """Leaving out the port is a ``TypeError``."""
    with pytest.raises(TypeError):
        impl.IPv4Address("TCP", "127.0.0.1")


@pytest.mark.parametrize("kind", ["tcp", "SCTP", b"TCP", None])
def test_onlyTcpAndUdpAreValidTypes(impl, kind):
    """Any type but 'TCP' or 'UDP' raises ``ValueError`` with Twisted's message."""
    for make in [lambda: impl.IPv4Address(kind, "127.0.0.1", 1),
                 lambda: impl.IPv6Address(kind, "::1", 1)]:
        with pytest.raises(ValueError) as caught:
            make()
        assert caught.value.args[0] == f"'type' must be in ['TCP', 'UDP'] (got {kind!r})"


def test_otherFieldsAreNotValidated(impl):
    """A string port or a bytes host is accepted as given."""
    assert impl.IPv4Address("TCP", b"127.0.0.1", "80").port == "80"


def test_equalFieldsMakeEqualAddresses(impl):
    """Two addresses with the same fields are equal; any differing field makes them unequal."""
    a = impl.IPv4Address("TCP", "127.0.0.1", 1)
    assert a == impl.IPv4Address("TCP", "127.0.0.1", 1)
    assert a != impl.IPv4Address("UDP", "127.0.0.1", 1)
    assert a != impl.IPv4Address("TCP", "127.0.0.2", 1)
    assert a != impl.IPv4Address("TCP", "127.0.0.1", 2)
    assert impl.IPv6Address("TCP", "::1", 1) == impl.IPv6Address("TCP", "::1", 1, 0, 0)
    assert impl.IPv6Address("TCP", "::1", 1) != impl.IPv6Address("TCP", "::1", 1, 1, 0)


def test_addressesEqualOnlyTheirOwnClass(impl):
    """An IPv4 address never equals an IPv6 address or a tuple with the same values."""
    a = impl.IPv4Address("TCP", "h", 1)
    assert a != impl.IPv6Address("TCP", "h", 1)
    assert a != ("TCP", "h", 1)


def test_equalAddressesHashAlike(impl):
    """Equal addresses have equal hashes, so a set or dict key treats them as one."""
    a = impl.IPv4Address("TCP", "127.0.0.1", 1)
    b = impl.IPv4Address("TCP", "127.0.0.1", 1)
    assert hash(a) == hash(b)
    assert len({a, b, impl.IPv6Address("TCP", "::1", 1)}) == 2


def test_addressesCopyAndPickle(impl):
    """``copy`` and ``pickle`` give back an equal address."""
    a = impl.IPv6Address("UDP", "::1", 53, 0, 2)
    assert copy.copy(a) == a
    assert pickle.loads(pickle.dumps(a)) == a


def test_addressesAreAssignable(impl):
    """A field of an address can be assigned, as with Twisted's attrs classes."""
    address = impl.IPv4Address("TCP", "127.0.0.1", 1)
    address.port = 2
    assert address.port == 2


def test_addressesOrderByTheirFields():
    """Addresses of one class compare with ``<`` field by field, as in Twisted."""
    assert taddress.IPv4Address("TCP", "h", 1) < taddress.IPv4Address("TCP", "h", 2)
    assert maddress.IPv4Address("TCP", "h", 1) < maddress.IPv4Address("TCP", "h", 2)


# --- Building addresses from socket addresses ----------------------------------------------


def test_fromSocketAddressBuildsIPv4ForAPair():
    """A ``(host, port)`` pair from ``socket`` becomes an ``IPv4Address``."""
    assert maddress._fromSocketAddress("TCP", ("127.0.0.1", 8000)) == \
        maddress.IPv4Address("TCP", "127.0.0.1", 8000)


def test_fromSocketAddressBuildsIPv6ForAFourTuple():
    """A ``(host, port, flowInfo, scopeID)`` tuple becomes an ``IPv6Address``."""
    assert maddress._fromSocketAddress("UDP", ("::1", 53, 0, 0)) == \
        maddress.IPv6Address("UDP", "::1", 53, 0, 0)
