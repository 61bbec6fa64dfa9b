"""The newsletter: subscribe from any page's footer, confirm by email, get each issue once in
your language, unsubscribe in one click (RFC 8058), manage or delete what is kept by link."""

from __future__ import annotations

import csv
import io
import secrets
import shutil
import time
from datetime import timedelta
from email.message import Message
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from lms.database import utcnow
from lms.extensions import db
from lms.newsletter import jobs, services, tokens
from lms.newsletter.models import Delivery, Issue, Subscriber
from tests.test_hostile_input import FormParser

BASE = "https://learn.example.org"


@pytest.fixture()
def app_config(app_config):
    app_config.update({"BASE_URL": BASE, "NEWSLETTER_SEND_PER_MINUTE": 60_000})
    return app_config


def footer_form(client, path="/courses"):
    """Return the subscribe form of a page's footer, as a browser would see it."""
    parser = FormParser(path)
    parser.feed(client.get(path).data.decode())
    return next(f for f in parser.forms if f.action == "/newsletter/subscribe")


def subscribe_from_footer(client, email, language="en", path="/courses", topics=None):
    form = footer_form(client, path)
    data = {**form.fields, "email": email, "language": language}
    data["topics"] = topics if topics is not None else form.choices["topics"]
    return client.post(form.action, data=data)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE, url
    return parts.path


def part(message: Message, content_type: str) -> str:
    found = next(p for p in message.walk() if p.get_content_type() == content_type)
    return found.get_payload(decode=True).decode(found.get_content_charset() or "utf-8")


def html_part(message: Message) -> str:
    return part(message, "text/html")


def text_part(message: Message) -> str:
    return part(message, "text/plain")


def confirmed(email: str, language: str = "en", topics=("courses", "webinars", "resources")):
    """Add a subscriber who has confirmed, as if through the emails."""
    subscriber = Subscriber(
        email=email,
        language=language,
        topics=list(topics),
        status="confirmed",
        consent_at=utcnow(),
        consent_source="/",
        consent_text="Email me the newsletter.",
        consent_language=language,
        confirmed_at=utcnow(),
    )
    db.session.add(subscriber)
    db.session.commit()
    return subscriber


def unsubscribe_path(subscriber: Subscriber) -> str:
    return "/newsletter/unsubscribe/" + tokens.make_token(
        "unsubscribe", subscriber.id, subscriber.email
    )


def draft_and_start(publish) -> Issue:
    publish()
    issue = services.draft_issue(utcnow())
    services.start_sending(issue, utcnow())
    db.session.commit()
    return issue


def test_subscribe_confirm_receive_in_spanish_and_unsubscribe_in_one_click(
    app, client, auth, make_user, publish, mailbox
):
    publish()
    response = subscribe_from_footer(client, "Madre@Example.org", language="es")
    assert response.status_code == 302
    assert response.headers["Location"] == "/newsletter/check-email"
    subscriber = db.session.scalar(select(Subscriber))
    assert subscriber.email == "madre@example.org"
    assert subscriber.status == "pending"
    assert subscriber.consent_source == "/courses"
    assert subscriber.consent_language == "es"
    assert "unsubscribe" in subscriber.consent_text or "suscripción" in subscriber.consent_text

    # Nothing is sent before the address is confirmed, only the confirmation itself.
    assert len(mailbox.to("madre@example.org")) == 1
    confirm_path = path_of(mailbox.last_link("madre@example.org"))
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert db.session.scalar(select(Subscriber.status)) == "pending"  # a GET confirms nothing
    response = client.post(confirm_path)
    assert response.status_code == 302
    assert db.session.scalar(select(Subscriber.status)) == "confirmed"
    subscribe_from_footer(client, "someone.pending@example.org")  # never confirms

    auth.login_as(make_user(role="admin"))
    response = client.post("/admin/newsletter/draft")
    assert response.status_code == 302
    preview = client.get(response.headers["Location"] + "?edition=es").data.decode()
    assert "Novedades" in preview or "Cursos nuevos" in preview
    issue_path = response.headers["Location"]
    mailbox.clear()
    client.post(issue_path + "/send")

    [message] = mailbox.to("madre@example.org")
    assert mailbox.to("someone.pending@example.org") == []
    assert "Cursos nuevos" in html_part(message)
    assert "Cursos nuevos" in text_part(message)
    assert "<img" not in html_part(message)  # no tracking pixels
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message["List-Unsubscribe"]
    assert header.startswith(f"<{BASE}/newsletter/unsubscribe/") and header.endswith(">")
    unsubscribe_url = header[1:-1]
    assert unsubscribe_url in html_part(message)  # the visible link too

    auth.logout()
    other = app.test_client()  # a mail client: no session, no CSRF token
    response = other.post(
        path_of(unsubscribe_url), data={"List-Unsubscribe": "One-Click"}, csrf=False
    )
    assert response.status_code == 200
    madre = select(Subscriber.status).where(Subscriber.email == "madre@example.org")
    assert db.session.scalar(madre) == "unsubscribed"
    again = other.post(path_of(unsubscribe_url), data={"List-Unsubscribe": "One-Click"}, csrf=False)
    assert again.status_code == 200
    assert db.session.scalar(select(Issue.status)) == "sent"
    archive = client.get("/newsletter/archive?lang=es").data.decode()
    assert "Novedades" in archive


def test_an_interrupted_send_resumed_later_gives_each_subscriber_exactly_one_copy(
    app, publish, mailbox, monkeypatch
):
    emails = [f"reader{n}@example.org" for n in range(6)]
    for n, email in enumerate(emails):
        confirmed(email, "es" if n % 2 else "en")
    issue = draft_and_start(publish)
    mailbox.clear()

    real_send = services.Mailer.send
    calls = {"n": 0}

    def dies_on_the_fourth(self, message):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt("the worker was stopped")
        return real_send(self, message)

    monkeypatch.setattr(services.Mailer, "send", dies_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        jobs.run_send(issue.id)
    assert len(mailbox.messages) == 3
    monkeypatch.setattr(services.Mailer, "send", real_send)

    # Restarted before the stopped copy's lease ran out: the other copies go, not that one.
    later = utcnow() + timedelta(minutes=10)
    services.send_batch(issue.id, app.config, limit=100, per_minute=60_000, clock=lambda: later)
    services.send_batch(issue.id, app.config, limit=100, per_minute=60_000, clock=lambda: later)
    for email in emails:
        assert len(mailbox.to(email)) == 1, email
    assert db.session.scalar(select(Issue.status).where(Issue.id == issue.id)) == "sent"
    # Sending again adds no rows and no copies.
    assert services.create_deliveries(issue.id) == 0
    jobs.run_send(issue.id)
    assert len(mailbox.messages) == len(emails)
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == len(emails)


def test_sending_respects_the_rate_per_minute(app, publish, mailbox):
    for n in range(5):
        confirmed(f"paced{n}@example.org")
    issue = draft_and_start(publish)
    services.create_deliveries(issue.id)
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        time.sleep(seconds)

    started = time.monotonic()
    result = services.send_batch(issue.id, app.config, limit=3, per_minute=120, sleep=pause)
    elapsed = time.monotonic() - started
    assert result.sent == 3 and result.remaining == 2
    # 120 a minute: half a second between copies, waited for rather than sent in a burst.
    assert pauses and elapsed >= 1.0


def test_a_mail_server_failure_is_recorded_and_retried_later(app, publish, mailbox, monkeypatch):
    confirmed("retry@example.org")
    issue = draft_and_start(publish)

    def refuse(self, message):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(services.Mailer, "send", refuse)
    result = jobs.run_send(issue.id)
    assert result.retrying == 1 and result.remaining == 1
    delivery = db.session.scalar(select(Delivery))
    assert "mail server down" in delivery.last_error
    monkeypatch.undo()
    later = utcnow() + timedelta(hours=2)
    services.send_batch(issue.id, app.config, limit=10, per_minute=600, clock=lambda: later)
    assert len(mailbox.to("retry@example.org")) == 1


def test_subscribing_a_confirmed_address_again_changes_nothing_and_reveals_nothing(client, mailbox):
    first = subscribe_from_footer(client, "known@example.org", topics=["courses"])
    client.post(path_of(mailbox.last_link("known@example.org")))
    unknown = subscribe_from_footer(client, "unknown@example.org")
    again = subscribe_from_footer(client, "KNOWN@example.org", language="es")

    for response in (first, unknown, again):
        assert (response.status_code, response.headers["Location"]) == (
            302,
            "/newsletter/check-email",
        )
    known = db.session.scalar(select(Subscriber).where(Subscriber.email == "known@example.org"))
    assert (known.status, known.language, known.topics) == ("confirmed", "en", ["courses"])
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 2
    # The owner learns of the attempt, with a link to manage, not to confirm again.
    assert "/newsletter/manage/" in mailbox.last_link("known@example.org")


@pytest.mark.parametrize(
    "email",
    ["", "not-an-email", "name@", "@example.org", "a@b@example.org", "x" * 250 + "@example.org",
     "safe\x00@example.org", "two words@example.org"],
)  # fmt: skip
def test_malformed_emails_are_refused_with_a_clear_message(client, email):
    response = subscribe_from_footer(client, email)
    assert response.status_code == 400
    if "\x00" not in email:  # a NUL is refused before the form, with its own page
        assert "Error:" in response.data.decode()
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0


def test_a_subscription_needs_a_topic_and_a_known_language(client):
    assert subscribe_from_footer(client, "a@example.org", topics=[]).status_code == 400
    assert subscribe_from_footer(client, "a@example.org", language="xx").status_code == 400
    assert subscribe_from_footer(client, "a@example.org", topics=["gossip"]).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0


def test_an_outside_source_page_is_not_recorded(client, mailbox):
    form = footer_form(client)
    data = {**form.fields, "email": "src@example.org", "topics": ["courses"]}
    client.post(form.action, data={**data, "source": "https://evil.example/x"})
    assert db.session.scalar(select(Subscriber.consent_source)) == "/newsletter"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/newsletter/confirm/{token}"),
        ("POST", "/newsletter/confirm/{token}"),
        ("GET", "/newsletter/manage/{token}"),
        ("POST", "/newsletter/manage/{token}"),
        ("POST", "/newsletter/manage/{token}/delete"),
        ("GET", "/newsletter/unsubscribe/{token}"),
        ("POST", "/newsletter/unsubscribe/{token}"),
    ],
)
@pytest.mark.parametrize("token", ["not-a-token", "x" * 5000, "eyJ.abc.def", "WzEsImEiXQ"])
def test_bad_links_get_a_friendly_page(client, method, path, token):
    url = path.format(token=token)
    response = client.get(url) if method == "GET" else client.post(url)
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert b"This link cannot be used" in response.data
        assert b"Support and resources" in response.data


def test_a_link_for_one_purpose_does_not_work_for_another(app, client):
    subscriber = confirmed("purpose@example.org")
    manage = tokens.make_token("manage", subscriber.id, subscriber.email)
    assert client.post(f"/newsletter/unsubscribe/{manage}", data={}).status_code == 400
    assert subscriber.status == "confirmed"


def test_an_expired_confirmation_link_gets_a_friendly_page(app, client, mailbox):
    subscribe_from_footer(client, "late@example.org")
    link = path_of(mailbox.last_link("late@example.org"))
    app.config["NEWSLETTER_CONFIRM_MAX_AGE"] = 0
    time.sleep(1.1)
    response = client.post(link)
    assert response.status_code == 400
    assert b"This link has expired" in response.data
    assert db.session.scalar(select(Subscriber.status)) == "pending"
    # Asking again sends a fresh link that works.
    app.config["NEWSLETTER_CONFIRM_MAX_AGE"] = 3600
    subscribe_from_footer(client, "late@example.org")
    assert client.post(path_of(mailbox.last_link("late@example.org"))).status_code == 302


def test_an_old_confirmation_link_does_not_resubscribe_after_unsubscribing(client, mailbox):
    subscribe_from_footer(client, "changed@example.org")
    link = path_of(mailbox.last_link("changed@example.org"))
    client.post(link)
    subscriber = db.session.scalar(select(Subscriber))
    token = tokens.make_token("unsubscribe", subscriber.id, subscriber.email)
    client.post(f"/newsletter/unsubscribe/{token}")
    assert client.post(link).status_code == 400
    assert db.session.scalar(select(Subscriber.status)) == "unsubscribed"


def test_the_unsubscribe_page_form_needs_csrf_but_one_click_does_not(app, client):
    subscriber = confirmed("csrf@example.org")
    url = unsubscribe_path(subscriber)
    page = client.get(url)
    assert page.status_code == 200 and subscriber.status == "confirmed"  # a GET changes nothing
    assert client.post(url, data={}, csrf=False).status_code == 400
    assert db.session.scalar(select(Subscriber.status)) == "confirmed"
    assert client.post(url, data={}).status_code == 200
    assert db.session.scalar(select(Subscriber.status)) == "unsubscribed"


def test_unsubscribing_a_deleted_subscriber_still_succeeds(app, client):
    subscriber = confirmed("deleted@example.org")
    url = unsubscribe_path(subscriber)
    services.delete_subscriber(subscriber)
    db.session.commit()
    response = client.post(url, data={"List-Unsubscribe": "One-Click"}, csrf=False)
    assert response.status_code == 200
    assert b"You are unsubscribed" in response.data


def test_a_subscriber_sees_changes_and_deletes_what_is_kept_without_signing_in(
    app, client, publish, mailbox
):
    subscriber = confirmed("private@example.org", topics=["courses"])
    issue = draft_and_start(publish)
    jobs.run_send(issue.id)
    manage = f"/newsletter/manage/{tokens.make_token('manage', subscriber.id, subscriber.email)}"

    page = client.get(manage)
    assert page.headers["Cache-Control"] == "no-store"
    html = page.data.decode()
    for shown in ("private@example.org", "Email me the newsletter.", "Issues sent to you"):
        assert shown in html
    parser = FormParser(manage)
    parser.feed(html)
    form = next(f for f in parser.forms if f.action == manage)
    response = client.post(
        manage, data={**form.fields, "language": "es", "topics": ["courses", "resources"]}
    )
    assert response.status_code == 302
    db.session.refresh(subscriber)
    assert (subscriber.language, subscriber.topics) == ("es", ["courses", "resources"])

    assert client.post(manage + "/delete").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0
    assert b"Nothing stored" in client.get(manage).data


def test_subscribing_is_rate_limited_per_address(client):
    for _ in range(3):
        assert subscribe_from_footer(client, "flood@example.org").status_code == 302
    assert subscribe_from_footer(client, "flood@example.org").status_code == 429


def test_admins_export_subscribers_formula_safe(client, auth, make_user):
    confirmed("+hyperlink@example.org")
    confirmed("-sum@example.org")
    auth.login_as(make_user(role="admin"))
    response = client.get("/admin/newsletter/subscribers.csv")
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.data.decode())))
    assert rows[0][0] == "email"
    emails = {row[0] for row in rows[1:]}
    assert emails == {"'+hyperlink@example.org", "'-sum@example.org"}
    assert not any("open" in header for header in rows[0])  # no tracking columns


def test_draft_command_tells_what_is_new_since_the_last_issue(app, runner, publish):
    result = runner.invoke(args=["newsletter", "draft"])
    assert result.exit_code == 1
    assert "Nothing new" in result.output
    publish()
    result = runner.invoke(args=["newsletter", "draft"])
    assert result.exit_code == 0, result.output
    issue = db.session.scalar(select(Issue))
    assert set(issue.content) == {"en", "es"}
    assert issue.content["en"]["items"] and issue.content["es"]["items"]
    assert all(item["url"].startswith(BASE) for item in issue.content["es"]["items"])


def test_the_archive_shows_only_sent_issues(app, client, publish):
    publish()
    draft = services.draft_issue(utcnow())
    db.session.commit()
    assert client.get(f"/newsletter/archive/{draft.id}").status_code == 404
    assert b"No issues have been sent yet" in client.get("/newsletter/archive").data


def test_a_learner_asks_for_course_notices_and_gets_each_once(
    app, client, auth, make_user, runner, publish, mailbox
):
    learner = make_user("notify@example.org", profession="clinic-staff")
    auth.login_as(learner)
    parser = FormParser("/account/notifications")
    parser.feed(client.get("/account/notifications").data.decode())
    form = next(f for f in parser.forms if f.action == "/account/notifications")
    fields = {k: v for k, v in form.fields.items() if k not in ("new_courses", "new_versions")}
    response = client.post("/account/notifications", data={**fields, "new_courses": "y"})
    assert response.status_code == 302

    publish()  # new courses appear after the learner asked
    mailbox.clear()
    result = runner.invoke(args=["newsletter", "notify"])
    assert result.exit_code == 0, result.output
    notices = mailbox.to("notify@example.org")
    assert notices, result.output
    assert "A new course for you" in notices[0]["Subject"]
    again = runner.invoke(args=["newsletter", "notify"])
    assert "Sent 0" in again.output
    assert len(mailbox.to("notify@example.org")) == len(notices)


def test_no_newsletter_email_has_tracking(app, publish, mailbox):
    confirmed("pixel@example.org")
    issue = draft_and_start(publish)
    jobs.run_send(issue.id)
    [message] = mailbox.to("pixel@example.org")
    html = html_part(message)
    assert "<img" not in html and "?utm_" not in html


def test_a_learner_who_completed_a_course_hears_of_its_new_version_once(
    app, client, auth, make_user, runner, publish, mailbox, tmp_path
):
    from tests.test_certificates import complete
    from tests.test_quizzes import CME

    root = tmp_path / "courses"
    shutil.copytree(app.config["COURSES_DIR"], root)
    publish(root)
    learner = make_user("finisher@example.org", profession="physician")
    auth.login_as(learner)
    complete(client, CME)
    response = client.post("/account/notifications", data={"new_versions": "y"})
    assert response.status_code == 302
    assert runner.invoke(args=["newsletter", "notify"]).output.startswith("Sent 0")

    lesson = root / CME / "01-why-trauma-informed-care.md"
    lesson.write_text(lesson.read_text() + "\n\nA sentence added in a review.\n")
    publish(root)
    mailbox.clear()
    assert "Sent 1" in runner.invoke(args=["newsletter", "notify"]).output
    [notice] = mailbox.to("finisher@example.org")
    assert "A course you completed has been updated" in notice["Subject"]
    assert "Sent 0" in runner.invoke(args=["newsletter", "notify"]).output


def test_one_address_subscribed_from_three_browsers_at_once_is_kept_once(app, served):
    from tests.served import run_together
    from tests.test_concurrency import fresh

    address = f"race.{secrets.token_hex(4)}@example.org"
    browsers = [served.browser() for _ in range(3)]
    for browser in browsers:
        browser.csrf_token()
    data = {"language": "en", "topics": ["courses"], "source": "/"}
    responses = run_together(
        [
            lambda browser=browser, n=n: browser.post(
                "/newsletter/subscribe", data={**data, "email": address.upper() if n else address}
            )
            for n, browser in enumerate(browsers)
        ]
    )
    assert [response.status_code for response in responses] == [302, 302, 302]
    fresh()
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 1
