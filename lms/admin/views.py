"""Admin pages: an overview and the list of people with their roles."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from lms.accounts import services as account_services
from lms.accounts.access import role_required
from lms.accounts.models import Role, User
from lms.admin.forms import RoleForm, UserSearchForm
from lms.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


@bp.get("/")
@role_required(Role.ADMIN)
def index() -> str:
    """Show the administration overview."""
    counts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    return render_template("admin/index.html", counts=counts)


@bp.get("/users")
@role_required(Role.ADMIN)
def users() -> str:
    """List people, searchable by name or email."""
    form = UserSearchForm(request.args)
    query = select(User).order_by(User.full_name, User.id)
    if form.validate() and form.q.data:
        pattern = f"%{form.q.data.strip().lower()}%"
        query = query.where(
            or_(func.lower(User.email).like(pattern), func.lower(User.full_name).like(pattern))
        )
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", form=form, page=page, role_form=RoleForm())


@bp.post("/users/<int:user_id>/role")
@role_required(Role.ADMIN)
def set_role(user_id: int) -> Response:
    """Change one person's role."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    if user.id == current_user.id and form.role.data != Role.ADMIN.value:
        flash("You cannot remove your own admin role; ask another admin.", "error")
        return redirect(url_for("admin.users"))
    account_services.set_role(user, form.role.data)
    db.session.commit()
    flash(f"{user.full_name} is now {user.role}.", "success")
    return redirect(url_for("admin.users", q=request.args.get("q", "")))
