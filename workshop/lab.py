"""Start JupyterLab on the workshop, on this machine only, and print its address.

``python3 kit.py workshop`` ends here (as ``python -m workshop lab``).  The server
listens on 127.0.0.1; JupyterLab prints the address with its login token.  On a
machine with no screen it does not try to open a browser, so it works over SSH too:
forward the port and open the printed address.

Before it starts, the presenter's decks in ``slides/`` are rebuilt when the notebooks
(or the diagrams, or the agenda) changed since the last build, so what a presenter
opens always matches the sources (``workshop/slides.py``).
"""

import os
import sys
from pathlib import Path


def is_headless(environ=None, platform=None):
    """True on a Linux or BSD machine with no graphical display to open a browser on."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform.startswith(("win", "darwin")):
        return False
    return not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def lab_arguments(root, port=8888, open_browser=None):
    """The JupyterLab command-line arguments for the workshop rooted at ``root``."""
    root = Path(root).resolve()
    arguments = [
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port=%d" % port,
        "--ServerApp.root_dir=%s" % root,
    ]
    if (root / "notebooks").is_dir():
        arguments.append("--ServerApp.default_url=/lab/tree/notebooks")
    if open_browser is None:
        open_browser = not is_headless()
    if not open_browser:
        arguments.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Containers and CI often run as root; JupyterLab refuses that unless told.
        arguments.append("--allow-root")
    return arguments


def refresh_slides():
    """Rebuild the decks when their sources changed; a failure is reported, not fatal.

    The workshop must open even when the slides cannot be built (reveal.js missing,
    a notebook's slides unfinished): learners do not need them.
    """
    from workshop import slides

    if not slides.is_stale():
        return True
    print("Building the slides in %s ..." % slides.SLIDES, flush=True)
    try:
        slides.build()
    except Exception as error:  # noqa: BLE001 - any failure here must not stop the lab
        print("warning: the slides were not built: %s" % error, file=sys.stderr, flush=True)
        return False
    return True


def main(root, port=8888, open_browser=None, extra=()):
    """Run JupyterLab in this process until it is stopped with Ctrl-C."""
    from jupyterlab.labapp import LabApp

    refresh_slides()
    arguments = lab_arguments(root, port, open_browser) + list(extra)
    print("Starting JupyterLab on the workshop in %s (stop it with Ctrl-C)." % root,
          flush=True)
    LabApp.launch_instance(argv=arguments)
    return 0
