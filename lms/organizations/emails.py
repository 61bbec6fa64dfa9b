"""The text of assignment reminder emails, in each learner's language."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.dates import long_date
from lms.i18n import locale_for
from lms.links import external_url
from lms.mail import queue_email
from lms.organizations.services import Reminder


def send_reminder(reminder: Reminder) -> None:
    """Email one learner a gentle reminder about an assigned course or path, in their language."""
    site = current_app.config["SITE_NAME"]
    if reminder.is_path:
        link = external_url("paths.detail", slug=reminder.assignment.path.slug)
    else:
        link = external_url("courses.detail", slug=reminder.assignment.course.slug)
    with force_locale(locale_for(reminder.user)):
        due = long_date(reminder.due_date)
        if reminder.kind == "overdue":
            subject = _(
                "Reminder: %(title)s was due %(date)s", title=reminder.course_title, date=due
            )
        elif reminder.kind == "due-again":
            subject = _(
                "Reminder: %(title)s is due again %(date)s", title=reminder.course_title, date=due
            )
        elif reminder.kind == "lapsed":
            subject = _(
                "Reminder: your %(title)s training lapsed on %(date)s",
                title=reminder.course_title,
                date=due,
            )
        else:
            subject = _(
                "Reminder: %(title)s is due %(date)s", title=reminder.course_title, date=due
            )
        body = render_template(
            "organizations/email/reminder.txt", reminder=reminder, site=site, link=link
        )
        queue_email(reminder.user.email, f"{subject} – {site}", body)
