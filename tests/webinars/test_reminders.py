"""`flask webinars remind`: a day and an hour before, each reminder once, however often it runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lms.extensions import db
from lms.webinars import services

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
