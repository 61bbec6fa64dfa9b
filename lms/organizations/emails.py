"""The text of assignment reminder emails."""

from __future__ import annotations

from flask import current_app, render_template

from lms.dates import long_date
from lms.links import external_url
from lms.mail import queue_email
from lms.organizations.services import Reminder


def send_reminder(reminder: Reminder) -> None:
    """Email one learner a gentle reminder about an assigned course."""
    site = current_app.config["SITE_NAME"]
    link = external_url("courses.detail", slug=reminder.assignment.course.slug)
    subject = (
        f"Reminder: {reminder.course_title} was due {long_date(reminder.due_date)}"
        if reminder.kind == "overdue"
        else f"Reminder: {reminder.course_title} is due {long_date(reminder.due_date)}"
    )
    body = render_template(
        "organizations/email/reminder.txt", reminder=reminder, site=site, link=link
    )
    queue_email(reminder.user.email, f"{subject} – {site}", body)
