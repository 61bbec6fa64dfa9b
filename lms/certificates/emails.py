"""Emails the certificates domain sends, in each learner's language."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from lms import dates
from lms.i18n import locale_for
from lms.links import external_url
from lms.mail import queue_email
from lms.progress.models import Enrolment


def send_closing_notice(enrolment: Enrolment) -> None:
    """Email one learner that credit for the course they are taking closes soon."""
    site = current_app.config["SITE_NAME"]
    link = external_url("courses.detail", slug=enrolment.course.slug)
    with force_locale(locale_for(enrolment.user)):
        subject = _(
            "Credit for %(title)s closes on %(date)s",
            title=enrolment.version.title,
            date=dates.long_date(enrolment.version.expiration_date),
        )
        body = render_template(
            "certificates/email/credit_closing.txt", enrolment=enrolment, site=site, link=link
        )
        queue_email(enrolment.user.email, f"{subject} – {site}", body)
