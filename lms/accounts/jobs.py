"""Account work done off the request path, so that answers take as long whoever asks.

A reset request is a row before it is a job: Huey's Redis storage has no acknowledgement, so a
job popped by a worker that is then killed is gone. The row stays unhandled, and the sweep (each
minute, and when a worker starts) queues it again; the row lock makes handling it twice harmless.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from huey import crontab

from lms import outbox
from lms.accounts import emails, services
from lms.accounts.models import PasswordResetRequest, TokenPurpose
from lms.database import utcnow, writing
from lms.extensions import db, queue
from lms.i18n import locale_for
from lms.operations.schedule import DAILY, scheduled

logger = logging.getLogger(__name__)


@queue.job()
def send_password_reset_job(request_id: int | str, language: str | None = None) -> None:
    """Handle one reset request: email a link if an active account uses its address.

    The email is in the account's language, else in the request's (the page it was asked from).
    """
    with writing():
        if isinstance(request_id, str):
            # Queued as (email, language) by an app server of the previous release during a
            # rolling upgrade: record it first, like a request made now.
            request_id = services.request_password_reset(request_id, language).id
        row = services.claim_reset_request(request_id)
        if row is None:
            db.session.rollback()
            return  # handled already (a doubled job), or pruned
        user = services.find_user_by_email(row.email or "")
        if user is not None and user.active:
            max_age = int(current_app.config["PASSWORD_RESET_MAX_AGE"])
            token = services.issue_token(
                user, TokenPurpose.RESET_PASSWORD, timedelta(seconds=max_age)
            )
            with queue.link_context():
                emails.send_reset(
                    user.email,
                    user.full_name,
                    token,
                    max_age // 60,
                    locale=locale_for(user, row.language),
                )
        services.mark_reset_handled(row)
        # One commit: the token, the outbox email (its own job sends it) and the handled mark.
        db.session.commit()


@queue.periodic_task(crontab(minute="*"))
def sweep_reset_requests_job() -> None:
    """Queue again every reset request whose job was lost (a worker killed mid-job)."""
    # Leave a job queued a moment ago the time to run before doubling it up.
    sweep_reset_requests(grace=timedelta(minutes=2))


@queue.on_startup()
def _sweep_reset_requests_at_startup() -> None:
    sweep_reset_requests()


def sweep_reset_requests(*, grace: timedelta = timedelta(0)) -> int:
    """Queue a job for each unhandled reset request; return how many were queued."""
    with queue.app_context():
        ids = services.pending_reset_ids(utcnow(), grace=grace)
    for request_id in ids:
        send_password_reset_job(request_id)
    if ids:
        logger.info("queued %d password-reset request(s) again", len(ids))
    return len(ids)


@scheduled("accounts.prune_reset_requests", DAILY, at=timedelta(hours=3, minutes=40))
def prune_reset_requests_job() -> None:
    """Forget handled reset requests after a week, and stale unhandled ones with their address."""
    services.prune_reset_requests(utcnow())


def listen() -> None:
    """Queue each committed reset request, and only committed ones."""
    outbox.route(PasswordResetRequest, send_password_reset_job)
