"""The time the site recorded is shown next to a claim and flags claims far above it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.certificates.eligibility import describe_seconds, far_above_recorded
from lms.certificates.services import recorded_seconds
from lms.extensions import db
from lms.progress.models import Enrolment, PageProgress
from lms.quizzes.models import QuizAttempt
from tests.test_certificates import complete
from tests.test_quizzes import CME


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "less than a minute"),
        (28, "less than a minute"),
        (60, "1 minute"),
        (59 * 60 + 59, "59 minutes"),
        (3600, "1 hour"),
        (2 * 3600 + 5 * 60, "2 hours 5 minutes"),
    ],
)
def test_recorded_time_reads_as_people_say_it(seconds, text):
    assert describe_seconds(seconds) == text


def test_a_claim_is_flagged_only_when_more_than_twice_the_recorded_time():
    assert far_above_recorded(Decimal("1.0"), 28)
    assert far_above_recorded(Decimal("1.0"), 29 * 60)
    assert not far_above_recorded(Decimal("1.0"), 30 * 60)
    assert not far_above_recorded(Decimal("0.25"), 15 * 60)


def test_recorded_time_adds_pages_and_caps_an_attempt_left_open_for_days(
    client, auth, make_user, publish
):
    publish()
    learner = make_user(name="Tim Timer", profession="physician")
    auth.login_as(learner)
    complete(client, CME)
    enrolment = db.session.scalar(select(Enrolment))
    for row in db.session.scalars(select(PageProgress)):
        row.seconds_spent = 60
    attempt = db.session.scalar(select(QuizAttempt))
    attempt.started_at = attempt.submitted_at - timedelta(days=3)
    db.session.commit()
    pages = db.session.scalar(select(db.func.count(PageProgress.id)))
    assert recorded_seconds([enrolment.id]) == {enrolment.id: pages * 60 + 3600}
