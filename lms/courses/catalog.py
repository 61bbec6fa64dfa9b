"""Pure rules for who a course is for and whether it is open."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.accounts.models import Profession
from lms.i18n import format_credit_amount

# The learning track a profession belongs to, in the course format's words: trainees follow
# the residency track, clinic teams the onboarding track, everyone else learns self-directed.
PROFESSION_AUDIENCE = {
    Profession.TRAINEE.value: "trainee",
    Profession.PHYSICIAN.value: "self-directed",
    Profession.NURSE.value: "clinic-staff",
    Profession.SOCIAL_WORKER.value: "clinic-staff",
    Profession.CLINIC_STAFF.value: "clinic-staff",
    Profession.OTHER.value: "self-directed",
}

AUDIENCE_LABELS = {
    "trainee": "Pediatric trainees and physicians",
    "clinic-staff": "Clinic staff",
    "self-directed": "Anyone learning on their own",
}


def audience_for(profession: str | None) -> str | None:
    """Return the audience a profession belongs to, or None when any course may fit."""
    return PROFESSION_AUDIENCE.get(profession or "")


def suits(course_audience: list[str], learner_audience: str | None) -> bool:
    """Return whether a course is meant for a learner in `learner_audience`."""
    return learner_audience is None or learner_audience in course_audience


def availability(release: date | None, expiration: date | None, today: date) -> str:
    """Return "upcoming", "open" or "expired" for a course on `today`."""
    if release is not None and today < release:
        return "upcoming"
    if expiration is not None and today > expiration:
        return "expired"
    return "open"


def format_amount(amount: Decimal | float | str) -> str:
    """Format a credit amount as people write it, in the reader's locale: 1.0, 1.5, 0.75."""
    return format_credit_amount(amount)
