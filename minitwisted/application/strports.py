"""A listening service from a string: ``strports.service("tcp:8080", factory)``.

Mirrors ``twisted.application.strports`` (Twisted 26.10): the description is parsed
by ``minitwisted.internet.endpoints.serverFromString`` (so the same strings work, for
the endpoint types minitwisted has: ``tcp`` and ``tcp6``), and the result is a
``StreamServerEndpointService``.  Taught in ``notebooks/07_deployment.ipynb``; tested by
``tests/application/test_strports.py``.

Differs from Twisted: there is no ``strports.listen`` (Twisted's helper that returns a
listening port at once); use ``service(...)`` or an endpoint's ``listen``.
"""

from minitwisted.application.internet import StreamServerEndpointService
from minitwisted.internet import endpoints


def service(description, factory, reactor=None):
    """A service that listens on the endpoint ``description`` with ``factory`` while running.

    A description that cannot be parsed raises at once; failing to listen (a port in
    use) raises from ``startService``/``privilegedStartService``, as in Twisted.
    """
    if reactor is None:
        # Imported late: importing the reactor module installs the default reactor.
        from minitwisted.internet import reactor
    svc = StreamServerEndpointService(endpoints.serverFromString(reactor, description), factory)
    svc._raiseSynchronously = True
    return svc


__all__ = ["service"]
