"""Jobs that send an issue, a minute's worth at a time, and the course notices."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from huey import crontab

from lms.database import utcnow
from lms.extensions import queue
from lms.newsletter import services
from lms.operations.schedule import HOURLY, scheduled

logger = logging.getLogger(__name__)


def run_send(issue_id: int) -> services.BatchResult:
    """Add the issue's missing deliveries, then send one minute's quota of them."""
    config = current_app.config
    services.create_deliveries(issue_id)
    per_minute = int(config["NEWSLETTER_SEND_PER_MINUTE"])
    # One batch is a minute's quota, spaced over the minute: the next batch starts after it.
    return services.send_batch(issue_id, config, limit=per_minute, per_minute=per_minute)


@queue.job()
def send_issue_job(issue_id: int) -> None:
    """Send an issue: a batch now, then queue itself again until every copy is out."""
    result = run_send(issue_id)
    if result.busy:
        return  # another job is sending this issue; it carries on until the end
    if result.remaining:
        due = result.next_due or utcnow()
        delay = max((due - utcnow()).total_seconds(), 0)
        send_issue_job.schedule((issue_id,), delay=delay)


# Not once per period: two workers resuming the same issue is harmless (the second finds it
# busy), and a run that queued nothing must not stop another worker from trying.
@queue.periodic_task(crontab(minute="*/5"))
def resume_sending_job() -> None:
    """Pick up issues whose send stopped (a worker restart), every five minutes."""
    with queue.app_context():
        issue_ids = services.issues_being_sent(utcnow())
    for issue_id in issue_ids:
        send_issue_job(issue_id)


@scheduled("newsletter.course_notices", HOURLY, at=timedelta(minutes=15))
def course_notices_job() -> None:
    """Send the course notices learners asked for, hourly."""
    services.send_course_notices(utcnow())
