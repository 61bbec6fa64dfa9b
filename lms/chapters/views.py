"""Chapter pages: site admins create chapters; chapter admins run their organizations."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import exists, select
from werkzeug.wrappers import Response

from lms import dates
from lms.accounts.access import USER_FLAGS, role_required, user_flag
from lms.accounts.models import Role, User
from lms.accounts.services import find_user_by_email
from lms.audit import sentences
from lms.chapters import reports, services
from lms.chapters.forms import (
    AuditFilterForm,
    ChapterAdminForm,
    ChapterForm,
    ChapterOrganizationForm,
)
from lms.chapters.models import Chapter, ChapterAdmin
from lms.charts import Bar, column_chart
from lms.exports.cells import text_cell
from lms.extensions import db
from lms.input_guard import page_arg
from lms.organizations import services as organization_services
from lms.organizations.models import ORGANIZATION_KINDS, Organization
from lms.security import personal_data
from lms.sso import services as sso_services

bp = Blueprint("chapters", __name__)

PAGE_SIZE = 50
CURRENT_MONTH_NOTE = _l("(so far)")


# Whether the person administers a chapter is read with them (lms.accounts.access.USER_FLAGS),
# so the "My chapter" link costs no query of its own on every page.
USER_FLAGS["administers_chapter"] = lambda: exists().where(ChapterAdmin.user_id == User.id)


@bp.app_context_processor
def chapter_link() -> dict[str, object]:
    """Let the layout show "My chapter" to chapter admins, asking the database only when drawn."""

    def administers_chapter() -> bool:
        if not current_user.is_authenticated or current_user.has_role("admin"):
            return False
        flag = user_flag(current_user, "administers_chapter")
        if flag is not None:
            return bool(flag)
        return bool(services.administered_chapters(current_user))

    return {"administers_chapter": administers_chapter}


def get_chapter_or_404(chapter_id: int) -> Chapter:
    """Return a chapter the signed-in person administers (site admins: any).

    :raise 404: for other chapters, so that their names are not revealed.
    """
    chapter = db.session.get(Chapter, chapter_id)
    if chapter is None or not services.can_administer(current_user, chapter):
        abort(404)
    return chapter


@bp.route("/admin/chapters", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_index() -> str | Response:
    """List chapters and create new ones."""
    form = ChapterForm()
    if form.validate_on_submit():
        try:
            chapter = services.create_chapter(
                form.name.data, form.contact_email.data, actor=current_user
            )
        except services.ChapterError as error:
            form.name.errors = [*form.name.errors, str(error)]
        else:
            db.session.commit()
            flash(_("%(name)s is created. Appoint its admins next.", name=chapter.name), "success")
            return redirect(url_for("chapters.show", chapter_id=chapter.id))
    chapters = db.session.scalars(select(Chapter).order_by(Chapter.name)).all()
    return render_template("chapters/admin_index.html", chapters=chapters, form=form)


@bp.get("/my-chapter")
@login_required
def my_chapter() -> Response | str:
    """Open the chapter the signed-in person administers (or list them)."""
    chapters = services.administered_chapters(current_user)
    if len(chapters) == 1:
        return redirect(url_for("chapters.show", chapter_id=chapters[0].id))
    if not chapters:
        abort(404)
    return render_template("chapters/my_chapters.html", chapters=chapters)


def _show(chapter: Chapter, **forms: object) -> str:
    return render_template(
        "chapters/show.html",
        chapter=chapter,
        organizations=services.chapter_organizations(chapter),
        admins=services.chapter_admins(chapter),
        providers=sso_services.chapter_scope_providers(chapter),
        kinds=ORGANIZATION_KINDS,
        organization_form=forms.get("organization_form") or ChapterOrganizationForm(formdata=None),
        admin_form=forms.get("admin_form") or ChapterAdminForm(formdata=None),
    )


@bp.get("/chapters/<int:chapter_id>")
@login_required
def show(chapter_id: int) -> str:
    """Show a chapter's organizations, with a form to add one."""
    return _show(get_chapter_or_404(chapter_id))


@bp.post("/chapters/<int:chapter_id>/organizations")
@login_required
def create_organization(chapter_id: int) -> str | Response:
    """Create an organization in the chapter."""
    chapter = get_chapter_or_404(chapter_id)
    form = ChapterOrganizationForm()
    if form.validate_on_submit():
        try:
            organization = organization_services.create_organization(
                form.name.data, form.kind.data, actor=current_user, chapter=chapter
            )
        except organization_services.OrganizationError as error:
            form.name.errors = [*form.name.errors, str(error)]
        else:
            db.session.commit()
            flash(
                _("%(name)s is created. Invite its people next.", name=organization.name),
                "success",
            )
            return redirect(url_for("organizations.show", organization_id=organization.id))
    return _show(chapter, organization_form=form)


@bp.post("/chapters/<int:chapter_id>/admins")
@role_required(Role.ADMIN)
def appoint_admin(chapter_id: int) -> str | Response:
    """Make someone with an account an admin of the chapter."""
    chapter = get_chapter_or_404(chapter_id)
    form = ChapterAdminForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user is None:
            form.email.errors = [
                *form.email.errors,
                _("No account uses that email address. Ask the person to create one first."),
            ]
        else:
            services.appoint_admin(chapter, user, actor=current_user)
            db.session.commit()
            flash(
                _(
                    "%(name)s is now an admin of %(chapter)s.",
                    name=user.full_name,
                    chapter=chapter.name,
                ),
                "success",
            )
            return redirect(url_for("chapters.show", chapter_id=chapter.id))
    return _show(chapter, admin_form=form)


def completions_chart(report: reports.ChapterReport) -> Markup:
    """Return the chapter's completions by month; its table twin shows the same numbers."""
    last = len(report.months) - 1
    bars = [
        Bar(row.label, row.completions, emphasis=n == last) for n, row in enumerate(report.months)
    ]
    return column_chart(
        bars,
        title=_("Completions by month, %(chapter)s", chapter=report.chapter.name),
        emphasis_note=str(CURRENT_MONTH_NOTE),
    )


def attendance_chart(report: reports.ChapterReport) -> Markup:
    """Return the chapter's webinar attendees by month; its table twin shows the same numbers."""
    last = len(report.months) - 1
    bars = [
        Bar(row.label, row.attendees, emphasis=n == last) for n, row in enumerate(report.months)
    ]
    return column_chart(
        bars,
        title=_("Webinar attendees by month, %(chapter)s", chapter=report.chapter.name),
        emphasis_note=str(CURRENT_MONTH_NOTE),
    )


@bp.get("/chapters/<int:chapter_id>/reports")
@login_required
def reports_page(chapter_id: int) -> str:
    """Show the chapter's learners, completions, credit and webinar attendees by month and org."""
    chapter = get_chapter_or_404(chapter_id)
    report = reports.chapter_report(chapter, today=dates.today())
    return render_template(
        "chapters/reports.html",
        chapter=chapter,
        report=report,
        chart=completions_chart(report),
        attendance_chart=attendance_chart(report),
        month_table=reports.month_table(report, str(CURRENT_MONTH_NOTE)),
        organization_table=reports.organization_table(report),
    )


@bp.get("/chapters/<int:chapter_id>/reports.csv")
@login_required
@personal_data
def reports_csv(chapter_id: int) -> Response:
    """Download the chapter report's two tables as CSV: the same rows as on the page."""
    chapter = get_chapter_or_404(chapter_id)
    report = reports.chapter_report(chapter, today=dates.today())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for table in (
        reports.month_table(report, str(CURRENT_MONTH_NOTE)),
        reports.organization_table(report),
    ):
        for row in table:
            writer.writerow([text_cell(cell) for cell in row])
        writer.writerow([])
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="chapter-{chapter.id}-report.csv"'},
    )


@bp.get("/chapters/<int:chapter_id>/audit")
@login_required
def audit(chapter_id: int) -> str:
    """List the chapter's audit events, newest first."""
    chapter = get_chapter_or_404(chapter_id)
    form = AuditFilterForm(request.args)
    valid = form.validate()
    query = services.chapter_audit_events(chapter, form.action.data if valid else None)
    page = db.paginate(query, page=page_arg(), per_page=PAGE_SIZE, error_out=False)
    names = sentences.names_for(page.items)
    described = [(event, sentences.describe(event, names)) for event in page.items]
    return render_template(
        "chapters/audit.html", chapter=chapter, form=form, page=page, described=described
    )


@bp.get("/chapter/<int:chapter_id>")
def public(chapter_id: int) -> str:
    """Show a chapter's public page: its organizations and how to reach it."""
    chapter = db.get_or_404(Chapter, chapter_id)
    organizations = db.session.scalars(
        select(Organization)
        .where(Organization.chapter_id == chapter.id)
        .order_by(Organization.name)
    ).all()
    return render_template(
        "chapters/public.html",
        chapter=chapter,
        organizations=organizations,
        kinds=ORGANIZATION_KINDS,
    )
