"""Webinar reminders (a day and an hour before), sent by the job worker every five minutes."""

from __future__ import annotations

from lms.clock import now
from lms.operations.schedule import FIVE_MINUTES, scheduled
from lms.webinars import services


@scheduled("webinars.remind", FIVE_MINUTES)
def send_webinar_reminders_job() -> None:
    """Send the webinar reminders due now, each once."""
    moment = now()
    for registration, kind in list(services.due_reminders(moment)):
        services.send_reminder(registration, kind, now=moment)
