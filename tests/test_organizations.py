"""Clinics assign onboarding; managers see who is done and who is overdue; reminders go out once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.courses.models import Course
from lms.dates import long_date
from lms.extensions import db
from lms.organizations import services
from lms.organizations.models import Assignment, Organization, ReminderLog
from lms.organizations.status import assignment_status, needs_reminder, period_start
from tests.test_certificates import complete

FRONT_DESK = "trauma-informed-front-desk"
TODAY = date.today()


@pytest.fixture()
def clinic(app, make_user, publish):
    """A clinic with a manager and three staff members, the onboarding course published."""
    publish()
    admin = make_user(role="admin", name="Ada Admin")
    organization = services.create_organization("Example Valley Clinic", "clinic", actor=admin)
    manager = make_user(name="Mo Manager", profession="clinic-staff")
    staff = [make_user(name=f"Staff {n}", profession="clinic-staff") for n in (1, 2, 3)]
    services.add_member(organization, manager, "manager", actor=admin)
    for person in staff:
        services.add_member(organization, person, "member", actor=admin)
    db.session.commit()
    return {"admin": admin, "organization": organization, "manager": manager, "staff": staff}


def subject(message) -> str:
    """Return an email's subject as the reader sees it, unfolded and decoded."""
    return " ".join(str(make_header(decode_header(message["Subject"]))).split())


def course(slug: str = FRONT_DESK) -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def assign_to_clinic(clinic, due: date) -> Assignment:
    assignment = services.assign_course(
        course(),
        due_date=due,
        actor=clinic["admin"],
        organization=clinic["organization"],
        today=TODAY,
    )
    db.session.commit()
    return assignment


# --- pure rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completed", "started", "due", "expected"),
    [
        (True, True, TODAY - timedelta(days=9), "completed"),
        (False, True, TODAY - timedelta(days=1), "overdue"),
        (False, False, TODAY - timedelta(days=1), "overdue"),
        (False, True, TODAY, "in progress"),
        (False, False, TODAY + timedelta(days=3), "not started"),
    ],
)
def test_assignment_status(completed, started, due, expected):
    assert (
        assignment_status(completed=completed, started=started, due_date=due, today=TODAY)
        == expected
    )


def test_reminder_periods_are_fixed_windows():
    monday = date(2026, 11, 16)
    starts = {period_start(monday + timedelta(days=i), 7) for i in range(7)}
    assert len(starts) <= 2 and period_start(monday, 1) == monday
    assert (
        needs_reminder(
            completed=False, due_date=TODAY + timedelta(days=3), today=TODAY, within_days=7
        )
        == "due-soon"
    )
    assert (
        needs_reminder(
            completed=False, due_date=TODAY + timedelta(days=30), today=TODAY, within_days=7
        )
        is None
    )
    assert (
        needs_reminder(
            completed=True, due_date=TODAY - timedelta(days=3), today=TODAY, within_days=7
        )
        is None
    )


# --- admins set up, learners see what is assigned ---------------------------------------------


def test_admin_creates_a_clinic_adds_people_and_assigns_a_course(client, auth, make_user, publish):
    publish()
    admin = make_user(role="admin")
    staff = make_user("sam.staff@example.org", name="Sam Staff", profession="clinic-staff")
    auth.login_as(admin)
    response = client.post(
        "/admin/organizations", data={"name": "  North  Clinic ", "kind": "clinic"}
    )
    organization = db.session.scalar(select(Organization))
    assert organization.name == "North Clinic"
    assert response.headers["Location"] == f"/organizations/{organization.id}"

    client.post(
        f"/organizations/{organization.id}/members",
        data={"email": "Sam.Staff@example.org", "role": "member"},
    )
    missing = client.post(
        f"/organizations/{organization.id}/members",
        data={"email": "nobody@example.org", "role": "member"},
    )
    assert b"No account uses that email address" in missing.data

    due = (TODAY + timedelta(days=14)).isoformat()
    client.post(
        f"/organizations/{organization.id}/assignments",
        data={"course": str(course().id), "assignee": "organization", "due_date": due},
    )
    assignment = db.session.scalar(select(Assignment))
    assert assignment.organization_id == organization.id and assignment.due_date.isoformat() == due
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.created"))
    assert event.actor_id == admin.id and event.details["course"] == FRONT_DESK

    auth.logout()
    auth.login_as(staff)
    for path in ["/", "/my-learning"]:
        page = client.get(path).data.decode()
        assert "Assigned to you" in page
        # People read the due date; machines find ISO in the <time> element.
        long = long_date(TODAY + timedelta(days=14))
        assert f'Due in 14 days (<time datetime="{due}">{long}</time>)' in page
        assert page.index("Assigned to you") < page.index(
            "How learning works here" if path == "/" else "Your courses"
        )


def test_assignment_validation(client, auth, clinic):
    auth.login_as(clinic["admin"])
    org = clinic["organization"]
    past = client.post(
        f"/organizations/{org.id}/assignments",
        data={
            "course": str(course().id),
            "assignee": "organization",
            "due_date": (TODAY - timedelta(days=1)).isoformat(),
        },
    )
    assert b"Choose a due date today or later." in past.data
    bad_date = client.post(
        f"/organizations/{org.id}/assignments",
        data={"course": str(course().id), "assignee": "organization", "due_date": "next tuesday"},
    )
    assert bad_date.status_code == 200 and b"Choose a due date (YYYY-MM-DD)." in bad_date.data
    stranger = client.post(
        f"/organizations/{org.id}/assignments",
        data={"course": str(course().id), "assignee": "user-99999", "due_date": TODAY.isoformat()},
    )
    assert b"Not a valid choice" in stranger.data
    assert db.session.scalar(select(func.count(Assignment.id))) == 0


# --- managers ---------------------------------------------------------------------------------


def test_manager_sees_each_status(client, auth, clinic):
    staff = clinic["staff"]
    assign_to_clinic(clinic, TODAY + timedelta(days=10))
    # Staff 1 completes, staff 2 starts, staff 3 has a personal assignment already overdue.
    auth.login_as(staff[0])
    complete(client, FRONT_DESK)
    auth.logout()
    auth.login_as(staff[1])
    client.post(f"/courses/{FRONT_DESK}/start")
    auth.logout()
    overdue = Assignment(
        course_id=course().id,
        user_id=staff[2].id,
        owner_organization_id=clinic["organization"].id,
        due_date=TODAY - timedelta(days=2),
    )
    db.session.add(overdue)
    db.session.commit()

    auth.login_as(clinic["manager"])
    assert (
        client.get("/my-team").headers["Location"] == f"/organizations/{clinic['organization'].id}"
    )
    page = client.get(f"/organizations/{clinic['organization'].id}").data.decode()
    rows = {
        name: page.split(name, 1)[1].split("</tr>", 1)[0]
        for name in ["Staff 1", "Staff 2", "Staff 3", "Mo Manager"]
    }
    assert "Completed" in rows["Staff 1"]
    assert f"Completed on {long_date(TODAY)}, before the due date" in rows["Staff 1"]
    assert "In progress" in rows["Staff 2"] and "Due in 10 days" in rows["Staff 2"]
    assert "Overdue" in rows["Staff 3"] and "Overdue by 2 days" in rows["Staff 3"]
    assert long_date(TODAY - timedelta(days=2)) in rows["Staff 3"]
    assert "Not started" in rows["Mo Manager"]
    assert "<progress" in rows["Staff 1"]


def test_the_team_page_says_when_courses_are_due_in_words(client, auth, clinic):
    due = TODAY + timedelta(days=5)
    auth.login_as(clinic["manager"])
    org = clinic["organization"]
    page = client.post(
        f"/organizations/{org.id}/assignments",
        data={"course": str(course().id), "assignee": "organization", "due_date": due.isoformat()},
        follow_redirects=True,
    ).data.decode()
    assert f"Trauma-Informed Care at the Front Desk is assigned, due {long_date(due)}." in page
    staff_row = page.split("Staff 1", 1)[1].split("</tr>", 1)[0]
    when = f'<time datetime="{due.isoformat()}">{long_date(due)}</time>'
    assert f"Due in 5 days ({when})" in staff_row
    assignments = page.split('id="assignments-heading"', 1)[1]
    assert when in assignments and due.isoformat() + "<" not in assignments


def test_a_manager_cannot_see_another_organisation(client, auth, clinic, make_user):
    other = services.create_organization("Other Clinic", "clinic", actor=None)
    db.session.commit()
    auth.login_as(clinic["manager"])
    assert client.get(f"/organizations/{other.id}").status_code == 404
    assert client.post(f"/organizations/{other.id}/reminders").status_code == 404
    assert (
        client.post(
            f"/organizations/{other.id}/assignments",
            data={
                "course": str(course().id),
                "assignee": "organization",
                "due_date": TODAY.isoformat(),
            },
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/organizations/{clinic['organization'].id}/members",
            data={"email": "x@example.org", "role": "member"},
        ).status_code
        == 403
    )
    auth.logout()
    auth.login_as(clinic["staff"][0])
    assert client.get(f"/organizations/{clinic['organization'].id}").status_code == 404
    assert client.get("/my-team").status_code == 404


def test_manager_can_assign_to_one_member_and_remove_it(client, auth, clinic):
    auth.login_as(clinic["manager"])
    org = clinic["organization"]
    person = clinic["staff"][0]
    client.post(
        f"/organizations/{org.id}/assignments",
        data={
            "course": str(course().id),
            "assignee": f"user-{person.id}",
            "due_date": TODAY.isoformat(),
        },
    )
    assignment = db.session.scalar(select(Assignment))
    assert assignment.user_id == person.id
    client.post(f"/organizations/{org.id}/assignments/{assignment.id}/remove")
    assert db.session.scalar(select(Assignment)) is None
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.removed"))
        is not None
    )


@pytest.fixture()
def second_clinic(client, auth, clinic, make_user):
    """Another clinic, with its own manager, that Staff 1 also belongs to."""
    other = services.create_organization("Hillside Clinic", "clinic", actor=clinic["admin"])
    other_manager = make_user(name="Hana Hillside", profession="clinic-staff")
    services.add_member(other, other_manager, "manager", actor=clinic["admin"])
    services.add_member(other, clinic["staff"][0], "member", actor=clinic["admin"])
    db.session.commit()
    return {"organization": other, "manager": other_manager}


def assign_through_the_page(client, organization, assignee: str, due: date) -> Assignment:
    client.post(
        f"/organizations/{organization.id}/assignments",
        data={"course": str(course().id), "assignee": assignee, "due_date": due.isoformat()},
        follow_redirects=True,  # shows (and so clears) the "assigned" message
    )
    return db.session.scalars(select(Assignment).order_by(Assignment.id.desc())).first()


def test_a_manager_cannot_see_or_remove_another_organisations_assignment_of_a_shared_member(
    client, auth, clinic, second_clinic, mailbox
):
    shared = clinic["staff"][0]
    theirs_due = TODAY + timedelta(days=3)
    auth.login_as(second_clinic["manager"])
    theirs = assign_through_the_page(
        client, second_clinic["organization"], f"user-{shared.id}", theirs_due
    )
    everyone_theirs = assign_through_the_page(
        client, second_clinic["organization"], "organization", theirs_due
    )
    assert theirs.owner_organization_id == second_clinic["organization"].id
    auth.logout()

    auth.login_as(clinic["manager"])
    org = clinic["organization"]
    page = client.get(f"/organizations/{org.id}").data.decode()
    assert f"/assignments/{theirs.id}/remove" not in page
    assert f"/assignments/{everyone_theirs.id}/remove" not in page
    assert long_date(theirs_due) not in page and "Due in 3 days" not in page

    removed = client.post(f"/organizations/{org.id}/assignments/{theirs.id}/remove")
    assert removed.status_code == 404
    assert db.session.get(Assignment, theirs.id) is not None

    client.post(f"/organizations/{org.id}/reminders")
    assert mailbox.to(shared.email) == []


def test_each_manager_sees_and_removes_their_own_assignment_of_a_shared_member(
    client, auth, clinic, second_clinic
):
    shared = clinic["staff"][0]
    auth.login_as(clinic["manager"])
    ours = assign_through_the_page(
        client, clinic["organization"], f"user-{shared.id}", TODAY + timedelta(days=20)
    )
    auth.logout()
    auth.login_as(second_clinic["manager"])
    page = client.get(f"/organizations/{second_clinic['organization'].id}").data.decode()
    assert f"/assignments/{ours.id}/remove" not in page
    auth.logout()

    auth.login_as(clinic["manager"])
    page = client.get(f"/organizations/{clinic['organization'].id}").data.decode()
    assert f"/assignments/{ours.id}/remove" in page
    client.post(f"/organizations/{clinic['organization'].id}/assignments/{ours.id}/remove")
    assert db.session.get(Assignment, ours.id) is None


# --- reminders ------------------------------------------------------------------------------


def test_reminders_are_emailed_once_per_period(app, runner, clinic, mailbox):
    assign_to_clinic(clinic, TODAY + timedelta(days=3))
    result = runner.invoke(args=["reminders", "send", "--within", "7"])
    assert result.exit_code == 0, result.output
    assert "4 reminder(s) queued" in result.output  # three staff and the manager
    [message] = mailbox.to(clinic["staff"][0].email)
    due = long_date(TODAY + timedelta(days=3))
    assert f"is due {due} – " in subject(message)
    body = message.get_payload(decode=True).decode()
    assert "Trauma-Informed Care at the Front Desk" in body
    assert f"due on {due} (due in 3 days)." in body

    again = runner.invoke(args=["reminders", "send", "--within", "7"])
    assert (
        "0 reminder(s) queued (the jobs worker emails them); 4 already sent this period."
        in again.output
    )
    assert len(mailbox.messages) == 4
    assert db.session.scalar(select(func.count(ReminderLog.id))) == 4


def test_no_reminder_for_completed_or_far_off_assignments(client, auth, runner, clinic, mailbox):
    assign_to_clinic(clinic, TODAY + timedelta(days=30))
    assert "0 reminder(s) queued" in runner.invoke(args=["reminders", "send"]).output
    assign_to_clinic(clinic, TODAY + timedelta(days=1))
    auth.login_as(clinic["staff"][0])
    complete(client, FRONT_DESK)
    result = runner.invoke(args=["reminders", "send"])
    assert "3 reminder(s) queued" in result.output
    assert mailbox.to(clinic["staff"][0].email) == []


def test_overdue_reminders_say_so_kindly(runner, clinic, mailbox):
    db.session.add(
        Assignment(
            course_id=course().id, user_id=clinic["staff"][1].id, due_date=TODAY - timedelta(days=5)
        )
    )
    db.session.commit()
    runner.invoke(args=["reminders", "send"])
    [message] = mailbox.to(clinic["staff"][1].email)
    due = long_date(TODAY - timedelta(days=5))
    assert f"was due {due} – " in subject(message)
    body = message.get_payload(decode=True).decode()
    assert f"was due on {due}. It is not too late" in body


def test_manager_sends_reminders_from_the_team_page(client, auth, clinic, mailbox):
    assign_to_clinic(clinic, TODAY + timedelta(days=2))
    auth.login_as(clinic["manager"])
    response = client.post(
        f"/organizations/{clinic['organization'].id}/reminders", follow_redirects=True
    )
    assert b"4 reminders will be emailed shortly." in response.data
    again = client.post(
        f"/organizations/{clinic['organization'].id}/reminders", follow_redirects=True
    )
    assert (
        b"0 reminders will be emailed shortly. 4 people were already reminded today." in again.data
    )
    assert len(mailbox.messages) == 4


def test_deactivated_people_get_no_reminders(runner, clinic, mailbox):
    clinic["staff"][2].active = False
    db.session.commit()
    assign_to_clinic(clinic, TODAY)
    runner.invoke(args=["reminders", "send"])
    assert mailbox.to(clinic["staff"][2].email) == []


def test_team_page_queries_stay_bounded(client, auth, clinic, make_user, count_queries):
    assign_to_clinic(clinic, TODAY + timedelta(days=5))
    auth.login_as(clinic["admin"])
    url = f"/organizations/{clinic['organization'].id}"
    with count_queries() as few:
        client.get(url)
    for n in range(6):
        services.add_member(
            clinic["organization"], make_user(name=f"Extra {n}"), "member", actor=None
        )
    db.session.commit()
    with count_queries() as many:
        client.get(url)
    assert len(many) <= len(few) + 2, "\n".join(many)


# --- who may reach what -----------------------------------------------------------------------

ORG_ROUTES = [
    ("GET", "/organizations/{org}", None),
    ("POST", "/organizations/{org}/reminders", None),
    ("POST", "/organizations/{org}/assignments", "assign"),
    ("POST", "/organizations/{org}/members", "member"),
    ("GET", "/admin/organizations", None),
]
# Who may: managers of this organisation manage it; only admins change its people or list all.
ALLOWED = {
    "/organizations/{org}": {"manager", "admin"},
    "/organizations/{org}/reminders": {"manager", "admin"},
    "/organizations/{org}/assignments": {"manager", "admin"},
    "/organizations/{org}/members": {"admin"},
    "/admin/organizations": {"admin"},
}


@pytest.mark.parametrize(
    "who", ["anonymous", "learner", "member", "other-manager", "manager", "admin"]
)
@pytest.mark.parametrize(("method", "path", "form"), ORG_ROUTES)
def test_organisation_route_by_role_matrix(
    client, auth, clinic, make_user, who, method, path, form
):
    other = services.create_organization("Other Clinic", "clinic", actor=None)
    other_manager = make_user(name="Other Manager")
    services.add_member(other, other_manager, "manager", actor=None)
    db.session.commit()
    people = {
        "learner": make_user(name="Unrelated Learner"),
        "member": clinic["staff"][0],
        "other-manager": other_manager,
        "manager": clinic["manager"],
        "admin": clinic["admin"],
    }
    if who != "anonymous":
        auth.login_as(people[who])
    url = path.format(org=clinic["organization"].id)
    data = {
        "assign": {
            "course": str(course().id),
            "assignee": "organization",
            "due_date": TODAY.isoformat(),
        },
        "member": {"email": make_user().email, "role": "member"},
    }.get(form, {})
    response = client.get(url) if method == "GET" else client.post(url, data=data)

    if who in ALLOWED[path]:
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert "/login" not in response.headers["Location"]
    elif who == "anonymous":
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    else:
        # Not their organisation: 404 where a manager might probe, 403 on admin-only pages.
        assert response.status_code in (403, 404)
        assert "Example Valley Clinic" not in response.data.decode()


def test_a_course_finished_before_its_due_date_is_not_called_past_due(client, auth, clinic):
    due = date.today() + timedelta(days=5)
    assign_to_clinic(clinic, due)
    auth.login_as(clinic["staff"][0])
    complete(client, FRONT_DESK)
    page = client.get("/").data.decode()
    assert f"Completed on {long_date(TODAY)}, before the due date" in page
    assert "Was due" not in page and "Overdue" not in page


def assign_on(clinic, day: date) -> None:
    services.assign_course(
        course(), due_date=day + timedelta(days=2), actor=clinic["admin"],
        organization=clinic["organization"], today=day,
    )  # fmt: skip
    db.session.commit()


@pytest.mark.parametrize("offset", range(7))
def test_the_daily_run_does_not_remind_again_people_a_manager_reminded_this_week(
    client, auth, runner, clinic, clock, mailbox, offset
):
    # The manager's "remind now" counts days, the daily run counts weeks from a fixed day:
    # on every day of the week, whoever reminds second sees the first one's reminders.
    day = date(2026, 11, 23) + timedelta(days=offset)
    clock.set(datetime(day.year, day.month, day.day, 15, tzinfo=UTC))
    assign_on(clinic, day)
    auth.login_as(clinic["manager"])
    page = f"/organizations/{clinic['organization'].id}/reminders"
    assert b"4 reminders will be emailed shortly." in client.post(page, follow_redirects=True).data
    result = runner.invoke(args=["reminders", "send"])
    assert "0 reminder(s) queued" in result.output, result.output

    # The next day the manager may remind again; the weekly run still stays quiet.
    clock.set(datetime(day.year, day.month, day.day, 15, tzinfo=UTC) + timedelta(days=1))
    assert b"4 reminders will be emailed shortly." in client.post(page, follow_redirects=True).data
    assert "0 reminder(s) queued" in runner.invoke(args=["reminders", "send"]).output


def test_a_manager_reminding_after_the_daily_run_sends_nothing_new_that_day(
    client, auth, runner, clinic, clock
):
    day = date(2026, 11, 25)  # not the first day of the daily run's week
    clock.set(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
    assign_on(clinic, day)
    assert "4 reminder(s) queued" in runner.invoke(args=["reminders", "send"]).output
    auth.login_as(clinic["manager"])
    page = f"/organizations/{clinic['organization'].id}/reminders"
    flashed = client.post(page, follow_redirects=True).data.decode()
    assert "0 reminders will be emailed shortly. 4 people were already reminded today." in flashed
