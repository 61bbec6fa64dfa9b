"""The texts of account emails, each written in its recipient's language."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from lms.links import external_url
from lms.mail import queue_email


def _send(
    to: str, subject: LazyString, template: str, *, locale: str | None, **context: object
) -> None:
    site = current_app.config["SITE_NAME"]
    # The subject is a lazy string: it is translated here, in the recipient's language.
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render_template(f"accounts/email/{template}.txt", site=site, **context)
        queue_email(to, f"{subject} – {site}", body)


def send_confirmation(to: str, name: str, token: str, *, locale: str | None = None) -> None:
    """Email the link that confirms a new account's address, in `locale` ("es_US")."""
    link = external_url("accounts.confirm", token=token)
    _send(to, _l("Confirm your email address"), "confirm", locale=locale, name=name, link=link)


def send_already_registered(to: str, name: str, *, locale: str | None = None) -> None:
    """Tell an account holder that someone tried to sign up with their address."""
    _send(
        to,
        _l("You already have an account"),
        "already_registered",
        locale=locale,
        name=name,
        login=external_url("accounts.login"),
        reset=external_url("accounts.request_reset"),
    )


def send_reset(to: str, name: str, token: str, minutes: int, *, locale: str | None = None) -> None:
    """Email a one-time password-reset link."""
    link = external_url("accounts.reset", token=token)
    _send(
        to, _l("Reset your password"), "reset", locale=locale, name=name, link=link, minutes=minutes
    )
