"""Scheduled jobs run once per period, however many job workers race for them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.mail import queue_email
from lms.mail.models import OutboxEmail
from lms.operations.models import ScheduledRun
from lms.operations.schedule import DAILY, FIVE_MINUTES, period_of, run_once
from lms.organizations.jobs import send_reminders_job
from lms.organizations.models import ReminderLog
from tests.conftest import ROOT
from tests.test_organizations import TODAY, assign_to_clinic, clinic  # noqa: F401 (fixture)


def race(app, work, runs: int = 2) -> list[bool]:
    """Start `runs` workers at the same instant, each calling `work` in its own app context."""
    start = threading.Barrier(runs)
    results: list[bool] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                start.wait()
                results.append(work())
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return results


def test_two_workers_racing_for_one_period_run_it_once(app, mailbox):
    def send_digest() -> None:
        queue_email("staff@example.org", "Daily digest", "One per day.")
        time.sleep(0.3)  # long enough for the other worker to arrive while this one runs

    results = race(app, lambda: run_once("test.digest", "2026-11-30", send_digest))
    assert sorted(results) == [False, True]
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 1
    assert len(mailbox.to("staff@example.org")) == 1
    assert db.session.scalar(select(func.count(ScheduledRun.id))) == 1

    # The next period runs again.
    assert run_once("test.digest", "2026-12-01", send_digest) is True
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 2


def test_a_run_that_fails_leaves_the_period_free_for_the_next_try(app):
    def broken() -> None:
        queue_email("staff@example.org", "Daily digest", "One per day.")
        raise RuntimeError("mail template missing")

    with pytest.raises(RuntimeError):
        run_once("test.digest", "2026-11-30", broken)
    db.session.rollback()
    assert db.session.scalar(select(func.count(ScheduledRun.id))) == 0
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0
    assert run_once("test.digest", "2026-11-30", lambda: None) is True


def test_the_daily_reminders_job_sends_one_set_with_two_schedulers_racing(app, clinic, mailbox):  # noqa: F811
    assign_to_clinic(clinic, TODAY + timedelta(days=3))
    results = race(app, send_reminders_job.call_local)
    assert sorted(results) == [False, True]
    assert db.session.scalar(select(func.count(ReminderLog.id))) == 4  # three staff, a manager
    assert len(mailbox.to(clinic["staff"][0].email)) == 1
    assert len(mailbox.messages) == 4


def test_periods_are_cut_from_the_clock_the_same_way_on_every_host():
    moment = datetime(2026, 11, 30, 14, 7, 59, tzinfo=UTC)
    assert period_of(moment, DAILY) == "2026-11-30"
    assert period_of(moment, FIVE_MINUTES) == "2026-11-30T14:05"
    assert period_of(moment + timedelta(minutes=3), FIVE_MINUTES) == "2026-11-30T14:10"


def test_every_scheduled_job_runs_on_an_empty_site(app):
    from lms.extensions import queue

    periodic = {task.__name__: task for task in queue._registry._periodic_tasks}
    scheduled = {
        "reminders.send",
        "webinars.remind",
        "certificates.warn_closing",
        "cme.due",
        "newsletter.course_notices",
        "operations.prune_runs",
        "accounts.prune_reset_requests",
    }
    assert scheduled <= periodic.keys()
    for name in scheduled:
        assert periodic[name]().execute() is True, name  # ran (not skipped) and raised nothing
    assert db.session.scalar(select(func.count(ScheduledRun.id))) == len(scheduled)


def test_a_daily_job_runs_from_its_hour_and_its_period_is_named_by_the_day():
    one_pm = timedelta(hours=13)
    before = datetime(2026, 11, 30, 12, 59, tzinfo=UTC)
    assert period_of(before, DAILY, one_pm) == "2026-11-29"  # still yesterday's run
    assert period_of(before + timedelta(minutes=1), DAILY, one_pm) == "2026-11-30"
    assert period_of(datetime(2026, 12, 1, 2, 0, tzinfo=UTC), DAILY, one_pm) == "2026-11-30"


def test_a_run_that_fails_is_run_again_by_a_later_tick_of_the_same_period(app, mailbox, caplog):
    one_pm = timedelta(hours=13)
    tick = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    attempts: list[str] = []

    def send_digest() -> None:
        attempts.append("tried")
        queue_email("staff@example.org", "Daily digest", "One per day.")
        if len(attempts) == 1:
            raise RuntimeError("the database went away mid-run")

    with pytest.raises(RuntimeError):
        run_once("test.digest", period_of(tick, DAILY, one_pm), send_digest)
    db.session.rollback()
    # Five minutes later, not a day later, the next tick runs it; the ticks after skip quietly.
    later = [tick + timedelta(minutes=m) for m in (5, 10, 600)]
    caplog.set_level("INFO", logger="lms.operations.schedule")
    results = [run_once("test.digest", period_of(t, DAILY, one_pm), send_digest) for t in later]
    assert results == [True, False, False]
    assert len(attempts) == 2
    assert len(mailbox.to("staff@example.org")) == 1
    assert [r.getMessage() for r in caplog.records] == [
        "scheduled job test.digest: ran for 2026-11-30"
    ]


KILLED_RUN = """
import sys, time
from wsgi import app
from lms.mail import queue_email
from lms.operations.schedule import run_once

def send_digest():
    queue_email("staff@example.org", "Daily digest", "One per day.")
    print("running", flush=True)
    time.sleep(120)

with app.app_context():
    run_once("test.digest", "2026-11-30", send_digest)
"""


def test_a_run_whose_worker_is_killed_mid_way_is_run_again_in_the_same_period(
    app, app_config, mailbox, tmp_path
):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LMS_ENV": "testing",
        "SECRET_KEY": app_config["SECRET_KEY"],
        "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "LMS_COURSES_DIR": app_config["COURSES_DIR"],
    }
    # A fixed script written here, not input: nothing untrusted reaches the interpreter.
    with (tmp_path / "run.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", KILLED_RUN],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        assert process.stdout is not None
        try:
            started = process.stdout.readline().strip()
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
            process.stdout.close()
    assert started == "running", (tmp_path / "run.log").read_text()

    # The killed run left no row: the next tick of the same day runs the job, once.
    assert (
        run_once(
            "test.digest",
            "2026-11-30",
            lambda: queue_email("staff@example.org", "Daily digest", "One per day."),
        )
        is True
    )
    assert run_once("test.digest", "2026-11-30", lambda: None) is False
    assert len(mailbox.to("staff@example.org")) == 1
    assert db.session.scalar(select(func.count(ScheduledRun.id))) == 1
