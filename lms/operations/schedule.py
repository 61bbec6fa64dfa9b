"""Scheduled jobs that run once per period, however many job workers (on however many hosts).

Each job worker's consumer enqueues periodic tasks on its own clock, so with two workers every
scheduled job is queued twice. Before doing anything a run inserts a (job, period) row; the
unique constraint lets exactly one insert win and the others skip. The row is written in the
job's own transaction, so a run that fails, or whose worker is killed mid-way, leaves no row.

A job's period starts at its offset (a daily job "at 13:00" has periods from 13:00 to 13:00),
and the job is ticked every few minutes, not once a period: the first tick after the start runs
it, a tick that finds the period's row skips after one SELECT, and a tick after a failed or
killed run runs it again within the same period instead of a day later. A worker that was down
at the start catches up on its first tick. Hosts' clocks must agree (NTP), as periods are cut
from each worker's clock.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from huey import crontab
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from lms.database import utcnow, writing
from lms.extensions import db, queue
from lms.operations.metrics import SCHEDULED_RUNS
from lms.operations.models import ScheduledRun

logger = logging.getLogger(__name__)

DAILY = timedelta(days=1)
HOURLY = timedelta(hours=1)
FIVE_MINUTES = timedelta(minutes=5)
KEEP_RUNS = timedelta(days=90)


def period_of(moment: datetime, every: timedelta, at: timedelta = timedelta(0)) -> str:
    """Return the period of length `every`, starting `at` into it, that holds `moment`.

    Named by its start less `at` as ISO text ("2026-11-30" for the day from 13:00 on the
    30th when `at` is 13 hours), so the names do not change with the offset.
    """
    seconds = int(every.total_seconds())
    epoch = int((moment.astimezone(UTC) - at).timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, UTC)
    return start.date().isoformat() if seconds % 86400 == 0 else start.strftime("%Y-%m-%dT%H:%M")


def tick_for(every: timedelta) -> crontab:
    """Return how often to look whether a job with periods of `every` is due: a few minutes."""
    # A retry within minutes of a failed run, for one SELECT a tick while the period has run.
    return crontab(minute="*") if every <= FIVE_MINUTES else crontab(minute="*/5")


def already_ran(job: str, period: str) -> bool:
    """Tell whether a run of `job` holds `period`, without taking any lock."""
    found = db.session.scalar(
        select(ScheduledRun.id).where(ScheduledRun.job == job, ScheduledRun.period == period)
    )
    db.session.rollback()  # end the read, so the claim below begins as a writing transaction
    return found is not None


def run_once(job: str, period: str, work: Callable[[], Any]) -> bool:
    """Run `work` for `period` unless a run of `job` already holds it; tell whether it ran.

    Commits: the claim and the work's changes together, or neither.
    """
    if already_ran(job, period):
        SCHEDULED_RUNS.labels(job, "skipped").inc()
        return False  # the common case, each tick after the run: no log line
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


def scheduled(
    job: str, every: timedelta, *, at: timedelta = timedelta(0)
) -> Callable[[Callable[[], Any]], Any]:
    """Declare `work` a periodic task run once per `every` (from `at` into it) across workers."""

    def decorate(work: Callable[[], Any]) -> Any:
        @functools.wraps(work)
        def run() -> bool:
            with queue.app_context(), queue.link_context():
                return run_once(job, period_of(utcnow(), every, at), work)

        return queue.periodic_task(tick_for(every), name=job)(run)

    return decorate


@scheduled("operations.prune_runs", DAILY, at=timedelta(hours=3, minutes=30))
def prune_runs_job() -> None:
    """Forget scheduled runs older than 90 days: only the current period's row matters."""
    cutoff = utcnow() - KEEP_RUNS
    db.session.execute(delete(ScheduledRun).where(ScheduledRun.ran_at < cutoff))


__all__ = [
    "DAILY",
    "FIVE_MINUTES",
    "HOURLY",
    "period_of",
    "run_once",
    "scheduled",
    "tick_for",
]
