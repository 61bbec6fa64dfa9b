"""The daily assignment reminders, run by the job worker once a day across all workers."""

from __future__ import annotations

from datetime import timedelta

from lms import dates
from lms.operations.schedule import DAILY, scheduled
from lms.organizations import services
from lms.organizations.emails import send_reminder

REMIND_WITHIN_DAYS = 7
REMIND_EVERY_DAYS = 7


@scheduled("reminders.send", DAILY, at=timedelta(hours=13))
def send_reminders_job() -> None:
    """Queue reminders for assignments due within a week or overdue, once per period each."""
    services.send_reminders(
        today=dates.today(),
        within_days=REMIND_WITHIN_DAYS,
        period_days=REMIND_EVERY_DAYS,
        send=send_reminder,
    )
