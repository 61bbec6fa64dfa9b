"""The records' invariants (`flask db verify`) notice each kind of corruption planted in them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from lms.accounts.models import User
from lms.certificates.models import Certificate, Completion, CreditClaim
from lms.certificates.services import issue_certificate
from lms.courses.models import Course
from lms.database import utcnow
from lms.extensions import db
from lms.integrity import find_violations
from lms.progress.services import enrol
from lms.quizzes.models import QuizAttempt
from tests.test_certificates import complete
from tests.test_quizzes import CME, quiz_page


def certify(user: User, slug: str = CME) -> Certificate:
    """Give a learner a completion, an AMA claim and its certificate, straight in the database."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    version = course.current_version
    enrolment = enrol(user, course, version)
    completion = Completion(
        user_id=user.id,
        course_id=course.id,
        version_id=version.id,
        enrolment_id=enrolment.id,
        completed_at=utcnow(),
    )
    db.session.add(completion)
    db.session.flush()
    claim = CreditClaim(
        completion_id=completion.id,
        user_id=user.id,
        version_id=version.id,
        credit_type="ama-pra-1",
        amount=Decimal("0.75"),
        claimed_at=utcnow(),
        attested=True,
    )
    db.session.add(claim)
    db.session.flush()
    certificate = issue_certificate(claim, holder_name=user.full_name, provider_name="Provider")
    db.session.commit()
    return certificate


@pytest.fixture()
def certificate(make_user, publish) -> Certificate:
    publish()
    return certify(make_user(profession="physician"))


def test_sound_records_have_no_violations_and_verify_says_so(certificate, runner):
    assert find_violations() == []
    result = runner.invoke(args=["db", "verify"])
    assert result.exit_code == 0
    assert "Every record keeps its invariants." in result.output


def test_two_current_certificates_for_one_claim_are_reported(certificate, runner):
    issue_certificate(certificate.claim, holder_name="Someone", provider_name="Provider")
    db.session.commit()
    assert find_violations() == [f"claim {certificate.claim_id}: 2 current certificates"]
    result = runner.invoke(args=["db", "verify"])
    assert result.exit_code == 1
    assert f"claim {certificate.claim_id}: 2 current certificates" in result.output


def test_a_revoked_certificate_with_a_valid_successor_is_reported(certificate):
    successor = issue_certificate(certificate.claim, holder_name="Someone", provider_name="P")
    certificate.status = "superseded"
    certificate.superseded_by_id = successor.id
    certificate.revoked_at = utcnow()
    db.session.commit()
    assert find_violations() == [
        f"certificate {certificate.public_id}: has a revocation date but is superseded"
    ]
    certificate.status = "revoked"
    db.session.commit()
    assert find_violations() == [
        f"claim {certificate.claim_id}: 2 current certificates",
        f"certificate {certificate.public_id}: revoked but has a successor",
        f"claim {certificate.claim_id}: a revoked certificate and a valid one",
    ]


def test_a_claim_without_a_certificate_is_reported(certificate):
    claim_id = certificate.claim_id
    db.session.execute(delete(Certificate))
    db.session.commit()
    assert find_violations() == [f"claim {claim_id}: no certificate"]


def test_a_learner_who_met_every_requirement_without_a_completion_is_reported(
    client, auth, make_user, publish
):
    publish()
    learner = make_user(profession="physician")
    auth.login_as(learner)
    complete(client)
    assert find_violations() == []
    db.session.execute(delete(Completion))
    db.session.commit()
    (problem,) = find_violations()
    assert f"user {learner.id} met every requirement" in problem
    assert problem.endswith("but has no completion")


def test_a_learner_part_way_through_is_not_reported(client, auth, make_user, publish):
    publish()
    auth.login_as(make_user(profession="physician"))
    client.post(f"/courses/{CME}/start")
    assert find_violations() == []


def _attempt(enrolment_id: int, user_id: int, page_id: int, number: int, *, open_: bool):
    started = utcnow() - timedelta(minutes=10 - number)
    return QuizAttempt(
        user_id=user_id,
        enrolment_id=enrolment_id,
        page_id=page_id,
        number=number,
        started_at=started,
        submitted_at=None if open_ else started + timedelta(minutes=1),
        question_order=[],
        option_order={},
    )


def test_gaps_in_attempt_numbers_and_two_open_attempts_are_reported(certificate):
    page = quiz_page()
    enrolment_id = certificate.claim.completion.enrolment_id
    user_id = certificate.user_id
    db.session.add_all(
        [
            _attempt(enrolment_id, user_id, page.id, 1, open_=False),
            _attempt(enrolment_id, user_id, page.id, 3, open_=True),
            _attempt(enrolment_id, user_id, page.id, 4, open_=True),
        ]
    )
    db.session.commit()
    assert find_violations() == [
        f"user {user_id}, quiz page {page.id}: attempt numbers 1, 3, 4 have gaps",
        f"user {user_id}, quiz page {page.id}: 2 open attempts",
    ]


def test_duplicate_completions_cannot_even_be_planted(certificate):
    # One completion per enrolment is also a unique constraint; the check stays for
    # databases restored from elsewhere.
    completion = certificate.claim.completion
    db.session.add(
        Completion(
            user_id=completion.user_id,
            course_id=completion.course_id,
            version_id=completion.version_id,
            enrolment_id=completion.enrolment_id,
            completed_at=utcnow(),
        )
    )
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.commit()
    db.session.rollback()
    assert find_violations() == []
