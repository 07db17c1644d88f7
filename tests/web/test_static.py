"""Tests for minitwisted.web.static.File over loopback: serving a folder and nothing outside it."""

import os
import socket

import pytest

from tests.web.conftest import curl, inThread, webModules


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "a.txt").write_bytes(b"text file")
    (root / "sub" / "index.html").write_bytes(b"<p>index</p>")
    (tmp_path / "secret.txt").write_bytes(b"SECRET")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    return root


def get(net, port, rawPath):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET " + rawPath + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def test_servesAFileWithItsType(net, serve, site):
    """A file is served with its content type from mimetypes."""
    port = serve(net, webModules(net.name).static.File(str(site)))
    out = curl(net, "-i", "http://127.0.0.1:%d/a.txt" % port)
    assert out.startswith(b"HTTP/1.1 200 OK")
    assert b"Content-Type: text/plain" in out
    assert out.endswith(b"\r\n\r\ntext file")


def test_directoryServesIndexHtml(net, serve, site):
    """A directory with index.html is answered by it."""
    port = serve(net, webModules(net.name).static.File(str(site)))
    assert curl(net, "http://127.0.0.1:%d/sub/" % port) == b"<p>index</p>"


@pytest.mark.parametrize("rawPath", [b"/../secret.txt", b"/%2e%2e/secret.txt",
                                     b"/sub/%2e%2e/%2e%2e/secret.txt", b"/%2fetc%2fpasswd",
                                     b"//etc/passwd", b"/nothing"])
def test_escapesAre404(mini, serve, site, rawPath):
    """Paths that try to leave the root get 404 and nothing outside is read."""
    port = serve(mini, webModules("minitwisted").static.File(str(site)))
    reply = inThread(mini, get, mini, port, rawPath)
    assert reply.startswith(b"HTTP/1.1 404")
    assert b"SECRET" not in reply and b"root:" not in reply


def test_symlinkOutOfRootIs404(mini, serve, site):
    """Differs from Twisted: a symlink pointing outside the root gets 404 (Twisted follows it)."""
    port = serve(mini, webModules("minitwisted").static.File(str(site)))
    reply = inThread(mini, get, mini, port, b"/link.txt")
    assert reply.startswith(b"HTTP/1.1 404") and b"SECRET" not in reply


def test_directoryWithoutIndexIs403(mini, serve, site):
    """Differs from Twisted: a directory without index.html gets 403, not a listing."""
    port = serve(mini, webModules("minitwisted").static.File(str(site)))
    assert inThread(mini, get, mini, port, b"/empty/").startswith(b"HTTP/1.1 403")


def test_rangeIsIgnored(mini, serve, site):
    """Differs from Twisted: a Range header is ignored and the whole file is sent."""
    port = serve(mini, webModules("minitwisted").static.File(str(site)))
    out = curl(mini, "-i", "-r", "0-3", "http://127.0.0.1:%d/a.txt" % port)
    assert out.startswith(b"HTTP/1.1 200") and out.endswith(b"text file")


def test_noLastModified(net, serve, site):
    """Differs from Twisted: no Last-Modified header (and so no If-Modified-Since answers)."""
    port = serve(net, webModules(net.name).static.File(str(site)))
    out = curl(net, "-i", "http://127.0.0.1:%d/a.txt" % port)
    assert (b"Last-Modified:" in out) == (net.name == "twisted")
