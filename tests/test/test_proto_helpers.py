"""Tests for minitwisted.test.proto_helpers, the deprecated old name of internet.testing.

Each test takes the ``impl`` fixture and runs once on minitwisted and once on Twisted
26.10: importing the module is silent on both, and using a name from it warns on both.
The warning's text names each framework's own modules, the one deliberate difference.
"""

import importlib
import subprocess
import sys
import types
import warnings

import pytest


def _namespace(name):
    return types.SimpleNamespace(
        name=name,
        helpers=importlib.import_module(f"{name}.test.proto_helpers"),
        testing=importlib.import_module(f"{name}.internet.testing"))


@pytest.fixture(params=["minitwisted", "twisted"])
def impl(request):
    """The alias module under test, with the module it points to: ours, then the oracle."""
    return _namespace(request.param)


@pytest.mark.parametrize("package", ["minitwisted", "twisted"])
def test_importingTheModuleIsSilent(package):
    """Importing proto_helpers, in a fresh interpreter, emits no warning."""
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", f"import {package}.test.proto_helpers"],
        capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (0, "")


def test_usingANameWarnsAndGivesTheNewObject(impl):
    """proto_helpers.StringTransport warns (DeprecationWarning) and is testing.StringTransport."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = impl.helpers.StringTransport
    assert value is impl.testing.StringTransport
    assert [w.category for w in caught] == [DeprecationWarning]
    assert str(caught[0].message) == (
        f"{impl.name}.test.proto_helpers.StringTransport was deprecated in Twisted 19.7.0: "
        f"Please use {impl.name}.internet.testing.StringTransport instead.")


def test_fromImportWarnsToo(impl):
    """from ... proto_helpers import MemoryReactor warns once and binds the new class."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        namespace = {}
        exec(f"from {impl.name}.test.proto_helpers import MemoryReactor", namespace)
    assert namespace["MemoryReactor"] is impl.testing.MemoryReactor
    assert [w.category for w in caught] == [DeprecationWarning]


def test_everyExportedNameIsTheTestingModulesObject(impl):
    """Each name in __all__ is the object of the same name in internet.testing."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for name in impl.helpers.__all__:
            assert getattr(impl.helpers, name) is getattr(impl.testing, name)


def test_exportedNamesAreTwistedsLessEventLoggingObserver():
    """Differs from Twisted: EventLoggingObserver is not exported, as minitwisted has none."""
    ours = importlib.import_module("minitwisted.test.proto_helpers").__all__
    theirs = importlib.import_module("twisted.test.proto_helpers").__all__
    assert set(theirs) - set(ours) == {"EventLoggingObserver"}
    assert set(ours) <= set(theirs)


def test_unknownNameRaisesAttributeError(impl):
    """A name the module never had raises AttributeError, without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError):
            impl.helpers.NoSuchHelper
