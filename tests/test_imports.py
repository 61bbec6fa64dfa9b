"""Every module imports on its own, and domain logic never drags in the web layer.

Each module is imported in a fresh interpreter (a forked child of one that has loaded only
third-party libraries), so an import cycle that the app factory's import order happens to hide
still fails here.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import lms

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(lms.__path__, prefix="lms.") if not info.ispkg
) + sorted(info.name for info in pkgutil.walk_packages(lms.__path__, prefix="lms.") if info.ispkg)

# Imports every module in its own forked child and prints {module: [problems]} as JSON.
CHILD = r"""
import importlib, json, os, sys, traceback
import flask, flask_login, flask_migrate, flask_sqlalchemy, flask_wtf, flask_limiter  # noqa
import frontmatter, markdown, nh3, pymdownx, segno, sqlalchemy, weasyprint, xlsxwriter  # noqa
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
        [sys.executable, "-c", CHILD, json.dumps(MODULES)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    problems = {name: found for name, found in json.loads(completed.stdout).items() if found}
    assert problems == {}
    assert "lms.certificates.services" in MODULES  # the walk found the packages


def test_accounts_know_nothing_of_credit() -> None:
    # A name change reaches certificates through the `name_changed` signal only.
    folder = Path(lms.__path__[0]) / "accounts"
    importers = [p.name for p in folder.glob("*.py") if "lms.certificates" in p.read_text()]
    assert importers == []
