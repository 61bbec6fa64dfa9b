"""The Markdown files of a folder of single-file documents (webinars, learning paths)."""

from __future__ import annotations

import re
from pathlib import Path

# `<slug>.<language>.md`: another language's edition of `<slug>.md`, read with it.
EDITION_RE = re.compile(r"(?P<slug>[^/]+?)\.(?P<language>[a-z]{2})\.md")


def primary_sources(root: Path) -> list[Path]:
    """Return root's `<slug>.md` files by name: no editions, hidden files or README."""
    return [
        path
        for path in sorted(root.glob("*.md"))
        if not path.name.startswith((".", "_"))
        and not EDITION_RE.fullmatch(path.name)
        and path.name.lower() != "readme.md"
    ]
