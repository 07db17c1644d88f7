"""Tests for kit.py, the bootstrap behind the README's two commands."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("kit", ROOT / "kit.py")
kit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kit)


@pytest.fixture
def project(tmp_path):
    """A folder with the files the install fingerprint covers, and a fake installed .venv."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "kit.py").write_text("# bootstrap\n")
    venv = tmp_path / ".venv"
    python = kit.venv_python(venv)
    python.parent.mkdir(parents=True)
    python.write_text("")
    kernel = kit.kernel_spec_path(venv)
    kernel.parent.mkdir(parents=True)
    kernel.write_text("{}")
    reveal = kit.reveal_path(venv) / "dist" / "reveal.js"
    reveal.parent.mkdir(parents=True)
    reveal.write_text("")
    (venv / kit.STAMP.name).write_text(kit.install_fingerprint(tmp_path) + "\n")
    return tmp_path


def test_up_to_date_environment_needs_no_install(project):
    """An environment stamped with the current fingerprint is reused as it is."""
    assert not kit.needs_install(project / ".venv", project)


def test_changed_pyproject_needs_install(project):
    """Editing pyproject.toml makes the next run reinstall."""
    (project / "pyproject.toml").write_text("[project]\nname = 'y'\n")
    assert kit.needs_install(project / ".venv", project)


def test_missing_kernel_or_stamp_needs_install(project):
    """A missing kernel registration or stamp makes the next run reinstall."""
    kit.kernel_spec_path(project / ".venv").unlink()
    assert kit.needs_install(project / ".venv", project)
    (project / ".venv" / kit.STAMP.name).unlink()
    assert kit.needs_install(project / ".venv", project)


def test_missing_reveal_is_fetched_without_reinstalling(project):
    """An environment without reveal.js (for the slides) needs only reveal.js fetched."""
    assert not kit.needs_reveal(project / ".venv")
    (kit.reveal_path(project / ".venv") / "dist" / "reveal.js").unlink()
    assert kit.needs_reveal(project / ".venv")
    assert not kit.needs_install(project / ".venv", project)


def test_an_unreachable_registry_does_not_stop_the_workshop(monkeypatch, capsys):
    """When reveal.js cannot be fetched, the set-up warns and goes on."""
    def offline(venv_dir=kit.VENV):
        raise OSError("network unreachable")

    monkeypatch.setattr(kit, "needs_install", lambda: False)
    monkeypatch.setattr(kit, "needs_reveal", lambda: True)
    monkeypatch.setattr(kit, "install_reveal", offline)
    assert kit.ensure_environment() == kit.venv_python()
    assert "could not fetch reveal.js (network unreachable)" in capsys.readouterr().out


def reveal_tarball(files):
    """An npm-style tarball (everything under package/) holding ``files``."""
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo("package/" + name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_reveal_is_unpacked_only_when_its_sha512_matches(tmp_path, monkeypatch):
    """A tarball whose sha512 differs from the pinned one is refused, and nothing is written."""
    data = reveal_tarball({"dist/reveal.js": b"reveal"})
    with pytest.raises(SystemExit, match="does not match its sha512"):
        kit.unpack_reveal(data, tmp_path / "reveal.js")
    assert not (tmp_path / "reveal.js").exists()


def test_reveal_unpacks_only_what_the_decks_load(tmp_path, monkeypatch):
    """dist/, plugin/ and the licence are unpacked; the rest of the package is not."""
    import base64
    import hashlib

    data = reveal_tarball({"dist/reveal.js": b"reveal", "plugin/notes/notes.js": b"notes",
                           "LICENSE": b"MIT", "README.md": b"readme", "js/index.js": b"src"})
    monkeypatch.setattr(kit, "REVEAL_SHA512",
                        base64.b64encode(hashlib.sha512(data).digest()).decode())
    kit.unpack_reveal(data, tmp_path)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["LICENSE", "dist/reveal.js", "plugin/notes/notes.js"]


def test_missing_environment_needs_install(tmp_path):
    """No .venv at all means install."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "kit.py").write_text("")
    assert kit.needs_install(tmp_path / ".venv", tmp_path)


def test_this_checkout_is_installed():
    """The kit's own .venv, which runs these tests, is up to date with pyproject.toml."""
    assert not kit.needs_install()


def test_arguments_after_test_go_to_pytest():
    """Everything after 'test', options included, is passed to pytest."""
    command, extra = kit.parse_arguments(["test", "-q", "-k", "defer", "-x"])
    assert command == "test"
    assert kit.command_line(command, "py", extra) == ["py", "-m", "pytest", "-q", "-k",
                                                      "defer", "-x"]


def test_arguments_after_workshop_go_to_the_lab_command():
    """Everything after 'workshop' is passed to 'python -m workshop lab'."""
    command, extra = kit.parse_arguments(["workshop", "--port", "0", "--no-browser"])
    assert kit.command_line(command, "py", extra) == [
        "py", "-m", "workshop", "lab", "--port", "0", "--no-browser"]


def test_setup_takes_no_arguments():
    """'setup' with extra arguments is a usage error."""
    with pytest.raises(SystemExit):
        kit.parse_arguments(["setup", "--force"])


def test_registered_kernel_runs_minitwisted():
    """The kernel kit.py registers starts and runs minitwisted code."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name=kit.KERNEL_NAME, startup_timeout=60)
    try:
        outputs = []
        client.execute_interactive(
            "from minitwisted.internet import defer\n"
            "print(defer.succeed('kernel ok').result)",
            timeout=60, output_hook=outputs.append)
        printed = [m["content"]["text"] for m in outputs if m["msg_type"] == "stream"]
        assert printed == ["kernel ok\n"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_kit_and_workshop_check_name_the_same_kernel():
    """The kernel kit.py registers is the one 'python -m workshop check' looks for.

    kit.py runs before the kit is installed, so it cannot import the name; this
    keeps the two spellings together.
    """
    from workshop import check

    assert check.KERNEL_NAME == kit.KERNEL_NAME
