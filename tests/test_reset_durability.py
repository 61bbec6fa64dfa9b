"""A password reset survives the loss of its job: the request is a row that a sweep queues again,
and however often it is handled, one email goes out. The last test kills a real Huey worker with
SIGKILL in the middle of a reset and starts another."""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text

from lms.accounts import services
from lms.accounts.jobs import send_password_reset_job, sweep_reset_requests
from lms.accounts.models import AccountToken, PasswordResetRequest
from lms.database import utcnow
from lms.extensions import db, queue
from lms.privacy.services import delete_account
from tests.conftest import redis_url
from tests.test_jobs import mail_server, redis_is_running, wait_for, worker  # noqa: F401

REDIS_URL = redis_url(3)  # this file's own Redis database, flushed by `worker`


def requests() -> list[PasswordResetRequest]:
    db.session.rollback()
    rows = list(db.session.scalars(select(PasswordResetRequest).order_by(PasswordResetRequest.id)))
    db.session.rollback()
    return rows


def lost_request(email: str) -> int:
    """Record a request whose job never ran (a Core insert: no job is queued for it)."""
    request_id = db.session.execute(
        insert(PasswordResetRequest)
        .values(email=email, language="en", requested_at=utcnow())
        .returning(PasswordResetRequest.id)
    ).scalar_one()
    db.session.commit()
    return request_id


def test_a_reset_is_recorded_handled_and_forgotten_whether_or_not_the_account_exists(
    client, make_user, mailbox
):
    make_user("sam@example.org")
    known = client.post("/reset", data={"email": "Sam@Example.org"})
    unknown = client.post("/reset", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert len(mailbox.to("sam@example.org")) == 1 and len(mailbox.messages) == 1
    # Both were handled the same way, and neither keeps the address.
    assert [(r.email, r.handled_at is not None) for r in requests()] == [(None, True)] * 2


def test_handling_a_request_twice_sends_one_email(client, make_user, mailbox):
    make_user("sam@example.org")
    client.post("/reset", data={"email": "sam@example.org"})
    [row] = requests()
    send_password_reset_job(row.id)  # a doubled job: a sweep's, after a slow worker
    assert sweep_reset_requests() == 0
    assert len(mailbox.to("sam@example.org")) == 1
    assert db.session.scalar(select(func.count(AccountToken.id))) == 1


def test_a_request_whose_job_was_lost_is_swept_up_once(app, make_user, mailbox):
    make_user("sam@example.org")
    lost_request("sam@example.org")
    assert sweep_reset_requests(grace=timedelta(minutes=2)) == 0  # its job may still be queued
    assert sweep_reset_requests() == 1
    assert sweep_reset_requests() == 0
    assert len(mailbox.to("sam@example.org")) == 1


def test_a_job_queued_by_the_previous_release_still_sends_the_email(app, make_user, mailbox):
    make_user("sam@example.org")
    send_password_reset_job("sam@example.org", "en")  # (email, language), as before the rows
    assert len(mailbox.to("sam@example.org")) == 1
    assert [r.email for r in requests()] == [None]


def test_old_requests_are_pruned_and_a_deleted_account_leaves_no_pending_request(
    app, make_user, mailbox
):
    dana = make_user("dana@example.org")
    lost_request("dana@example.org")
    lost_request("someone@example.org")
    delete_account(dana.id, actor=None, requested_by="self")
    db.session.commit()
    assert [r.email for r in requests()] == ["someone@example.org"]

    later = utcnow() + services.RESET_REQUEST_TTL + timedelta(minutes=1)
    assert services.prune_reset_requests(later) == 1
    db.session.commit()
    assert requests() == []


@pytest.fixture()
def backend(app_config) -> str:
    """Queue jobs in Redis (this file's database) for a real worker; PostgreSQL row locks."""
    if not redis_is_running():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("holding a worker mid-job uses a PostgreSQL row lock")
    from tests.conftest import free_port

    app_config.update({"QUEUE_IMMEDIATE": False, "QUEUE_URL": REDIS_URL, "MAIL_PORT": free_port()})
    return REDIS_URL


def worker_is_blocked() -> bool:
    """Tell whether the reset job is popped and waiting on a row lock in this database."""
    with db.engine.connect() as look:
        waiting = look.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()
    return waiting >= 1 and not reset_jobs_queued()


def reset_jobs_queued() -> list[object]:
    return [t for t in queue.pending() if t.name.endswith("send_password_reset_job")]


def test_a_reset_whose_worker_is_killed_mid_job_is_sent_once_by_the_next_worker(
    backend,
    mail_server,  # noqa: F811
    worker,  # noqa: F811
    client,
    make_user,
    tmp_path,
):
    mailbox, start_mail_server = mail_server
    start_mail_server()
    sam = make_user("sam@example.org")
    first = worker()
    # Its threads have started, and each has swept once: the periodic tasks run.
    wait_for(lambda: "executed in" in (tmp_path / "worker.log").read_text())
    time.sleep(1)

    # Another transaction holds Sam's row: the worker's job blocks when it writes the token.
    hold = db.engine.connect()
    try:
        hold.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": sam.id})
        client.post("/reset", data={"email": "sam@example.org"})
        wait_for(worker_is_blocked)
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        hold.rollback()
        hold.close()
    # The job died with its worker: it is not queued, and the request is still unhandled.
    assert not reset_jobs_queued()
    assert [r.handled_at for r in requests()] == [None]

    worker()  # its start-up sweep finds the request
    wait_for(lambda: len(mailbox.to("sam@example.org")) == 1)
    time.sleep(3)  # a second email would arrive now
    assert len(mailbox.to("sam@example.org")) == 1
    assert [(r.email, r.handled_at is not None) for r in requests()] == [(None, True)]
