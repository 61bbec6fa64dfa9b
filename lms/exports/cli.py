"""`flask export completions`: the completion export from the command line."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, TypeVar

import click
from flask_babel import gettext as _
from flask_babel import ngettext

from lms.exports import services
from lms.exports.rows import ExportFilters, ParsRow, SkippedLearner
from lms.exports.views import bp
from lms.exports.writers import ExportTooLarge, pars_chunks, values_csv_chunks, write_xlsx
from lms.extensions import db

T = TypeVar("T")


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        # strptime, not date.fromisoformat: that also takes "20250131" and week dates.
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as error:
        raise click.BadParameter(
            _("%(value)r is not a date; use YYYY-MM-DD, such as 2025-01-31.", value=value)
        ) from error


class _Counter:
    """Count items as they stream past, without holding them."""

    def __init__(self) -> None:
        self.count = 0

    def through(self, items: Iterable[T]) -> Iterator[T]:
        for item in items:
            self.count += 1
            yield item


def _split_pars(
    records: Iterable[ParsRow | SkippedLearner], skipped: list[SkippedLearner]
) -> Iterator[ParsRow]:
    for record in records:
        if isinstance(record, SkippedLearner):
            skipped.append(record)
        else:
            yield record


def _write(
    export_format: str, filters: ExportFilters, out: IO[bytes]
) -> tuple[int, list[SkippedLearner]]:
    counter = _Counter()
    skipped: list[SkippedLearner] = []
    if export_format == "xlsx":
        write_xlsx(counter.through(services.iter_completion_rows(filters)), out)
        return counter.count, skipped
    if export_format == "pars":
        rows = _split_pars(services.iter_pars_records(filters), skipped)
        chunks = pars_chunks(counter.through(rows))
    else:
        chunks = values_csv_chunks(counter.through(services.iter_completion_values(filters)))
    for chunk in chunks:
        out.write(chunk.encode("utf-8"))
    return counter.count, skipped


def _write_file(
    export_format: str, filters: ExportFilters, output: Path
) -> tuple[int, list[SkippedLearner]]:
    folder = output.resolve().parent
    if not folder.is_dir():
        raise click.ClickException(_("%(folder)s is not a folder.", folder=folder))
    # Write beside the target and rename at the end, so a failed export leaves no half file.
    handle, partial = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            result = _write(export_format, filters, out)
        os.replace(partial, output)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return result


def _write_stdout(export_format: str, filters: ExportFilters) -> tuple[int, list[SkippedLearner]]:
    with click.open_file("-", "wb") as stdout:  # the binary stdout, left open afterwards
        if export_format != "xlsx":
            return _write(export_format, filters, stdout)
        # A zip file needs seeking while it is written; standard output may be a pipe.
        with tempfile.TemporaryFile() as out:
            result = _write(export_format, filters, out)
            out.seek(0)
            shutil.copyfileobj(out, stdout)
        return result


@bp.cli.command("completions")
@click.option(
    "--format",
    "export_format",
    type=click.Choice(services.FORMATS),
    required=True,
    help="csv or xlsx: every completion and claim; pars: ABP MOC Part 2 board report.",
)
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path),
    help="The file to write, replaced only once complete; - for standard output.",
)
@click.option("--course", "course_slug", metavar="SLUG", help="Only this course.")
@click.option("--organization", metavar="NAME", help="Only members of this organization.")
@click.option("--since", callback=_date, metavar="YYYY-MM-DD", help="Completed on or after (UTC).")
@click.option("--until", callback=_date, metavar="YYYY-MM-DD", help="Completed on or before (UTC).")
def completions_command(
    export_format: str,
    output: Path,
    course_slug: str | None,
    organization: str | None,
    since: date | None,
    until: date | None,
) -> None:
    """Export completions and credit claims as CSV, XLSX or the ABP board report (pars)."""
    if since and until and until < since:
        raise click.BadParameter(_("must be on or after --since."), param_hint="--until")
    filters = ExportFilters(course_slug, organization, since, until)
    try:
        services.check_filters(filters)
    except services.UnknownFilter as error:
        raise click.ClickException(str(error)) from error

    try:
        if str(output) == "-":
            count, skipped = _write_stdout(export_format, filters)
        else:
            count, skipped = _write_file(export_format, filters, output)
    except ExportTooLarge as error:
        raise click.ClickException(str(error)) from error

    details = {"skipped": len(skipped)} if export_format == "pars" else {}
    services.record_export(None, export_format, filters, rows=count, source="cli", **details)
    db.session.commit()
    for learner in skipped:
        click.echo(
            _(
                "skipped: learner %(id)s (%(name)s), %(course)s: %(reason)s",
                id=learner.learner_id,
                name=learner.full_name,
                course=learner.course_slug,
                reason=learner.reason,
            ),
            err=True,
        )
    where = _("standard output") if str(output) == "-" else str(output)
    words = {"format": export_format, "where": where, "skipped": len(skipped)}
    if skipped:
        done = ngettext(
            "Exported %(num)d row(s) as %(format)s to %(where)s; "
            "%(skipped)d claim(s) skipped, listed above.",
            "Exported %(num)d row(s) as %(format)s to %(where)s; "
            "%(skipped)d claim(s) skipped, listed above.",
            count,
            **words,
        )
    else:
        done = ngettext(
            "Exported %(num)d row(s) as %(format)s to %(where)s.",
            "Exported %(num)d row(s) as %(format)s to %(where)s.",
            count,
            **words,
        )
    click.echo(done, err=True)
