"""Admin pages for API tokens: list, create (shown once), detail with recent uses, revoke."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from lms.accounts.models import User
from lms.chapters.models import Chapter
from lms.chapters.services import administered_chapters, can_administer
from lms.database import utcnow
from lms.extensions import db
from lms.organizations.models import Organization

from . import services
from .forms import OWNER_KINDS, TokenForm
from .models import ApiToken

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens")


def _require_token_admin() -> list[Chapter]:
    """Return the chapters the person runs; 403 unless they are an admin or a chapter admin."""
    chapters = administered_chapters(current_user)
    if not current_user.has_role("admin") and not chapters:
        abort(403)
    return chapters


def _token_or_404(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    if not current_user.has_role("admin") and not (
        token.chapter is not None and can_administer(current_user, token.chapter)
    ):
        abort(404)
    return token


@bp.get("/")
@login_required
def index() -> str:
    """List the API tokens this person may manage."""
    _require_token_admin()
    tokens = services.tokens_visible_to(current_user)
    return render_template("api/tokens.html", tokens=tokens, now=utcnow())


def _form(chapters: list[Chapter]) -> TokenForm:
    form = TokenForm()
    form.scopes.choices = [SelectChoice(scope, label) for scope, label in services.SCOPES.items()]
    form.chapter.choices = [SelectChoice("", _("No chapter"))] + [
        SelectChoice(str(c.id), c.name) for c in chapters
    ]
    if current_user.has_role("admin"):
        organizations = db.session.scalars(select(Organization).order_by(Organization.name))
        form.organization.choices = [SelectChoice("", _("No organization"))] + [
            SelectChoice(str(o.id), o.name) for o in organizations
        ]
    else:
        form.owner_kind.choices = [SelectChoice("chapter", OWNER_KINDS["chapter"])]
        form.organization.choices = [SelectChoice("", _("No organization"))]
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> str | tuple[str, int]:
    """Create a token and show it, once."""
    chapters = _require_token_admin()
    form = _form(chapters)
    if form.validate_on_submit():
        owners = _owners(form, chapters)
        if owners is not None:
            expires = datetime.combine(form.expires_on.data, time(0), tzinfo=UTC)
            try:
                token, raw = services.create_token(
                    form.name.data,
                    form.scopes.data,
                    expires,
                    actor=current_user,
                    now=utcnow(),
                    **owners,
                )
            except services.TokenError as error:
                form.expires_on.errors = [str(error)]
            else:
                db.session.commit()
                # Rendered in the POST's response, never redirected: the plaintext is in no URL,
                # no session and no log, and the page is not stored (Cache-Control below).
                return render_template("api/created.html", token=token, raw=raw), 201
    return render_template("api/new.html", form=form)


def _owners(form: TokenForm, chapters: list[Chapter]) -> dict[str, object] | None:
    kind = form.owner_kind.data
    if kind == "personal":
        email = (form.owner_email.data or "").strip().lower()
        user = db.session.scalar(select(User).where(User.email == email)) if email else None
        if user is None:
            form.owner_email.errors = [_("Enter the email of a person with an account.")]
            return None
        return {"user": user}
    if kind == "organization":
        organization = (
            db.session.get(Organization, int(form.organization.data))
            if form.organization.data
            else None
        )
        if organization is None:
            form.organization.errors = [_("Choose the organization that owns the token.")]
            return None
        return {"organization": organization}
    chapter = next((c for c in chapters if str(c.id) == form.chapter.data), None)
    if chapter is None:
        form.chapter.errors = [_("Choose the chapter that owns the token.")]
        return None
    return {"chapter": chapter}


@bp.get("/<int:token_id>")
@login_required
def show(token_id: int) -> str:
    """Show a token's owner, permissions and its recent uses."""
    _require_token_admin()
    token = _token_or_404(token_id)
    return render_template(
        "api/token.html", token=token, uses=services.recent_uses(token), now=utcnow()
    )


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response:
    """Revoke a token: it stops working at once."""
    _require_token_admin()
    token = _token_or_404(token_id)
    services.revoke_token(token, actor=current_user, now=utcnow())
    db.session.commit()
    flash(_("The token %(name)s is revoked.", name=token.name), "success")
    return redirect(url_for("api_tokens.show", token_id=token.id))
