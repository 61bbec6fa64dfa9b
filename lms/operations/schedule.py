"""Scheduled jobs that run once per period, however many job workers (on however many hosts).

Each job worker's consumer enqueues periodic tasks on its own clock, so with two workers every
scheduled job is queued twice. Before doing anything a run inserts a (job, period) row; the
unique constraint lets exactly one insert win and the others skip. The row is written in the
job's own transaction, so a run that fails leaves no row and the next tick tries again.
Hosts' clocks must agree (NTP), as periods are cut from each worker's clock.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from huey import crontab
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from lms.database import utcnow, writing
from lms.extensions import db, queue
from lms.operations.metrics import SCHEDULED_RUNS
from lms.operations.models import ScheduledRun

logger = logging.getLogger(__name__)


def period_of(moment: datetime, every: timedelta) -> str:
    """Return the start of the period of length `every` holding `moment`, as ISO text."""
    seconds = int(every.total_seconds())
    epoch = int(moment.astimezone(UTC).timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, UTC)
    return start.date().isoformat() if seconds % 86400 == 0 else start.strftime("%Y-%m-%dT%H:%M")


def run_once(job: str, period: str, work: Callable[[], Any]) -> bool:
    """Run `work` for `period` unless a run of `job` already holds it; tell whether it ran.

    Commits: the claim and the work's changes together, or neither.
    """
    with writing():
        db.session.add(ScheduledRun(job=job, period=period, ran_at=utcnow()))
        try:
            # PostgreSQL: a racing insert waits here for the winner's commit, then fails.
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            logger.info("scheduled job %s: %s already ran elsewhere", job, period)
            SCHEDULED_RUNS.labels(job, "skipped").inc()
            return False
        work()
        db.session.commit()
    SCHEDULED_RUNS.labels(job, "ran").inc()
    logger.info("scheduled job %s: ran for %s", job, period)
    return True


def scheduled(job: str, schedule: Callable[..., bool], every: timedelta) -> Callable[..., Any]:
    """Declare `work` a periodic task of the job worker, run once per `every` across workers."""

    def decorate(work: Callable[[], Any]) -> Any:
        @functools.wraps(work)
        def run() -> bool:
            with queue.app_context(), queue.link_context():
                return run_once(job, period_of(utcnow(), every), work)

        return queue.periodic_task(schedule, name=job)(run)

    return decorate


DAILY = timedelta(days=1)
HOURLY = timedelta(hours=1)
FIVE_MINUTES = timedelta(minutes=5)
KEEP_RUNS = timedelta(days=90)


@scheduled("operations.prune_runs", crontab(hour="3", minute="30"), DAILY)
def prune_runs_job() -> None:
    """Forget scheduled runs older than 90 days: only the current period's row matters."""
    cutoff = utcnow() - KEEP_RUNS
    db.session.execute(delete(ScheduledRun).where(ScheduledRun.ran_at < cutoff))


__all__ = ["DAILY", "FIVE_MINUTES", "HOURLY", "crontab", "period_of", "run_once", "scheduled"]
