"""Account work done off the request path, so that answers take as long whoever asks."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from lms.accounts import emails, services
from lms.accounts.models import TokenPurpose
from lms.extensions import db, queue
from lms.i18n import locale_for


@queue.job()
def send_password_reset_job(email: str, language: str | None = None) -> None:
    """Email a password-reset link if an active account uses `email`; otherwise do nothing.

    The email is in the account's language, else in `language`, the page's it was asked from.
    """
    user = services.find_user_by_email(email)
    if user is None or not user.active:
        return
    max_age = int(current_app.config["PASSWORD_RESET_MAX_AGE"])
    token = services.issue_token(user, TokenPurpose.RESET_PASSWORD, timedelta(seconds=max_age))
    with queue.link_context():
        emails.send_reset(
            user.email, user.full_name, token, max_age // 60, locale=locale_for(user, language)
        )
    db.session.commit()  # the outbox row commits with the token; its own job sends it
