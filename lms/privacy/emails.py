"""The email confirming an account's deletion, sent to the address before it is removed."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from lms.links import external_url
from lms.mail import queue_email


def send_deleted(to: str, name: str, kept: dict[str, int], *, locale: str | None) -> None:
    """Tell the person their account is deleted, and what was kept and why."""
    site = current_app.config["SITE_NAME"]
    subject = _l("Your account is deleted")  # translated below, in the person's language
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render_template(
            "privacy/email/deleted.txt",
            site=site,
            name=name,
            kept=kept,
            privacy=external_url("main.privacy"),
        )
        queue_email(to, f"{subject} – {site}", body)
