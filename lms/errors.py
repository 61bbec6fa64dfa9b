"""Error pages that help the person and reveal nothing about the server."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: ("Something in that request did not look right", "Please go back and try again."),
    403: (
        "This page is not available to you",
        "If you think you should have access, contact support.",
    ),
    404: ("We could not find that page", "The link may be out of date, or the page has moved."),
    405: ("That action is not possible here", "Please go back and try again."),
    413: ("That upload is too large", "Please choose a smaller file."),
    429: (
        "Too many attempts",
        "For your account's safety we have paused sign-in attempts. "
        "Please wait a minute and try again.",
    ),
    500: (
        "Something went wrong on our side",
        "Nothing you did caused this. Please try again shortly.",
    ),
}


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    """Render the friendly page for an HTTP status code."""
    title, advice = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    return render_template(
        "errors/error.html", code=code, title=title, advice=advice, detail=detail
    ), code


def _handle_http(error: HTTPException) -> tuple[str, int]:
    return render_error(error.code or 500)


def _handle_csrf(error: CSRFError) -> tuple[str, int]:
    return render_error(
        400,
        "Your form expired or was sent from another page. Please reload the page and try again.",
    )


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, _handle_csrf)
    # Unhandled exceptions reach the 500 handler as InternalServerError (logged by Flask).
    app.register_error_handler(HTTPException, _handle_http)
