"""Jobs that deliver webhooks: one per committed delivery, a retry when due, and a sweep."""

from __future__ import annotations

from flask import current_app
from huey import crontab

from lms import outbox
from lms.database import utcnow
from lms.extensions import queue
from lms.webhooks import services
from lms.webhooks.models import WebhookDelivery


@queue.job()
def deliver_job(delivery_id: int) -> None:
    """Try one webhook delivery; if it fails, schedule the next try (backoff doubles)."""
    outcome = services.deliver(delivery_id, current_app.config)
    # Immediate mode (tests) would run the retry at once, in a loop: the sweep retries there.
    if outcome is not None and outcome.retry_at is not None and not queue.immediate:
        delay = max((outcome.retry_at - utcnow()).total_seconds(), 0)
        deliver_job.schedule((delivery_id,), delay=delay)


@queue.periodic_task(crontab(minute="*"))
def sweep_deliveries_job() -> None:
    """Queue every due delivery whose job was lost (a crash, a restart)."""
    sweep_deliveries()


def sweep_deliveries() -> int:
    """Queue a job for each due delivery; return how many were queued."""
    with queue.app_context():
        ids = services.due_delivery_ids(utcnow())
    for delivery_id in ids:
        deliver_job(delivery_id)
    return len(ids)


def listen() -> None:
    """Queue each committed delivery, and only committed ones."""
    outbox.route(WebhookDelivery, deliver_job)
