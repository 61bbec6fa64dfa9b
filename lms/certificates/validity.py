"""Pure rules for how long a certificate speaks for current training.

A participation certificate of a course whose completion lapses (course.md `valid_for_months`)
is valid until then; continuing-education credit, once earned, never expires. An expired
certificate stays genuine and verifiable: it records a course completed on a date.
"""

from __future__ import annotations

from datetime import date

from lms.certificates.documents import CME_CREDIT_TYPES
from lms.organizations.recurrence import add_months


def valid_until_for(
    credit_type: str, completion_date: date, valid_for_months: int | None
) -> date | None:
    """Return the last day a certificate of this kind stands for current training, or None."""
    if credit_type in CME_CREDIT_TYPES or not valid_for_months:
        return None
    return add_months(completion_date, valid_for_months)


def is_expired(valid_until: date | None, today: date) -> bool:
    """Return whether a certificate's validity ended before `today`."""
    return valid_until is not None and valid_until < today
