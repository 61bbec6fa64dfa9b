"""`flask cme ...`: board-reporting deadlines, report batches and activity files."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import click
from flask import render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from lms import dates
from lms.cme import archive, pars, services
from lms.cme.views import bp
from lms.courses import editions
from lms.courses.models import Course, CourseVersion
from lms.extensions import db


@bp.cli.command("due")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", hidden=True, help="Pretend date.")
def due_command(today_text: str | None) -> None:
    """Print MOC completions whose PARS reporting deadline is within a week or past.

    Exits 1 when any are overdue, so cron can alert. Deadlines: 30 days after completion,
    and December 1 of the completion year.
    """
    today = date.fromisoformat(today_text) if today_text else dates.today()
    due = services.due_reports(today)
    for item in due:
        words = {
            "deadline": dates.long_date(item.deadline),
            "name": item.full_name,
            "course": item.course_slug,
            "completed": dates.long_date(item.completed_on),
            "claim": item.claim_id,
        }
        if item.overdue:
            line = _(
                "OVERDUE %(deadline)s: %(name)s, %(course)s, completed %(completed)s "
                "(claim %(claim)s)",
                **words,
            )
        else:
            line = _(
                "due %(deadline)s: %(name)s, %(course)s, completed %(completed)s (claim %(claim)s)",
                **words,
            )
        click.echo(line)
    overdue = sum(item.overdue for item in due)
    click.echo(
        ngettext(
            "%(num)d unreported MOC completion(s) due within a week or overdue; "
            "%(overdue)d overdue.",
            "%(num)d unreported MOC completion(s) due within a week or overdue; "
            "%(overdue)d overdue.",
            len(due),
            overdue=overdue,
        ),
        err=True,
    )
    if overdue:
        raise SystemExit(1)


@bp.cli.command("report")
@click.argument("layout_key", type=click.Choice(sorted(pars.LAYOUTS)))
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the file for PARS (.xlsx for accme-excel, else tab-delimited text).",
)
def report_command(layout_key: str, output: Path) -> None:
    """Make the next PARS batch of LAYOUT_KEY (only records not reported yet) and write it."""
    layout = pars.LAYOUTS[layout_key]
    try:
        batch = services.create_batch(layout, None, today=dates.today())
    except services.ReportingError as error:
        raise click.ClickException(str(error)) from error
    data = batch.data
    _write_atomically(output, data)
    db.session.commit()
    click.echo(
        ngettext(
            "Batch %(batch)s: %(num)d record(s), sha256 %(sha256)s.",
            "Batch %(batch)s: %(num)d record(s), sha256 %(sha256)s.",
            batch.row_count,
            batch=batch.id,
            sha256=batch.sha256,
        ),
        err=True,
    )


@bp.cli.command("activity-file")
@click.argument("slug")
@click.option("--version", "number", type=int, default=None, help="Version number (default: live).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="ZIP file to write (default: SLUG-vN-activity.zip).",
)
def activity_file_command(slug: str, number: int | None, output: Path | None) -> None:
    """Write an auditor's ZIP for a course version: sources, disclosures, evaluation, numbers."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(_("No course has the slug %(slug)r.", slug=slug))
    if number is None:
        version = course.current_version
    else:
        version = db.session.scalar(
            select(CourseVersion).where(
                CourseVersion.course_id == course.id, CourseVersion.number == number
            )
        )
    if version is None:
        raise click.ClickException(
            _("%(slug)s has no version %(number)s.", slug=slug, number=number)
        )
    disclosures = render_template(
        "cme/activity_disclosures.html",
        version=version,
        edition_disclosures=_edition_disclosures(version),
    )
    data = archive.activity_file(version, disclosures)
    target = output or Path(f"{slug}-v{version.number}-activity.zip")
    _write_atomically(target, data)
    click.echo(
        _(
            "Wrote %(target)s (%(size)s bytes) for %(slug)s version %(number)s.",
            target=target,
            size=f"{len(data):,}",
            slug=slug,
            number=version.number,
        )
    )


def _edition_disclosures(version: CourseVersion) -> list[tuple[str, Markup]]:
    """Render the disclosures as readers of each other edition were shown them, in its language."""
    shown = []
    for language in editions.languages_of(version)[1:]:
        words = editions.edition_for(version, language)
        with force_locale(language.replace("-", "_")):
            html = render_template(
                "courses/_disclosures.html",
                version=editions.version_in(version, words),
                disclosures_id=f"disclosures-{language}",
            )
        if html.strip():
            # Rendered by an autoescaping template: already safe HTML, not raw input.
            shown.append((language, Markup(html)))  # noqa: S704
    return shown


def _write_atomically(target: Path, data: bytes) -> None:
    folder = target.resolve().parent
    if not folder.is_dir():
        raise click.ClickException(_("%(folder)s is not a folder.", folder=folder))
    handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
