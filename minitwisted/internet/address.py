"""Addresses of network endpoints: what ``transport.getPeer()`` and ``getHost()`` return.

Mirrors ``twisted.internet.address`` (Twisted 26.10): ``IPv4Address`` and ``IPv6Address``
are small records with the same fields, equality, ordering, hashing and ``repr``
(``IPv4Address(type='TCP', host='127.0.0.1', port=8000)``).  The workshop first prints
one in ``notebooks/05_protocols_and_factories.ipynb``.  Tests: ``tests/internet/test_address.py``.

Twisted builds these with ``attrs``; minitwisted uses the standard library's
``dataclasses`` with the same settings (hashable, ordered, assignable).

Differs from Twisted: only the two IP address classes are here; ``UNIXAddress`` and
``HostnameAddress`` belong to transports minitwisted does not have.  A bad ``type``
raises the same ``ValueError`` message with a single argument.
"""

from dataclasses import dataclass

from zope.interface import implementer

from minitwisted.internet.interfaces import IAddress


def _checkType(address):
    """Only TCP and UDP addresses exist here, as in Twisted."""
    if address.type not in ("TCP", "UDP"):
        raise ValueError(f"'type' must be in ['TCP', 'UDP'] (got {address.type!r})")


@implementer(IAddress)
@dataclass(unsafe_hash=True, order=True)
class IPv4Address:
    """The address of an IPv4 socket: ``type`` ('TCP' or 'UDP'), dotted-quad ``host``, ``port``."""

    type: str
    host: str
    port: int

    __post_init__ = _checkType


@implementer(IAddress)
@dataclass(unsafe_hash=True, order=True)
class IPv6Address:
    """The address of an IPv6 socket; ``flowInfo`` and ``scopeID`` come from the kernel's tuple."""

    type: str
    host: str
    port: int
    flowInfo: int = 0
    scopeID: object = 0

    __post_init__ = _checkType


def _fromSocketAddress(kind, sockaddr):
    """Build the address record for a ``socket`` address tuple (2 items for IPv4, 4 for IPv6)."""
    if len(sockaddr) == 2:
        return IPv4Address(kind, sockaddr[0], sockaddr[1])
    return IPv6Address(kind, *sockaddr)
