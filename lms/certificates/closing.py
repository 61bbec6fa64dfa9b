"""Tell learners part-way through a course, once and in advance, that its credit window closes.

Credit is claimable from a version's release date to its expiration date (enforced at claim
time by lms.certificates.eligibility); this gives people still working on it fair warning.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.certificates.models import CreditClaim, CreditClosingNotice
from lms.courses.models import CourseVersion
from lms.extensions import db
from lms.progress.models import Enrolment


def enrolments_to_warn(*, today: date, within_days: int) -> list[Enrolment]:
    """Return enrolments whose version's credit closes within `within_days`, not yet claimed."""
    closing = select(CourseVersion.id).where(
        CourseVersion.expiration_date.is_not(None),
        CourseVersion.expiration_date >= today,
        CourseVersion.expiration_date <= today + timedelta(days=within_days),
    )
    claimed = select(CreditClaim.id).where(
        CreditClaim.user_id == Enrolment.user_id, CreditClaim.version_id == Enrolment.version_id
    )
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.version_id.in_(closing), Enrolment.ended_at.is_(None), ~claimed.exists())
        .order_by(Enrolment.id)
    )
    # Only versions that offer credit at all have a window worth warning about.
    return [e for e in enrolments if e.version.credits and e.user.active]


def warn_credit_closing(
    *, today: date, within_days: int, send: Callable[[Enrolment], None]
) -> tuple[int, int]:
    """Queue one warning per learner and version whose credit closes soon; return (sent, skipped).

    The notice row and its email are committed together by the caller: never logged without
    its email, never emailed twice.
    """
    sent = skipped = 0
    for enrolment in enrolments_to_warn(today=today, within_days=within_days):
        try:
            with db.session.begin_nested():
                db.session.add(
                    CreditClosingNotice(user_id=enrolment.user_id, version_id=enrolment.version_id)
                )
                send(enrolment)
        except IntegrityError:
            skipped += 1
            continue
        sent += 1
    return sent, skipped
