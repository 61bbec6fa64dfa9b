"""Every module imports on its own, and domain logic never drags in the web layer.

Each module is imported in a fresh interpreter (a forked child of one that has loaded only
third-party libraries), so an import cycle that the app factory's import order happens to hide
still fails here.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import lms

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(lms.__path__, prefix="lms.") if not info.ispkg
) + sorted(info.name for info in pkgutil.walk_packages(lms.__path__, prefix="lms.") if info.ispkg)


def third_party_imports() -> list[str]:
    """Return every module outside `lms` that a module of `lms` imports by an absolute name."""
    names: set[str] = set()
    for path in Path(lms.__path__[0]).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return sorted(name for name in names if name.split(".")[0] != "lms")


# Imports every module in its own forked child and prints {module: [problems]} as JSON. The
# parent loads the libraries first, so each child pays only for the project's own code (on a
# busy machine the walk otherwise took minutes). A library that fails to load here is tried
# again, and reported, in the child that needs it.
CHILD = r"""
import importlib, json, os, sys, traceback
for library in json.loads(sys.argv[2]):
    try:
        importlib.import_module(library)
    except BaseException:
        pass
web = lambda name: name.startswith("lms.") and name.rsplit(".", 1)[-1] in ("views", "cli")
result = {}
for name in json.loads(sys.argv[1]):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        problems = []
        try:
            importlib.import_module(name)
        except BaseException:
            problems.append(traceback.format_exc(limit=-3))
        else:
            if not web(name) and name != "lms":
                problems += [f"imports the web layer: {m}" for m in sorted(sys.modules) if web(m)]
        os.write(write, json.dumps(problems).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        output = pipe.read()
    os.waitpid(pid, 0)
    result[name] = json.loads(output or '["the import crashed the interpreter"]')
print(json.dumps(result))
"""


def test_every_module_imports_alone_without_the_web_layer() -> None:
    completed = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", CHILD, json.dumps(MODULES), json.dumps(third_party_imports())],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,  # a few minutes on a busy machine; a hang still ends
    )
    problems = {name: found for name, found in json.loads(completed.stdout).items() if found}
    assert problems == {}
    assert "lms.certificates.services" in MODULES  # the walk found the packages


def test_accounts_know_nothing_of_credit() -> None:
    # A name change reaches certificates through the `name_changed` signal only.
    folder = Path(lms.__path__[0]) / "accounts"
    importers = [p.name for p in folder.glob("*.py") if "lms.certificates" in p.read_text()]
    assert importers == []
