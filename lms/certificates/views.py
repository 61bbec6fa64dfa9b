"""Claiming credit, downloading certificates, public verification, and the transcript."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms import dates
from lms.accounts.access import role_required
from lms.accounts.models import Role
from lms.certificates import eligibility, services
from lms.certificates.documents import (
    CREDIT_LABELS,
    CertificateDocument,
    SelfReportedRow,
    TranscriptDocument,
    TranscriptRow,
    credit_line,
    status_label,
)
from lms.certificates.forms import ClaimForm, ReissueForm, RevokeForm
from lms.certificates.history import certificate_history
from lms.certificates.models import Certificate
from lms.certificates.pdf import render_certificate_pdf, render_transcript_pdf
from lms.certificates.validity import is_expired
from lms.cme.services import EXTERNAL_TYPES, external_credits
from lms.courses.editions import edition_for
from lms.exports.cells import text_cell
from lms.extensions import db, limiter
from lms.i18n import Language, current_language
from lms.input_guard import page_arg
from lms.links import external_url
from lms.paths.models import PathCompletion
from lms.paths.services import find_path_certificate, revoke_path_certificate
from lms.progress.views import load_reading
from lms.security import personal_data

bp = Blueprint("certificates", __name__)


def verification_url(public_id: str) -> str:
    """Return the public URL that verifies a certificate."""
    return external_url("certificates.verify", public_id=public_id)


def document_for(certificate: Certificate, language: str = "en") -> CertificateDocument:
    """Return what a certificate prints, from what was stored when it was issued.

    Printed in another `language`, the course's title and accreditation statement come from
    the course version's edition in that language when it has one: the same published version
    the certificate was issued for, in the words its authors wrote for those readers.
    """
    course_title, accreditation = certificate.course_title, certificate.accreditation
    completion, webinar = certificate.claim.completion, certificate.claim.webinar
    if completion is None:
        # A live webinar: printed in the words it was published in.
        content_language = (webinar.language if webinar else None) or "en"
    else:
        version = completion.version
        content_language = version.language or "en"
        words = edition_for(version, language)
        if words.language != content_language:
            course_title, content_language = words.title, words.language
            if words.accreditation is not None and certificate.accreditation is not None:
                accreditation = words.accreditation
    return CertificateDocument(
        certificate_id=certificate.public_id,
        holder_name=certificate.holder_name,
        course_title=course_title,
        completion_date=certificate.completion_date,
        valid_until=certificate.valid_until,
        credit_type=certificate.credit_type,
        amount=certificate.amount,
        accreditation=accreditation,
        provider_name=certificate.provider_name,
        verification_url=verification_url(certificate.public_id),
        status=certificate.status,
        learning_format=certificate.learning_format,
        provider_address=certificate.provider_address,
        abp_id=certificate.abp_id,
        pars_activity_id=certificate.pars_activity_id,
        moc_statement=certificate.moc_statement,
        content_language=content_language,
    )


# How each language offers itself on the download links: in its own words, never translated,
# so that a reader finds their language whatever language the page is in. A download prints
# in the page's language, which a `?lang=` on its URL chooses (lms.i18n.select_locale).
DOWNLOAD_IN = {"en": "Download in English", "es": "Descargar en español"}


@bp.app_template_global()
def document_lang() -> str:
    """Return the `lang` value of the current page's language, for download links."""
    return current_language().code


@bp.app_template_global()
def document_languages() -> list[tuple[str, str]]:
    """Return (lang, "Download in English") for each language a document prints in."""
    return list(DOWNLOAD_IN.items())


@bp.app_template_global()
def certificate_status(status: str) -> str:
    """Return a certificate status as people read it: "Valid", "Revoked"."""
    return status_label(status)


@bp.app_template_global()
def credit_text(credit_type: str, amount: object) -> str:
    """Return "0.75 AMA PRA Category 1 Credits™" for templates."""
    return credit_line(credit_type, amount)  # type: ignore[arg-type]


@bp.app_template_global()
def credit_name(credit_type: str) -> str:
    """Return the name of a credit type for templates."""
    return str(CREDIT_LABELS.get(credit_type, credit_type))


@bp.route("/courses/<slug>/credit", methods=["GET", "POST"])
@login_required
def claim(slug: str) -> str | Response:
    """Show what is left to complete, or let the learner claim credit and get a certificate."""
    reading = load_reading(slug)
    if isinstance(reading, Response):
        return reading
    enrolment = reading.enrolment
    version = enrolment.version
    completion = services.record_completion(enrolment)
    db.session.commit()
    state = services.course_state(enrolment)
    options = eligibility.credit_options(
        services.offered_credits(version), services.profile_of(current_user)
    )
    # Participation is claimed once per completion (a retake earns a new certificate); credit
    # once per version, so credit claimed before a retake of the same version stays claimed.
    in_force = services.claims_in_force(current_user.id, version.id, completion)
    blocked = in_force.blocked()
    form = ClaimForm()
    form.credit_type.choices = [
        (o.credit_type, CREDIT_LABELS[o.credit_type])
        for o in options
        if o.available and o.credit_type not in blocked
    ]
    # Shown, never enforced: AMA leaves the claim to the physician.
    recorded = services.recorded_seconds([enrolment.id])[enrolment.id]
    form.amount.description = _(
        "%(hint)s The site recorded %(time)s of your time in this course (pages open on "
        "screen and quiz attempts); it cannot see time spent with the page closed or printed.",
        hint=form.amount.description,
        time=eligibility.describe_seconds(recorded),
    )
    if form.validate_on_submit():
        request_ = eligibility.ClaimRequest(
            credit_type=form.credit_type.data,
            amount=eligibility.parse_amount(form.amount.data),
            attested=form.attest.data,
            consent_to_report=form.consent.data,
        )
        try:
            certificate = services.claim_credit(
                current_user,
                enrolment,
                request_,
                today=dates.today(),
                provider_name=current_app.config["PROVIDER_NAME"],
                provider_address=current_app.config["PROVIDER_ADDRESS"] or None,
            )
        except services.CertificateError as error:
            db.session.rollback()
            form.amount.errors = [*form.amount.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Your certificate is ready."), "success")
            return redirect(url_for("certificates.show", public_id=certificate.public_id))
    return render_template(
        "certificates/claim.html",
        course=enrolment.course,
        version=version,
        completion=completion,
        problems=eligibility.completion_problems(state),
        options=options,
        claimed=in_force.here,
        earlier={
            credit_type: (claim, services.current_certificate(claim))
            for credit_type, claim in in_force.earlier.items()
        },
        earlier_message=eligibility.claimed_earlier_message,
        form=form,
    )


def get_certificate_or_404(public_id: str) -> Certificate:
    """Return the certificate with this public id.

    :raise 404: when no certificate has it.
    """
    certificate = services.find_certificate(public_id)
    if certificate is None:
        abort(404)
    return certificate


def _own_certificate(public_id: str) -> Certificate:
    """Return the signed-in learner's certificate (admins may see any).

    :raise 404: for anyone else's, so ids are not confirmed to strangers.
    """
    certificate = get_certificate_or_404(public_id)
    if certificate.user_id != current_user.id and not current_user.has_role(Role.ADMIN):
        abort(404)
    return certificate


@bp.get("/certificates/<public_id>")
@login_required
def show(public_id: str) -> str:
    """Show a certificate with its download link."""
    certificate = _own_certificate(public_id)
    return render_template(
        "certificates/show.html",
        certificate=certificate,
        url=verification_url(certificate.public_id),
    )


@bp.get("/certificates/<public_id>.pdf")
@login_required
@personal_data
def download(public_id: str) -> Response:
    """Download a certificate as PDF, printed from what was stored when it was issued."""
    certificate = _own_certificate(public_id)
    language = current_language()
    pdf = render_certificate_pdf(document_for(certificate, language.code), locale=language.locale)
    # Nothing keeps a rendered PDF (no stored file, no ETag, and `no-store` from personal_data),
    # so each language is printed fresh; the URL and the file name still tell them apart.
    filename = f"certificate-{certificate.public_id}{_language_suffix(language)}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Language": language.locale.replace("_", "-"),
        },
    )


def _language_suffix(language: Language) -> str:
    # English files keep the names they always had; other languages add theirs: "-es".
    return "" if language.code == "en" else f"-{language.code}"


def _public_record(certificate: Certificate) -> dict[str, object]:
    successor = certificate.superseded_by
    return {
        "certificate_id": certificate.public_id,
        "status": certificate.status,
        "holder_name": certificate.holder_name,
        "course_title": certificate.course_title,
        "completion_date": certificate.completion_date.isoformat(),
        "credit_type": certificate.credit_type,
        "credit": _english_credit_line(certificate),
        "amount": str(certificate.amount),
        "provider": certificate.provider_name,
        # A replacement in another name (the holder renamed themself) is not named here: the
        # old id must not reveal the new name. The holder can share the new certificate.
        "superseded_by": successor.public_id if services.names_successor(certificate) else None,
        "reissued_on": successor.issued_at.date().isoformat() if successor else None,
        # What became of the credit: the status of the newest certificate in the chain.
        "current_status": services.current_of(certificate).status,
        "revoked_on": certificate.revoked_at.date().isoformat() if certificate.revoked_at else None,
        # Participation in training that lapses: valid until a date, then "expired", while the
        # record itself stays genuine. None: never expires (continuing-education credit).
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "expired": is_expired(certificate.valid_until, dates.today()),
        # Which version of the course was taken, and where its content came from.
        # None for a live webinar, which has no published versions to tell apart.
        "provenance": completion.version.provenance
        if (completion := certificate.claim.completion) is not None
        else None,
        "learning_format": certificate.learning_format,
    }


def _path_record(completion: PathCompletion) -> dict[str, object]:
    # A path certificate records participation in every course of a path; it never expires.
    with force_locale("en_US"):
        credit = credit_line("participation", completion.hours or Decimal(0))
    successor = completion.superseded_by
    return {
        "certificate_id": completion.certificate_id,
        "status": completion.status,
        "kind": "learning-path",
        "holder_name": completion.holder_name,
        "path_title": completion.certificate_title or completion.path_title,
        "courses": list(completion.course_slugs),
        "completion_date": completion.completed_at.date().isoformat(),
        "credit_type": "participation",
        "credit": credit,
        "amount": str(completion.hours),
        "provider": completion.provider_name,
        "revoked_on": completion.revoked_at.date().isoformat() if completion.revoked_at else None,
        "expired": False,
        # A reissue (a new name) is recorded as a course certificate's: the old id says it was
        # replaced, and names its replacement only when that prints the same name.
        "superseded_by": successor.certificate_id if services.names_successor(completion) else None,
        "reissued_on": (successor.issued_at or successor.completed_at).date().isoformat()
        if successor
        else None,
        "current_status": services.current_of(completion).status,
    }


def _english_credit_line(certificate: Certificate) -> str:
    # The JSON record is read by employers' systems: it says the same in every page language.
    with force_locale("en_US"):
        return credit_line(certificate.credit_type, certificate.amount)


@bp.get("/verify/<public_id>")
@limiter.limit(lambda: current_app.config["VERIFY_RATE_LIMIT"])
def verify(public_id: str) -> str | Response:
    """Show anyone whether a certificate is genuine, with no other personal data."""
    if public_id.endswith(".json"):
        return verify_json(public_id.removesuffix(".json"))
    path_completion = find_path_certificate(public_id)
    if path_completion is not None:
        return render_template(
            "paths/verify.html",
            completion=path_completion,
            record=_path_record(path_completion),
        )
    certificate = get_certificate_or_404(public_id)
    return render_template(
        "certificates/verify.html", certificate=certificate, record=_public_record(certificate)
    )


def verify_json(public_id: str) -> Response:
    """Return the public verification record as JSON, for employers' systems."""
    certificate = services.find_certificate(public_id)
    path_completion = find_path_certificate(public_id) if certificate is None else None
    if path_completion is not None:
        response = jsonify(_path_record(path_completion))
        response.headers["Cache-Control"] = "no-cache"
        return response
    if certificate is None:
        response = jsonify({"error": "not found"})
        response.status_code = 404
        return response
    response = jsonify(_public_record(certificate))
    response.headers["Cache-Control"] = "no-cache"
    return response


def _transcript_document(language: str) -> TranscriptDocument:
    lines = services.transcript_lines(current_user, language)
    return TranscriptDocument(
        holder_name=current_user.full_name,
        generated_on=dates.today(),
        rows=tuple(
            TranscriptRow(
                completed_on=line.completed_at.date(),
                course_title=line.course_title,
                version=line.version,
                credit_type=line.credit_type,
                amount=line.amount,
                certificate_id=line.certificate_id,
                status=line.certificate_status,
                learning_path=line.path is not None,
            )
            for line in lines
        ),
        totals=tuple(services.transcript_totals(lines)),
        self_reported=tuple(
            SelfReportedRow(
                completed_on=credit.completed_on,
                title=credit.title,
                provider=credit.provider,
                credit_label=EXTERNAL_TYPES.get(credit.credit_type, credit.credit_type),
                amount=credit.amount,
            )
            for credit in external_credits(current_user)
        ),
    )


@bp.get("/transcript")
@login_required
def transcript() -> str:
    """Show every completion, claim and certificate, with totals by credit type and year."""
    lines = services.transcript_lines(current_user, current_language().code)
    return render_template(
        "certificates/transcript.html",
        lines=lines,
        totals=services.transcript_totals(lines),
        external=external_credits(current_user),
        external_types=EXTERNAL_TYPES,
    )


@bp.get("/transcript.pdf")
@login_required
@personal_data
def transcript_pdf() -> Response:
    """Download the transcript as PDF, in the page's language or the one `?lang=` asks for."""
    language = current_language()
    filename = f"transcript{_language_suffix(language)}.pdf"
    return Response(
        render_transcript_pdf(_transcript_document(language.code), locale=language.locale),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Language": language.locale.replace("_", "-"),
        },
    )


TRANSCRIPT_COLUMNS = [
    "completed_at", "course_title", "course_version", "credit_type", "credits_claimed",
    "certificate_id", "certificate_status", "content_hash", "source_commit", "kind",
]  # fmt: skip


def _kind(line: services.TranscriptLine) -> str:
    # Which record a row is, for spreadsheets: a course, a live webinar or a learning path.
    return "learning-path" if line.path is not None else "live" if line.live else "course"


@bp.get("/transcript.csv")
@login_required
@personal_data
def transcript_csv() -> Response:
    """Download the transcript as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TRANSCRIPT_COLUMNS)
    for line in services.transcript_lines(current_user):
        writer.writerow(
            [
                text_cell(line.completed_at),
                text_cell(line.course_title),
                line.version,
                text_cell(line.credit_type),
                text_cell(line.amount),
                text_cell(line.certificate_id),
                text_cell(line.certificate_status),
                text_cell(line.content_hash),
                text_cell(line.source_commit),
                _kind(line),
            ]
        )
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="transcript.csv"'},
    )


# --- administration -------------------------------------------------------------------------


@bp.get("/admin/certificates")
@role_required(Role.ADMIN)
def admin_index() -> str:
    """Find certificates by id, holder name or course."""
    q = request.args.get("q", "").strip()[:200]
    query = db.select(Certificate).order_by(Certificate.issued_at.desc())
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            db.or_(
                db.func.lower(Certificate.public_id).like(pattern),
                db.func.lower(Certificate.holder_name).like(pattern),
                db.func.lower(Certificate.course_title).like(pattern),
            )
        )
    page = db.paginate(query, page=page_arg(), per_page=50, error_out=False)
    return render_template("certificates/admin_index.html", page=page, q=q)


def _admin_page(
    public_id: str,
    *,
    revoke_form: RevokeForm | None = None,
    reissue_form: ReissueForm | None = None,
) -> str:
    """Render the admin page of a course certificate or a learning path's one.

    :raise 404: when neither has this public id.
    """
    certificate = services.find_certificate(public_id)
    if certificate is None:
        path_completion = find_path_certificate(public_id)
        if path_completion is None:
            abort(404)
        return render_template(
            "paths/admin_certificate.html",
            completion=path_completion,
            revoke_form=revoke_form or RevokeForm(),
        )
    return render_template(
        "certificates/admin_show.html",
        certificate=certificate,
        history=certificate_history(certificate),
        revoke_form=revoke_form or RevokeForm(),
        reissue_form=reissue_form or ReissueForm(),
    )


@bp.route("/admin/certificates/<public_id>", methods=["GET"])
@role_required(Role.ADMIN)
def admin_show(public_id: str) -> str:
    """Show a certificate's record and history (a course's or a path's), with revoke."""
    return _admin_page(public_id)


@bp.post("/admin/certificates/<public_id>/revoke")
@role_required(Role.ADMIN)
def admin_revoke(public_id: str) -> str | Response:
    """Revoke a course or path certificate, with the reason kept in the audit log."""
    certificate = services.find_certificate(public_id)
    path_completion = find_path_certificate(public_id) if certificate is None else None
    if certificate is None and path_completion is None:
        abort(404)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _admin_page(public_id, revoke_form=form)
    try:
        if certificate is not None:
            public_id = certificate.public_id
            services.revoke(
                certificate,
                actor=current_user,
                reason=form.reason.data,
                show_reason=form.show_reason.data,
            )
        elif path_completion is not None:
            revoke_path_certificate(
                path_completion,
                actor=current_user,
                reason=form.reason.data,
                show_reason=form.show_reason.data,
            )
    except services.CertificateError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Certificate %(id)s is revoked.", id=public_id), "success")
    return redirect(url_for("certificates.admin_show", public_id=public_id))


@bp.post("/admin/certificates/<public_id>/reissue")
@role_required(Role.ADMIN)
def admin_reissue(public_id: str) -> str | Response:
    """Reissue a certificate with the holder's current name; the old id becomes superseded."""
    certificate = get_certificate_or_404(public_id)
    form = ReissueForm()
    if form.validate_on_submit():
        try:
            replacement = services.reissue(certificate, actor=current_user, reason=form.reason.data)
        except services.CertificateError as error:
            flash(str(error), "error")
            return redirect(url_for("certificates.admin_show", public_id=certificate.public_id))
        db.session.commit()
        flash(_("Reissued as %(id)s.", id=replacement.public_id), "success")
        return redirect(url_for("certificates.admin_show", public_id=replacement.public_id))
    return _admin_page(certificate.public_id, reissue_form=form)
