"""`flask certificates warn-closing`: tell learners in advance that credit for a course closes."""

from __future__ import annotations

import click
from flask import current_app
from flask_babel import gettext as _

from lms import dates
from lms.certificates.closing import warn_credit_closing
from lms.certificates.emails import send_closing_notice
from lms.certificates.views import bp
from lms.database import writing
from lms.extensions import db
from lms.links import DEVELOPMENT_BASE_URL


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
