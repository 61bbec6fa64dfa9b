"""Downloading one's data and deleting an account: thin views over `lms.privacy`."""

from __future__ import annotations

import tempfile

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from lms.accounts.access import role_required
from lms.accounts.models import Role, User
from lms.certificates.models import Certificate
from lms.certificates.pdf import render_certificate_pdf
from lms.certificates.views import document_for
from lms.database import utcnow
from lms.extensions import db, limiter
from lms.i18n import current_language
from lms.privacy import emails, export, services
from lms.privacy.forms import AdminDeleteForm, DeleteAccountForm, ExportForm
from lms.security import personal_data

bp = Blueprint("privacy", __name__)


@bp.post("/account/data.zip")
@login_required
@limiter.limit(lambda: current_app.config["DATA_EXPORT_RATE_LIMIT"])
@personal_data
def download_data() -> Response:
    """Download everything kept about the signed-in person as a ZIP."""
    if not ExportForm().validate_on_submit():
        abort(400)
    language = current_language()

    def render_pdf(certificate: Certificate) -> bytes:
        return render_certificate_pdf(document_for(certificate, language.code), language.locale)

    now = utcnow()
    # A temporary file, not memory: twenty certificates' PDFs make a few megabytes.
    out = tempfile.TemporaryFile(suffix=".zip")
    try:
        export.write_export(
            export.collect_records(current_user),
            out,
            site=current_app.config["SITE_NAME"],
            now=now,
            render_pdf=render_pdf,
            max_bytes=int(current_app.config["DATA_EXPORT_MAX_BYTES"]),
        )
    except export.ExportTooLargeError:
        out.close()
        flash(
            _(
                "Your records are too large to download here. Write to %(email)s and we will "
                "send them to you.",
                email=current_app.config["SUPPORT_EMAIL"],
            ),
            "error",
        )
        return redirect(url_for("accounts.profile"))
    out.seek(0)
    return send_file(
        out,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"my-data-{now:%Y-%m-%d}.zip",
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account() -> str | Response | tuple[str, int]:
    """Explain what deleting the account removes and keeps, then delete it once confirmed."""
    user: User = current_user._get_current_object()
    form = DeleteAccountForm()
    single_sign_on = services.has_single_sign_on(user)
    status = 200
    if form.validate_on_submit():
        if _confirmed(user, form, single_sign_on):
            try:
                deleted = services.delete_account(user.id, actor=user, requested_by="self")
            except services.DeletionError as error:
                db.session.rollback()
                flash(str(error), "error")
                return redirect(url_for("main.index"))
            emails.send_deleted(
                deleted.former_email,
                deleted.former_name,
                deleted.record.kept,
                locale=deleted.locale or current_language().code,
            )
            db.session.commit()
            logout_user()
            flash(_("Your account is deleted. We have sent a confirmation email."), "success")
            return redirect(url_for("main.index"))
        status = 400
    elif form.is_submitted():
        status = 400
    return render_template(
        "privacy/delete.html",
        form=form,
        kept=services.kept_counts(user),
        single_sign_on=single_sign_on,
    ), status


def _confirmed(user: User, form: DeleteAccountForm, single_sign_on: bool) -> bool:
    """Return whether the form proves it is the person; add the reason to the form if not."""
    password, typed = form.password.data or "", (form.confirmation.data or "").strip()
    if password and user.check_password(password):
        return True
    if single_sign_on and typed and typed.lower() == user.email.lower():
        return True
    if password:
        form.password.errors.append(_("That password is not correct. Nothing was deleted."))
    elif single_sign_on:
        form.confirmation.errors.append(
            _("Enter your password, or type your email address exactly. Nothing was deleted.")
        )
    else:
        form.password.errors.append(_("Enter your password. Nothing was deleted."))
    return False


@bp.route("/admin/users/<int:user_id>/delete", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_delete(user_id: int) -> str | Response | tuple[str, int]:
    """Delete a person's account at their request, after typing their email address."""
    user = db.get_or_404(User, user_id)
    if user.deleted_at is not None or user.id == current_user.id:
        abort(404)
    form = AdminDeleteForm()
    status = 200
    if form.validate_on_submit():
        if (form.confirmation.data or "").strip().lower() == user.email.lower():
            try:
                deleted = services.delete_account(
                    user.id, actor=current_user._get_current_object(), requested_by="admin"
                )
            except services.DeletionError as error:
                db.session.rollback()
                flash(str(error), "error")
                return redirect(url_for("admin.users"))
            emails.send_deleted(
                deleted.former_email,
                deleted.former_name,
                deleted.record.kept,
                locale=deleted.locale,
            )
            db.session.commit()
            flash(_("The account is deleted. Its certificates still verify."), "success")
            return redirect(url_for("admin.users"))
        form.confirmation.errors.append(
            _("Type the person's email address exactly. Nothing was deleted.")
        )
        status = 400
    elif form.is_submitted():
        status = 400
    return render_template(
        "privacy/admin_delete.html", form=form, person=user, kept=services.kept_counts(user)
    ), status
