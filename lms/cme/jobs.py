"""The daily check of board-reporting (PARS) deadlines, logged for whoever watches the logs."""

from __future__ import annotations

import logging
from datetime import timedelta

from lms import dates
from lms.cme import services
from lms.operations.schedule import DAILY, scheduled

logger = logging.getLogger(__name__)


@scheduled("cme.due", DAILY, at=timedelta(hours=12))
def check_reporting_deadlines_job() -> None:
    """Log how many MOC completions are due for reporting within a week, and how many are late."""
    due = services.due_reports(dates.today())
    overdue = sum(item.overdue for item in due)
    # Counts only: `flask cme due` lists the learners, for staff with access to the records.
    if overdue:
        logger.error("%d MOC completion(s) past their PARS reporting deadline", overdue)
    elif due:
        logger.warning("%d MOC completion(s) due for PARS reporting within a week", len(due))
