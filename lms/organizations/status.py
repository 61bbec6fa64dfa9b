"""Pure rules for where a person stands on an assigned course, and for reminder periods."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from flask_babel import lazy_gettext as _l

Status = Literal[
    "completed", "overdue", "in progress", "not started", "current", "due soon", "lapsed"
]

# How each status is named on screen. The statuses themselves stay English: they are stored
# in nothing, but CSS classes, exports and tests use them as identifiers.
STATUS_LABELS = {
    "completed": _l("Completed"),
    "overdue": _l("Overdue"),
    "in progress": _l("In progress"),
    "not started": _l("Not started"),
    # Training that comes round again (lms.organizations.recurrence).
    "current": _l("Current"),
    "due soon": _l("Due soon"),
    "lapsed": _l("Lapsed"),
}

STATUS_ORDER: dict[str, int] = {
    "overdue": 0,
    "lapsed": 1,
    "due soon": 2,
    "in progress": 3,
    "not started": 4,
    "current": 5,
    "completed": 6,
}
# Statuses that only assignments with a cycle or courses with a validity period can have.
RETRAINING_STATUSES = frozenset({"current", "due soon", "lapsed"})


def assignment_status(*, completed: bool, started: bool, due_date: date, today: date) -> Status:
    """Return the status a manager sees: completed, overdue, in progress or not started."""
    if completed:
        return "completed"
    if due_date < today:
        return "overdue"
    return "in progress" if started else "not started"


def status_label(status: str) -> str:
    """Return a status as people read it, in the page's language ("In progress")."""
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status.capitalize()


def period_start(today: date, period_days: int) -> date:
    """Return the first day of the reminder period containing `today`.

    Periods are fixed windows counted from day one of the calendar, so every run on any day of
    the same window agrees on it, and a second run sends nothing new.
    """
    if period_days < 1:
        raise ValueError("a reminder period is at least one day")
    ordinal = today.toordinal()
    return date.fromordinal(ordinal - (ordinal - 1) % period_days)


def needs_reminder(*, completed: bool, due_date: date, today: date, within_days: int) -> str | None:
    """Return "overdue" or "due-soon" when a reminder is due, else None."""
    if completed:
        return None
    if due_date < today:
        return "overdue"
    if due_date <= today + timedelta(days=within_days):
        return "due-soon"
    return None
