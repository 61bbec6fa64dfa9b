"""Double clicks, several tabs and two organisers at once, against the app served by gunicorn.

Attendance codes, credit claims and participant reports are posted in parallel over real HTTP
on both databases; afterwards each person has one record per source, one claim, one current
certificate, and nobody saw an error page.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from lms.certificates.models import Certificate, CreditClaim
from lms.extensions import db
from lms.integrity import find_violations
from lms.mail.models import OutboxEmail
from lms.webinars.attendance_models import WebinarAttendance, WebinarEvaluation
from tests.served import run_together
from tests.test_concurrency import fresh
from tests.webinars.attendance_helpers import (
    CODE,
    ENDS,
    STARTS,
    field_names,
    make_webinar,
    register,
)

TABS = 8
REPORTS = Path(__file__).parent / "reports"
PAGE = "/webinars/building-trust"


def attendee_tabs(served, person, path: str, tabs: int = TABS) -> tuple[list, str]:
    """Sign the person in, open `path`, and return that many tabs of it with the page's HTML."""
    browser = served.browser()
    browser.login(person.email)
    page = browser.get(path)
    assert page.status_code == 200, page.status_code
    return [browser.tab() for _ in range(tabs)], page.text


def test_the_attendance_code_sent_from_eight_tabs_at_once_is_recorded_once(
    served, make_user, clock
):
    webinar = make_webinar()
    person = make_user()
    register(webinar, person)
    clock.set(STARTS + timedelta(minutes=40))
    tabs, page = attendee_tabs(served, person, f"{PAGE}/attendance")
    assert "code" in field_names(page)

    fresh()
    responses = run_together(
        [lambda tab=tab: tab.post(f"{PAGE}/attendance", {"code": CODE}) for tab in tabs]
    )

    assert [r.status_code for r in responses] == [302] * TABS
    assert {r.headers["Location"] for r in responses} == {f"{PAGE}/attendance"}
    fresh()
    rows = db.session.scalars(
        select(WebinarAttendance).where(WebinarAttendance.webinar_id == webinar.id)
    ).all()
    assert [(r.user_id, r.source, r.minutes) for r in rows] == [(person.id, "code", 60)]
    shown = tabs[0].get(f"{PAGE}/attendance")
    assert "Thank you: your attendance is recorded." in shown.text


def claim_form(html: str) -> dict[str, str]:
    """Return the claim as the attendee fills it in on the rendered page."""
    assert {"credit_type", "amount", "attest", "csrf_token"} <= field_names(html)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token is not None
    return {"credit_type": "ama-pra-1", "amount": "1.0", "attest": "y", "csrf_token": token[1]}


def test_a_credit_claim_double_submitted_from_eight_tabs_gives_one_claim_and_one_certificate(
    served, make_user, clock, mailbox
):
    webinar = make_webinar()
    person = make_user(profession="physician")
    register(webinar, person)
    db.session.add(
        WebinarAttendance(webinar_id=webinar.id, user_id=person.id, source="code", minutes=60)
    )
    db.session.add(
        WebinarEvaluation(
            webinar_id=webinar.id, user_id=person.id, answers={"objectives": "yes", "bias": "yes"}
        )
    )
    db.session.commit()
    clock.set(ENDS + timedelta(hours=2))
    emails_before = db.session.scalar(select(func.count()).select_from(OutboxEmail))
    tabs, page = attendee_tabs(served, person, f"{PAGE}/credit")
    form = claim_form(page)

    fresh()
    responses = run_together([lambda tab=tab: tab.post(f"{PAGE}/credit", form) for tab in tabs])

    # No error page: every tab lands on the one certificate (told kindly when it was not first).
    assert [r.status_code for r in responses] == [302] * TABS
    fresh()
    claims = db.session.scalars(
        select(CreditClaim).where(CreditClaim.webinar_id == webinar.id)
    ).all()
    assert [(c.user_id, c.credit_type, str(c.amount)) for c in claims] == [
        (person.id, "ama-pra-1", "1.00")
    ]
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.claim_id == claims[0].id)
    ).all()
    assert [c.status for c in certificates] == ["valid"]
    locations = {r.headers.get("Location") for r in responses}
    assert locations == {f"/certificates/{certificates[0].public_id}"}
    emails_after = db.session.scalar(select(func.count()).select_from(OutboxEmail))
    assert emails_after - emails_before <= 1
    assert len(mailbox.to(person.email)) <= 1
    assert find_violations() == []


def test_two_organisers_importing_the_same_report_at_once_record_each_person_once(
    served, make_user, clock
):
    webinar = make_webinar()
    for email in ("ana@example.org", "ben@example.org", "host@example.org"):
        register(webinar, make_user(email))
    clock.set(ENDS + timedelta(hours=2))
    organisers = [make_user(role="author"), make_user(role="author")]
    tabs = []
    for organiser in organisers:
        more, page = attendee_tabs(served, organiser, f"{PAGE}/organize", tabs=3)
        assert "import-report" in field_names(page)
        tabs += more
    report = (REPORTS / "zoom.csv").read_bytes()

    fresh()
    responses = run_together(
        [
            lambda tab=tab: tab.post(
                f"{PAGE}/organize/import", files={"import-report": ("zoom.csv", report)}
            )
            for tab in tabs
        ]
    )

    assert [r.status_code for r in responses] == [302] * len(tabs)
    fresh()
    rows = db.session.scalars(
        select(WebinarAttendance).where(WebinarAttendance.webinar_id == webinar.id)
    ).all()
    assert sorted((r.user.email, r.source, r.minutes) for r in rows) == [
        ("ana@example.org", "import", 58),
        ("ben@example.org", "import", 45),
        ("host@example.org", "import", 60),
    ]
    assert len({r.import_digest for r in rows}) == 1
