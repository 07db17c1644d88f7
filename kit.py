"""Set up the Twisted workshop kit and run it: the two commands of the README.

    python3 kit.py workshop     set up .venv when needed, then start JupyterLab
    python3 kit.py test         set up .venv when needed, then run every test

(On Windows type ``py kit.py ...``.)  Both create the virtual environment in
``.venv`` beside this file when it is missing, install the kit into it (the
packages ``minitwisted`` and ``workshop``, editable, with the test extra),
register the workshop's Jupyter kernel and fetch reveal.js (for the slides) from
the npm registry, checked against its sha512.  The install is recorded in a stamp
file inside ``.venv``; while ``pyproject.toml`` is unchanged the next run skips
straight to its command, so both commands are idempotent and quick.

This file uses only the standard library: it is what runs before anything is
installed.  Everything after the set-up lives in the kit (``python -m workshop``
and ``pytest``), so this stays a thin bootstrap.
"""

import argparse
import base64
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / "kit-installed.txt"
KERNEL_NAME = "twisted-workshop"
KERNEL_DISPLAY_NAME = "Python 3 (Twisted workshop)"
MIN_PYTHON = (3, 10)

# reveal.js for the slides, from the npm registry: the exact release, checked against the
# registry's own sha512 before anything is unpacked.  It goes into .venv/share/reveal.js,
# never into the repository; ``python -m workshop build slides`` copies it beside the decks.
REVEAL_VERSION = "5.2.1"
REVEAL_URL = "https://registry.npmjs.org/reveal.js/-/reveal.js-%s.tgz" % REVEAL_VERSION
REVEAL_SHA512 = ("r7//6mIM5p34hFiDMvYfXgyjXqGRta+/psd9YtytsgRlrpRzFv4RbH76TXd2qD+7ZPZEbpBDhdRh"
                 "JaFgfQ7zNQ==")
REVEAL_PARTS = ("dist/", "plugin/", "LICENSE")  # what the decks load, and the licence


def venv_python(venv_dir=VENV):
    """Return the path of the interpreter inside a virtual environment."""
    if os.name == "nt":
        return venv_dir / "Scripts" / "python.exe"
    return venv_dir / "bin" / "python"


def install_fingerprint(root=ROOT):
    """Fingerprint what the install depends on: the project metadata and this file."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "kit.py"):
        digest.update((root / name).read_bytes())
    return digest.hexdigest()


def kernel_spec_path(venv_dir=VENV):
    """Where ``ipykernel install --sys-prefix`` puts the workshop kernel."""
    return venv_dir / "share" / "jupyter" / "kernels" / KERNEL_NAME / "kernel.json"


def reveal_path(venv_dir=VENV):
    """Where the install step unpacks reveal.js."""
    return venv_dir / "share" / "reveal.js"


def needs_install(venv_dir=VENV, root=ROOT):
    """True when the environment is missing, stale, or lacks the kernel."""
    stamp = venv_dir / STAMP.name
    if not venv_python(venv_dir).exists() or not stamp.exists():
        return True
    if stamp.read_text().strip() != install_fingerprint(root):
        return True
    return not kernel_spec_path(venv_dir).exists()


def needs_reveal(venv_dir=VENV):
    """True when reveal.js has not been unpacked into the environment yet."""
    return not (reveal_path(venv_dir) / "dist" / "reveal.js").exists()


def unpack_reveal(data, target):
    """Check the reveal.js tarball ``data`` against its sha512 and unpack its parts into ``target``."""
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != REVEAL_SHA512:
        raise SystemExit("reveal.js %s from the registry does not match its sha512; "
                         "not installing it" % REVEAL_VERSION)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix("package/")
            if not member.isfile() or not name.startswith(REVEAL_PARTS) or ".." in name:
                continue
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(archive.extractfile(member).read())


def install_reveal(venv_dir=VENV):
    """Download reveal.js from the npm registry into the environment (slides need it)."""
    print("+ fetching reveal.js %s from the npm registry" % REVEAL_VERSION, flush=True)
    with urllib.request.urlopen(REVEAL_URL, timeout=60) as response:
        data = response.read()
    unpack_reveal(data, reveal_path(venv_dir))


def run(command):
    """Run a command, echoing it, and stop the bootstrap if it fails."""
    print("+", " ".join(str(part) for part in command), flush=True)
    status = subprocess.call([str(part) for part in command], cwd=ROOT)
    if status != 0:
        sys.exit(status)


def ensure_environment():
    """Create and fill .venv when needed; return its interpreter."""
    if sys.version_info < MIN_PYTHON:
        sys.exit("The kit needs Python %d.%d or newer; this is %s."
                 % (MIN_PYTHON + (sys.version.split()[0],)))
    python = venv_python()
    if not python.exists():
        print("Creating the virtual environment in %s" % VENV, flush=True)
        venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
    if needs_install():
        run([python, "-m", "pip", "install", "--disable-pip-version-check",
             "--quiet", "--editable", ".[test]"])
        run([python, "-m", "ipykernel", "install", "--sys-prefix",
             "--name", KERNEL_NAME, "--display-name", KERNEL_DISPLAY_NAME])
        STAMP.write_text(install_fingerprint() + "\n")
    if needs_reveal():
        # Only the slides need it: without the network the workshop still starts, and
        # the next run tries again.
        try:
            install_reveal()
        except OSError as error:
            print("warning: could not fetch reveal.js (%s); the slides will be built once "
                  "a run of kit.py can reach the npm registry" % error, flush=True)
    return python


def parse_arguments(argv=None):
    """Return the command and the arguments to pass on (to pytest or JupyterLab)."""
    parser = argparse.ArgumentParser(
        description="Set up the Twisted workshop kit in .venv and run it.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="only create or update .venv")
    sub.add_parser("workshop", help="start JupyterLab on the workshop (prints its "
                   "address); further arguments go to 'python -m workshop lab'")
    sub.add_parser("test", help="run every test; further arguments go to pytest")
    args, extra = parser.parse_known_args(argv)
    if args.command == "setup" and extra:
        parser.error("unrecognized arguments: %s" % " ".join(extra))
    return args.command, extra


def command_line(command, python, extra):
    """The command that ``workshop`` or ``test`` runs inside the environment."""
    if command == "workshop":
        return [str(python), "-m", "workshop", "lab", *extra]
    return [str(python), "-m", "pytest", *extra]


def main(argv=None):
    command, extra = parse_arguments(argv)
    python = ensure_environment()
    if command == "setup":
        return 0
    line = command_line(command, python, extra)
    print("+", " ".join(line), flush=True)
    try:
        return subprocess.call(line, cwd=ROOT)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
