"""The texts of account emails."""

from __future__ import annotations

from flask import current_app, render_template, url_for

from lms.mail import queue_email


def _send(to: str, subject: str, template: str, **context: object) -> None:
    site = current_app.config["SITE_NAME"]
    body = render_template(f"accounts/email/{template}.txt", site=site, **context)
    queue_email(to, f"{subject} – {site}", body)


def send_confirmation(to: str, name: str, token: str) -> None:
    """Email the link that confirms a new account's address."""
    link = url_for("accounts.confirm", token=token, _external=True)
    _send(to, "Confirm your email address", "confirm", name=name, link=link)


def send_already_registered(to: str, name: str) -> None:
    """Tell an account holder that someone tried to sign up with their address."""
    _send(
        to,
        "You already have an account",
        "already_registered",
        name=name,
        login=url_for("accounts.login", _external=True),
        reset=url_for("accounts.request_reset", _external=True),
    )


def send_reset(to: str, name: str, token: str, minutes: int) -> None:
    """Email a one-time password-reset link."""
    link = url_for("accounts.reset", token=token, _external=True)
    _send(to, "Reset your password", "reset", name=name, link=link, minutes=minutes)
