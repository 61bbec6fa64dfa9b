"""Pure rules for training that comes round again: when a completion lapses, and its status.

A completion stays current until the earliest of: the course's own validity (course.md
`valid_for_months`) and the assignment's next cycle (every N months after the completion, or
every N months on the due date's anniversary). Nothing here reads the clock: callers pass `today`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l

# How long before a completion lapses it counts as "due soon" and its reminder goes out.
DUE_SOON_DAYS = 30

RetrainingStatus = Literal["current", "due soon", "lapsed"]

# The assignment form's "Repeats" choices: value -> (months, on the due date's anniversary).
REPEATS: dict[str, tuple[int | None, bool]] = {
    "": (None, False),
    "yearly-on-date": (12, True),
    "6-months": (6, False),
    "12-months": (12, False),
    "24-months": (24, False),
    "36-months": (36, False),
}
REPEAT_CHOICES = {
    "": _l("Does not repeat"),
    "yearly-on-date": _l("Every year on the due date"),
    "6-months": _l("6 months after each completion"),
    "12-months": _l("12 months after each completion"),
    "24-months": _l("2 years after each completion"),
    "36-months": _l("3 years after each completion"),
}


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later, on the month's last day when it is shorter."""
    return day + relativedelta(months=months)


def due_again_on(
    completed_on: date,
    *,
    valid_for_months: int | None,
    recur_months: int | None,
    recur_on_date: bool,
    anchor: date,
) -> date | None:
    """Return the day a completion stops satisfying the assignment, or None if it never does."""
    candidates = []
    if valid_for_months:
        candidates.append(add_months(completed_on, valid_for_months))
    if recur_months:
        if recur_on_date:
            # A completion counts for a cycle date up to half a cycle away (early or late),
            # so it is due again on the first cycle date after that.
            counts_until = add_months(completed_on, recur_months // 2)
            step = 0
            while (cycle := add_months(anchor, step * recur_months)) <= counts_until:
                step += 1
            candidates.append(cycle)
        else:
            candidates.append(add_months(completed_on, recur_months))
    return min(candidates) if candidates else None


def retraining_status(
    due_again: date, *, today: date, soon_days: int = DUE_SOON_DAYS
) -> RetrainingStatus:
    """Return whether a completion is current, due soon (within `soon_days`) or lapsed."""
    if today >= due_again:
        return "lapsed"
    if today >= due_again - timedelta(days=soon_days):
        return "due soon"
    return "current"


def repeat_label(recur_months: int | None, recur_on_date: bool) -> str | None:
    """Return how an assignment repeats, as the form named it, or None for a one-off."""
    for key, (months, on_date) in REPEATS.items():
        if key and (months, on_date) == (recur_months, recur_on_date):
            return str(REPEAT_CHOICES[key])
    return None
