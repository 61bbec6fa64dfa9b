"""`flask webinars ...`: check and publish webinar files, and send due reminders (cron)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _

from lms.clock import now
from lms.database import writing
from lms.extensions import db
from lms.webinars import services
from lms.webinars.loader import check_webinars
from lms.webinars.views import bp

DIR_ARGUMENT = click.argument(
    "directory", required=False, type=click.Path(file_okay=False, path_type=Path)
)


def _directory(directory: Path | None) -> Path:
    path = directory or Path(current_app.config["WEBINARS_DIR"])
    if not path.is_dir():
        raise click.ClickException(_("%(path)s is not a folder of webinars.", path=path))
    return path


@bp.cli.command("check")
@DIR_ARGUMENT
def check_command(directory: Path | None) -> None:
    """Check every webinar under DIRECTORY (default: LMS_WEBINARS_DIR); print each problem."""
    root = _directory(directory)
    webinars, diagnostics = check_webinars(root, provider_name=current_app.config["PROVIDER_NAME"])
    for diagnostic in diagnostics:
        click.echo(str(diagnostic), err=diagnostic.severity == "error")
    errors = sum(d.severity == "error" for d in diagnostics)
    click.echo(
        _(
            "%(count)d webinar(s) ready: %(errors)d error(s), %(warnings)d warning(s).",
            count=len(webinars),
            errors=errors,
            warnings=len(diagnostics) - errors,
        ),
        err=True,
    )
    if errors:
        raise SystemExit(1)


@bp.cli.command("publish")
@DIR_ARGUMENT
def publish_command(directory: Path | None) -> None:
    """Publish every webinar under DIRECTORY without errors; broken ones stay as they were."""
    root = _directory(directory)
    with writing():
        report = services.publish_webinars(
            root, provider_name=current_app.config["PROVIDER_NAME"], now=now()
        )
        db.session.commit()
    for diagnostic in report.diagnostics:
        click.echo(str(diagnostic), err=True)
    for slug in report.published:
        click.echo(_("%(slug)s: published", slug=slug))
    for slug in report.failed:
        click.echo(
            _("%(slug)s: NOT published; the previous version stays live", slug=slug), err=True
        )
    if report.failed:
        raise SystemExit(1)


@bp.cli.command("remind")
def remind_command() -> None:
    """Send the reminders due now (a day and an hour before), each once; run every few minutes."""
    sent = 0
    moment = now()
    with writing():
        pending = list(services.due_reminders(moment))
        for registration, kind in pending:
            sent += services.send_reminder(registration, kind, now=moment)
        db.session.commit()
    click.echo(_("%(num)d reminder(s) sent.", num=sent))
