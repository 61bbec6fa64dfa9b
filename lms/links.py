"""Links that leave the site (emails, certificates, QR codes) built from configuration.

A request's Host and X-Forwarded-Host headers are chosen by whoever sends the request, so a
link built from them can point a password-reset token at an attacker's site.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from flask import Flask, current_app, has_request_context, url_for
from werkzeug.exceptions import SecurityError

DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def external_url(endpoint: str, **values: Any) -> str:
    """Return the absolute URL of `endpoint`, on the site's configured public address.

    Without `BASE_URL` (development only), fall back to the request's host, which Flask
    checks against `TRUSTED_HOSTS`.
    """
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    # Outside a request (a command or a background job) in development: the dev server.
    base = base or DEVELOPMENT_BASE_URL
    # Bound to a placeholder host: only the path is used, so no request (or header) is needed.
    adapter = current_app.url_map.bind("base-url.invalid", script_name="/")
    return base + adapter.build(endpoint, values)


def local_redirect_target(target: str | None) -> str | None:
    """Return `target` as a path on this site to redirect to, or None if it may lead elsewhere.

    Browsers read `\\` as `/`, drop tabs and newlines, and some proxies decode `%2F`, so each
    of those is checked on the raw and on the fully percent-decoded address.
    """
    if not target or len(target) > 2048:
        return None
    decoded = target
    for _ in range(3):  # %252F -> %2F -> /
        decoded = unquote(decoded)
    for candidate in (target, decoded):
        if "\\" in candidate or any(ord(char) < 0x20 or ord(char) == 0x7F for char in candidate):
            return None
        if not candidate.startswith("/") or candidate.startswith("//"):
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc or parts.path.startswith("//"):
            return None
    parts = urlsplit(target)
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))


def init_app(app: Flask) -> None:
    """Let templates build external links with `external_url(...)`."""
    app.jinja_env.globals["external_url"] = external_url
    app.register_error_handler(SecurityError, _refuse_unknown_host)


def _refuse_unknown_host(error: SecurityError) -> tuple[str, int, dict[str, str]]:
    # Plain text: the site's error page builds URLs, which need a host it trusts.
    return (
        "400 Bad Request: this site does not answer to that host name. "
        "Administrators: list it in LMS_ALLOWED_HOSTS or set LMS_BASE_URL.\n",
        400,
        {"Content-Type": "text/plain; charset=utf-8"},
    )
