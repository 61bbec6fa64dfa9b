"""Static files under URLs that change with their content, so they can be cached for good.

At start-up each file in lms/static/ is hashed once; `url_for('static', filename=...)` then adds
`?v=<first 16 hex digits of its SHA-256>`. A request whose `v` is the file's current hash is
answered "immutable" for a year: a new release with a changed file gives it a new URL. Any other
`v` (a page from another release, during a rolling upgrade) or none gets a short max-age, so a
cache never keeps the wrong bytes under a hashed URL. The hash is of the content, not of a
timestamp, so every host shipping the same files computes the same URLs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.wrappers import Response

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
DIGITS = 16


def file_hashes(folder: str | Path) -> dict[str, str]:
    """Return each file's path under `folder` (with "/") and the start of its SHA-256."""
    root = Path(folder)
    if not root.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:DIGITS]
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def init_app(app: Flask) -> None:
    """Hash the static files once, version their URLs, and cache matching requests for good."""
    hashes = file_hashes(app.static_folder or "")
    app.extensions["static_hashes"] = hashes

    @app.url_defaults
    def add_content_hash(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values:
            digest = hashes.get(str(values.get("filename", "")))
            if digest:
                values["v"] = digest

    @app.after_request
    def cache_static_files(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename", "")
            current = hashes.get(filename)
            matches = current is not None and request.args.get("v") == current
            response.headers["Cache-Control"] = IMMUTABLE if matches else SHORT
        return response
