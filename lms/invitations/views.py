"""Inviting people to an organization, importing staff from a CSV file, accepting a link."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response

from lms.database import utcnow
from lms.dates import today
from lms.extensions import db, limiter
from lms.invitations import services
from lms.invitations.forms import (
    AcceptForm,
    ButtonForm,
    ImportApplyForm,
    ImportUploadForm,
)
from lms.invitations.imports import ImportFileError, decode, parse
from lms.invitations.models import Invitation
from lms.organizations import services as organization_services
from lms.organizations.models import Organization
from lms.organizations.views import get_managed_or_404, invite_form, render_dashboard
from lms.sso import services as sso_services

bp = Blueprint("invitations", __name__)


def _invitation_or_404(organization: Organization, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organization_id != organization.id:
        abort(404)
    return invitation


def _back(organization: Organization) -> Response:
    return redirect(
        url_for("organizations.show", organization_id=organization.id, _anchor="invite-heading")
    )


@bp.post("/organizations/<int:organization_id>/invitations")
@login_required
def invite(organization_id: int) -> str | Response:
    """Invite one person by email: a new person gets a link, someone with an account is added."""
    organization = get_managed_or_404(organization_id)
    form = invite_form(organization, submitted=True)
    if not form.validate_on_submit():
        return render_dashboard(organization, invite_form=form)
    services.invite(
        organization,
        services.Invitee(
            email=form.email.data,
            full_name=form.full_name.data,
            profession=form.profession.data,
            role=form.role.data,
            locale=form.language.data,
        ),
        actor=current_user,
        now=utcnow(),
    )
    db.session.commit()
    # The same words whether or not the person had an account, so nothing is revealed.
    flash(
        _(
            "%(email)s is invited to %(organization)s. They will receive an email.",
            email=form.email.data,
            organization=organization.name,
        ),
        "success",
    )
    return _back(organization)


@bp.post("/organizations/<int:organization_id>/invitations/<int:invitation_id>/resend")
@login_required
def resend(organization_id: int, invitation_id: int) -> Response:
    """Send an invitation again with a fresh link, valid for another 14 days."""
    organization = get_managed_or_404(organization_id)
    invitation = _invitation_or_404(organization, invitation_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.resend(invitation, actor=current_user, now=utcnow())
    except services.InvitationError as error:
        flash(str(error), "error")
        return _back(organization)
    db.session.commit()
    flash(_("The invitation to %(email)s is sent again.", email=invitation.email), "success")
    return _back(organization)


@bp.post("/organizations/<int:organization_id>/invitations/<int:invitation_id>/revoke")
@login_required
def revoke(organization_id: int, invitation_id: int) -> Response:
    """Withdraw an invitation: its link stops working."""
    organization = get_managed_or_404(organization_id)
    invitation = _invitation_or_404(organization, invitation_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.revoke(invitation, actor=current_user, now=utcnow())
    except services.InvitationError as error:
        flash(str(error), "error")
        return _back(organization)
    db.session.commit()
    flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email), "success")
    return _back(organization)


def _plan(organization: Organization, text: str) -> services.ImportPlan:
    return services.plan_import(
        organization,
        parse(text),
        may_appoint_managers=organization_services.can_lead(current_user, organization),
        today=today(),
        now=utcnow(),
    )


@bp.route("/organizations/<int:organization_id>/import", methods=["GET", "POST"])
@login_required
def import_staff(organization_id: int) -> str | Response | tuple[str, int]:
    """Upload a CSV file of staff and preview, line by line, what importing it will do."""
    organization = get_managed_or_404(organization_id)
    form = ImportUploadForm()
    if form.validate_on_submit():
        try:
            text = decode(form.file.data.read())
            plan = _plan(organization, text)
        except ImportFileError as error:
            form.file.errors = [*form.file.errors, str(error)]
        else:
            if len(plan.rows) > services.MAX_IMPORT_ROWS:
                form.file.errors = [
                    *form.file.errors,
                    _("Import at most %(num)d people at a time.", num=services.MAX_IMPORT_ROWS),
                ]
            else:
                apply_form = ImportApplyForm(formdata=None, content=text)
                return render_template(
                    "invitations/preview.html",
                    organization=organization,
                    plan=plan,
                    apply_form=apply_form,
                    upload_form=ImportUploadForm(formdata=None),
                )
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template("invitations/import.html", organization=organization, form=form), status


@bp.post("/organizations/<int:organization_id>/import/apply")
@login_required
def apply_import(organization_id: int) -> str | Response | tuple[str, int]:
    """Import a previewed file, all of it or nothing: any line with a problem stops it."""
    organization = get_managed_or_404(organization_id)
    form = ImportApplyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        plan = _plan(organization, form.content.data)
    except ImportFileError:
        abort(400)
    if plan.errors or len(plan.rows) > services.MAX_IMPORT_ROWS:
        # The file changed between preview and import (or someone was invited meanwhile).
        return render_template(
            "invitations/preview.html",
            organization=organization,
            plan=plan,
            apply_form=form,
            upload_form=ImportUploadForm(formdata=None),
        ), 400
    result = services.apply_import(organization, plan, actor=current_user, now=utcnow())
    db.session.commit()
    flash(
        ngettext(
            "%(num)d person is invited.",
            "%(num)d people are invited.",
            result.invited,
        )
        + " "
        + ngettext(
            "%(num)d person already in the organization was updated.",
            "%(num)d people already in the organization were updated.",
            result.changed,
        ),
        "success",
    )
    return redirect(url_for("organizations.show", organization_id=organization.id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_IP"], methods=["POST"])
def accept(token: str) -> str | Response | tuple[str, int]:
    """Accept an invitation: choose a password and join the organization with its courses.

    When the invited address's domain signs in through an identity provider, the page offers it
    first (sso.accept_invitation); the password stays as the person's other choice.
    """
    now = utcnow()
    try:
        invitation = services.find_open_invitation(token[:200], now=now)
    except services.InvitationError as error:
        return render_template("invitations/invalid.html", message=str(error)), 404
    form = AcceptForm()
    if not form.is_submitted():
        form.full_name.data = invitation.full_name
    if form.validate_on_submit():
        user = services.accept(
            invitation,
            full_name=form.full_name.data,
            password=form.password.data,
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            now=now,
        )
        db.session.commit()
        if user.check_password(form.password.data):
            login_user(user)
            # A token handed out before sign-in must not be valid for the account.
            session.pop("csrf_token", None)
            g.pop("csrf_token", None)
            flash(
                _("Welcome to %(organization)s.", organization=invitation.organization.name),
                "success",
            )
            return redirect(url_for("progress.my_learning"))
        # The address had an account already (made since the invitation): it was added, and
        # the person signs in with the password they have.
        flash(
            _(
                "You are now in %(organization)s. Sign in with your existing password.",
                organization=invitation.organization.name,
            ),
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template(
        "invitations/accept.html",
        form=form,
        invitation=invitation,
        organization=invitation.organization,
        inviter=invitation.invited_by,
        expires_at=invitation.expires_at,
        provider=sso_services.provider_for_email(invitation.email),
        token=token[:200],
    )
