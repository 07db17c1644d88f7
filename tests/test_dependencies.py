"""The direction of dependencies: minitwisted needs only the standard library and zope.interface.

DESIGN.md's rule, checked on the source: a learner must be able to read and run
minitwisted without Jupyter, matplotlib, real Twisted or the kit's own tooling.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = set(sys.stdlib_module_names) | {"zope", "minitwisted"}


def imported_top_level_names(path):
    """Return the top-level package of every absolute import in a Python file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_minitwisted_imports_only_the_standard_library_and_zope_interface():
    """No module of minitwisted imports anything outside the stdlib, zope and itself."""
    offenders = {}
    for path in sorted((ROOT / "minitwisted").rglob("*.py")):
        outside = imported_top_level_names(path) - ALLOWED
        if outside:
            offenders[str(path.relative_to(ROOT))] = sorted(outside)
    assert offenders == {}


def test_the_checker_sees_a_forbidden_import(tmp_path):
    """The check notices an import of twisted, matplotlib or workshop."""
    source = tmp_path / "bad.py"
    source.write_text("import os\nfrom twisted.internet import defer\n"
                      "import matplotlib.pyplot\nfrom workshop import lab\n")
    assert imported_top_level_names(source) - ALLOWED == {"twisted", "matplotlib",
                                                          "workshop"}
