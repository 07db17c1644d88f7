"""Tests for workshop.lab: JupyterLab really starts on loopback and answers."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from workshop import lab

ROOT = Path(__file__).resolve().parents[2]


def test_headless_linux_has_no_display():
    """A Linux machine without DISPLAY or WAYLAND_DISPLAY counts as headless."""
    assert lab.is_headless({}, "linux")
    assert not lab.is_headless({"DISPLAY": ":0"}, "linux")
    assert not lab.is_headless({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not lab.is_headless({}, "darwin")
    assert not lab.is_headless({}, "win32")


def test_arguments_bind_loopback_and_skip_the_browser_when_asked(tmp_path):
    """The server listens on 127.0.0.1 in the given folder, without a browser when asked."""
    arguments = lab.lab_arguments(tmp_path, port=0, open_browser=False)
    assert "--ServerApp.ip=127.0.0.1" in arguments
    assert "--ServerApp.port=0" in arguments
    assert "--ServerApp.root_dir=%s" % tmp_path.resolve() in arguments
    assert "--no-browser" in arguments
    assert not any(a.startswith("--ServerApp.default_url") for a in arguments)
    (tmp_path / "notebooks").mkdir()
    with_notebooks = lab.lab_arguments(tmp_path, open_browser=True)
    assert "--ServerApp.default_url=/lab/tree/notebooks" in with_notebooks
    assert "--no-browser" not in with_notebooks


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def _get_when_up(url, timeout=60):
    """GET url, retrying while the server that printed it is still starting to listen."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return _get(url)
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_workshop_lab_starts_and_answers_on_localhost():
    """'python -m workshop lab' prints its address and serves JupyterLab and the kernel there."""
    process = subprocess.Popen(
        [sys.executable, "-m", "workshop", "lab", "--port", "0", "--no-browser"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, JUPYTER_PLATFORM_DIRS="1"))
    try:
        url = None
        output = []
        deadline = time.monotonic() + 90
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            found = re.search(r"http://127\.0\.0\.1:\d+/lab\?token=[0-9a-f]+", line)
            url = found and found.group(0)
        assert url, "no address printed:\n" + "".join(output)
        base, token = url.split("/lab?token=")
        status, body = _get_when_up("%s/api/status?token=%s" % (base, token))
        assert status == 200 and "started" in json.loads(body)
        status, page = _get(url)
        assert status == 200 and b"JupyterLab" in page
        status, body = _get("%s/api/kernelspecs?token=%s" % (base, token))
        assert "twisted-workshop" in json.loads(body)["kernelspecs"]
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
