"""Attendance, evaluation and credit pages for attendees; the organisers' page of a webinar.

Organisers are authors and admins: the people who write webinars in git run them too.
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from lms.accounts.access import role_required
from lms.accounts.models import Role, User
from lms.certificates import eligibility
from lms.certificates.documents import CREDIT_LABELS
from lms.certificates.forms import ClaimForm
from lms.certificates.services import AlreadyClaimed, CertificateError
from lms.clock import now
from lms.exports.writers import table_chunks, write_table_xlsx
from lms.extensions import db
from lms.security import personal_data
from lms.webinars import attendance_models as _attendance_models  # noqa: F401  (their tables)
from lms.webinars import attendance_services as services
from lms.webinars.attendance_forms import (
    CancelForm,
    CodeForm,
    EvaluationForm,
    ImportForm,
    MarkForm,
    MessageForm,
    RecordingForm,
)
from lms.webinars.attendance_services import AttendanceError, ImportRefused
from lms.webinars.models import Webinar
from lms.webinars.times import format_span

bp = Blueprint("webinar_attendance", __name__)


def get_webinar_or_404(slug: str) -> Webinar:
    """Return the published webinar with this slug.

    :raise 404: when there is none.
    """
    if len(slug) > 100:
        abort(404)
    webinar = db.session.scalar(select(Webinar).where(Webinar.slug == slug))
    if webinar is None:
        abort(404)
    return webinar


def _grace() -> int:
    return int(current_app.config["WEBINAR_CODE_GRACE_MINUTES"])


def _when(webinar: Webinar) -> str:
    return format_span(webinar.starts_at, webinar.ends_at, webinar.timezone)


@bp.get("/webinars/<slug>/attendance")
@login_required
def attendance(slug: str) -> str:
    """Show an attendee their attendance: the code form while it is open, then what follows."""
    webinar = get_webinar_or_404(slug)
    return _attendance_page(webinar, CodeForm())


def _attendance_page(webinar: Webinar, form: CodeForm, status: int = 200) -> str:
    moment = now()
    opens, closes = services.code_window(webinar, _grace())
    registration = services.registration_of(webinar, current_user)
    minutes = services.attended_minutes(webinar, current_user.id)
    records = services.attendance_by_user(webinar).get(current_user.id, [])
    return render_template(
        "webinars/attendance.html",
        webinar=webinar,
        when=_when(webinar),
        form=form,
        registration=registration,
        code_open=opens <= moment <= closes and not webinar.is_cancelled,
        before=moment < opens,
        ended=moment >= webinar.ends_at,
        minutes=minutes,
        records=records,
        missed=registration is not None
        and services.missed_it(webinar, current_user.id, now=moment),
        evaluated=services.evaluation_of(webinar, current_user) is not None,
    ), status  # type: ignore[return-value]


@bp.post("/webinars/<slug>/attendance")
@login_required
def enter_code(slug: str) -> str | Response:
    """Record the attendance code an attendee entered."""
    webinar = get_webinar_or_404(slug)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            services.enter_code(
                webinar, current_user, form.code.data, now=now(), grace_minutes=_grace()
            )
        except AttendanceError as error:
            db.session.rollback()
            form.code.errors = [*form.code.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Thank you: your attendance is recorded."), "success")
            return redirect(url_for("webinar_attendance.attendance", slug=slug))
    return _attendance_page(webinar, form, 422)


@bp.route("/webinars/<slug>/evaluation", methods=["GET", "POST"])
@login_required
def evaluation(slug: str) -> str | Response:
    """Let an attendee evaluate the webinar once it has ended."""
    webinar = get_webinar_or_404(slug)
    if services.evaluation_of(webinar, current_user) is not None:
        return redirect(url_for("webinar_attendance.claim", slug=slug))
    form = EvaluationForm()
    if form.validate_on_submit():
        try:
            services.submit_evaluation(
                webinar,
                current_user,
                {
                    "objectives": form.objectives.data,
                    "bias": form.bias.data,
                    "practice": form.practice.data or "",
                    "comments": form.comments.data or "",
                },
                now=now(),
            )
        except AttendanceError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("webinar_attendance.attendance", slug=slug))
        db.session.commit()
        flash(_("Thank you for your evaluation."), "success")
        return redirect(url_for("webinar_attendance.claim", slug=slug))
    return render_template(
        "webinars/evaluation.html",
        webinar=webinar,
        when=_when(webinar),
        form=form,
        ended=now() >= webinar.ends_at,
    )


@bp.route("/webinars/<slug>/credit", methods=["GET", "POST"])
@login_required
def claim(slug: str) -> str | Response:
    """Let an attendee claim credit for the time attended and get a live-activity certificate."""
    webinar = get_webinar_or_404(slug)
    moment = now()
    state = services.credit_state(webinar, current_user, now=moment)
    form = ClaimForm()
    form.credit_type.choices = [
        SelectChoice(o.credit_type, CREDIT_LABELS[o.credit_type])
        for o in state.offered
        if o.available and o.credit_type not in state.claims and state.claimable[o.credit_type] > 0
    ]
    form.amount.description = _(
        "In steps of 0.25, up to the maximum shown. The site recorded %(minutes)s minutes of "
        "attendance for you.",
        minutes=state.minutes,
    )
    if form.is_submitted() and form.credit_type.data in state.claims:
        # A second tab or a double click: the claim is made, so show its certificate.
        return _already_claimed(webinar, form.credit_type.data)
    if form.validate_on_submit():
        request_ = eligibility.ClaimRequest(
            credit_type=form.credit_type.data,
            amount=eligibility.parse_amount(form.amount.data),
            attested=form.attest.data,
            consent_to_report=form.consent.data,
        )
        try:
            certificate = services.claim_webinar_credit(
                current_user,
                webinar,
                request_,
                now=moment,
                provider_name=current_app.config["PROVIDER_NAME"],
                provider_address=current_app.config["PROVIDER_ADDRESS"] or None,
            )
        except AlreadyClaimed:
            # Another request made this claim a moment ago (its row is what refused ours).
            db.session.rollback()
            return _already_claimed(webinar, request_.credit_type)
        except CertificateError as error:
            db.session.rollback()
            form.amount.errors = [*form.amount.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Your certificate is ready."), "success")
            return redirect(url_for("certificates.show", public_id=certificate.public_id))
    return render_template(
        "webinars/claim.html",
        webinar=webinar,
        when=_when(webinar),
        state=state,
        form=form,
        not_enough=services.not_enough_time_message(state.minutes),
        contact=current_app.config["SUPPORT_EMAIL"],
    )


def _already_claimed(webinar: Webinar, credit_type: str) -> Response:
    certificate = services.claimed_certificate(webinar, current_user, credit_type)
    if certificate is None:  # pragma: no cover - a claim is issued its certificate at once
        abort(409)
    flash(
        _(
            "You have already claimed this credit for this webinar. Here is your certificate; "
            "a claim cannot be changed or made twice."
        ),
        "info",
    )
    return redirect(url_for("certificates.show", public_id=certificate.public_id))


# Organisers ------------------------------------------------------------------------------


def _organise_page(webinar: Webinar, status: int = 200, **forms: object) -> tuple[str, int]:
    defaults = {
        "import_form": ImportForm(prefix="import"),
        "mark_form": MarkForm(prefix="mark"),
        "message_form": MessageForm(prefix="message"),
        "cancel_form": CancelForm(prefix="cancel"),
        "recording_form": RecordingForm(prefix="recording"),
    }
    defaults.update(forms)  # type: ignore[arg-type]
    rows = services.roster(webinar)
    return render_template(
        "webinars/organize.html",
        webinar=webinar,
        when=_when(webinar),
        rows=rows,
        registered=[r for r in rows if r.status == "registered"],
        waitlisted=[r for r in rows if r.status == "waitlisted"],
        ended=now() >= webinar.ends_at,
        **defaults,
    ), status


@bp.get("/webinars/<slug>/organize")
@role_required(Role.AUTHOR)
@personal_data
def organize(slug: str) -> tuple[str, int]:
    """Show organisers the registrants, the waiting list and attendance, with their tools."""
    return _organise_page(get_webinar_or_404(slug))


@bp.post("/webinars/<slug>/organize/import")
@role_required(Role.AUTHOR)
def import_report(slug: str) -> tuple[str, int] | Response:
    """Import the video platform's participant report, all of it or nothing."""
    webinar = get_webinar_or_404(slug)
    form = ImportForm(prefix="import")
    if form.validate_on_submit():
        upload = form.report.data
        try:
            data = upload.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
        finally:
            upload.close()  # a large upload sits in a temporary file until closed
        try:
            result = services.import_report(webinar, data, actor=current_user, now=now())
        except ImportRefused as refused:
            db.session.rollback()
            form.report.errors = [
                _("Nothing was imported. Correct these lines and import the file again."),
                *refused.problems,
            ]
        else:
            db.session.commit()
            flash(
                _(
                    "Report imported: %(created)s new, %(updated)s changed, %(unchanged)s "
                    "already recorded.",
                    created=result.created,
                    updated=result.updated,
                    unchanged=result.unchanged,
                ),
                "success",
            )
            return redirect(url_for("webinar_attendance.organize", slug=slug))
    return _organise_page(webinar, 422, import_form=form)


@bp.post("/webinars/<slug>/organize/attendance")
@role_required(Role.AUTHOR)
def mark(slug: str) -> tuple[str, int] | Response:
    """Record by hand the minutes a person attended."""
    webinar = get_webinar_or_404(slug)
    form = MarkForm(prefix="mark")
    if form.validate_on_submit():
        person = db.session.scalar(
            select(User).where(func.lower(User.email) == form.email.data.strip().lower())
        )
        if person is None:
            form.email.errors = [_("No one with an account uses this email.")]
        else:
            try:
                services.mark_attendance(
                    webinar,
                    person,
                    form.minutes.data,
                    actor=current_user,
                    now=now(),
                    note=form.note.data,
                )
            except AttendanceError as error:
                db.session.rollback()
                form.minutes.errors = [str(error)]
            else:
                db.session.commit()
                flash(_("Attendance recorded for %(email)s.", email=person.email), "success")
                return redirect(url_for("webinar_attendance.organize", slug=slug))
    return _organise_page(webinar, 422, mark_form=form)


@bp.get("/webinars/<slug>/organize/roster.<fmt>")
@role_required(Role.AUTHOR)
@personal_data
def export_roster(slug: str, fmt: str) -> Response:
    """Download registrants, waiting list and attendance as CSV or XLSX (formula-safe)."""
    webinar = get_webinar_or_404(slug)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    header, *records = services.roster_rows(webinar, services.roster(webinar))
    filename = f"webinar-{webinar.slug}-roster.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "csv":
        return Response(
            "".join(table_chunks(header, records)),
            mimetype="text/csv",
            headers=disposition,
        )
    buffer = io.BytesIO()
    write_table_xlsx(header, records, buffer, "Roster")
    return Response(
        buffer.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=disposition,
    )


@bp.post("/webinars/<slug>/organize/message")
@role_required(Role.AUTHOR)
def message(slug: str) -> tuple[str, int] | Response:
    """Email a message to the registrants (queued, sent by the job queue)."""
    webinar = get_webinar_or_404(slug)
    form = MessageForm(prefix="message")
    if form.validate_on_submit():
        try:
            count = services.message_registrants(
                webinar,
                form.subject.data,
                form.body.data,
                include_waitlist=form.include_waitlist.data,
            )
        except AttendanceError as error:
            db.session.rollback()
            form.body.errors = [str(error)]
        else:
            db.session.commit()
            flash(
                ngettext(
                    "Message queued for %(num)d person.",
                    "Message queued for %(num)d people.",
                    count,
                ),
                "success",
            )
            return redirect(url_for("webinar_attendance.organize", slug=slug))
    return _organise_page(webinar, 422, message_form=form)


@bp.post("/webinars/<slug>/organize/cancel")
@role_required(Role.AUTHOR)
def cancel(slug: str) -> tuple[str, int] | Response:
    """Mark the webinar cancelled and tell everyone registered by email."""
    webinar = get_webinar_or_404(slug)
    form = CancelForm(prefix="cancel")
    if form.validate_on_submit():
        try:
            count = services.cancel_webinar(webinar, now=now(), reason=form.reason.data or "")
        except AttendanceError as error:
            db.session.rollback()
            form.confirm.errors = [str(error)]
        else:
            db.session.commit()
            flash(
                ngettext(
                    "Webinar cancelled; %(num)d person will be told by email.",
                    "Webinar cancelled; %(num)d people will be told by email.",
                    count,
                ),
                "success",
            )
            return redirect(url_for("webinar_attendance.organize", slug=slug))
    return _organise_page(webinar, 422, cancel_form=form)


@bp.post("/webinars/<slug>/organize/recording")
@role_required(Role.AUTHOR)
def recording(slug: str) -> tuple[str, int] | Response:
    """Attach the recording's address once the session is over."""
    webinar = get_webinar_or_404(slug)
    form = RecordingForm(prefix="recording")
    if form.validate_on_submit():
        try:
            services.attach_recording(webinar, form.url.data, now=now())
        except AttendanceError as error:
            db.session.rollback()
            form.url.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Recording added."), "success")
            return redirect(url_for("webinar_attendance.organize", slug=slug))
    return _organise_page(webinar, 422, recording_form=form)


@bp.app_template_global()
def webinar_attendance_state(webinar: Webinar) -> dict[str, object]:
    """Return what the webinar page shows the signed-in attendee about their attendance."""
    moment = now()
    opens, closes = services.code_window(webinar, _grace())
    registration = services.registration_of(webinar, current_user)
    return {
        "form": CodeForm(),
        "code_open": opens <= moment <= closes and not webinar.is_cancelled,
        "registered": registration is not None and registration.status == "registered",
        "minutes": services.attended_minutes(webinar, current_user.id),
    }
