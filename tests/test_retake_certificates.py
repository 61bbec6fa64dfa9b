"""Annual retraining: a retake of the same course version earns a new certificate of
participation, while credit (AMA, MOC, ANCC) for that version is claimed only once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from lms import clock
from lms.certificates.models import Certificate, CreditClaim
from lms.extensions import db
from lms.integrity import find_violations
from tests.served import run_together
from tests.test_certificates import claim, complete, pdf_text
from tests.test_concurrency import fresh
from tests.test_quizzes import CME, FRONT_DESK
from tests.test_retakes import _complete_served
from tests.test_retraining import words

PARTICIPATION = {"credit_type": "participation", "amount": "1.0", "attest": "y"}


@pytest.fixture()
def on_day():
    """Return a function that fixes the application's clock on a day."""

    def run(day: date) -> None:
        clock.set_now(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))

    yield run
    clock.set_now(None)


def certificates_of(user) -> list[Certificate]:
    fresh()
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id)
        )
    )


def test_a_retake_of_the_same_version_a_year_later_earns_a_second_certificate(
    client, auth, make_user, publish, on_day
):
    on_day(date(2026, 2, 2))
    publish()
    learner = make_user(name="Ana Annual", profession="clinic-staff")
    auth.login_as(learner)
    complete(client, FRONT_DESK)
    assert claim(client, FRONT_DESK, **PARTICIPATION).status_code == 302

    on_day(date(2027, 2, 3))
    client.post(f"/courses/{FRONT_DESK}/start-again")
    complete(client, FRONT_DESK)
    page = words(client.get(f"/courses/{FRONT_DESK}/credit").data.decode())
    assert "Claim credit and get my certificate" in page
    assert claim(client, FRONT_DESK, **PARTICIPATION).status_code == 302

    first, second = certificates_of(learner)
    assert first.claim.completion_id != second.claim.completion_id
    assert first.claim.version_id == second.claim.version_id
    assert (first.completion_date, second.completion_date) == (date(2026, 2, 2), date(2027, 2, 3))
    transcript = client.get("/transcript").data.decode()
    csv_text = client.get("/transcript.csv").data.decode()
    pdf, _ = pdf_text(client.get("/transcript.pdf").data)
    for certificate in (first, second):
        assert certificate.public_id in transcript
        assert certificate.public_id in csv_text
        assert certificate.public_id in pdf
        record = client.get(f"/verify/{certificate.public_id}.json").get_json()
        assert record["status"] == "valid"
    assert find_violations() == []


def test_credit_for_a_version_is_refused_after_a_retake_with_a_link_to_the_certificate(
    client, auth, make_user, publish, on_day
):
    on_day(date(2026, 2, 2))
    publish()
    doctor = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(doctor)
    complete(client, CME)
    assert claim(client, CME).status_code == 302
    (ama,) = certificates_of(doctor)

    on_day(date(2027, 2, 3))
    client.post(f"/courses/{CME}/start-again")
    complete(client, CME)
    page = client.get(f"/courses/{CME}/credit").data.decode()
    text = words(page)
    assert "You already claimed AMA PRA Category 1 Credit™ for this version" in text
    assert f"/certificates/{ama.public_id}" in page
    # Participation is still there to claim for the new completion; AMA is not offered again.
    assert 'value="participation"' in page and 'value="ama-pra-1"' not in page

    refused = claim(client, CME)
    assert refused.status_code == 200
    assert "Credit is given once per version" in words(refused.data.decode())
    assert certificates_of(doctor) == [ama]
    assert claim(client, CME, **PARTICIPATION).status_code == 302
    assert len(certificates_of(doctor)) == 2
    assert find_violations() == []


def test_the_participation_claim_of_a_retake_in_four_tabs_at_once_issues_one_certificate(
    served, make_user, publish
):
    publish()
    learners = [make_user(profession="clinic-staff") for _ in range(3)]
    fresh()
    tabs = []
    for learner in learners:
        tab = served.browser()
        tab.login(learner.email)
        _complete_served(tab)
        assert tab.post(f"/courses/{FRONT_DESK}/credit", PARTICIPATION).status_code == 302
        tab.post(f"/courses/{FRONT_DESK}/start-again")
        _complete_served(tab)
        tabs.append(tab)
    calls = [
        (lambda t=tab: t.post(f"/courses/{FRONT_DESK}/credit", PARTICIPATION))
        for tab in tabs
        for _ in range(4)
    ]
    responses = run_together(calls)

    assert sorted(r.status_code for r in responses) == [200] * 9 + [302] * 3
    fresh()
    for learner in learners:
        claims = db.session.scalars(
            select(CreditClaim).where(CreditClaim.user_id == learner.id)
        ).all()
        assert len(claims) == 2
        assert len({c.completion_id for c in claims}) == 2
        assert len(certificates_of(learner)) == 2
    assert find_violations() == []
