"""Jobs that send xAPI statements: one per committed statement, retries, and a sweep."""

from __future__ import annotations

from flask import current_app
from huey import crontab

from lms import outbox
from lms.database import utcnow
from lms.extensions import queue
from lms.xapi import services
from lms.xapi.models import XapiStatement


@queue.job()
def send_statement_job(row_id: int) -> None:
    """Send one statement to the learning record store; if it is down, try again later."""
    if not services.enabled():
        return  # switched off since: the statement waits for `flask xapi flush`
    if services.send(row_id, current_app.config) is False and not queue.immediate:
        # Immediate mode (tests) would retry at once, in a loop: the sweep retries there.
        delay = services.retry_delay(1, float(current_app.config["XAPI_RETRY_SECONDS"]))
        send_statement_job.schedule((row_id,), delay=delay.total_seconds())


@queue.periodic_task(crontab(minute="*"))
def sweep_statements_job() -> None:
    """Queue every statement due for another try (the store was down, a worker restarted)."""
    with queue.app_context():
        if not services.enabled():
            return
        ids = services.pending_ids(utcnow())
    for row_id in ids:
        send_statement_job(row_id)


def listen() -> None:
    """Queue each committed statement, and only committed ones."""
    outbox.route(XapiStatement, send_statement_job)
