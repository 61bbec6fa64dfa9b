"""Webhooks: admins register endpoints; completions and certificates arrive signed, are retried
after failures, can be replayed from the admin page, and never hold up a learner."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.clock import now
from lms.extensions import db
from lms.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from lms.webhooks.services import record_webhook_event
from tests.test_certificates import claim, complete, pass_quiz, read_lessons
from tests.test_quizzes import CME, FRONT_DESK

DOCS = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"
ALL_EVENTS = [
    "completion.recorded",
    "certificate.issued",
    "certificate.revoked",
    "certificate.reissued",
    "assignment.overdue",
]


def documented_verify():
    """Return the `verify` function exactly as docs/integrations.md gives it to receivers."""
    text = DOCS.read_text()
    section = text[text.index("## Webhooks") : text.index("## xAPI")]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 (our own documentation)
    return namespace["verify"]


def register(client, url: str, events=ALL_EVENTS) -> str:
    """Register an endpoint through the admin page's form; return the secret it shows once."""
    page = client.get("/admin/webhooks").data.decode()
    assert 'name="url"' in page and 'name="events"' in page
    response = client.post("/admin/webhooks", data={"url": url, "events": list(events)})
    assert response.status_code == 200, response.data
    match = re.search(r'id="signing-secret">([^<]+)<', response.data.decode())
    return unescape(match.group(1))


@pytest.fixture()
def admin(make_user):
    return make_user(role="admin", name="Ada Admin")


@pytest.fixture()
def secret(client, auth, admin, receiver, publish):
    publish()
    auth.login_as(admin)
    value = register(client, receiver.url)
    auth.logout()
    return value


def learner_completes_and_claims(client, auth, make_user):
    learner = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(learner)
    complete(client)
    claim(client)
    auth.logout()
    return learner


def test_the_secret_is_shown_once_and_kept_encrypted(client, auth, admin, receiver):
    auth.login_as(admin)
    secret = register(client, receiver.url)
    assert secret.startswith("whsec_")
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert secret not in endpoint.secret_encrypted
    for page in ("/admin/webhooks", f"/admin/webhooks/{endpoint.id}"):
        assert secret not in client.get(page).data.decode()


def test_events_arrive_signed_as_the_documentation_says(client, auth, make_user, secret, receiver):
    learner = learner_completes_and_claims(client, auth, make_user)
    verify = documented_verify()

    completion, issued = (
        receiver.of_type("completion.recorded"),
        receiver.of_type("certificate.issued"),
    )
    assert len(completion) == 1 and len(issued) == 1
    for got in completion + issued:
        assert verify(secret, got.headers, got.body)
        body = json.loads(got.body)
        assert got.headers["Webhook-Id"] == body["id"] == got.headers["Idempotency-Key"]
        assert body["data"]["learner"] == {
            "id": learner.id,
            "email": learner.email,
            "name": "Dana Doctor",
        }
        # A tampered body, another secret or a stale timestamp fail the same recipe.
        assert not verify(secret, got.headers, got.body.replace(b"Dana", b"Dina"))
        assert not verify("whsec_" + "A" * 44, got.headers, got.body)
        stale = {**got.headers, "Webhook-Timestamp": str(int(time.time()) - 3600)}
        assert not verify(secret, stale, got.body)
    certificate = db.session.scalar(select(Certificate))
    data = json.loads(issued[0].body)["data"]["certificate"]
    assert data["id"] == certificate.public_id
    assert data["verify_url"] == f"https://learn.example.org/verify/{certificate.public_id}"
    assert json.loads(completion[0].body)["data"]["completion"]["course"]["slug"] == CME


def test_revoking_and_reissuing_send_their_events(client, auth, make_user, admin, secret, receiver):
    learner_completes_and_claims(client, auth, make_user)
    certificate = db.session.scalar(select(Certificate))
    auth.login_as(admin)
    client.post(f"/admin/certificates/{certificate.public_id}/reissue", data={"reason": "Typo"})
    replacement = db.session.scalar(select(Certificate).where(Certificate.id != certificate.id))
    client.post(
        f"/admin/certificates/{replacement.public_id}/revoke", data={"reason": "Not attended"}
    )
    reissued = receiver.of_type("certificate.reissued")
    assert [json.loads(r.body)["data"]["replacement"]["id"] for r in reissued] == [
        replacement.public_id
    ]
    revoked = receiver.of_type("certificate.revoked")
    assert json.loads(revoked[0].body)["data"]["certificate"]["status"] == "revoked"
    assert len(receiver.of_type("certificate.issued")) == 2  # the original and its replacement


def test_a_failed_delivery_is_retried_with_backoff_and_every_try_recorded(
    client, auth, make_user, admin, secret, receiver, runner, clock
):
    receiver.script[:] = [500, 500]
    learner = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(learner)
    complete(client)
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.state == "pending" and delivery.attempts == 1
    first_retry = delivery.next_attempt_at

    # Not due yet: nothing is tried.
    assert "0 delivered; 0 failed" in runner.invoke(args=["webhooks", "deliver"]).output
    clock.set(first_retry + timedelta(seconds=1))
    assert "0 delivered; 1 failed" in runner.invoke(args=["webhooks", "deliver"]).output
    db.session.refresh(delivery)
    # The wait doubles: 60 s after the first failure, 120 s after the second.
    assert delivery.next_attempt_at - now() == timedelta(seconds=120)
    clock.set(delivery.next_attempt_at + timedelta(seconds=1))
    assert "1 delivered; 0 failed" in runner.invoke(args=["webhooks", "deliver"]).output

    db.session.refresh(delivery)
    assert delivery.state == "delivered"
    ids = {r.headers["Webhook-Id"] for r in receiver.received}
    assert len(receiver.received) == 3 and ids == {delivery.event_id}
    auth.logout()
    auth.login_as(admin)
    page = client.get(f"/admin/webhooks/{delivery.endpoint_id}").data.decode()
    assert page.count("HTTP 500") == 2 and page.count("HTTP 200") == 1
    assert "receiver exploded" in page


def test_retries_stop_after_the_configured_tries_and_a_replay_from_the_page_sends_it(
    client, auth, make_user, admin, secret, receiver, runner, clock
):
    receiver.script[:] = [503, 503, 503]
    learner = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(learner)
    complete(client)
    auth.logout()
    delivery = db.session.scalar(select(WebhookDelivery))
    for _ in range(2):
        db.session.refresh(delivery)
        clock.set(delivery.next_attempt_at + timedelta(seconds=1))
        runner.invoke(args=["webhooks", "deliver"])
    db.session.refresh(delivery)
    assert delivery.state == "failed" and len(receiver.received) == 3

    auth.login_as(admin)
    page = client.get(f"/admin/webhooks/{delivery.endpoint_id}").data.decode()
    assert "Failed: no retries left" in page
    form = re.search(
        r'<form method="post" action="([^"]+/replay)">\s*<input[^>]*value="([^"]+)"', page
    )
    response = client.post(unescape(form.group(1)), data={"csrf_token": form.group(2)}, csrf=False)
    assert response.status_code == 302
    db.session.refresh(delivery)
    assert delivery.state == "delivered"
    assert receiver.received[-1].headers["Webhook-Id"] == delivery.event_id
    last = db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id.desc())).first()
    assert last.replay and last.status_code == 200
    assert "(replay)" in client.get(f"/admin/webhooks/{delivery.endpoint_id}").data.decode()


def test_a_replay_without_the_csrf_token_is_refused(
    client, auth, make_user, admin, secret, receiver
):
    learner_completes_and_claims(client, auth, make_user)
    delivery = db.session.scalar(select(WebhookDelivery))
    auth.login_as(admin)
    url = f"/admin/webhooks/{delivery.endpoint_id}/deliveries/{delivery.id}/replay"
    assert client.post(url, csrf=False).status_code == 400
    assert len(receiver.of_type(delivery.event_type)) == 1


def test_a_slow_receiver_never_holds_up_the_learner(
    app, client, auth, make_user, secret, receiver, runner, tmp_path
):
    # As in production: jobs wait in a queue for the worker instead of running in the request.
    from lms.extensions import queue

    app.config["QUEUE_IMMEDIATE"] = False
    app.config["QUEUE_URL"] = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    queue.init_app(app)
    try:
        receiver.delay = 3
        learner = make_user(name="Dana Doctor", profession="physician")
        auth.login_as(learner)
        client.post(f"/courses/{CME}/start")
        read_lessons(client, CME)
        pass_quiz(client, CME)
        started = time.monotonic()
        response = evaluate_response(client)
        elapsed = time.monotonic() - started
        assert response.status_code in (200, 302) and elapsed < 1.5
        assert receiver.received == []
        delivery = db.session.scalar(select(WebhookDelivery))
        assert delivery.state == "pending" and delivery.attempts == 0
        assert len(queue) >= 1  # its job waits for the worker
    finally:
        app.config["QUEUE_IMMEDIATE"] = True
        queue.init_app(app)
    assert "1 delivered" in runner.invoke(args=["webhooks", "deliver"]).output


def evaluate_response(client):
    from tests.test_quizzes import quiz_page

    page = quiz_page(CME, kind="evaluation")
    data = {f"q-{q.id}": [q.options[0].id] for q in page.questions if q.options}
    return client.post(f"/courses/{CME}/evaluation/{page.slug}", data=data)


def test_an_event_rolled_back_is_never_sent_and_one_event_is_owed_once(
    app, client, auth, admin, receiver
):
    auth.login_as(admin)
    register(client, receiver.url)
    record_webhook_event("completion.recorded", "completion.recorded.999", {"x": 1})
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    assert record_webhook_event("completion.recorded", "completion.recorded.1", {"x": 1}) == 1
    assert record_webhook_event("completion.recorded", "completion.recorded.1", {"x": 1}) == 0
    db.session.commit()
    assert len(receiver.received) == 1


def test_only_subscribed_and_enabled_endpoints_get_events(
    client, auth, make_user, admin, receiver, publish
):
    publish()
    auth.login_as(admin)
    register(client, receiver.url, events=["certificate.revoked"])
    register(client, receiver.url + "/off", events=["completion.recorded"])
    off = db.session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.url.endswith("/off")))
    client.post(f"/admin/webhooks/{off.id}/disable")
    auth.logout()
    learner_completes_and_claims(client, auth, make_user)
    assert receiver.received == []
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


def test_deleting_an_endpoint_asks_first_then_removes_its_record(client, auth, admin, receiver):
    auth.login_as(admin)
    register(client, receiver.url)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    page = client.get(f"/admin/webhooks/{endpoint.id}/delete").data.decode()
    assert "Delete this endpoint?" in page
    assert client.post(f"/admin/webhooks/{endpoint.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hr.example.org/hooks", "must be an https:// address"),
        ("ftp://hr.example.org/hooks", "must be an https:// address"),
        ("https://" + "a" * 3000 + ".example.org/", "too long"),
        ("https://hr.example.org/a b", "spaces or control characters"),
        ("https://user:pw@hr.example.org/", "without a user name"),
        ("", "Enter the endpoint"),
    ],
)
def test_bad_addresses_are_refused_with_a_clear_message(client, auth, admin, url, message):
    auth.login_as(admin)
    response = client.post("/admin/webhooks", data={"url": url, "events": ["certificate.issued"]})
    assert response.status_code == 400
    assert message in unescape(response.data.decode())
    assert db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_hostile_form_input_gets_a_4xx(client, auth, admin):
    auth.login_as(admin)
    nul = client.post(
        "/admin/webhooks",
        data={"url": "https://a.example.org/\x00", "events": ["certificate.issued"]},
    )
    assert nul.status_code == 400 and "NUL" in nul.data.decode()
    unknown = client.post(
        "/admin/webhooks", data={"url": "https://a.example.org/", "events": ["everything"]}
    )
    none = client.post("/admin/webhooks", data={"url": "https://a.example.org/"})
    assert unknown.status_code == 400 and none.status_code == 400
    assert "Choose at least one event." in none.data.decode()
    huge = client.post("/admin/webhooks", data={"url": "x" * (3 * 1024 * 1024)})
    assert huge.status_code == 413


def test_loopback_http_needs_the_test_setting(app, client, auth, admin, receiver):
    app.config["WEBHOOKS_ALLOW_LOOPBACK"] = False
    auth.login_as(admin)
    response = client.post("/admin/webhooks", data={"url": receiver.url, "events": ALL_EVENTS})
    assert response.status_code == 400 and "https://" in unescape(response.data.decode())


def test_an_overdue_assignment_is_sent_once_per_reminder_period(
    client, auth, admin, make_user, receiver, runner, publish
):
    from lms.courses.models import Course
    from lms.dates import today
    from lms.organizations.models import Assignment

    publish()
    auth.login_as(admin)
    register(client, receiver.url, events=["assignment.overdue"])
    learner = make_user(name="Sam Staff", profession="clinic-staff")
    course = db.session.scalar(select(Course).where(Course.slug == CME))
    due = today() - timedelta(days=5)
    db.session.add(Assignment(course_id=course.id, user_id=learner.id, due_date=due))
    db.session.commit()
    runner.invoke(args=["reminders", "send"])
    runner.invoke(args=["reminders", "send"])  # the same period: no second reminder, no event
    [got] = receiver.of_type("assignment.overdue")
    data = json.loads(got.body)["data"]
    assert data["assignment"]["due_date"] == due.isoformat()
    assert data["assignment"]["course_slug"] == CME
    assert data["learner"]["email"] == learner.email


def test_two_workers_trying_one_delivery_at_once_send_it_once(app, client, auth, admin, receiver):
    import threading

    from lms.extensions import queue
    from lms.webhooks import services

    auth.login_as(admin)
    register(client, receiver.url)
    queue.immediate = False  # its job only waits in the queue: the two "workers" below send it
    try:
        record_webhook_event("completion.recorded", "completion.recorded.7", {"x": 1})
        db.session.commit()
    finally:
        queue.immediate = True
    assert receiver.received == []
    delivery_id = db.session.scalar(select(WebhookDelivery.id))
    receiver.delay = 0.5  # the first try is still under way when the second starts
    barrier = threading.Barrier(2)

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            services.deliver(delivery_id, app.config)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(receiver.received) == 1
    db.session.rollback()  # read what the workers committed
    assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) == 1


def test_revoking_a_learning_path_certificate_sends_certificate_revoked(
    client, auth, make_user, admin, secret, receiver
):
    from lms.paths.models import PathCompletion
    from tests.test_paths import publish_paths

    publish_paths()
    learner = make_user(name="Pat Path", profession="physician")
    auth.login_as(learner)
    complete(client, FRONT_DESK)
    complete(client)
    auth.logout()
    public_id = db.session.scalar(select(PathCompletion.certificate_id))
    auth.login_as(admin)
    client.post(f"/admin/certificates/{public_id}/revoke", data={"reason": "Not attended"})
    (revoked,) = receiver.of_type("certificate.revoked")
    data = json.loads(revoked.body)["data"]
    assert data["certificate"]["id"] == public_id
    assert (data["certificate"]["kind"], data["certificate"]["status"]) == (
        "learning-path",
        "revoked",
    )
    assert data["learner"]["name"] == "Pat Path"
