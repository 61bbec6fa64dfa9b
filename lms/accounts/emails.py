"""The texts of account emails."""

from __future__ import annotations

from flask import current_app, render_template

from lms.links import external_url
from lms.mail import send_email


def _send(to: str, subject: str, template: str, **context: object) -> None:
    site = current_app.config["SITE_NAME"]
    body = render_template(f"accounts/email/{template}.txt", site=site, **context)
    send_email(to, f"{subject} – {site}", body)


def send_confirmation(to: str, name: str, token: str) -> None:
    """Email the link that confirms a new account's address."""
    link = external_url("accounts.confirm", token=token)
    _send(to, "Confirm your email address", "confirm", name=name, link=link)


def send_already_registered(to: str, name: str) -> None:
    """Tell an account holder that someone tried to sign up with their address."""
    _send(
        to,
        "You already have an account",
        "already_registered",
        name=name,
        login=external_url("accounts.login"),
        reset=external_url("accounts.request_reset"),
    )


def send_reset(to: str, name: str, token: str, minutes: int) -> None:
    """Email a one-time password-reset link."""
    link = external_url("accounts.reset", token=token)
    _send(to, "Reset your password", "reset", name=name, link=link, minutes=minutes)
