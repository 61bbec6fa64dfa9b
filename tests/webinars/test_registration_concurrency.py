"""Twenty people press Register at once for the last five seats of the app served by gunicorn."""

from __future__ import annotations

from sqlalchemy import select

from lms.clock import now
from lms.extensions import db
from lms.webinars import services
from lms.webinars.models import WebinarRegistration
from tests.served import run_together
from tests.test_concurrency import fresh

CAPACITY = 25
ALREADY = 20
RACERS = 20


def test_twenty_at_once_for_five_seats_register_five_and_queue_fifteen_in_order(
    served, make_webinar, make_user
):
    webinar = make_webinar(capacity=CAPACITY, spanish=False)
    for _ in range(ALREADY):
        services.register(webinar.id, make_user(), now=now())
    db.session.commit()

    people = [make_user() for _ in range(RACERS)]
    tabs = []
    for person in people:
        tab = served.browser()
        tab.login(person.email)
        tab.get(f"/webinars/{webinar.slug}")
        tabs.append(tab)
    fresh()
    url = f"/webinars/{webinar.slug}/register"
    responses = run_together([lambda tab=tab: tab.post(url) for tab in tabs])
    assert [r.status_code for r in responses] == [302] * RACERS

    fresh()
    racers = {p.id for p in people}
    rows = [
        r
        for r in db.session.scalars(
            select(WebinarRegistration).order_by(
                WebinarRegistration.created_at, WebinarRegistration.id
            )
        )
        if r.user_id in racers
    ]
    assert len(rows) == RACERS
    assert sum(r.status == "registered" for r in rows) == CAPACITY - ALREADY
    waiting = [r.user_id for r in rows if r.status == "waitlisted"]
    assert len(waiting) == RACERS - (CAPACITY - ALREADY)
    assert services.seats_taken(webinar) == CAPACITY

    # Three seated people cancel at once: the first three in the queue get their seats.
    seated = [p for p in people if p.id in {r.user_id for r in rows if r.status == "registered"}]
    cancelling = [tabs[people.index(p)] for p in seated[:3]]
    for tab in cancelling:
        tab.get(f"/webinars/{webinar.slug}")
    responses = run_together(
        [lambda tab=tab: tab.post(f"/webinars/{webinar.slug}/cancel") for tab in cancelling]
    )
    assert [r.status_code for r in responses] == [302] * 3
    fresh()
    status = dict(
        db.session.execute(
            select(WebinarRegistration.user_id, WebinarRegistration.status).where(
                WebinarRegistration.webinar_id == webinar.id
            )
        ).all()
    )
    assert [status[user_id] for user_id in waiting[:3]] == ["registered"] * 3
    assert [status[user_id] for user_id in waiting[3:]] == ["waitlisted"] * 12
    assert services.seats_taken(webinar) == CAPACITY
