"""Pure rules for credit from a live webinar: how much the time attended allows.

No database and no Flask app. One credit stands for one hour of the live session, claimed in
quarter steps (lms.certificates.eligibility), never above what the webinar designates nor above
the time the site recorded for the attendee.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from lms.certificates.documents import CREDIT_STEP

MINUTES_PER_CREDIT = 60


def offered_credits(meta: Mapping[str, Any]) -> list[tuple[str, Decimal]]:
    """Return the (type, maximum) pairs a webinar's published front matter designates."""
    offered: list[tuple[str, Decimal]] = []
    for credit in meta.get("credits") or []:
        if isinstance(credit, Mapping) and credit.get("type") and credit.get("max") is not None:
            offered.append((str(credit["type"]), Decimal(str(credit["max"]))))
    return offered


def credit_for_minutes(minutes: int) -> Decimal:
    """Return the most credit `minutes` of attendance stand for, rounded down to 0.25."""
    hours = Decimal(max(minutes, 0)) / MINUTES_PER_CREDIT
    return (hours / CREDIT_STEP).to_integral_value(rounding=ROUND_FLOOR) * CREDIT_STEP


def claimable(maximum: Decimal, minutes: int) -> Decimal:
    """Return the most an attendee may claim: the lesser of the designation and time attended."""
    return min(maximum, credit_for_minutes(minutes))


def credited_minutes(records: Iterable[int], session_minutes: int) -> int:
    """Return the minutes attended: the largest record, never more than the session lasted.

    Records from different sources (code, report, organiser) describe the same time, so they
    are never added up.
    """
    return min(max(records, default=0), max(session_minutes, 0))
