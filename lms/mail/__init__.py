"""Outgoing email: queued in the outbox, sent by background jobs over SMTP (or printed)."""

from __future__ import annotations

from flask import Flask

from lms.mail.services import Attachment, build_message, queue_email

__all__ = ["Attachment", "build_message", "init_app", "queue_email"]


def init_app(app: Flask) -> None:
    """Send committed outbox emails through the job queue; warn when there is no mail server."""
    from lms.mail import tasks

    tasks.listen()
    if app.config["ENV_NAME"] == "production" and not app.config["MAIL_SERVER"]:
        app.logger.warning(
            "LMS_MAIL_SERVER is not set: password-reset emails will only be printed to the log."
        )
