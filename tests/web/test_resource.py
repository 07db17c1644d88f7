"""Tests for minitwisted.web.resource, side by side with twisted.web.resource."""

import types
import warnings

import pytest

from tests.web.conftest import webModules


@pytest.fixture(params=["minitwisted", "twisted"])
def web(request):
    return webModules(request.param)


def fakeRequest(path, method=b"GET"):
    return types.SimpleNamespace(prepath=[], postpath=path.split(b"/")[1:], method=method,
                                 codes=[], headers={},
                                 setResponseCode=None, setHeader=None)


def test_putChildAndTraversal(web):
    """getChildForRequest walks children, moving segments from postpath to prepath."""
    root, a, leaf = web.resource.Resource(), web.resource.Resource(), web.resource.Resource()
    leaf.isLeaf = True
    root.putChild(b"a", a)
    a.putChild(b"b", leaf)
    request = fakeRequest(b"/a/b/c/d")
    assert web.resource.getChildForRequest(root, request) is leaf
    assert (request.prepath, request.postpath) == ([b"a", b"b"], [b"c", b"d"])


def test_missingChildIs404(web):
    """getChild of a plain Resource gives a resource that answers 404."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        child = web.resource.Resource().getChildWithDefault(b"x", fakeRequest(b"/x"))
    assert child.code == 404


def test_renderDispatchesOnMethod(web):
    """render calls render_<METHOD> and raises UnsupportedMethod listing the others."""
    class R(web.resource.Resource):
        def render_GET(self, request):
            return b"got"

    assert R().render(fakeRequest(b"/")) == b"got"
    with pytest.raises(web.resource.UnsupportedMethod) as caught:
        R().render(fakeRequest(b"/", method=b"PUT"))
    assert set(caught.value.allowedMethods) == {b"GET", b"HEAD"}


def test_putChildRefusesStr(web):
    """A str path segment is refused (Twisted warns and we raise TypeError; both refuse it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises((TypeError, DeprecationWarning)):
            web.resource.Resource().putChild("a", web.resource.Resource())


def test_noResourceDoesNotWarn():
    """Differs from Twisted: creating NoResource does not emit a DeprecationWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        webModules("minitwisted").resource.NoResource()
