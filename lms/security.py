"""Response headers that keep browsers strict: a CSP without inline script, no framing."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, make_response
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


F = TypeVar("F", bound=Callable[..., Any])


def personal_data(view: F) -> F:
    """Serve the view's responses with `Cache-Control: no-store`: they carry someone's records.

    Put it on every download of personal data (certificates, transcripts, exports, archives),
    so that no browser, shared clinic computer or proxy keeps a copy.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        response = make_response(view(*args, **kwargs))
        # Replaces send_file's "no-cache", which still lets the file be stored.
        response.headers["Cache-Control"] = "no-store"
        return response

    wrapped.personal_data = True  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def is_personal_data(view: Callable[..., Any]) -> bool:
    """Return whether a view function is marked with `personal_data`."""
    return getattr(view, "personal_data", False)


def set_security_headers(response: Response) -> Response:
    """Add the security headers every response carries."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    )
    return response


def _set_hsts(response: Response) -> Response:
    response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _no_store_when_signed_in(response: Response) -> Response:
    # Pages with personal data must not linger in shared-computer caches (clinic workstations).
    from flask_login import current_user

    if "Cache-Control" in response.headers or not current_user:
        return response
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    # The user loader read an active user for this request (lms.accounts.access.load_user):
    # asking `is_authenticated` again after a form post's commit expired the user would read
    # the whole row again (taking SQLite's write lock once more) only to say the same.
    if getattr(user, "loaded_flags", None) is not None or user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Register the header hooks, and trust the configured number of reverse proxies."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Without this, every visitor shares the proxy's address and rate limits lock everyone out.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    app.after_request(set_security_headers)
    app.after_request(_no_store_when_signed_in)
    if app.config["ENV_NAME"] == "production":
        app.after_request(_set_hsts)
