"""Sign-in through an organization's identity provider, and the admin pages that configure them."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from lms.accounts.access import role_required
from lms.accounts.models import Role
from lms.accounts.views import _sign_in as start_session
from lms.chapters.models import Chapter
from lms.chapters.views import get_chapter_or_404
from lms.database import utcnow
from lms.extensions import db, limiter
from lms.i18n import current_language
from lms.invitations import services as invitation_services
from lms.organizations.models import Organization
from lms.sso import oidc, services
from lms.sso.forms import (
    ChapterProviderForm,
    CompleteProfileForm,
    OrganizationSignInForm,
    ProviderForm,
)
from lms.sso.models import IdentityProvider
from lms.sso.vault import SecretStoreError, store_available

bp = Blueprint("sso", __name__)

PENDING_KEY = "sso_pending"
# The invitation a person chose to accept through their provider, until its callback.
INVITATION_KEY = "sso_invitation"
# How long a person verified by their provider has to fill in the profile step.
PENDING_SECONDS = 30 * 60


def _now() -> float:
    return time.time()


def _refused(message: str, status: int = 400) -> tuple[str, int]:
    return render_template("sso/refused.html", message=message), status


# --- signing in ------------------------------------------------------------------------------


@bp.route("/login/organization", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_IP"], methods=["POST"])
def sign_in() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Ask for a work email address and send the person to their organization's provider."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = OrganizationSignInForm()
    if form.validate_on_submit():
        provider = services.provider_for_email(form.email.data)
        if provider is None:
            # Says nothing about accounts: only whether the domain has single sign-on here.
            form.email.errors.append(
                _(
                    "Single sign-on is not set up for this email address's organization. "
                    "Sign in with your password instead."
                )
            )
        else:
            try:
                authorize_url = oidc.start(provider, login_hint=form.email.data)
            except oidc.ProtocolFailure as failure:
                services.record_refusal(provider, failure.reason)
                db.session.commit()
                return _refused(
                    _(
                        "We could not reach your organization's sign-in service. "
                        "Please try again in a few minutes, or sign in with your password."
                    ),
                    502,
                )
            db.session.commit()  # the state, nonce and PKCE verifier kept for the callback
            # A link, not a redirect: the page's CSP (form-action 'self') rightly stops a form
            # post from redirecting to another site, and the person sees where they are going.
            page = render_template(
                "sso/continue.html", provider=provider, authorize_url=authorize_url
            )
            return page, 200, {"Cache-Control": "no-store"}
    return render_template("sso/sign_in.html", form=form)


@bp.post("/invitations/<token>/single-sign-on")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_IP"])
def accept_invitation(token: str) -> str | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Accept an invitation by signing in through the provider of the invited address."""
    try:
        invitation = invitation_services.find_open_invitation(token[:200], now=utcnow())
    except invitation_services.InvitationError as error:
        return render_template("invitations/invalid.html", message=str(error)), 404
    provider = services.provider_for_email(invitation.email)
    if provider is None:
        return _refused(
            _("Single sign-on is not set up for this invitation. Choose a password instead.")
        )
    try:
        authorize_url = oidc.start(provider, login_hint=invitation.email)
    except oidc.ProtocolFailure as failure:
        services.record_refusal(provider, failure.reason)
        db.session.commit()
        return _refused(
            _(
                "We could not reach your organization's sign-in service. "
                "Please try again in a few minutes, or choose a password instead."
            ),
            502,
        )
    db.session.commit()  # the state, nonce and PKCE verifier kept for the callback
    session[INVITATION_KEY] = {"id": invitation.id, "provider_id": provider.id}
    page = render_template("sso/continue.html", provider=provider, authorize_url=authorize_url)
    return page, 200, {"Cache-Control": "no-store"}


def _accept_pending_invitation(provider: IdentityProvider, identity: services.Identity) -> str:
    """Accept the invitation this sign-in started from, if the provider vouched for its address.

    Returns the organization's name when it did, else "".
    """
    pending = session.pop(INVITATION_KEY, None)
    if not isinstance(pending, dict) or pending.get("provider_id") != provider.id:
        return ""
    if not identity.email_verified or services.email_domain(identity.email) not in (
        provider.domain_names
    ):
        return ""  # resolve_sign_in refuses these with its own message
    invitation = invitation_services.accept_verified(
        int(pending.get("id", 0)),
        identity.email,
        full_name=identity.name,
        hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        now=utcnow(),
    )
    return invitation.organization.name if invitation is not None else ""


@bp.get("/login/organization/callback")
def callback() -> str | Response | tuple[str, int]:
    """Finish a sign-in: check the provider's answer, then sign in, link or ask for a profile."""
    provider = oidc.pending_provider(request.args.get("state"))
    if provider is None or not provider.enabled:
        return _refused(_("This sign-in link has expired or was already used. Please start again."))
    try:
        claims = oidc.finish(provider)
        identity = services.identity_from_claims(provider, claims)
        joined = _accept_pending_invitation(provider, identity)
        result = services.resolve_sign_in(provider, identity)
    except oidc.ProtocolFailure as failure:
        services.record_refusal(provider, failure.reason)
        db.session.commit()
        if failure.reason == "access-denied":
            return _refused(_("Sign-in was canceled at your organization. Nothing was changed."))
        return _refused(
            _(
                "We could not confirm this sign-in with your organization, so you are not "
                "signed in. Please start again."
            )
        )
    except services.SignInRefused as refusal:
        db.session.commit()  # keeps the audit entry
        return _refused(str(refusal), 403)
    if result.user is None:
        db.session.commit()
        session[PENDING_KEY] = {
            "at": int(_now()),
            "provider_id": provider.id,
            "subject": result.pending.subject,
            "email": result.pending.email,
            "name": result.pending.name,
        }
        return redirect(url_for("sso.complete_profile"))
    db.session.commit()
    start_session(result.user)
    if joined:
        flash(_("Welcome to %(organization)s.", organization=joined), "success")
        return redirect(url_for("progress.my_learning"))
    flash(_("You are signed in through %(provider)s.", provider=provider.display_name), "success")
    return redirect(url_for("main.index"))


@bp.route("/login/organization/profile", methods=["GET", "POST"])
def complete_profile() -> str | Response | tuple[str, int]:
    """Ask a person signing in for the first time for what their provider did not say."""
    pending = session.get(PENDING_KEY)
    fresh = isinstance(pending, dict) and _now() - pending.get("at", 0) < PENDING_SECONDS
    provider = db.session.get(IdentityProvider, pending.get("provider_id")) if fresh else None
    if provider is None or not provider.enabled:
        return _refused(_("This sign-in link has expired or was already used. Please start again."))
    identity = services.Identity(
        subject=pending["subject"],
        email=pending["email"],
        email_verified=True,
        name=pending["name"],
    )
    form = CompleteProfileForm(
        data={"full_name": identity.name} if request.method == "GET" else None
    )
    if form.validate_on_submit():
        try:
            user = services.create_account(
                provider,
                identity,
                full_name=form.full_name.data,
                profession=form.profession.data,
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                locale=current_language().code,
            )
        except services.SignInRefused as refusal:
            db.session.rollback()
            session.pop(PENDING_KEY, None)
            return _refused(str(refusal), 409)
        db.session.commit()
        session.pop(PENDING_KEY, None)
        start_session(user)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(url_for("main.index"))
    return render_template(
        "sso/complete_profile.html", form=form, provider=provider, email=identity.email
    )


# --- admin -----------------------------------------------------------------------------------


def _organizations() -> list[tuple[int, str]]:
    return list(
        db.session.execute(select(Organization.id, Organization.name).order_by(Organization.name))
    )


def _chapters() -> list[tuple[int, str]]:
    return list(db.session.execute(select(Chapter.id, Chapter.name).order_by(Chapter.name)))


def _owner(form: ProviderForm) -> Organization | None:
    if not form.organization.data:
        return None
    return db.session.get(Organization, int(form.organization.data))


def _chapter(form: ProviderForm) -> Chapter | None:
    if not form.chapter.data:
        return None
    return db.session.get(Chapter, int(form.chapter.data))


def _checked(form: ProviderForm) -> tuple[str, list[str]] | None:
    """Return the issuer and domains as stored, or None after noting the problems on the form."""
    try:
        issuer = services.check_issuer(
            form.issuer.data,
            allow_loopback_http=current_app.config["ENV_NAME"] != "production",
        )
    except services.ProviderError as error:
        form.issuer.errors.append(str(error))
        issuer = None
    try:
        domains = services.parse_domains(form.domains.data)
    except services.ProviderError as error:
        form.domains.errors.append(str(error))
        domains = None
    if issuer is None or domains is None:
        return None
    return issuer, domains


@bp.route("/admin/sign-in-providers", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_index() -> str | Response:
    """List identity providers and add one."""
    form = ProviderForm()
    form.set_organizations(_organizations())
    form.set_chapters(_chapters())
    if form.validate_on_submit():
        checked = _checked(form)
        if not form.client_secret.data:
            form.client_secret.errors.append(_("Enter the client secret the provider gave you."))
        elif checked is not None:
            try:
                provider = services.create_provider(
                    display_name=form.display_name.data,
                    issuer=checked[0],
                    client_id=form.client_id.data,
                    client_secret=form.client_secret.data,
                    domains=checked[1],
                    organization=_owner(form),
                    chapter=_chapter(form),
                    actor=current_user._get_current_object(),
                )
            except (services.ProviderError, SecretStoreError) as error:
                db.session.rollback()
                flash(_secret_store_message(error), "error")
            else:
                db.session.commit()
                flash(_("%(name)s is added.", name=provider.display_name), "success")
                return redirect(url_for("sso.admin_index"))
    providers = db.session.scalars(
        select(IdentityProvider).order_by(IdentityProvider.display_name)
    ).all()
    return render_template(
        "sso/admin_index.html",
        form=form,
        providers=providers,
        redirect_uri=oidc.redirect_uri(),
        store_available=store_available(),
    )


def _secret_store_message(error: Exception) -> str:
    if isinstance(error, SecretStoreError):
        return _(
            "Client secrets cannot be stored: the encryption key is missing or wrong. "
            "Set SSO_ENCRYPTION_KEYS (see the operations guide)."
        )
    return str(error)


@bp.route("/admin/sign-in-providers/<int:provider_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_edit(provider_id: int) -> str | Response:
    """Change one identity provider's settings."""
    provider = db.get_or_404(IdentityProvider, provider_id)
    form = ProviderForm(
        data={
            "display_name": provider.display_name,
            "organization": str(provider.organization_id or ""),
            "chapter": str(provider.chapter_id or ""),
            "issuer": provider.issuer,
            "client_id": provider.client_id,
            "domains": "\n".join(provider.domain_names),
            "enabled": provider.enabled,
        }
    )
    form.set_organizations(_organizations())
    form.set_chapters(_chapters())
    if form.validate_on_submit():
        checked = _checked(form)
        if checked is not None:
            try:
                services.update_provider(
                    provider,
                    display_name=form.display_name.data,
                    issuer=checked[0],
                    client_id=form.client_id.data,
                    client_secret=form.client_secret.data or None,
                    domains=checked[1],
                    organization=_owner(form),
                    chapter=_chapter(form),
                    enabled=form.enabled.data,
                    actor=current_user._get_current_object(),
                )
            except (services.ProviderError, SecretStoreError) as error:
                db.session.rollback()
                flash(_secret_store_message(error), "error")
            else:
                db.session.commit()
                flash(_("%(name)s is saved.", name=provider.display_name), "success")
                return redirect(url_for("sso.admin_index"))
    return render_template(
        "sso/admin_edit.html", form=form, provider=provider, redirect_uri=oidc.redirect_uri()
    )


# --- a chapter's own providers ---------------------------------------------------------------
# Chapter admins configure the providers of their chapter and its organizations, and see no
# other: get_chapter_or_404 answers 404 for other chapters, and a provider owned elsewhere is
# "not found" through this chapter's pages.


def _chapter_organizations(chapter: Chapter) -> list[tuple[int, str]]:
    return list(
        db.session.execute(
            select(Organization.id, Organization.name)
            .where(Organization.chapter_id == chapter.id)
            .order_by(Organization.name)
        )
    )


def _chapter_owner(
    form: ChapterProviderForm, chapter: Chapter
) -> tuple[Organization | None, Chapter | None]:
    """Return (organization, chapter) owning the provider: one of the chapter's, or the chapter."""
    if form.organization.data:
        # The select only offers (and accepts) this chapter's organizations.
        return db.session.get(Organization, int(form.organization.data)), None
    return None, chapter


@bp.route("/chapters/<int:chapter_id>/sign-in-providers", methods=["GET", "POST"])
@login_required
def chapter_index(chapter_id: int) -> str | Response:
    """List the chapter's identity providers and add one, for the chapter's admins."""
    chapter = get_chapter_or_404(chapter_id)
    form = ChapterProviderForm()
    form.set_organizations(_chapter_organizations(chapter))
    if form.validate_on_submit():
        checked = _checked(form)
        if not form.client_secret.data:
            form.client_secret.errors.append(_("Enter the client secret the provider gave you."))
        elif checked is not None:
            organization, owner_chapter = _chapter_owner(form, chapter)
            try:
                provider = services.create_provider(
                    display_name=form.display_name.data,
                    issuer=checked[0],
                    client_id=form.client_id.data,
                    client_secret=form.client_secret.data,
                    domains=checked[1],
                    organization=organization,
                    chapter=owner_chapter,
                    actor=current_user._get_current_object(),
                )
            except (services.ProviderError, SecretStoreError) as error:
                db.session.rollback()
                flash(_secret_store_message(error), "error")
            else:
                db.session.commit()
                flash(_("%(name)s is added.", name=provider.display_name), "success")
                return redirect(url_for("sso.chapter_index", chapter_id=chapter.id))
    return render_template(
        "sso/chapter_index.html",
        chapter=chapter,
        form=form,
        providers=services.chapter_scope_providers(chapter),
        redirect_uri=oidc.redirect_uri(),
        store_available=store_available(),
    )


@bp.route("/chapters/<int:chapter_id>/sign-in-providers/<int:provider_id>", methods=["GET", "POST"])
@login_required
def chapter_edit(chapter_id: int, provider_id: int) -> str | Response:
    """Change, or turn off, one of the chapter's identity providers.

    :raise 404: for a provider of another chapter, or of no chapter.
    """
    chapter = get_chapter_or_404(chapter_id)
    provider = db.session.get(IdentityProvider, provider_id)
    if provider is None or not services.belongs_to_chapter(provider, chapter):
        abort(404)
    form = ChapterProviderForm(
        data={
            "display_name": provider.display_name,
            "organization": str(provider.organization_id or ""),
            "issuer": provider.issuer,
            "client_id": provider.client_id,
            "domains": "\n".join(provider.domain_names),
            "enabled": provider.enabled,
        }
    )
    form.set_organizations(_chapter_organizations(chapter))
    if form.validate_on_submit():
        checked = _checked(form)
        if checked is not None:
            organization, owner_chapter = _chapter_owner(form, chapter)
            try:
                services.update_provider(
                    provider,
                    display_name=form.display_name.data,
                    issuer=checked[0],
                    client_id=form.client_id.data,
                    client_secret=form.client_secret.data or None,
                    domains=checked[1],
                    organization=organization,
                    chapter=owner_chapter,
                    enabled=form.enabled.data,
                    actor=current_user._get_current_object(),
                )
            except (services.ProviderError, SecretStoreError) as error:
                db.session.rollback()
                flash(_secret_store_message(error), "error")
            else:
                db.session.commit()
                flash(_("%(name)s is saved.", name=provider.display_name), "success")
                return redirect(url_for("sso.chapter_index", chapter_id=chapter.id))
    return render_template(
        "sso/chapter_edit.html",
        chapter=chapter,
        form=form,
        provider=provider,
        redirect_uri=oidc.redirect_uri(),
    )
