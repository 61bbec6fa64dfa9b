"""Board reporting, certificate archives, credit earned elsewhere, and course-page facts."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta

from babel.numbers import format_decimal
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from lms import dates
from lms.accounts.access import role_required
from lms.accounts.models import Role
from lms.audit.services import record_event
from lms.certificates.eligibility import parse_amount
from lms.certificates.models import Certificate, CreditClaim
from lms.cme import archive, pars, services
from lms.cme.course_info import course_info
from lms.cme.forms import ArchiveForm, ConfirmForm, CorrectionForm, ExternalCreditForm
from lms.cme.models import ExternalCredit, ReportBatch
from lms.courses.models import Course, CourseVersion
from lms.extensions import db
from lms.security import personal_data

bp = Blueprint("cme", __name__, cli_group="cme")


# Why a claim is left out of a batch, as administrators read it. pars and exports keep the
# English reasons as values (they are compared and counted); the page shows them translated.
SKIP_REASONS = {
    pars.SKIP_NO_CONSENT: _l("did not consent to report"),
    pars.SKIP_CONSENT_WITHDRAWN: _l("withdrew consent to report"),
    pars.SKIP_NO_ACTIVITY_ID: _l("course has no PARS activity ID"),
    pars.SKIP_NO_BOARD_ID: _l("no ABP ID in profile"),
    pars.SKIP_BAD_BOARD_ID: _l("ABP ID in profile is not 4 to 10 digits (0-9)"),
    pars.SKIP_NO_BIRTH_DATE: _l("birth month/day missing"),
    pars.SKIP_REVOKED: _l("certificate revoked"),
    pars.SKIP_NO_LICENSURE: _l("state of licensure or license number/NPI missing"),
}


@bp.app_template_global()
def skip_reason_text(reason: str) -> str:
    """Return why a claim is left out of a batch, in the reader's language."""
    return str(SKIP_REASONS.get(reason, reason))


@bp.app_template_filter("pars_cell")
def pars_cell(value: object) -> str:
    """Show a cell of a board-report row as text (dates MM/DD/YYYY, blanks empty)."""
    return pars.shown(value)


@bp.app_template_filter("grouped")
def grouped(value: int) -> str:
    """Format a whole number with the locale's digit grouping: "1,024"."""
    return format_decimal(value, locale=get_locale())


# Downloads of stored files: never cached, never sniffed into something a browser would run.
_DOWNLOAD_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


# Ids beyond a 32-bit integer name nothing (and PostgreSQL would refuse to compare them).
_MAX_ID = 2**31 - 1


def _get_or_404(model: type, ident: int) -> object:
    """Return the row with this primary key.

    :raise 404: when there is none, or the id is out of range.
    """
    row = db.session.get(model, ident) if 0 < ident <= _MAX_ID else None
    if row is None:
        abort(404)
    return row


@bp.app_template_global("cme_course_info")
def cme_course_info(version: object, pages: object) -> object:
    """Return the pass mark and steps to credit of a course version, for templates."""
    return course_info(version, pages)  # type: ignore[arg-type]


@bp.app_template_global("cme_due_reports")
def cme_due_reports() -> list[object]:
    """Return MOC completions whose reporting deadline is near or past, for the dashboard."""
    return services.due_reports(dates.today())  # type: ignore[return-value]


# --- consent to board reporting (the learner's profile) ------------------------------------


@bp.post("/account/board-reporting")
@login_required
def board_consent() -> Response:
    """Withdraw or give again the learner's consent to report their credit to boards."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    choice = request.form.get("consent")
    if choice == "withdraw":
        changed = services.withdraw_consent(current_user)
        message = _("You have withdrawn consent. We will not report your credit to boards.")
    elif choice == "give":
        changed = services.give_consent(current_user)
        message = _("Thank you. We will report your credit to boards again.")
    else:
        abort(400)
    db.session.commit()
    if changed:
        flash(message, "success")
    return redirect(url_for("accounts.profile") + "#board-reporting")


# --- board reporting (administrators) -------------------------------------------------------


def _layout_or_404(key: str) -> pars.Layout:
    layout = pars.LAYOUTS.get(key)
    if layout is None:
        abort(404)
    return layout


@bp.get("/admin/reporting")
@role_required(Role.ADMIN)
def reporting() -> str:
    """Show each board report's next batch (rows and skipped claims) and every past batch."""
    previews = [services.preview_batch(layout) for layout in pars.LAYOUTS.values()]
    return render_template(
        "cme/reporting.html",
        previews=previews,
        batches=services.batches(),
        due=services.due_reports(dates.today()),
        today=dates.today(),
        form=ConfirmForm(),
        archive_form=_archive_form(),
    )


@bp.post("/admin/reporting/<layout_key>/batches")
@role_required(Role.ADMIN)
def create_batch(layout_key: str) -> Response:
    """Make the next batch of a board report: only records not reported before."""
    layout = _layout_or_404(layout_key)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        batch = services.create_batch(layout, current_user, today=dates.today())
    except services.ReportingError as error:
        db.session.rollback()
        flash(str(error), "info")
        return redirect(url_for("cme.reporting"))
    db.session.commit()
    flash(
        ngettext(
            "Batch %(batch)s is ready: %(num)d record. Download it below.",
            "Batch %(batch)s is ready: %(num)d records. Download it below.",
            batch.row_count,
            batch=batch.id,
        ),
        "success",
    )
    return redirect(url_for("cme.reporting") + f"#batch-{batch.id}")


@bp.get("/admin/reporting/batches/<int:batch_id>.txt")
@role_required(Role.ADMIN)
@personal_data
def download_batch(batch_id: int) -> Response:
    """Download a batch exactly as it was made (byte for byte), for upload to PARS."""
    batch = _get_or_404(ReportBatch, batch_id)
    layout = pars.LAYOUTS.get(batch.layout)
    return Response(
        batch.data,
        # The stored filename says .xlsx for a workbook; the route's ".txt" is only its name.
        mimetype=layout.mimetype if layout is not None else "text/plain",
        headers={
            "Content-Disposition": f'attachment; filename="{batch.filename}"',
            "X-Content-SHA256": batch.sha256,
            **_DOWNLOAD_HEADERS,
        },
    )


@bp.route("/admin/reporting/<layout_key>/claims/<int:claim_id>/correct", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def correct(layout_key: str, claim_id: int) -> str | Response:
    """Ask for a reported record to be reported again in the next batch, with the reason."""
    layout = _layout_or_404(layout_key)
    claim = _get_or_404(CreditClaim, claim_id)
    if claim.credit_type not in layout.credit_types:
        abort(404)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            services.request_correction(claim, layout, current_user, form.reason.data)
        except services.ReportingError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.session.commit()
            flash(_("The corrected record will be in the next batch."), "success")
            return redirect(url_for("cme.reporting"))
    return render_template(
        "cme/correct.html",
        layout=layout,
        claim=claim,
        batches=services.reported_in([claim.id])[claim.id],
        form=form,
    )


# --- all certificates of a course or a date range, as one ZIP -------------------------------


def _archive_form() -> ArchiveForm:
    form = ArchiveForm(request.args)
    courses = db.session.execute(
        select(Course.slug, CourseVersion.title)
        .outerjoin(CourseVersion, CourseVersion.id == Course.current_version_id)
        .order_by(Course.slug)
    ).all()
    form.course.choices = [SelectChoice("", _("Any course"))] + [
        SelectChoice(slug, f"{title or slug} ({slug})") for slug, title in courses
    ]
    return form


@bp.get("/admin/certificates/archive.zip")
@role_required(Role.ADMIN)
@personal_data
def certificates_archive() -> Response | tuple[str, int]:
    """Download every certificate issued for a course and/or a date range, streamed as a ZIP."""
    form = _archive_form()
    if not form.validate():
        return render_template("cme/archive_error.html", form=form), 400
    query = select(Certificate.id).order_by(Certificate.issued_at, Certificate.id)
    if form.course.data:
        query = query.where(Certificate.course_slug == form.course.data)
    if form.since.data:
        query = query.where(Certificate.issued_at >= datetime.combine(form.since.data, time(), UTC))
    if form.until.data:
        end = datetime.combine(form.until.data + timedelta(days=1), time(), UTC)
        query = query.where(Certificate.issued_at < end)
    ids = list(db.session.scalars(query))
    services_record = {
        "course": form.course.data or None,
        "since": form.since.data.isoformat() if form.since.data else None,
        "until": form.until.data.isoformat() if form.until.data else None,
    }
    record_event(current_user, "certificates.archived", "certificates", len(ids), **services_record)
    db.session.commit()
    name = f"certificates-{form.course.data or 'all'}-{dates.today().isoformat()}.zip"
    return Response(
        stream_with_context(archive.certificate_zip_chunks(ids, _render_certificate)),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _render_certificate(certificate: Certificate) -> bytes:
    # The web layer owns the verification URL; the archive only asks for bytes.
    from lms.certificates.pdf import render_certificate_pdf
    from lms.certificates.views import document_for

    # An archive is for the provider's records and accreditors' audits, which are kept in
    # English whatever language the administrator's pages are in.
    return render_certificate_pdf(document_for(certificate), locale="en_US")


# --- credit earned elsewhere (the learner's transcript) -------------------------------------


@bp.route("/transcript/external/new", methods=["GET", "POST"])
@login_required
def add_external() -> str | Response | tuple[str, int]:
    """Record credit earned elsewhere, with its certificate PDF when the learner has one."""
    form = ExternalCreditForm()
    limit = int(current_app.config["EXTERNAL_CERTIFICATE_MAX_BYTES"])
    if form.validate_on_submit():
        upload = form.certificate.data
        data = None
        filename = None
        if upload is not None and getattr(upload, "filename", ""):
            try:
                data = upload.read(limit + 1)
            finally:
                upload.close()  # a large upload sits in a temporary file until closed
            filename = upload.filename
            if len(data) > limit:
                form.certificate.errors = [
                    _(
                        "The file is larger than %(size)s KB. Attach a smaller PDF.",
                        size=format_decimal(limit // 1024, locale=get_locale()),
                    )
                ]
                return render_template("cme/external_form.html", form=form, limit=limit), 400
            if not data:
                data = None
        try:
            services.add_external_credit(
                current_user,
                title=form.title.data,
                provider=form.provider.data,
                completed_on=form.completed_on.data,
                credit_type=form.credit_type.data,
                amount=parse_amount(form.amount.data),
                pdf=data,
                filename=filename,
            )
        except services.ReportingError as error:
            db.session.rollback()
            form.certificate.errors = [str(error)]
            return render_template("cme/external_form.html", form=form, limit=limit), 400
        db.session.commit()
        flash(_("Added to your transcript as self-reported credit."), "success")
        return redirect(url_for("certificates.transcript") + "#self-reported")
    status = 400 if request.method == "POST" else 200
    return render_template("cme/external_form.html", form=form, limit=limit), status


def _own_external(credit_id: int) -> ExternalCredit:
    credit = _get_or_404(ExternalCredit, credit_id)
    if credit.user_id != current_user.id:
        abort(404)
    return credit


@bp.post("/transcript/external/<int:credit_id>/delete")
@login_required
def delete_external(credit_id: int) -> Response:
    """Delete one of the learner's self-reported entries."""
    credit = _own_external(credit_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_external_credit(credit, current_user)
    db.session.commit()
    flash(_("The self-reported entry is deleted."), "success")
    return redirect(url_for("certificates.transcript") + "#self-reported")


@bp.get("/transcript/external/<int:credit_id>.pdf")
@login_required
@personal_data
def external_certificate(credit_id: int) -> Response:
    """Download the certificate PDF a learner attached to self-reported credit."""
    credit = _own_external(credit_id)
    if credit.certificate_pdf is None:
        abort(404)
    data = credit.certificate_pdf
    if hashlib.sha256(data).hexdigest() != credit.certificate_sha256:
        abort(404)
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{credit.certificate_filename}"',
            **_DOWNLOAD_HEADERS,
        },
    )
