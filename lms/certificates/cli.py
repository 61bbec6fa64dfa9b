"""`flask certificates warn-closing`: tell learners in advance that credit for a course closes."""

from __future__ import annotations

import click
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from lms import dates
from lms.certificates.closing import warn_credit_closing
from lms.certificates.views import bp
from lms.database import writing
from lms.extensions import db
from lms.i18n import locale_for
from lms.links import DEVELOPMENT_BASE_URL, external_url
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


@bp.cli.command("warn-closing")
@click.option("--within", "within_days", default=30, show_default=True, help="Days ahead.")
def warn_closing_command(within_days: int) -> None:
    """Email learners whose course's credit closes within the days given, once each."""
    base_url = current_app.config.get("BASE_URL") or DEVELOPMENT_BASE_URL
    with current_app.test_request_context(base_url=base_url), writing():
        sent, skipped = warn_credit_closing(
            today=dates.today(), within_days=within_days, send=send_closing_notice
        )
    db.session.commit()
    click.echo(
        _(
            "%(sent)d learner(s) told that credit closes soon; %(skipped)d told before.",
            sent=sent,
            skipped=skipped,
        )
    )
