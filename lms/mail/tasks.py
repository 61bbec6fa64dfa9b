"""Jobs that send the outbox, and the hook that queues them once the email is committed."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from huey import crontab
from huey.exceptions import RetryTask
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from lms.database import utcnow
from lms.extensions import queue
from lms.mail import services
from lms.mail.models import OutboxEmail

logger = logging.getLogger(__name__)

_PENDING = "outbox_pending_ids"


@queue.job()
def send_email_job(email_id: int) -> None:
    """Send one outbox email; after a mail-server error, retry later and later (30 s, doubling)."""
    try:
        services.send_outbox_email(email_id, current_app.config)
    except services.SendFailed as failure:
        delay = max((failure.retry_at - utcnow()).total_seconds(), 0)
        raise RetryTask(str(failure), delay=delay) from failure


@queue.periodic_task(crontab(minute="*"))
def sweep_outbox_job() -> None:
    """Queue again every unsent email whose retry is due (after a crash or long outage)."""
    # Leave retries Huey has already scheduled a little time to run before doubling them up.
    sweep_outbox(grace=timedelta(minutes=2))


@queue.on_startup()
def _sweep_at_startup() -> None:
    sweep_outbox()


def sweep_outbox(*, grace: timedelta = timedelta(0)) -> int:
    """Queue a job for each unsent email that is due; return how many were queued."""
    with queue.app_context():
        ids = services.unsent_email_ids(utcnow(), grace=grace)
    for email_id in ids:
        send_email_job(email_id)
    return len(ids)


def _collect(session: Session, flush_context: Any) -> None:
    new = [obj.id for obj in session.new if isinstance(obj, OutboxEmail)]
    if new:
        session.info.setdefault(_PENDING, []).extend(new)


def _dispatch(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: nothing is committed until the outer transaction is
    for email_id in session.info.pop(_PENDING, []):
        try:
            send_email_job(email_id)
        except Exception:
            # The email is safely in the outbox; the next sweep queues it.
            logger.exception("Could not queue outbox email %s; the sweep will retry.", email_id)


def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        # Rolled back (after a commit the list is already gone): nothing to send.
        session.info.pop(_PENDING, None)


def listen() -> None:
    """Queue each committed outbox email for sending, and only committed ones."""
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _dispatch)
        event.listen(Session, "after_transaction_end", _forget)
