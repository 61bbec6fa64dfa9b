"""Where a course's content came from: the git commit of the courses folder, when it is one."""

from __future__ import annotations

import shutil
import subprocess  # noqa: S404 (git only, with fixed arguments and no shell)
from dataclasses import dataclass
from pathlib import Path

_GIT_TIMEOUT = 10  # seconds; git answers these in milliseconds, a hung one must not block


@dataclass(frozen=True)
class Provenance:
    """The git commit a course folder was at, and whether it had uncommitted changes."""

    commit: str | None = None
    dirty: bool | None = None


def _git(folder: Path, *args: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            [git, "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def git_provenance(folder: Path) -> Provenance:
    """Return the commit of the checkout holding `folder` and whether `folder` is dirty.

    Outside a git checkout (or without git) both are None: the content hash alone identifies
    the version then.
    """
    commit = _git(folder, "rev-parse", "--verify", "HEAD")
    if commit is None:
        return Provenance()
    status = _git(folder, "status", "--porcelain", "--untracked-files=all", "--", ".")
    return Provenance(commit.strip(), None if status is None else bool(status.strip()))
