"""Tests for minitwisted.web.http_headers, side by side with twisted.web.http_headers."""

import pytest

from tests.web.conftest import webModules


@pytest.fixture(params=["minitwisted", "twisted"])
def Headers(request):
    return webModules(request.param).http_headers.Headers


def test_namesAreCaseInsensitive(Headers):
    """A header added under one spelling is found under another."""
    h = Headers()
    h.addRawHeader(b"X-Foo", b"1")
    assert h.getRawHeaders(b"x-FOO") == [b"1"]
    assert h.hasHeader("x-foo")


def test_valuesComeBackInTheNamesType(Headers):
    """A str name gives str values, a bytes name bytes values, encoded as UTF-8."""
    h = Headers()
    h.addRawHeader("X-Foo", "é")
    h.addRawHeader(b"x-foo", b"2")
    assert h.getRawHeaders("x-foo") == ["é", "2"]
    assert h.getRawHeaders(b"x-foo") == [b"\xc3\xa9", b"2"]


def test_setRemoveAndCanonicalNames(Headers):
    """setRawHeaders replaces, removeHeader removes, getAllRawHeaders spells names canonically."""
    h = Headers()
    h.setRawHeaders(b"etag", [b"a\r\nb"])
    h.setRawHeaders(b"content-type", [b"x"])
    h.setRawHeaders(b"content-type", [b"y"])
    h.removeHeader(b"missing")
    assert sorted(h.getAllRawHeaders()) == [(b"Content-Type", [b"y"]), (b"ETag", [b"a b"])]
    h.removeHeader("ETAG")
    assert h.getRawHeaders(b"etag", "none") == "none"


def test_setRawHeadersRefusesAString(Headers):
    """A bare bytes value list is refused (Twisted fails on it with AttributeError, we with TypeError)."""
    with pytest.raises((TypeError, AttributeError)):
        Headers().setRawHeaders(b"a", b"b")
