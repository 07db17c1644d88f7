"""Services and applications: long-running parts of a program that start and stop together.

Mirrors ``twisted.application`` (Twisted 26.10): ``service`` (the Service tree and
``Application``), ``internet`` (services that listen, connect or repeat on the reactor)
and ``strports`` (a service from an endpoint description).  Taught in
``notebooks/07_deployment.ipynb``; tested by ``tests/application/``.
"""
