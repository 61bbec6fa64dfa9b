"""Registering for a webinar in one click, the waiting list, cancelling, and the join link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import icalendar
from sqlalchemy import select

from lms.extensions import db
from lms.webinars.models import WebinarRegistration

START = datetime(2027, 7, 15, 16, 0, tzinfo=UTC)  # 11:00 AM CDT


def form_action(html: str, label: str) -> str:
    """Return the action of the form whose button says `label`."""
    for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, re.S):
        if label in form:
            return re.search(r'action="([^"]+)"', form).group(1)
    raise AssertionError(f"no form with a {label!r} button")


def press(client, slug: str, label: str, lang: str = "en"):
    page = client.get(f"/webinars/{slug}?lang={lang}").get_data(as_text=True)
    return client.post(form_action(page, label), follow_redirects=True)


def test_one_click_registers_and_emails_an_invitation_with_the_join_link(
    make_webinar, client, auth, make_user, mailbox, clock
):
    clock.set(START - timedelta(days=3))
    webinar = make_webinar()
    person = make_user("ana@example.org")
    auth.login_as(person)
    page = press(client, webinar.slug, "Register")
    text = page.get_data(as_text=True)
    assert "You are registered." in text
    # Three days before, the join link is not on the page yet; the time it appears is.
    assert "meet.example.org" not in text
    assert "The link to join appears here from Thursday, July 15, 2027, 10:45" in text.replace(
        "\u202f", " "
    )

    [message] = mailbox.to("ana@example.org")
    assert "You are registered" in message["Subject"]
    [invitation] = [part for part in message.walk() if part.get_filename() == "trust.ics"]
    calendar = icalendar.Calendar.from_ical(invitation.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart").astimezone(UTC) == START
    assert "https://meet.example.org/j/building-trust-2027" in str(event["description"])


def test_the_confirmation_is_in_the_recipients_language(
    make_webinar, client, auth, make_user, mailbox, clock
):
    clock.set(START - timedelta(days=3))
    webinar = make_webinar()
    auth.login_as(make_user("sofia@example.org", locale="es", timezone="America/Los_Angeles"))
    press(client, webinar.slug, "Inscribirse", lang="es")
    [message] = mailbox.to("sofia@example.org")
    [text] = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    body = text.get_payload(decode=True).decode()
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject.startswith("Su inscripción está confirmada: Generar confianza")
    assert "Hola" in body
    assert "CDT" in body and "PDT" in body  # the event's zone and the reader's own


def test_the_join_link_shows_only_to_registrants_from_15_minutes_before(
    make_webinar, client, auth, make_user, clock
):
    clock.set(START - timedelta(days=1))
    webinar = make_webinar()
    registrant, other = make_user(), make_user()
    auth.login_as(registrant)
    press(client, webinar.slug, "Register")

    clock.set(START - timedelta(minutes=16))
    assert "meet.example.org" not in client.get(f"/webinars/{webinar.slug}").get_data(as_text=True)
    clock.set(START - timedelta(minutes=15))
    assert "meet.example.org" in client.get(f"/webinars/{webinar.slug}").get_data(as_text=True)

    auth.logout()
    assert "meet.example.org" not in client.get(f"/webinars/{webinar.slug}").get_data(as_text=True)
    auth.login_as(other)
    assert "meet.example.org" not in client.get(f"/webinars/{webinar.slug}").get_data(as_text=True)


def test_when_full_people_wait_and_cancellations_promote_them_in_order(
    make_webinar, client, auth, make_user, mailbox, clock
):
    clock.set(START - timedelta(days=2))
    webinar = make_webinar(capacity=1)
    first, second, third = (make_user(f"p{n}@example.org") for n in (1, 2, 3))
    for person in (first, second, third):
        auth.login_as(person)
        press(client, webinar.slug, "Register" if person is first else "Join the waiting list")
        auth.logout()
        clock.advance(timedelta(minutes=1))

    auth.login_as(third)
    page = client.get(f"/webinars/{webinar.slug}?lang=en").get_data(as_text=True)
    assert "You are on the waiting list (number 2 in line)." in page
    auth.logout()

    mailbox.clear()
    auth.login_as(first)
    page = press(client, webinar.slug, "Cancel my registration").get_data(as_text=True)
    assert "Your registration is cancelled." in page
    assert [m["Subject"].split(":")[0] for m in mailbox.to("p2@example.org")] == [
        "A seat opened up for you"
    ]
    assert mailbox.to("p3@example.org") == []
    statuses = dict(
        db.session.execute(select(WebinarRegistration.user_id, WebinarRegistration.status)).all()
    )
    assert statuses == {first.id: "cancelled", second.id: "registered", third.id: "waitlisted"}

    # Registering again after cancelling queues at the end, behind the person already waiting.
    page = press(client, webinar.slug, "Join the waiting list").get_data(as_text=True)
    assert "You are on the waiting list (number 2 in line)." in page


def test_registering_twice_keeps_one_registration_and_sends_one_email(
    make_webinar, client, auth, make_user, mailbox, clock
):
    clock.set(START - timedelta(days=2))
    webinar = make_webinar()
    auth.login_as(make_user("twice@example.org"))
    page = client.get(f"/webinars/{webinar.slug}?lang=en").get_data(as_text=True)
    action = form_action(page, "Register")
    client.post(action)
    client.post(action)
    assert db.session.query(WebinarRegistration).count() == 1
    assert len(mailbox.to("twice@example.org")) == 1


def test_visitors_are_asked_to_sign_in_and_cannot_post(make_webinar, client, clock):
    clock.set(START - timedelta(days=2))
    webinar = make_webinar()
    page = client.get(f"/webinars/{webinar.slug}?lang=en").get_data(as_text=True)
    assert "Sign in to register" in page
    response = client.post(f"/webinars/{webinar.slug}/register")
    assert response.status_code == 302 and "/login" in response.location
    assert db.session.query(WebinarRegistration).count() == 0


def test_a_finished_webinar_takes_no_registrations(make_webinar, client, auth, make_user, clock):
    clock.set(START - timedelta(days=2))
    webinar = make_webinar()
    auth.login_as(make_user())
    page = client.get(f"/webinars/{webinar.slug}?lang=en").get_data(as_text=True)
    clock.set(START + timedelta(hours=2))
    response = client.post(form_action(page, "Register"), follow_redirects=True)
    assert "This webinar is no longer taking registrations." in response.get_data(as_text=True)
    assert db.session.query(WebinarRegistration).count() == 0


def test_the_listing_separates_upcoming_and_past(make_webinar, client, clock):
    clock.set(START + timedelta(days=1))
    make_webinar(slug="earlier")
    make_webinar(slug="later", start="2027-08-12 12:00", end="2027-08-12 13:00")
    page = client.get("/webinars?lang=en").get_data(as_text=True)
    upcoming, past = page.split("Past webinars")
    assert "/webinars/later" in upcoming and "/webinars/earlier" not in upcoming
    assert "/webinars/earlier" in past


def test_the_webinar_page_reads_no_more_than_a_few_queries_and_writes_nothing(
    make_webinar, client, auth, make_user, count_queries
):
    webinar = make_webinar()
    auth.login_as(make_user())
    with count_queries() as statements:
        assert client.get(f"/webinars/{webinar.slug}").status_code == 200
    assert not [s for s in statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert len(statements) <= 8, statements


def test_raising_the_capacity_at_publish_seats_the_waiting_list_in_order(
    make_webinar, make_user, mailbox, clock
):
    from lms.webinars import services

    clock.set(START - timedelta(days=2))
    webinar = make_webinar(capacity=1)
    people = [make_user(f"w{n}@example.org") for n in range(4)]
    for person in people:
        services.register(webinar.id, person, now=START - timedelta(days=2))
    db.session.commit()
    mailbox.clear()
    make_webinar(capacity=3)
    db.session.expire_all()
    statuses = [services.registration_for(webinar, p).status for p in people]
    assert statuses == ["registered", "registered", "registered", "waitlisted"]
    assert [m["To"] for m in mailbox.messages] == ["w1@example.org", "w2@example.org"]
