"""Completion exports for administrators: the report screen and its downloads."""

from __future__ import annotations

import tempfile

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.accounts.access import role_required
from lms.accounts.models import Role
from lms.database import utcnow
from lms.exports import rows, services
from lms.exports.cells import text_cell
from lms.exports.forms import ExportFilterForm
from lms.exports.rows import COLUMNS, PARS_COLUMNS, ExportFilters
from lms.exports.writers import (
    XLSX_MIMETYPE,
    ExportTooLarge,
    pars_chunks,
    values_csv_chunks,
    write_xlsx,
)
from lms.extensions import db
from lms.security import personal_data

bp = Blueprint("exports", __name__, cli_group="export")

# Columns shown right-aligned on screen, because they hold numbers.
NUMERIC_COLUMNS = frozenset(
    {
        "learner_id",
        "course_version",
        "quiz_score",
        "credits_claimed",
        "birth_month",
        "birth_day",
        "credits",
    }
)
# Why a claim was left out of the board report, in the page's language. The reasons
# themselves stay English in the command line's output and in the audit log.
SKIP_REASONS = {
    rows.SKIP_NO_CONSENT: _l("did not consent to report"),
    rows.SKIP_NO_BOARD_ID: _l("no ABP ID in profile"),
    rows.SKIP_BAD_BOARD_ID: _l("ABP ID in profile is not 4 to 10 digits (0-9)"),
    rows.SKIP_NO_BIRTH_DATE: _l("birth month/day missing"),
    rows.SKIP_REVOKED: _l("certificate revoked"),
}
FILENAMES = {"csv": "completions-{}.csv", "xlsx": "completions-{}.xlsx", "pars": "abp-moc-{}.csv"}


def _filter_form() -> ExportFilterForm:
    form = ExportFilterForm(request.args)
    form.set_choices(*services.filter_choices())
    return form


def _query(filters: ExportFilters) -> dict[str, str]:
    # The filters as URL parameters, so every link and download repeats the same selection.
    return {name: value for name, value in filters.to_dict().items() if value}


def _page(template: str, form: ExportFilterForm, **context: object) -> str:
    return render_template(
        template,
        form=form,
        cell=text_cell,
        numeric=NUMERIC_COLUMNS,
        skip_reason=lambda reason: SKIP_REASONS.get(reason, reason),
        action="exports.pars" if template == "exports/pars.html" else "exports.index",
        **context,
    )


@bp.get("/admin/exports")
@role_required(Role.ADMIN)
def index() -> str:
    """Show the completion report: filters, the first rows as exported, and downloads."""
    form = _filter_form()
    if not form.validate():
        return _page("exports/index.html", form, report=None, query={}, columns=COLUMNS)
    report = services.completion_report(form.filters())
    return _page(
        "exports/index.html", form, report=report, query=_query(report.filters), columns=COLUMNS
    )


@bp.get("/admin/exports/pars")
@role_required(Role.ADMIN)
def pars() -> str:
    """Show the ABP MOC Part 2 board report: its first rows and every claim skipped, and why."""
    form = _filter_form()
    if not form.validate():
        return _page("exports/pars.html", form, report=None, query={}, columns=PARS_COLUMNS)
    report = services.pars_report(form.filters())
    return _page(
        "exports/pars.html", form, report=report, query=_query(report.filters), columns=PARS_COLUMNS
    )


@bp.get("/admin/exports/completions.csv", defaults={"export_format": "csv"})
@bp.get("/admin/exports/completions.xlsx", defaults={"export_format": "xlsx"})
@bp.get("/admin/exports/pars.csv", defaults={"export_format": "pars"})
@role_required(Role.ADMIN)
@personal_data
def download(export_format: str) -> Response | tuple[str, int]:
    """Download the export in a format, streamed, and record the download in the audit log."""
    form = _filter_form()
    if not form.validate():
        template = "exports/pars.html" if export_format == "pars" else "exports/index.html"
        columns = PARS_COLUMNS if export_format == "pars" else COLUMNS
        return _page(template, form, report=None, query={}, columns=columns), 400
    filters = form.filters()
    try:
        started = services.start_download(current_user, export_format, filters)
    except ExportTooLarge as error:
        flash(str(error), "error")
        return redirect(url_for("exports.index", **_query(filters)))
    db.session.commit()
    filename = FILENAMES[export_format].format(utcnow().date().isoformat())
    if export_format == "xlsx":
        # A workbook is a zip file, finished only once every row is in: build it on disk
        # (XlsxWriter's constant_memory mode), then send it; the file goes when closed.
        workbook = tempfile.TemporaryFile(suffix=".xlsx")
        try:
            write_xlsx(started.rows, workbook)  # type: ignore[arg-type]
        except BaseException:
            workbook.close()
            raise
        workbook.seek(0)
        return send_file(
            workbook, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename
        )
    chunks = pars_chunks if export_format == "pars" else values_csv_chunks
    return Response(
        stream_with_context(chunks(started.rows)),  # type: ignore[arg-type]
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
