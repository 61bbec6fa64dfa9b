"""Admin pages: an overview, people with their roles and status, reports and the audit log."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from lms.accounts.access import role_required
from lms.accounts.models import Role, User
from lms.admin import reports, services
from lms.admin.forms import (
    ROLE_LABELS,
    ROLE_NAMES,
    AccountStatusForm,
    AuditFilterForm,
    ReportFilterForm,
    RoleForm,
    UserSearchForm,
)
from lms.audit import sentences
from lms.certificates.eligibility import describe_seconds
from lms.charts import Bar, column_chart, horizontal_bar_chart
from lms.database import utcnow
from lms.extensions import db
from lms.input_guard import page_arg

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50
CURRENT_MONTH_NOTE = _l("(so far)")


@bp.get("/")
@role_required(Role.ADMIN)
def index() -> str:
    """Show the administration overview."""
    counts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    return render_template("admin/index.html", counts=counts, role_labels=ROLE_LABELS)


# --- people ----------------------------------------------------------------------------------


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
    page = db.paginate(query, page=page_arg(), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", form=form, page=page, role_form=RoleForm())


def _back_to_users() -> Response:
    # Back to the same search and page, so the admin sees the row they just changed.
    return redirect(
        url_for(
            "admin.users",
            q=request.args.get("q", ""),
            page=request.args.get("page", 1, type=int),
        )
    )


@bp.post("/users/<int:user_id>/role")
@role_required(Role.ADMIN)
def set_role(user_id: int) -> Response:
    """Change one person's role."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.change_role(user, form.role.data, current_user._get_current_object())
    except services.AdminError as error:
        flash(str(error), "error")
        return _back_to_users()
    db.session.commit()
    flash(
        _(
            "%(name)s is now %(role)s.",
            name=user.full_name,
            role=ROLE_NAMES.get(user.role, user.role),
        ),
        "success",
    )
    return _back_to_users()


@bp.post("/users/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate(user_id: int) -> Response:
    """Stop one person signing in, keeping their records."""
    user = db.get_or_404(User, user_id)
    if not AccountStatusForm().validate_on_submit():
        abort(400)
    try:
        services.deactivate_user(user, current_user._get_current_object())
    except services.AdminError as error:
        flash(str(error), "error")
        return _back_to_users()
    db.session.commit()
    flash(
        _(
            "%(name)s is deactivated and cannot sign in. Their records are kept.",
            name=user.full_name,
        ),
        "success",
    )
    return _back_to_users()


@bp.post("/users/<int:user_id>/reactivate")
@role_required(Role.ADMIN)
def reactivate(user_id: int) -> Response:
    """Let one deactivated person sign in again."""
    user = db.get_or_404(User, user_id)
    if not AccountStatusForm().validate_on_submit():
        abort(400)
    if user.deleted_at is not None:
        abort(404)  # a deleted account is gone for good; its anonymised row only anchors records
    services.reactivate_user(user, current_user._get_current_object())
    db.session.commit()
    flash(_("%(name)s is active again and can sign in.", name=user.full_name), "success")
    return _back_to_users()


# --- reports ---------------------------------------------------------------------------------


def completions_chart(overview: reports.Overview) -> Markup:
    """Return the completions-by-month column chart; its table twin shows the same numbers."""
    last = len(overview.months) - 1
    bars = [
        Bar(row.label, row.completions, emphasis=n == last) for n, row in enumerate(overview.months)
    ]
    scope = overview.course.title if overview.course else _("all courses")
    return column_chart(
        bars,
        title=_("Completions by month, %(scope)s", scope=scope),
        emphasis_note=str(CURRENT_MONTH_NOTE),
    )


def funnel_chart(course: reports.CourseRow, funnel: reports.Funnel) -> Markup:
    """Return a course's funnel as horizontal bars; its table twin shows the same numbers."""
    return horizontal_bar_chart(
        [Bar(label, value) for label, value in funnel.stages()],
        title=_("Learners at each stage, %(title)s", title=course.title),
        # Every stage is a subset of the enrolled learners; max 1 keeps an empty course drawable.
        max_value=max(funnel.enrolled, 1),
        unit="",
    )


@bp.get("/reports")
@role_required(Role.ADMIN)
def reports_page() -> str:
    """Show learners, enrolments, completions and credit, by month and by course."""
    courses = reports.by_course()
    form = ReportFilterForm(request.args, courses=courses)
    overview = reports.overview(courses, form.selected(courses))
    return render_template(
        "admin/reports.html",
        form=form,
        overview=overview,
        completions_chart=completions_chart(overview),
        funnel_charts={
            row.course_id: funnel_chart(row, overview.funnels[row.course_id])
            for row in overview.courses
        },
        current_month_note=CURRENT_MONTH_NOTE,
        fast_claims=reports.claims_far_above_recorded_time(utcnow() - timedelta(days=365)),
        describe_seconds=describe_seconds,
    )


# --- audit log -------------------------------------------------------------------------------


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit() -> str:
    """List audit events, newest first, filtered by action and by who did them."""
    form = AuditFilterForm(request.args)
    valid = form.validate()
    query = reports.audit_events(
        action_prefix=form.action.data if valid else None,
        actor_email=form.actor.data if valid else None,
    )
    page = db.paginate(query, page=page_arg(), per_page=PAGE_SIZE, error_out=False)
    names = sentences.names_for(page.items)
    described = [(event, sentences.describe(event, names)) for event in page.items]
    return render_template("admin/audit.html", form=form, page=page, described=described)
