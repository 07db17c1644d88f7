"""Services: objects with a start and a stop, arranged in a tree that starts and stops as one.

Mirrors ``twisted.application.service`` (Twisted 26.10).  A ``Service`` is a leaf; a
``MultiService`` holds children, starts them in the order they were added and stops them
in reverse, and its ``stopService`` Deferred waits for every child to finish stopping.
``Application`` is the root object a ``.tac`` file defines; ``twistd`` asks it for its
``IService`` and starts that.  Taught in ``notebooks/07_deployment.ipynb``; tested side
by side with Twisted by ``tests/application/test_service.py``.

Differs from Twisted:

- ``Application`` is a small ``Componentized`` defined here (Twisted's lives in
  ``twisted.python.components`` and does adapter-registry lookups too); it holds a
  MultiService and a Process and nothing else: there is no ``sob.IPersistable``
  component, because minitwisted does not pickle applications.
- There is no ``loadApplication``: ``minitwistd`` reads a ``.tac`` file itself
  (``minitwisted.scripts.twistd.loadApplication``).

``IServiceMaker`` and ``ServiceMaker`` describe the plugins ``minitwistd`` runs by
their ``tapname`` (``minitwisted.plugin`` finds them).
"""

import importlib

from zope.interface import Attribute, Interface, implementer, providedBy

from minitwisted.internet import defer
from minitwisted.plugin import IPlugin


class IServiceMaker(Interface):
    """Builds a service from options: what a ``minitwistd`` plugin provides (with ``IPlugin``)."""

    tapname = Attribute("The short name minitwistd runs the plugin by ('web', 'echo').")
    description = Attribute("A one-line summary, listed by minitwistd --help.")
    options = Attribute("A usage.Options subclass: the plugin's command-line options.")

    def makeService(options):
        """Return an IService built from the parsed ``options``."""


@implementer(IPlugin, IServiceMaker)
class ServiceMaker:
    """A plugin whose ``Options`` and ``makeService`` live in another module.

    The module (a dotted name) is imported only when the plugin is chosen, so listing
    plugins stays cheap: a plugin file holds just ``ServiceMaker(...)``.
    """

    def __init__(self, name, module, description, tapname):
        self.name = name
        self.module = module
        self.description = description
        self.tapname = tapname

    @property
    def options(self):
        return importlib.import_module(self.module).Options

    @property
    def makeService(self):
        return importlib.import_module(self.module).makeService


class IService(Interface):
    """Something that can be started and stopped, and may sit in a tree of services."""

    name = Attribute("The service's name (a str), or None.")
    running = Attribute("True between startService and stopService.")
    parent = Attribute("The IServiceCollection holding this service, or None.")

    def setName(name):
        """Set the name; raise RuntimeError if the service already has a parent."""

    def setServiceParent(parent):
        """Add this service to ``parent``; raise RuntimeError on a duplicate name."""

    def disownServiceParent():
        """Leave the parent; return what its removeService returns (maybe a Deferred)."""

    def startService():
        """Start the service."""

    def stopService():
        """Stop the service; may return a Deferred that fires once it has stopped."""

    def privilegedStartService():
        """Do the start-up work that needs root (such as binding low ports), before startService."""


class IServiceCollection(Interface):
    """A service holding named and unnamed child services."""

    def getServiceNamed(name):
        """The child called ``name``; KeyError if there is none."""

    def __iter__():
        """Iterate over the children, in the order they were added."""

    def addService(service):
        """Add a child; RuntimeError if another child has the same name."""

    def removeService(service):
        """Remove a child; ValueError if it is not one.  May return a Deferred."""


class IProcess(Interface):
    """How the process should run: its name in ``ps`` and the user and group ids."""

    processName = Attribute("The process name to show, or None to leave it.")
    uid = Attribute("The user id to run as (an int), or None to leave it.")
    gid = Attribute("The group id to run as (an int), or None to leave it.")


@implementer(IService)
class Service:
    """A leaf service: it only records its name, parent and whether it runs.

    Subclasses override ``startService``/``stopService`` and call these versions so
    ``running`` stays right.
    """

    running = 0
    name = None
    parent = None

    def setName(self, name):
        if self.parent is not None:
            # The parent indexes its children by name; renaming would break that index.
            raise RuntimeError("cannot change name when parent exists")
        self.name = name

    def setServiceParent(self, parent):
        if self.parent is not None:
            self.disownServiceParent()
        # An Application is not a collection itself; adapting it finds its MultiService.
        parent = IServiceCollection(parent, parent)
        self.parent = parent
        self.parent.addService(self)

    def disownServiceParent(self):
        d = self.parent.removeService(self)
        self.parent = None
        return d

    def privilegedStartService(self):
        pass

    def startService(self):
        self.running = 1

    def stopService(self):
        self.running = 0


@implementer(IServiceCollection)
class MultiService(Service):
    """A service that starts its children in order and stops them in reverse.

    Invariants: ``services`` lists the children in the order they were added;
    ``namedServices`` maps each child's name (when it has one) to the child.
    """

    def __init__(self):
        self.services = []
        self.namedServices = {}
        self.parent = None

    def privilegedStartService(self):
        Service.privilegedStartService(self)
        for service in self:
            service.privilegedStartService()

    def startService(self):
        Service.startService(self)
        for service in self:
            service.startService()

    def stopService(self):
        """Stop the children, last added first; the Deferred waits for all of them."""
        Service.stopService(self)
        # Reverse order: a later child may depend on an earlier one (a client on a server).
        stopping = [defer.maybeDeferred(service.stopService) for service in reversed(self.services)]
        return defer.DeferredList(stopping)

    def getServiceNamed(self, name):
        return self.namedServices[name]

    def __iter__(self):
        return iter(self.services)

    def addService(self, service):
        if service.name is not None:
            if service.name in self.namedServices:
                raise RuntimeError("cannot have two services with same name '%s'" % service.name)
            self.namedServices[service.name] = service
        self.services.append(service)
        if self.running:
            # Joining a running tree: start at once, or it would never start.
            service.privilegedStartService()
            service.startService()

    def removeService(self, service):
        if service.name:
            del self.namedServices[service.name]
        self.services.remove(service)
        if self.running:
            # Hand back the child's stop Deferred so the caller can wait for it.
            return service.stopService()
        return None


@implementer(IProcess)
class Process:
    """The IProcess component of an Application: process name, uid and gid."""

    processName = None

    def __init__(self, uid=None, gid=None):
        self.uid = uid
        self.gid = gid


class Componentized:
    """An object made of components, one per interface: ``IService(obj)`` returns one.

    zope.interface calls ``__conform__`` when an interface is called on an object
    (``IService(app)``), so answering from a dict of components is all adaptation needs.
    """

    def __init__(self):
        self._components = {}

    def setComponent(self, interfaceClass, component):
        self._components[interfaceClass] = component

    def addComponent(self, component, ignoreClass=0):
        """Register ``component`` for every interface it provides.

        ``ignoreClass`` is accepted for Twisted's signature; without adapter registries
        every provided interface counts.
        """
        for interface in providedBy(component):
            self._components[interface] = component

    def getComponent(self, interface, default=None):
        return self._components.get(interface, default)

    def unsetComponent(self, interfaceClass):
        del self._components[interfaceClass]

    def removeComponent(self, component):
        """Remove ``component`` from every interface it serves; return those interfaces."""
        removed = [i for i, c in self._components.items() if c is component]
        for interface in removed:
            del self._components[interface]
        return removed

    def __conform__(self, interface):
        return self.getComponent(interface)


def Application(name, uid=None, gid=None):
    """The root of a deployment: adapt it with ``IService(app)`` to add services to it.

    ``name`` becomes the name of its MultiService (Twisted also names its pickle file
    after it); ``uid`` and ``gid`` are what twistd switches to after
    ``privilegedStartService``.
    """
    application = Componentized()
    for component in (MultiService(), Process(uid, gid)):
        application.addComponent(component, ignoreClass=1)
    IService(application).setName(name)
    return application


__all__ = ["IService", "IServiceCollection", "IProcess", "Service", "MultiService",
           "Process", "Componentized", "Application"]
