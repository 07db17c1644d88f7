"""Tests for minitwisted.application.service, side by side with twisted.application.service.

The ``impl`` fixture gives minitwisted's service and defer modules, then Twisted's; each
scenario records the order in which services start and stop and must match.
"""

import types

import pytest
from zope.interface.verify import verifyObject

from minitwisted.application import service as mservice
from minitwisted.internet import defer as mdefer


@pytest.fixture(params=["minitwisted", "twisted"])
def impl(request):
    """The service module under test (with its defer module): ours, then the oracle."""
    if request.param == "minitwisted":
        return types.SimpleNamespace(name="minitwisted", service=mservice, defer=mdefer)
    from twisted.application import service
    from twisted.internet import defer
    return types.SimpleNamespace(name="twisted", service=service, defer=defer)


def recorder(impl, name, events, stopResult=None):
    """A Service that appends ('start'|'stop'|'privileged', name) to ``events``."""

    class Recording(impl.service.Service):
        def privilegedStartService(self):
            events.append(("privileged", self.name))
            super().privilegedStartService()

        def startService(self):
            events.append(("start", self.name))
            super().startService()

        def stopService(self):
            events.append(("stop", self.name))
            super().stopService()
            return stopResult

    service = Recording()
    service.setName(name)
    return service


def result(d):
    """The current result of a fired Deferred (it must have fired)."""
    box = []
    d.addBoth(box.append)
    assert box, "the Deferred has not fired"
    return box[0]


# --- Service --------------------------------------------------------------------------


def test_serviceStartsStopped(impl):
    """A new Service is not running and has no name and no parent."""
    service = impl.service.Service()
    assert (service.running, service.name, service.parent) == (0, None, None)
    assert verifyObject(impl.service.IService, service)


def test_startAndStopFlipRunning(impl):
    """startService sets running to 1 and stopService back to 0."""
    service = impl.service.Service()
    service.startService()
    assert service.running == 1
    assert service.stopService() is None
    assert service.running == 0


def test_setNameWithParentIsRefused(impl):
    """A service inside a parent cannot be renamed."""
    service = impl.service.Service()
    service.setServiceParent(impl.service.MultiService())
    with pytest.raises(RuntimeError) as info:
        service.setName("late")
    assert str(info.value) == "cannot change name when parent exists"


def test_setServiceParentAddsAndDisownRemoves(impl):
    """setServiceParent adds the service to the parent; disownServiceParent takes it out."""
    parent = impl.service.MultiService()
    child = impl.service.Service()
    child.setName("child")
    child.setServiceParent(parent)
    assert child.parent is parent
    assert parent.getServiceNamed("child") is child
    assert child.disownServiceParent() is None
    assert (child.parent, list(parent)) == (None, [])


def test_setServiceParentMovesBetweenParents(impl):
    """Setting a new parent removes the service from the old one first."""
    first, second = impl.service.MultiService(), impl.service.MultiService()
    child = impl.service.Service()
    child.setServiceParent(first)
    child.setServiceParent(second)
    assert (list(first), list(second)) == ([], [child])


# --- MultiService ---------------------------------------------------------------------


def test_multiServiceStartsInOrderAndStopsInReverse(impl):
    """Children start in insertion order and stop in reverse order."""
    events = []
    parent = impl.service.MultiService()
    for name in ("a", "b", "c"):
        recorder(impl, name, events).setServiceParent(parent)
    parent.privilegedStartService()
    parent.startService()
    result(parent.stopService())
    assert events == [("privileged", "a"), ("privileged", "b"), ("privileged", "c"),
                      ("start", "a"), ("start", "b"), ("start", "c"),
                      ("stop", "c"), ("stop", "b"), ("stop", "a")]


def test_multiServiceProvidesBothInterfaces(impl):
    """A MultiService provides IService and IServiceCollection."""
    parent = impl.service.MultiService()
    assert verifyObject(impl.service.IService, parent)
    assert verifyObject(impl.service.IServiceCollection, parent)


def test_stopServiceWaitsForEveryChild(impl):
    """The parent's stop Deferred fires only after every child's stop Deferred fired."""
    events = []
    slow = [impl.defer.Deferred(), impl.defer.Deferred()]
    parent = impl.service.MultiService()
    recorder(impl, "a", events, stopResult=slow[0]).setServiceParent(parent)
    recorder(impl, "b", events, stopResult=slow[1]).setServiceParent(parent)
    parent.startService()
    stopped = parent.stopService()
    fired = []
    stopped.addCallback(fired.append)
    slow[1].callback("b done")
    assert fired == []
    slow[0].callback("a done")
    assert fired == [[(True, "b done"), (True, "a done")]]
    assert parent.running == 0


def test_childAddedToRunningParentStartsAtOnce(impl):
    """A service added to a running MultiService is started immediately."""
    events = []
    parent = impl.service.MultiService()
    parent.startService()
    late = recorder(impl, "late", events)
    late.setServiceParent(parent)
    assert events == [("privileged", "late"), ("start", "late")]
    assert late.running == 1


def test_childRemovedFromRunningParentStops(impl):
    """Removing a child from a running parent stops it and returns its stop result."""
    events = []
    parent = impl.service.MultiService()
    child = recorder(impl, "c", events, stopResult="stopped")
    child.setServiceParent(parent)
    parent.startService()
    assert child.disownServiceParent() == "stopped"
    assert events[-1] == ("stop", "c")


def test_duplicateNameIsRefused(impl):
    """A second child with the same name raises RuntimeError and is not added."""
    parent = impl.service.MultiService()
    first, second = impl.service.Service(), impl.service.Service()
    first.setName("a")
    second.setName("a")
    first.setServiceParent(parent)
    with pytest.raises(RuntimeError) as info:
        parent.addService(second)
    assert str(info.value) == "cannot have two services with same name 'a'"
    assert list(parent) == [first]


def test_getServiceNamedUnknownRaisesKeyError(impl):
    """Asking for a name no child has raises KeyError."""
    with pytest.raises(KeyError):
        impl.service.MultiService().getServiceNamed("nobody")


def test_removeServiceOfStranger(impl):
    """Removing a service that is not a child raises ValueError."""
    with pytest.raises(ValueError):
        impl.service.MultiService().removeService(impl.service.Service())


def test_failingChildStopIsReportedInTheList(impl):
    """A child whose stopService raises shows up as a failure in the DeferredList result."""

    class Broken(impl.service.Service):
        def stopService(self):
            self.stopped = impl.defer.fail(ValueError("no"))
            return self.stopped

    parent = impl.service.MultiService()
    broken = Broken()
    broken.setServiceParent(parent)
    parent.startService()
    outcome = result(parent.stopService())
    assert outcome[0][0] is False
    assert outcome[0][1].check(ValueError)
    # DeferredList does not consume the child's failure: handle it so it is not logged.
    broken.stopped.addErrback(lambda failure: None)


# --- Application ----------------------------------------------------------------------


def test_applicationAdaptsToItsServices(impl):
    """IService(app) is a MultiService named after the application; IProcess holds uid and gid."""
    app = impl.service.Application("demo", uid=1000, gid=100)
    top = impl.service.IService(app)
    assert isinstance(top, impl.service.MultiService)
    assert top.name == "demo"
    assert impl.service.IServiceCollection(app) is top
    process = impl.service.IProcess(app)
    assert (process.uid, process.gid, process.processName) == (1000, 100, None)


def test_servicesJoinAnApplicationDirectly(impl):
    """setServiceParent(app) adds the service to the application's MultiService."""
    app = impl.service.Application("demo")
    child = impl.service.Service()
    child.setServiceParent(app)
    assert list(impl.service.IService(app)) == [child]
    assert child.parent is impl.service.IService(app)


def test_applicationIsNotAService(impl):
    """The application object itself is no service: only its adaptation is."""
    app = impl.service.Application("demo")
    assert not impl.service.IService.providedBy(app)


def test_applicationHasNoPersistence():
    """Twisted's Application has an IPersistable component; ours has none (a pinned difference)."""
    from twisted.persisted import sob
    assert sob.IPersistable(mservice.Application("demo"), None) is None
    from twisted.application import service
    assert sob.IPersistable(service.Application("demo"), None) is not None


def test_componentizedSetAndRemove():
    """setComponent registers a component for an interface; removeComponent forgets it."""
    thing = mservice.Componentized()
    process = mservice.Process()
    thing.setComponent(mservice.IProcess, process)
    assert mservice.IProcess(thing) is process
    assert thing.removeComponent(process) == [mservice.IProcess]
    assert mservice.IProcess(thing, None) is None


def test_noLoadApplication():
    """Differs from Twisted: loadApplication is absent (minitwistd reads .tac files itself)."""
    from twisted.application import service
    assert hasattr(service, "loadApplication")
    assert not hasattr(mservice, "loadApplication")


def test_serviceMakerImportsItsModuleWhenUsed(tmp_path, monkeypatch):
    """ServiceMaker is a plugin and service maker whose Options and makeService come from its module."""
    from zope.interface.verify import verifyObject

    from minitwisted.plugin import IPlugin

    (tmp_path / "kit_maker_module.py").write_text(
        "from minitwisted.python import usage\n"
        "class Options(usage.Options):\n    pass\n"
        "def makeService(options):\n    return 'made'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    maker = mservice.ServiceMaker("Kit", "kit_maker_module", "A kit service.", "kit")
    assert verifyObject(mservice.IServiceMaker, maker)
    assert IPlugin.providedBy(maker)
    assert maker.makeService(maker.options()) == "made"
