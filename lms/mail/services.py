"""Queue emails in the outbox and deliver them, each exactly once as far as SMTP allows.

Delivery claims a row (a lease, committed), talks to the mail server, then marks the row sent
(committed). If the worker dies after the server accepted the message but before the row is
marked sent, the lease runs out and the email is sent again: SMTP gives no way to make that last
step atomic. The message keeps the same Message-ID on every try, so mail clients can drop the
copy. Every other failure (server down, timeout, worker crash before sending) is retried.
"""

from __future__ import annotations

import smtplib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from sqlalchemy import or_, select, update

from lms.database import utcnow, writing
from lms.extensions import db
from lms.mail.models import OutboxEmail
from lms.operations.metrics import EMAILS_FAILED, EMAILS_SENT

LEASE = timedelta(minutes=5)  # longer than the SMTP timeout below, with room to spare
SMTP_TIMEOUT = 30
MAX_RETRY_DELAY = timedelta(hours=1)
# A retry that Huey runs a little before the row says it is due still counts as due.
DUE_SLACK = timedelta(seconds=5)


class SendFailed(Exception):
    """The mail server could not take an email now; try again at `retry_at`."""

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


@dataclass(frozen=True)
class Attachment:
    """A text file sent with an email, such as a calendar invitation."""

    filename: str
    content_type: str  # "text/calendar"
    text: str


def queue_email(
    to: str, subject: str, body: str, attachment: Attachment | None = None
) -> OutboxEmail:
    """Add an email to the outbox; it is sent by a job once the caller commits."""
    email = OutboxEmail(recipient=to, subject=subject, body=body)
    if attachment is not None:
        email.attachment_filename = attachment.filename
        email.attachment_type = attachment.content_type
        email.attachment = attachment.text
    db.session.add(email)
    db.session.flush()
    return email


def build_message(
    sender: str,
    to: str,
    subject: str,
    body: str,
    message_id: str | None = None,
    attachment: Attachment | None = None,
) -> EmailMessage:
    """Build a plain-text email, with its attachment if it has one."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(body)
    if attachment is not None:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.text.encode("utf-8"),
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
        )
    return message


def deliver(message: EmailMessage, config: Mapping[str, Any]) -> None:
    """Hand one message to the SMTP server, or print it when none is configured."""
    if not config["MAIL_SERVER"]:
        # Development: show the email (and any link in it) where the developer looks, readable
        # ("Sofía", not the quoted-printable "Sof=C3=ADa" of the wire format).
        headers = "".join(f"{name}: {value}\n" for name, value in message.items())
        print(
            f"--- email (not sent: LMS_MAIL_SERVER is empty) ---\n{headers}\n"
            f"{(message.get_body(('plain',)) or message).get_content()}---",
            file=sys.stderr,
        )
        return
    with smtplib.SMTP(
        config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=SMTP_TIMEOUT
    ) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def retry_delay(attempts: int, base_seconds: float = 30) -> timedelta:
    """Return how long to wait after `attempts` failed tries: `base_seconds`, doubling, <= 1 h."""
    return min(
        timedelta(seconds=base_seconds * 2 ** min(max(attempts - 1, 0), 20)), MAX_RETRY_DELAY
    )


@dataclass(frozen=True)
class _Claimed:
    id: int
    recipient: str
    subject: str
    body: str
    attempts: int
    created_at: datetime
    attachment: Attachment | None = None


def _claim(email_id: int, now: datetime) -> _Claimed | None:
    # One short write transaction, ended before the mail server is contacted: no database
    # lock or snapshot is held while SMTP takes its time.
    with writing():
        claimed = db.session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.id == email_id,
                OutboxEmail.sent_at.is_(None),
                OutboxEmail.failed_at.is_(None),
                # Not due yet: another job (a retry already scheduled) will send it; so two
                # jobs for one email, say a retry and a sweep, collapse into one.
                OutboxEmail.next_attempt_at <= now + DUE_SLACK,
                or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now),
            )
            .values(claimed_until=now + LEASE, attempts=OutboxEmail.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        row = db.session.get(OutboxEmail, email_id, populate_existing=True) if claimed else None
        email = (
            _Claimed(
                row.id,
                row.recipient,
                row.subject,
                row.body,
                row.attempts,
                row.created_at,
                Attachment(row.attachment_filename, row.attachment_type, row.attachment)
                if row.attachment is not None and row.attachment_filename and row.attachment_type
                else None,
            )
            if row is not None
            else None
        )
        db.session.commit()
    return email


def send_outbox_email(email_id: int, config: Mapping[str, Any]) -> bool:
    """Send one due outbox email unless sent or being sent; return whether this call sent it.

    Commits (it runs in a job, outside any request). Raises `SendFailed` after recording the
    mail server's error and when to try again.
    """
    email = _claim(email_id, utcnow())
    if email is None:
        return False
    message = build_message(
        config["MAIL_SENDER"],
        email.recipient,
        email.subject,
        email.body,
        message_id=_message_id(email, config["MAIL_SENDER"]),
        attachment=email.attachment,
    )
    try:
        deliver(message, config)
    except smtplib.SMTPRecipientsRefused as error:
        _finish(email_id, failed_at=utcnow(), last_error=str(error)[:500], body="", attachment=None)
        EMAILS_FAILED.labels("refused").inc()
        return False
    except (OSError, smtplib.SMTPException) as error:
        retry_at = utcnow() + retry_delay(email.attempts, float(config["MAIL_RETRY_SECONDS"]))
        reason = f"{type(error).__name__}: {error}"[:500]
        _finish(email_id, next_attempt_at=retry_at, last_error=reason)
        EMAILS_FAILED.labels("retry").inc()
        raise SendFailed(reason, retry_at) from error
    # The body goes once it is sent: it may hold a one-time link (reset, confirmation) that the
    # database otherwise keeps only hashed; an attachment may hold a private join link.
    _finish(email_id, sent_at=utcnow(), last_error=None, body="", attachment=None)
    EMAILS_SENT.inc()
    return True


def _message_id(email: _Claimed, sender: str) -> str:
    # The same on every try, so a copy sent twice (see the module docstring) can be recognized.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<outbox.{email.id}.{email.created_at:%Y%m%d%H%M%S}@{domain}>"


def _finish(email_id: int, **values: Any) -> None:
    with writing():
        db.session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email_id)
            .values(claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def unsent_email_ids(now: datetime, *, grace: timedelta = timedelta(0)) -> list[int]:
    """Return the emails due for a (re)try that no worker holds, oldest first."""
    return list(
        db.session.scalars(
            select(OutboxEmail.id)
            .where(
                OutboxEmail.sent_at.is_(None),
                OutboxEmail.failed_at.is_(None),
                OutboxEmail.next_attempt_at <= now - grace,
                or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now),
            )
            .order_by(OutboxEmail.id)
        )
    )
