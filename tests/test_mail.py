"""Emails leave through the outbox and a background job: a mail outage never fails a page,
and every email is sent once it is back, exactly once."""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from lms.accounts.models import User
from lms.database import utcnow
from lms.dates import long_date
from lms.extensions import db
from lms.mail import queue_email
from lms.mail.models import OutboxEmail
from lms.mail.tasks import send_email_job, sweep_outbox
from lms.organizations.models import ReminderLog
from tests.conftest import free_port
from tests.test_organizations import assign_to_clinic, clinic  # noqa: F401  (fixture)

SIGNUP = {
    "email": "sofia@example.org",
    "full_name": "Sofía Núñez",
    "profession": "pediatric-trainee",
    "password": "a long enough phrase",
}


@pytest.fixture()
def mail_down(app_config):
    """Point the app at a port where no mail server listens; return a function that fixes it."""
    working_port = app_config["MAIL_PORT"]
    app_config["MAIL_PORT"] = free_port()

    def bring_back(app):
        app.config["MAIL_PORT"] = working_port

    return bring_back


def later() -> None:
    """Let time pass until every failed email is due for another try."""
    db.session.execute(update(OutboxEmail).values(next_attempt_at=utcnow() - timedelta(hours=1)))
    db.session.commit()


def unsent() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))))


def test_sign_up_with_the_mail_server_down_succeeds_and_the_email_follows(
    mail_down, app, client, mailbox
):
    response = client.post("/signup", data=SIGNUP, follow_redirects=True)

    assert response.status_code == 200
    assert b"We will send a message to the address you gave shortly" in response.data
    assert db.session.scalar(select(User).where(User.email == "sofia@example.org")) is not None
    [waiting] = unsent()
    assert waiting.attempts == 1 and "Connection" in waiting.last_error
    assert mailbox.messages == []

    mail_down(app)
    later()
    assert sweep_outbox() == 1
    [message] = mailbox.to("sofia@example.org")
    assert "Confirm your email address" in message["Subject"]
    # Every try carries the same Message-ID, so a rare duplicate can be recognized.
    assert message["Message-ID"].startswith(f"<outbox.{waiting.id}.")
    path = mailbox.last_link("sofia@example.org").split("localhost", 1)[1]
    assert client.post(path).status_code == 302  # the link in the late email works

    later()
    assert sweep_outbox() == 0
    assert len(mailbox.messages) == 1


def test_password_reset_with_the_mail_server_down_succeeds_and_the_email_follows(
    mail_down, app, client, make_user, mailbox
):
    make_user("sam@example.org")
    response = client.post("/reset", data={"email": "sam@example.org"})

    assert response.status_code == 200
    assert b"we will send it a link to reset the password shortly" in response.data
    mail_down(app)
    later()
    sweep_outbox()
    [message] = mailbox.to("sam@example.org")
    assert "Reset your password" in message["Subject"]


def test_already_registered_email_also_waits_out_an_outage(
    mail_down, app, client, make_user, mailbox
):
    make_user("sofia@example.org")
    assert client.post("/signup", data=SIGNUP).status_code == 302
    mail_down(app)
    later()
    sweep_outbox()
    [message] = mailbox.to("sofia@example.org")
    assert "You already have an account" in message["Subject"]


def test_reminders_sent_during_an_outage_go_out_exactly_once_after_it(
    mail_down,
    app,
    client,
    auth,
    runner,
    clinic,  # noqa: F811
    mailbox,
):
    due = date.today() + timedelta(days=2)
    assign_to_clinic(clinic, due)
    auth.login_as(clinic["manager"])
    page = f"/organizations/{clinic['organization'].id}/reminders"

    response = client.post(page, follow_redirects=True)
    assert response.status_code == 200
    assert b"4 reminders will be emailed shortly." in response.data
    again = client.post(page, follow_redirects=True)
    assert b"0 reminders will be emailed shortly. 4 people" in again.data
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "0 reminder(s) queued" in result.output
    assert db.session.scalar(select(func.count(ReminderLog.id))) == 4
    assert len(unsent()) == 4 and mailbox.messages == []

    mail_down(app)
    later()
    assert sweep_outbox() == 4
    people = [clinic["manager"], *clinic["staff"]]
    assert sorted(m["To"] for m in mailbox.messages) == sorted(p.email for p in people)
    # Written when queued: the due date in words, counted from the day it was sent.
    body = mailbox.messages[0].get_payload(decode=True).decode()
    assert f"due on {long_date(due)} (due in 2 days)." in body

    # Re-runs after recovery send nothing more.
    client.post(page)
    runner.invoke(args=["reminders", "send"])
    later()
    sweep_outbox()
    assert len(mailbox.messages) == 4
    assert unsent() == []


def test_an_email_already_sent_is_never_sent_again(app, mailbox):
    email = queue_email("kim@example.org", "Hello", "Body")
    db.session.commit()  # the commit queues (and, in tests, runs) the job
    assert len(mailbox.to("kim@example.org")) == 1

    send_email_job(email.id)  # a duplicate job, say from a sweep after a crash
    later()
    sweep_outbox()
    assert len(mailbox.to("kim@example.org")) == 1


def test_a_sent_email_keeps_no_copy_of_its_one_time_link(client, make_user, mailbox):
    make_user("sam@example.org")
    client.post("/reset", data={"email": "sam@example.org"})
    link = mailbox.last_link("sam@example.org")
    [email] = db.session.scalars(select(OutboxEmail))
    assert email.sent_at is not None and email.recipient == "sam@example.org"
    assert link.rsplit("/", 1)[1] not in email.body


def test_an_email_another_worker_is_sending_is_left_to_it(app, mailbox):
    email = queue_email("kim@example.org", "Hello", "Body")
    email.claimed_until = utcnow() + timedelta(minutes=5)  # held by a worker right now
    db.session.commit()
    send_email_job(email.id)
    assert mailbox.messages == []


def test_emails_of_a_transaction_that_rolls_back_are_never_sent(app, mailbox):
    queue_email("kim@example.org", "Hello", "Body")
    db.session.rollback()
    with db.session.begin_nested():
        queue_email("lee@example.org", "Hello", "Body")
    assert mailbox.messages == []  # a savepoint is not a commit
    db.session.rollback()
    later()
    sweep_outbox()
    assert mailbox.messages == []


@pytest.fixture()
def no_mail_server(app_config):
    """Run as in development: no mail server, emails printed to the console."""
    app_config["MAIL_SERVER"] = ""


def test_development_emails_are_printed_readably(no_mail_server, client, capsys):
    assert client.post("/signup", data=SIGNUP).status_code == 302
    printed = capsys.readouterr().err
    assert "Hello Sofía Núñez," in printed  # not the wire format, "Sof=C3=ADa"
    assert "=C3" not in printed
    assert "/confirm/" in printed


# --- timing: the answer must not reveal who has an account ---------------------------------


def _median_seconds(request, times: int = 5) -> float:
    durations = []
    for n in range(times):
        start = time.perf_counter()
        response = request(n)
        durations.append(time.perf_counter() - start)
        assert response.status_code in (200, 302)
    return statistics.median(durations)


@pytest.fixture()
def real_hashing(app_config, tmp_path):
    """Use the production password hash, and a real queue with no worker (the request path)."""
    app_config.update(
        {
            "PASSWORD_HASH_METHOD": "scrypt",
            "QUEUE_IMMEDIATE": False,
            "QUEUE_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
            "LOGIN_RATE_LIMIT_IP": "1000 per minute",
        }
    )


def test_sign_up_takes_as_long_for_a_registered_address_as_for_a_new_one(
    real_hashing, client, make_user
):
    make_user("taken@example.org")
    client.get("/signup")  # warm up

    def sign_up(email):
        return lambda n: client.post("/signup", data={**SIGNUP, "email": email(n)})

    new = _median_seconds(sign_up(lambda n: f"new{n}@example.org"))
    taken = _median_seconds(sign_up(lambda n: "taken@example.org"))
    assert 0.5 < taken / new < 2, (taken, new)


def test_password_reset_takes_about_as_long_for_a_known_address_as_for_an_unknown_one(
    real_hashing, client, make_user
):
    make_user("taken@example.org")
    client.get("/reset")

    def reset(email):
        return lambda n: client.post("/reset", data={"email": email})

    known = _median_seconds(reset("taken@example.org"))
    unknown = _median_seconds(reset("nobody@example.org"))
    # No mail server on the request path: the only difference is a couple of row inserts.
    assert abs(known - unknown) < 0.05, (known, unknown)
