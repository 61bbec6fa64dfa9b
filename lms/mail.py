"""Outgoing email over SMTP, or printed to the console when no server is configured."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

from flask import Flask, current_app


def build_message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """Build a plain-text email."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send_email(to: str, subject: str, body: str) -> None:
    """Send one plain-text email with the application's mail settings."""
    config = current_app.config
    message = build_message(config["MAIL_SENDER"], to, subject, body)
    if not config["MAIL_SERVER"]:
        # Development: show the email (and any reset link in it) where the developer looks.
        print(
            f"--- email (not sent: LMS_MAIL_SERVER is empty) ---\n{message}\n---", file=sys.stderr
        )
        return
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def init_app(app: Flask) -> None:
    """Refuse to start in production without somewhere to send email."""
    if app.config["ENV_NAME"] == "production" and not app.config["MAIL_SERVER"]:
        app.logger.warning(
            "LMS_MAIL_SERVER is not set: password-reset emails will only be printed to the log."
        )
