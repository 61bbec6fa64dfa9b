"""The real queues: a `flask jobs worker` process sends reminders through Huey's SQLite storage
and through Redis, waits out a mail-server outage, and picks up jobs lost in a crash."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from lms.extensions import db, queue
from lms.mail import queue_email
from lms.mail.models import OutboxEmail
from tests.conftest import ROOT, Mailbox, free_port, redis_url
from tests.test_organizations import assign_to_clinic, clinic  # noqa: F401  (fixture)

REDIS_URL = redis_url(1)


def redis_is_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture(params=["sqlite", "redis"])
def backend(request, app_config, tmp_path) -> str:
    """Queue jobs in Huey's SQLite file or in Redis (the run's database 1), for a worker to run."""
    if request.param == "redis":
        if not redis_is_running():
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        url = REDIS_URL
    else:
        url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    app_config.update({"QUEUE_IMMEDIATE": False, "QUEUE_URL": url, "MAIL_PORT": free_port()})
    return url


@pytest.fixture()
def mail_server(app_config) -> Iterator[tuple[Mailbox, Callable[[], None]]]:
    """A mail server on the app's port, down until the test starts it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=app_config["MAIL_PORT"])
    started = []

    def start() -> None:
        controller.start()
        started.append(True)

    yield mailbox, start
    if started:
        controller.stop()


@pytest.fixture()
def worker(backend, app, app_config, tmp_path) -> Iterator[Callable[[], subprocess.Popen]]:
    """Return a function that starts `flask jobs worker` against the test database and queue."""
    queue.storage.flush_all()  # nothing left over from an earlier test
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LMS_ENV": "testing",
        "SECRET_KEY": app_config["SECRET_KEY"],
        "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "LMS_QUEUE_URL": backend,
        "LMS_MAIL_SERVER": "127.0.0.1",
        "LMS_MAIL_PORT": str(app_config["MAIL_PORT"]),
        "LMS_MAIL_RETRY_SECONDS": "0.5",
        "LMS_COURSES_DIR": app_config["COURSES_DIR"],
        "LMS_BASE_URL": "http://lms.example.org",
    }
    processes: list[subprocess.Popen] = []
    log = (tmp_path / "worker.log").open("ab")

    def start() -> subprocess.Popen:
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"]
        # A fixed command line built here, not input: nothing untrusted reaches the shell.
        process = subprocess.Popen(  # noqa: S603
            [*command, "--workers", "2", "--max-delay", "0.2"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=log,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        stop(process)
    log.close()
    queue.storage.flush_all()


def stop(process: subprocess.Popen) -> None:
    """Stop a worker the way an operator would (Ctrl+C), waiting for jobs in flight."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the worker")
        time.sleep(0.2)


def outbox() -> list[Any]:
    """Return the outbox as the worker left it, holding no snapshot the worker could trip on."""
    db.session.rollback()
    columns = (OutboxEmail.attempts, OutboxEmail.last_error, OutboxEmail.sent_at)
    rows = list(db.session.execute(select(*columns).order_by(OutboxEmail.id)))
    db.session.rollback()
    return rows


def test_a_worker_sends_each_reminder_once_through_an_outage(
    backend,
    mail_server,
    worker,
    client,
    auth,
    runner,
    clinic,  # noqa: F811
    tmp_path: Path,
):
    mailbox, start_mail_server = mail_server
    assign_to_clinic(clinic, date.today() + timedelta(days=2))
    auth.login_as(clinic["manager"])
    page = f"/organizations/{clinic['organization'].id}/reminders"
    process = worker()

    response = client.post(page, follow_redirects=True)
    assert b"4 reminders will be emailed shortly." in response.data
    # The worker tries, finds no mail server, and keeps the emails for later.
    wait_for(lambda: all(e.attempts >= 1 and e.last_error for e in outbox()))
    assert "0 reminder(s) queued" in runner.invoke(args=["reminders", "send"]).output
    assert len(outbox()) == 4

    start_mail_server()
    wait_for(lambda: all(e.sent_at for e in outbox()))
    people = [clinic["manager"], *clinic["staff"]]
    assert sorted(m["To"] for m in mailbox.messages) == sorted(p.email for p in people)

    # Re-runs after recovery queue nothing; nothing is sent twice.
    client.post(page)
    runner.invoke(args=["reminders", "send"])
    time.sleep(2)
    assert len(mailbox.messages) == 4 and len(outbox()) == 4
    assert process.poll() is None, (tmp_path / "worker.log").read_text()


def test_a_restarted_worker_sends_emails_whose_jobs_were_lost_in_a_crash(
    backend, mail_server, worker, app
):
    mailbox, start_mail_server = mail_server
    start_mail_server()
    queue_email("kim@example.org", "Hello", "Sent after the crash")
    db.session.commit()
    queue.storage.flush_all()  # the job vanished (say Redis restarted without persistence)

    worker()  # its start-up sweep finds the unsent email
    wait_for(lambda: all(e.sent_at for e in outbox()))
    [message] = mailbox.to("kim@example.org")
    assert "Sent after the crash" in message.get_payload(decode=True).decode()
