"""Interfaces of the web client: what a request body producer and a response provide.

Mirrors the client half of ``twisted.web.iweb`` (Twisted 26.10): ``IBodyProducer``,
``IResponse`` and ``UNKNOWN_LENGTH``.  Implemented by ``minitwisted.web.client`` and
tested there, by ``tests/web/test_client.py``; used by ``notebooks/A2_web_in_sixty_seconds.ipynb``.
"""

from zope.interface import Attribute, Interface

from minitwisted.internet.interfaces import IPushProducer

# The length of a body nobody knows in advance; Twisted uses this very string.
UNKNOWN_LENGTH = "twisted.web.iweb.UNKNOWN_LENGTH"


class IBodyProducer(IPushProducer):
    """The body of a request: written to a consumer, possibly in several pieces."""

    length = Attribute("The number of bytes it will write, or UNKNOWN_LENGTH.")

    def startProducing(consumer):
        """Start writing to ``consumer``; return a Deferred that fires when all is written."""

    def stopProducing():
        """Stop writing for good; the Deferred of ``startProducing`` must not fire."""


class IResponse(Interface):
    """The answer to a request: status line and headers now, the body on demand."""

    version = Attribute("The protocol version, as (b'HTTP', 1, 1).")
    code = Attribute("The status code, an int.")
    phrase = Attribute("The reason phrase, bytes.")
    headers = Attribute("The response headers, a Headers.")
    length = Attribute("The body length from Content-Length, or UNKNOWN_LENGTH.")
    request = Attribute("The request this answers (an object with method and absoluteURI).")

    def deliverBody(protocol):
        """Send the body to ``protocol``: ``dataReceived`` calls, then ``connectionLost``."""
