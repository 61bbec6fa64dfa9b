"""Error pages that help the person and reveal nothing about the server."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from lms.api.problems import is_api_request, problem_response
from lms.extensions import db, login_manager

MESSAGES = {
    400: (_l("Something in that request did not look right"), _l("Please go back and try again.")),
    403: (
        _l("This page is not available to you"),
        _l("If you think you should have access, contact support."),
    ),
    404: (
        _l("We could not find that page"),
        _l("The link may be out of date, or the page has moved."),
    ),
    405: (_l("That action is not possible here"), _l("Please go back and try again.")),
    413: (_l("That upload is too large"), _l("Please choose a smaller file.")),
    429: (
        _l("Too many attempts"),
        _l(
            "For your account's safety we have paused sign-in attempts. "
            "Please wait a minute and try again."
        ),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("Nothing you did caused this. Please try again shortly."),
    ),
    503: (
        _l("We cannot reach our records right now"),
        _l(
            "Nothing you saved is lost. Please try again in a few minutes; the site recovers by "
            "itself. If this keeps happening, email support at the address below."
        ),
    ),
}
RETRY_AFTER_SECONDS = 30


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    """Render the friendly page for an HTTP status code."""
    title, advice = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    return render_template(
        "errors/error.html", code=code, title=title, advice=advice, detail=detail
    ), code


def database_unavailable(error: BaseException | None) -> bool:
    """Tell whether `error` means the database cannot be reached (down, restarting, locked)."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _end_failed_transaction() -> None:
    # A failed flush leaves the session unusable until rolled back, and the page's layout
    # (the signed-in person's menu) reads from it.
    try:
        db.session.rollback()
    except Exception:  # the connection itself is gone; nothing left to undo
        current_app.logger.warning("Could not roll back after an error.", exc_info=True)


def _forget_user() -> None:
    # The layout would load the signed-in person from the database that just failed.
    g._login_user = login_manager.anonymous_user()


def _handle_http(error: HTTPException) -> Any:
    code = error.code or 500
    if is_api_request():
        if code >= 500:
            _end_failed_transaction()
        return problem_response(error)
    if code < 500:
        return render_error(code)
    _end_failed_transaction()
    if isinstance(error, InternalServerError) and database_unavailable(error.original_exception):
        _forget_user()
        return *render_error(503), {"Retry-After": str(RETRY_AFTER_SECONDS)}
    try:
        return render_error(code)
    except Exception:
        # The page itself needed the database (to show who is signed in): show it without.
        current_app.logger.exception("The error page failed; showing it signed out.")
        _end_failed_transaction()
        _forget_user()
        return render_error(code)


def _handle_csrf(error: CSRFError) -> Any:
    if is_api_request():
        return problem_response(error)
    return render_error(
        400,
        _("Your form expired or was sent from another page. Please reload the page and try again."),
    )


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, _handle_csrf)
    # Unhandled exceptions reach the 500 handler as InternalServerError (logged by Flask).
    app.register_error_handler(HTTPException, _handle_http)
