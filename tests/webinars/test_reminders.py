"""`flask webinars remind`: a day and an hour before, each reminder once, however often it runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from lms.extensions import db
from lms.webinars import services
from tests.served import CONFIG_VARIABLE, ROOT

START = datetime(2027, 7, 15, 16, 0, tzinfo=UTC)


def remind(runner) -> str:
    result = runner.invoke(args=["webinars", "remind"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def subjects(mailbox, address):
    return [m["Subject"].split(":")[0] for m in mailbox.to(address)]


def test_each_reminder_is_sent_once_across_runs(make_webinar, make_user, runner, mailbox, clock):
    clock.set(START - timedelta(days=5))
    webinar = make_webinar()
    ana = make_user("ana@example.org")
    services.register(webinar.id, ana, now=START - timedelta(days=5))
    db.session.commit()
    mailbox.clear()

    clock.set(START - timedelta(hours=25))
    assert "0 reminder(s) sent." in remind(runner)
    clock.set(START - timedelta(hours=24))
    assert "1 reminder(s) sent." in remind(runner)
    assert "0 reminder(s) sent." in remind(runner)  # cron runs again five minutes later
    clock.set(START - timedelta(hours=3))
    assert "0 reminder(s) sent." in remind(runner)
    clock.set(START - timedelta(minutes=59))
    assert "1 reminder(s) sent." in remind(runner)
    assert "0 reminder(s) sent." in remind(runner)
    clock.set(START + timedelta(minutes=5))
    assert "0 reminder(s) sent." in remind(runner)

    assert subjects(mailbox, "ana@example.org") == ["Tomorrow's webinar", "Starting in one hour"]
    body = mailbox.to("ana@example.org")[0].get_payload(decode=True).decode()
    assert "is tomorrow" in body and "CDT" in body


def test_no_reminders_for_the_waiting_list_the_cancelled_or_a_cancelled_webinar(
    make_webinar, make_user, runner, mailbox, clock
):
    clock.set(START - timedelta(days=5))
    webinar = make_webinar(capacity=1)
    seated, waiting, gone = make_user(), make_user(), make_user()
    for person in (seated, waiting, gone):
        services.register(webinar.id, person, now=START - timedelta(days=5))
    services.cancel_registration(webinar.id, gone, now=START - timedelta(days=4))
    db.session.commit()
    mailbox.clear()
    clock.set(START - timedelta(hours=23))
    remind(runner)
    assert [m["To"] for m in mailbox.messages] == [seated.email]


def test_someone_who_registers_within_the_last_day_gets_only_the_hour_reminder(
    make_webinar, make_user, runner, mailbox, clock
):
    clock.set(START - timedelta(hours=5))
    webinar = make_webinar()
    late = make_user("late@example.org")
    services.register(webinar.id, late, now=START - timedelta(hours=5))
    db.session.commit()
    mailbox.clear()
    remind(runner)
    clock.set(START - timedelta(minutes=30))
    remind(runner)
    assert subjects(mailbox, "late@example.org") == ["Starting in one hour"]


def test_a_run_that_loses_a_race_sends_nothing_twice(make_webinar, make_user, mailbox, clock):
    clock.set(START - timedelta(days=5))
    webinar = make_webinar()
    person = make_user()
    registration = services.register(webinar.id, person, now=START - timedelta(days=5))
    db.session.commit()
    mailbox.clear()
    moment = START - timedelta(hours=2)
    # Two runs found the same reminder due; the second to record it sends nothing.
    due = list(services.due_reminders(moment))
    assert due == [(registration, "24h")] or [(r.id, str(k)) for r, k in due] == [
        (registration.id, "24h")
    ]
    assert services.send_reminder(registration, due[0][1], now=moment) is True
    assert services.send_reminder(registration, due[0][1], now=moment) is False
    db.session.commit()
    assert len(mailbox.messages) == 1


def test_two_cron_runs_at_the_same_moment_send_each_reminder_once(
    make_webinar, make_user, mailbox, clock, app_config
):
    clock.set(START - timedelta(days=5))
    webinar = make_webinar(spanish=False)
    people = [make_user() for _ in range(10)]
    for person in people:
        services.register(webinar.id, person, now=START - timedelta(days=5))
    db.session.commit()
    mailbox.clear()
    clock.set(START - timedelta(hours=23))
    db.session.rollback()

    # Two processes, as two overlapping cron jobs would be, each its own app and connection.
    script = (
        "from tests.served import served_app\n"
        "app = served_app()\n"
        "result = app.test_cli_runner().invoke(args=['webinars', 'remind'])\n"
        "print(result.output, result.exception)\n"
    )
    env = {**os.environ, CONFIG_VARIABLE: json.dumps(app_config)}
    runs = [
        subprocess.Popen(  # noqa: S603 (fixed arguments)
            [sys.executable, "-c", script], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    sent = sorted(int(out.split(" reminder(s) sent.")[0].split()[-1]) for out in outputs)
    assert sum(sent) == len(people), outputs
    assert sorted(m["To"] for m in mailbox.messages) == sorted(p.email for p in people)
