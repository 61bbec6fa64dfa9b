"""Organization pages: admins set them up; managers follow their people and send reminders."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import exists, select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from lms import dates
from lms.accounts.access import USER_FLAGS, role_required, user_flag
from lms.accounts.models import Role, User
from lms.accounts.services import find_user_by_email
from lms.courses import prerequisites
from lms.courses.models import Course
from lms.database import utcnow
from lms.extensions import db
from lms.i18n import current_language
from lms.input_guard import int_arg
from lms.invitations import services as invitation_services
from lms.invitations.forms import ROLE_CHOICES, InviteForm
from lms.organizations import services
from lms.organizations.forms import AssignmentForm, ConfirmForm, MemberForm, OrganizationForm
from lms.organizations.models import ORGANIZATION_KINDS, Assignment, Membership, Organization
from lms.organizations.recurrence import REPEATS, repeat_label
from lms.organizations.status import STATUS_ORDER, status_label
from lms.paths import services as path_services
from lms.paths.models import LearningPath

bp = Blueprint("organizations", __name__, cli_group="reminders")

# Whether the person manages a team is read with them (lms.accounts.access.USER_FLAGS).
USER_FLAGS["manages_team"] = lambda: exists().where(
    Membership.user_id == User.id, Membership.role == "manager"
)


@bp.app_context_processor
def team_link() -> dict[str, object]:
    """Let the layout show "My team" to managers, asking the database only when drawn.

    Also gives every template `status_label`, as assignment statuses show on the dashboard too.
    """

    def manages_team() -> bool:
        if not current_user.is_authenticated:
            return False
        flag = user_flag(current_user, "manages_team")
        if flag is not None:
            return bool(flag)
        return bool(services.managed_organizations(current_user))

    return {
        "manages_team": manages_team,
        "status_label": status_label,
        "repeat_label": repeat_label,
    }


def get_managed_or_404(organization_id: int) -> Organization:
    """Return an organization the signed-in person manages (admins manage all).

    :raise 404: for organizations they do not manage, so others' names are not revealed.
    """
    organization = db.session.get(Organization, organization_id)
    if organization is None or not services.can_manage(current_user, organization):
        abort(404)
    return organization


@bp.route("/admin/organizations", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_index() -> str | Response:
    """List organizations and create new ones."""
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            organization = services.create_organization(
                form.name.data, form.kind.data, actor=current_user
            )
        except services.OrganizationError as error:
            form.name.errors = [*form.name.errors, str(error)]
        else:
            db.session.commit()
            flash(_("%(name)s is created. Add its people next.", name=organization.name), "success")
            return redirect(url_for("organizations.show", organization_id=organization.id))
    organizations = db.session.scalars(select(Organization).order_by(Organization.name)).all()
    return render_template(
        "organizations/admin_index.html",
        organizations=organizations,
        form=form,
        kinds=ORGANIZATION_KINDS,
    )


@bp.get("/my-team")
@login_required
def my_team() -> Response | str:
    """Open the organization the signed-in manager manages (or list them)."""
    managed = services.managed_organizations(current_user)
    if len(managed) == 1:
        return redirect(url_for("organizations.show", organization_id=managed[0].id))
    if not managed:
        abort(404)
    return render_template("organizations/my_team.html", organizations=managed)


def _assignment_form(organization: Organization, members: list[Membership]) -> AssignmentForm:
    form = AssignmentForm()
    courses = db.session.scalars(
        select(Course)
        .where(Course.current_version_id.is_not(None), Course.withdrawn_at.is_(None))
        .order_by(Course.slug)
    ).all()
    required = prerequisites.prerequisites_for(
        prerequisites.required_slugs(c.current_version_id for c in courses),
        user_id=None,
        language=current_language().code,
    )
    form.course.choices = (
        [SelectChoice("", _("Choose a course"))]
        + [
            SelectChoice(
                str(c.id),
                _course_label(c.current_version.title, required.get(c.current_version_id, [])),
            )
            for c in courses
        ]
        # A path is assigned like a course: its status is the path's own (lms.paths).
        + [
            SelectChoice(f"path-{p.id}", _("Learning path: %(title)s", title=p.title))
            for p in path_services.published_paths()
        ]
    )
    form.assignee.choices = [
        SelectChoice(
            "organization", _("Everyone in %(organization)s", organization=organization.name)
        )
    ] + [SelectChoice(f"user-{m.user_id}", m.user.full_name) for m in members]
    return form


def _course_label(title: str, required: list) -> str:
    if not required:
        return title
    names = ", ".join(item.title for item in required)
    return _("%(title)s (requires %(courses)s)", title=title, courses=names)


def _unmet_warning(course: Course, people: list[User]) -> str | None:
    """Return a warning when some of the people have not completed what the course requires."""
    slugs = prerequisites.required_slugs([course.current_version_id])
    if not slugs[course.current_version_id]:
        return None
    missing = 0
    for person in people:
        found = prerequisites.prerequisites_for(
            slugs, user_id=person.id, language=current_language().code
        )[course.current_version_id]
        missing += bool(prerequisites.unmet(found))
    if not missing:
        return None
    return ngettext(
        "%(num)d person assigned has not yet completed the courses this one requires;"
        " they cannot start it until they do.",
        "%(num)d people assigned have not yet completed the courses this one requires;"
        " they cannot start it until they do.",
        missing,
    )


def invite_form(organization: Organization, *, submitted: bool = False) -> InviteForm:
    """Return the invite form (bound to the request if `submitted`).

    Only site and chapter admins may invite managers.
    """
    # A prefix keeps its fields apart from the admins' add-person form on the same page.
    form = InviteForm(prefix="invite") if submitted else InviteForm(prefix="invite", formdata=None)
    if not services.can_lead(current_user, organization):
        form.role.choices = [c for c in ROLE_CHOICES if c.value == "member"]
    if not submitted:
        form.language.data = current_language().code
    return form


def render_dashboard(organization: Organization, **forms: object) -> str:
    """Render an organization's status board, with any forms that failed to validate."""
    members = services.organization_members(organization)
    statuses = services.statuses_for(
        [m.user for m in members], today=dates.today(), owner=organization
    )
    assignments = services.owned_assignments(organization)
    path_statuses = path_services.path_statuses_for(
        [m.user for m in members], today=dates.today(), owner=organization
    )
    counts = {status: 0 for status in STATUS_ORDER}
    # Paths count with courses: a manager reads one tally of what is lapsed or overdue.
    for rows in [*statuses.values(), *path_statuses.values()]:
        for row in rows:
            counts[row.status] += 1
    return render_template(
        "organizations/show.html",
        organization=organization,
        members=members,
        statuses=statuses,
        path_statuses=path_statuses,
        assignments=assignments,
        counts=counts,
        member_form=forms.get("member_form") or MemberForm(),
        assignment_form=forms.get("assignment_form") or _assignment_form(organization, members),
        confirm=ConfirmForm(),
        today=dates.today(),
        invite_form=forms.get("invite_form") or invite_form(organization),
        invitations=invitation_services.invitations_of(organization),
        can_lead=services.can_lead(current_user, organization),
        now=utcnow(),
    )


@bp.get("/organizations/<int:organization_id>")
@login_required
def show(organization_id: int) -> str:
    """Show each member's status on every assigned course, for managers and admins."""
    return render_dashboard(get_managed_or_404(organization_id))


@bp.post("/organizations/<int:organization_id>/members")
@role_required(Role.ADMIN)
def add_member(organization_id: int) -> str | Response:
    """Add a person (by email) to the organization as a member or manager."""
    organization = get_managed_or_404(organization_id)
    form = MemberForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user is None:
            form.email.errors = [
                *form.email.errors,
                _("No account uses that email address. Ask the person to create one first."),
            ]
        else:
            services.add_member(organization, user, form.role.data, actor=current_user)
            db.session.commit()
            if form.role.data == "manager":
                message = _(
                    "%(name)s is now a manager of %(organization)s.",
                    name=user.full_name,
                    organization=organization.name,
                )
            else:
                message = _(
                    "%(name)s is now a member of %(organization)s.",
                    name=user.full_name,
                    organization=organization.name,
                )
            flash(message, "success")
            return redirect(url_for("organizations.show", organization_id=organization.id))
    return render_dashboard(organization, member_form=form)


@bp.route(
    "/organizations/<int:organization_id>/members/<int:membership_id>/remove",
    methods=["GET", "POST"],
)
@login_required
def remove_member(organization_id: int, membership_id: int) -> str | Response:
    """Ask to confirm, then take a person out of the organization.

    Managers remove their own staff; only site and chapter admins remove managers.
    """
    organization = get_managed_or_404(organization_id)
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organization_id != organization.id:
        abort(404)
    if membership.is_manager and not services.can_lead(current_user, organization):
        abort(403)
    form = ConfirmForm()
    name = membership.user.full_name
    if request.method == "GET":
        where = {"name": name, "organization": organization.name}
        consequences = [
            _(
                "%(name)s will no longer be in %(organization)s and will no longer manage it.",
                **where,
            )
            if membership.is_manager
            else _("%(name)s will no longer be in %(organization)s.", **where),
            _(
                "Courses assigned to everyone in %(organization)s will no longer be assigned "
                "to %(name)s, and its managers will no longer see %(name)s's progress.",
                **where,
            ),
            _(
                "Nothing %(name)s has completed is lost: their completions and certificates stay "
                "on their record. You can add them again at any time.",
                **where,
            ),
        ]
        return render_template(
            "organizations/confirm_remove.html",
            organization=organization,
            title=_("Remove %(name)s from %(organization)s?", **where),
            consequences=consequences,
            button=_("Remove %(name)s", name=name),
            form=form,
        )
    if not form.validate_on_submit():
        abort(400)
    services.remove_member(membership, actor=current_user)
    db.session.commit()
    flash(
        _(
            "%(name)s is no longer in %(organization)s.",
            name=name,
            organization=organization.name,
        ),
        "success",
    )
    return redirect(url_for("organizations.show", organization_id=organization.id))


@bp.post("/organizations/<int:organization_id>/assignments")
@login_required
def assign(organization_id: int) -> str | Response:
    """Assign a course to everyone in the organization or to one member, with a due date."""
    organization = get_managed_or_404(organization_id)
    members = services.organization_members(organization)
    form = _assignment_form(organization, members)
    if form.validate_on_submit() and form.course.data.startswith("path-"):
        return _assign_path(organization, form, members)
    if form.validate_on_submit():
        course = db.session.get(Course, int(form.course.data))
        user = None
        if form.assignee.data.startswith("user-"):
            user = db.session.get(User, int(form.assignee.data.removeprefix("user-")))
        try:
            assignment = services.assign_course(
                course,
                due_date=form.due_date.data,
                actor=current_user,
                organization=None if user else organization,
                user=user,
                owner=organization,
                today=dates.today(),
                recur_months=REPEATS[form.repeats.data][0],
                recur_on_date=REPEATS[form.repeats.data][1],
            )
        except services.OrganizationError as error:
            form.due_date.errors = [*form.due_date.errors, str(error)]
        else:
            db.session.commit()
            flash(
                _(
                    "%(title)s is assigned, due %(date)s.",
                    title=course.current_version.title,
                    # The stored date: assigned already, the course keeps its first due date.
                    date=dates.long_date(assignment.due_date),
                ),
                "success",
            )
            # Assigning is not blocked: the manager may mean the prerequisites to come first.
            warning = _unmet_warning(course, [user] if user else [m.user for m in members])
            if warning:
                flash(warning, "warning")
            return redirect(url_for("organizations.show", organization_id=organization.id))
    return render_dashboard(organization, assignment_form=form)


def _assign_path(
    organization: Organization, form: AssignmentForm, members: list[Membership]
) -> str | Response:
    path = db.session.get(LearningPath, int(form.course.data.removeprefix("path-")))
    user = None
    if form.assignee.data.startswith("user-"):
        user = db.session.get(User, int(form.assignee.data.removeprefix("user-")))
    if path is None:
        abort(400)
    try:
        path_services.assign_path(
            path,
            due_date=form.due_date.data,
            actor=current_user,
            organization=None if user else organization,
            user=user,
            owner=organization,
            today=dates.today(),
            recur_months=REPEATS[form.repeats.data][0],
            recur_on_date=REPEATS[form.repeats.data][1],
        )
    except path_services.PathError as error:
        form.due_date.errors = [*form.due_date.errors, str(error)]
        return render_dashboard(organization, assignment_form=form)
    db.session.commit()
    flash(
        _(
            "%(title)s is assigned, due %(date)s.",
            title=path.title,
            date=dates.long_date(form.due_date.data),
        ),
        "success",
    )
    return redirect(url_for("organizations.show", organization_id=organization.id))


@bp.route(
    "/organizations/<int:organization_id>/assignments/<int:assignment_id>/remove",
    methods=["GET", "POST"],
)
@login_required
def unassign(organization_id: int, assignment_id: int) -> str | Response:
    """Ask to confirm, then remove an assignment this organization made."""
    organization = get_managed_or_404(organization_id)
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.owner_organization_id != organization.id:
        abort(404)
    form = ConfirmForm()
    if request.method == "GET":
        title = assignment.course.current_version.title
        due = dates.long_date(assignment.due_date)
        if assignment.organization_id:
            where = {"title": title, "organization": organization.name, "date": due}
            no_longer = _(
                "%(title)s will no longer be assigned to everyone in %(organization)s "
                "(due %(date)s).",
                **where,
            )
            question = _(
                "Remove the assignment of %(title)s to everyone in %(organization)s?", **where
            )
        else:
            where = {"title": title, "name": assignment.user.full_name, "date": due}
            no_longer = _(
                "%(title)s will no longer be assigned to %(name)s (due %(date)s).", **where
            )
            question = _("Remove the assignment of %(title)s to %(name)s?", **where)
        consequences = [
            no_longer,
            _(
                "It will no longer show as due or overdue, and no more reminders will be sent "
                "about it."
            ),
            _("Nothing anyone completed is lost, and people who started it can still finish it."),
        ]
        return render_template(
            "organizations/confirm_remove.html",
            organization=organization,
            title=question,
            consequences=consequences,
            button=_("Remove the assignment"),
            form=form,
        )
    if not form.validate_on_submit():
        abort(400)
    services.remove_assignment(assignment, actor=current_user)
    db.session.commit()
    flash(_("The assignment is removed. What people completed stays on their records."), "success")
    return redirect(url_for("organizations.show", organization_id=organization.id))


@bp.post("/organizations/<int:organization_id>/reminders")
@login_required
def remind(organization_id: int) -> Response:
    """Email members whose assignments are due soon or overdue (at most once a day each)."""
    from lms.organizations.emails import send_reminder

    organization = get_managed_or_404(organization_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sent, skipped = services.send_reminders(
        today=dates.today(),
        within_days=int_arg(
            request.form, "within", 7, minimum=0, maximum=365, label=_("Days ahead")
        ),
        period_days=1,
        send=send_reminder,
        actor=current_user,
        organization=organization,
    )
    db.session.commit()
    # Emails leave from a background job, so a mail server outage never fails this page.
    message = ngettext(
        "%(num)d reminder will be emailed shortly.",
        "%(num)d reminders will be emailed shortly.",
        sent,
    )
    if skipped:
        # Two sentences, each with its own count: they are flashed as one message.
        message += " " + ngettext(
            "%(num)d person was already reminded today.",
            "%(num)d people were already reminded today.",
            skipped,
        )
    flash(message, "success")
    return redirect(url_for("organizations.show", organization_id=organization.id))
