"""The daily warning that a course's credit closes soon, run once a day across all workers."""

from __future__ import annotations

from datetime import timedelta

from lms import dates
from lms.certificates.closing import warn_credit_closing
from lms.certificates.emails import send_closing_notice
from lms.operations.schedule import DAILY, scheduled

WARN_WITHIN_DAYS = 30


@scheduled("certificates.warn_closing", DAILY, at=timedelta(hours=14))
def warn_closing_job() -> None:
    """Tell learners part-way through a course, once, that its credit closes within 30 days."""
    warn_credit_closing(today=dates.today(), within_days=WARN_WITHIN_DAYS, send=send_closing_notice)
