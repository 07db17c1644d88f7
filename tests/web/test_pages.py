"""Tests for minitwisted.web.pages: the same HTML on the wire as twisted.web.pages."""

import http.client

from tests.web.conftest import inThread, webModules


def fetch(net, port, path="/any/where"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path)
    response = conn.getresponse()
    result = (response.status, response.getheader("Content-Type"), response.read())
    conn.close()
    return result


def test_notFoundPage(net, serve):
    """notFound answers every path with 404 and Twisted's HTML."""
    port = serve(net, webModules(net.name).pages.notFound())
    assert inThread(net, fetch, net, port) == (
        404, "text/html; charset=utf-8",
        b"<!DOCTYPE html>\n<html><head><title>404 - No Such Resource</title></head><body>"
        b"<h1>No Such Resource</h1><p>Sorry. No luck finding that resource.</p></body></html>")


def test_errorPageEscapesText(net, serve):
    """errorPage puts its code in the status and escapes its text."""
    port = serve(net, webModules(net.name).pages.errorPage(418, "a<b", "c&d"))
    status, _, body = inThread(net, fetch, net, port)
    assert status == 418
    assert body.endswith(b"<title>418 - a&lt;b</title></head><body><h1>a&lt;b</h1><p>c&amp;d</p></body></html>")


def test_forbiddenPage(net, serve):
    """forbidden answers 403 with its custom message."""
    port = serve(net, webModules(net.name).pages.forbidden(message="no"))
    status, _, body = inThread(net, fetch, net, port)
    assert status == 403
    assert body.endswith(b"<h1>Forbidden Resource</h1><p>no</p></body></html>")
