"""Annual re-training: a completion stays current for a while, lapses, and is reminded once."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from lms import clock
from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate, Completion
from lms.content.loader import check_courses
from lms.content.prerequisites import find_cycle
from lms.courses.models import Course
from lms.dates import long_date
from lms.extensions import db
from lms.organizations import services
from lms.organizations.models import Assignment
from lms.organizations.recurrence import add_months, due_again_on, retraining_status
from tests.test_certificates import claim, complete, pdf_text
from tests.test_organizations import subject
from tests.test_quizzes import CME, FRONT_DESK

COURSES = Path(__file__).resolve().parents[1] / "courses"


@pytest.fixture()
def set_clock():
    """Return a function that fixes the application's clock on a day; the clock runs again after."""

    def run(day: date) -> None:
        clock.set_now(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))

    yield run
    clock.set_now(None)


def courses_with(tmp_path: Path, extra_front_matter: str, slug: str = FRONT_DESK) -> Path:
    """Copy the sample courses and add lines to one course's front matter."""
    root = tmp_path / "courses"
    shutil.copytree(COURSES, root)
    course_md = root / slug / "course.md"
    course_md.write_text(course_md.read_text().replace("---\n", "---\n" + extra_front_matter, 1))
    return root


def course() -> Course:
    return db.session.scalar(select(Course).where(Course.slug == FRONT_DESK))


def words(html: str) -> str:
    """Return the text a reader sees, without tags."""
    inline = re.sub(r"</?(?:time|span|strong|em|a)\b[^>]*>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", inline).split())


def row_of(page: str, name: str) -> str:
    return words(page.split(name, 1)[1].split("</tr>", 1)[0])


# --- pure rules -------------------------------------------------------------------------------


def test_a_month_later_is_the_same_day_or_the_months_last():
    assert add_months(date(2026, 1, 20), 12) == date(2027, 1, 20)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("completed", "valid", "months", "on_date", "expected"),
    [
        (date(2026, 1, 20), None, None, False, None),  # due once, good for good
        (date(2026, 1, 20), 12, None, False, date(2027, 1, 20)),  # the course's validity
        (date(2026, 1, 20), None, 12, False, date(2027, 1, 20)),  # every 12 months after
        (date(2026, 1, 20), 24, 12, False, date(2027, 1, 20)),  # the earlier of the two
        (date(2026, 1, 20), None, 12, True, date(2027, 2, 1)),  # every year on the due date
        (date(2026, 1, 20), 6, 12, True, date(2026, 7, 20)),
        (date(2026, 3, 1), None, 12, True, date(2027, 2, 1)),  # completed late: next cycle
        (date(2022, 3, 1), None, 12, True, date(2026, 2, 1)),  # years before: due on the date
    ],
)
def test_when_a_completion_is_due_again(completed, valid, months, on_date, expected):
    assert (
        due_again_on(
            completed,
            valid_for_months=valid,
            recur_months=months,
            recur_on_date=on_date,
            anchor=date(2026, 2, 1),
        )
        == expected
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 12, 1), "current"),
        (date(2026, 12, 21), "due soon"),
        (date(2027, 1, 19), "due soon"),
        (date(2027, 1, 20), "lapsed"),
    ],
)
def test_retraining_status(today, expected):
    assert retraining_status(date(2027, 1, 20), today=today) == expected


def test_courses_check_reads_and_bounds_how_long_a_completion_stays_current(tmp_path):
    courses, diagnostics = check_courses(courses_with(tmp_path, "valid_for_months: 12\n"))
    assert not [d for d in diagnostics if d.severity == "error"]
    assert {c.slug: c.valid_for_months for c in courses}[FRONT_DESK] == 12

    shutil.rmtree(tmp_path / "courses")
    _, diagnostics = check_courses(courses_with(tmp_path, "valid_for_months: 0\n"))
    [problem] = [d for d in diagnostics if "valid_for_months" in d.message]
    assert problem.path == f"{FRONT_DESK}/course.md" and problem.line == 2


# --- the whole year ---------------------------------------------------------------------------


@pytest.fixture()
def annual_clinic(app, make_user, publish, tmp_path, set_clock):
    """A clinic whose front-desk course stays current for 12 months, on 15 January 2026."""
    set_clock(date(2026, 1, 15))
    publish(courses_with(tmp_path, "valid_for_months: 12\n"))
    admin = make_user(role="admin", name="Ada Admin")
    organization = services.create_organization("Example Valley Clinic", "clinic", actor=admin)
    manager = make_user(name="Mo Manager", profession="clinic-staff")
    staff = make_user(name="Sam Staff", profession="clinic-staff")
    services.add_member(organization, manager, "manager", actor=admin)
    services.add_member(organization, staff, "member", actor=admin)
    db.session.commit()
    return {"organization": organization, "manager": manager, "staff": staff}


def test_an_annual_assignment_is_completed_lapses_a_year_later_and_is_reminded_once(
    client, auth, runner, annual_clinic, set_clock, mailbox
):
    org, manager, staff = (annual_clinic[k] for k in ("organization", "manager", "staff"))
    auth.login_as(manager)
    page = client.get(f"/organizations/{org.id}").data.decode()
    assert 'name="repeats"' in page and "Every year on the due date" in page
    client.post(
        f"/organizations/{org.id}/assignments",
        data={
            "course": str(course().id),
            "assignee": f"user-{staff.id}",
            "due_date": "2026-02-01",
            "repeats": "12-months",
        },
        follow_redirects=True,
    )
    assignment = db.session.scalar(select(Assignment))
    assert (assignment.recur_months, assignment.recur_on_date) == (12, False)
    listed = words(client.get(f"/organizations/{org.id}").data.decode())
    assert "Repeats: 12 months after each completion" in listed
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.created"))
    assert event.details["recur_months"] == 12
    auth.logout()

    set_clock(date(2026, 1, 20))
    auth.login_as(staff)
    complete(client, FRONT_DESK)
    dashboard = words(client.get("/my-learning").data.decode())
    assert "Current" in dashboard and f"Due again on {long_date(date(2027, 1, 20))}" in dashboard
    auth.logout()

    def board() -> str:
        auth.login_as(manager)
        page = client.get(f"/organizations/{org.id}").data.decode()
        auth.logout()
        return row_of(page, "Sam Staff")

    assert "Current" in board() and "Due again on" in board()

    # Two months before it lapses: nothing to remind about.
    set_clock(date(2026, 11, 20))
    assert "0 reminder(s) queued" in runner.invoke(args=["reminders", "send"]).output

    # Within 30 days of the lapse: "Due soon", and one reminder for the whole cycle.
    set_clock(date(2026, 12, 25))
    assert "Due soon" in board()
    assert "1 reminder(s) queued" in runner.invoke(args=["reminders", "send"]).output
    set_clock(date(2027, 1, 5))
    assert "0 reminder(s) queued" in runner.invoke(args=["reminders", "send"]).output
    [message] = mailbox.to(staff.email)
    assert f"is due again {long_date(date(2027, 1, 20))}" in subject(message)
    body = message.get_payload(decode=True).decode()
    assert "your last completion counts until" in body

    # A year after completing: the completion no longer satisfies the assignment.
    set_clock(date(2027, 1, 21))
    row = board()
    assert "Lapsed" in row and "due again now" in row
    runner.invoke(args=["reminders", "send"])
    assert "lapsed on" in subject(mailbox.to(staff.email)[-1])

    # Taken again (a retake: a new enrolment): current for another year, and both
    # completions stay on the record.
    auth.login_as(staff)
    assert client.post(f"/courses/{FRONT_DESK}/start-again").status_code == 302
    complete(client, FRONT_DESK)
    auth.logout()
    assert len(db.session.scalars(select(Completion)).all()) == 2
    row = board()
    assert "Current" in row and f"Due again on {long_date(date(2028, 1, 21))}" in row


@pytest.mark.parametrize("repeats", ["weekly", "12", "-1", "yearly-on-date\x00", "9" * 40])
def test_hostile_repeat_values_are_refused_kindly(client, auth, annual_clinic, repeats):
    org = annual_clinic["organization"]
    auth.login_as(annual_clinic["manager"])
    response = client.post(
        f"/organizations/{org.id}/assignments",
        data={
            "course": str(course().id),
            "assignee": "organization",
            "due_date": "2026-02-01",
            "repeats": repeats,
        },
    )
    assert response.status_code in (200, 400)
    assert db.session.scalar(select(Assignment)) is None


# --- certificates with validity ---------------------------------------------------------------


def test_a_participation_certificate_is_valid_until_a_date_then_verifies_as_expired(
    client, auth, make_user, publish, tmp_path, set_clock
):
    set_clock(date(2026, 1, 20))
    publish(courses_with(tmp_path, "valid_for_months: 12\n"))
    auth.login_as(make_user(name="Sky Staff", profession="clinic-staff"))
    complete(client, FRONT_DESK)
    assert claim(client, FRONT_DESK, credit_type="participation", amount="1").status_code == 302
    certificate = db.session.scalar(select(Certificate))
    until = long_date(date(2027, 1, 20))
    assert f"Valid until {until}" in words(
        client.get(f"/certificates/{certificate.public_id}").data.decode()
    )
    text, _ = pdf_text(client.get(f"/certificates/{certificate.public_id}.pdf").data)
    assert f"Valid until {until}" in text
    auth.logout()

    page = words(client.get(f"/verify/{certificate.public_id}").data.decode())
    assert "Status: Valid" in page and f"Valid until {until}" in page and "Expired" not in page
    record = client.get(f"/verify/{certificate.public_id}.json").get_json()
    assert (record["valid_until"], record["expired"]) == ("2027-01-20", False)

    set_clock(date(2027, 1, 21))
    page = words(client.get(f"/verify/{certificate.public_id}").data.decode())
    assert f"Expired on {until}." in page and "The certificate is genuine" in page
    assert "Sky Staff" in page  # still verifiable as a historical record
    record = client.get(f"/verify/{certificate.public_id}.json").get_json()
    assert (record["valid_until"], record["expired"], record["current_status"]) == (
        "2027-01-20",
        True,
        "valid",
    )


def test_cme_credit_certificates_never_expire(
    client, auth, make_user, publish, tmp_path, set_clock
):
    set_clock(date(2026, 1, 20))
    publish(courses_with(tmp_path, "valid_for_months: 12\n", slug=CME))
    auth.login_as(make_user(name="Dana Doctor", profession="physician"))
    complete(client, CME)
    assert claim(client, CME).status_code == 302
    certificate = db.session.scalar(select(Certificate))
    assert certificate.valid_until is None
    set_clock(date(2030, 1, 21))
    record = client.get(f"/verify/{certificate.public_id}.json").get_json()
    assert (record["valid_until"], record["expired"]) == (None, False)
    assert "Expired" not in client.get(f"/verify/{certificate.public_id}").data.decode()


# --- prerequisites ----------------------------------------------------------------------------


def test_find_cycle():
    assert find_cycle({"a": ["b"], "b": ["c"], "c": []}) is None
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]


def test_courses_check_refuses_prerequisite_cycles_and_unknown_slugs(tmp_path, runner):
    root = courses_with(tmp_path, f"requires:\n  - {CME}\n  - no-such-course\n")
    course_md = root / CME / "course.md"
    course_md.write_text(
        course_md.read_text().replace("---\n", f"---\nrequires: [{FRONT_DESK}]\n", 1)
    )
    _, diagnostics = check_courses(root)
    found = {str(d) for d in diagnostics if "requires" in d.message}
    assert (
        f"{FRONT_DESK}/course.md:4: error: requires: there is no course 'no-such-course' to require"
        in found
    )
    assert (
        f"{CME}/course.md:2: error: requires: courses cannot require each other in a circle: "
        f"{CME} -> {FRONT_DESK} -> {CME}"
    ) in found
    result = runner.invoke(args=["courses", "check", str(root)])
    assert result.exit_code != 0
    assert f"{CME}/course.md:2" in result.output and "in a circle" in result.output


def test_a_prerequisite_that_exists_and_makes_no_circle_passes(tmp_path):
    _, diagnostics = check_courses(courses_with(tmp_path, f"requires: [{CME}]\n"))
    assert not [d for d in diagnostics if d.severity == "error"]


# --- time-boxed credit ------------------------------------------------------------------------


def test_learners_in_progress_are_told_once_before_credit_closes_then_claims_are_refused(
    client, auth, make_user, publish, runner, set_clock, mailbox
):
    set_clock(date(2028, 11, 1))
    publish()
    learner = make_user(name="Sky Staff", profession="clinic-staff")
    done = make_user(name="Dee Done", profession="clinic-staff")
    auth.login_as(done)
    complete(client, FRONT_DESK)
    claim(client, FRONT_DESK, credit_type="participation", amount="1")
    auth.logout()
    auth.login_as(learner)
    client.post(f"/courses/{FRONT_DESK}/start")

    closes = long_date(date(2029, 1, 14))
    result = runner.invoke(args=["certificates", "warn-closing", "--within", "30"])
    assert "0 learner(s) told" in result.output  # more than 30 days ahead
    set_clock(date(2028, 12, 20))
    result = runner.invoke(args=["certificates", "warn-closing", "--within", "30"])
    assert "1 learner(s) told that credit closes soon; 0 told before." in result.output
    result = runner.invoke(args=["certificates", "warn-closing", "--within", "30"])
    assert "0 learner(s) told that credit closes soon; 1 told before." in result.output
    [message] = mailbox.to(learner.email)
    assert f"Credit for Trauma-Informed Care at the Front Desk closes on {closes}" in subject(
        message
    )
    assert mailbox.to(done.email) == [
        m for m in mailbox.to(done.email) if "closes" not in subject(m)
    ]

    set_clock(date(2029, 1, 15))
    complete(client, FRONT_DESK)
    response = claim(client, FRONT_DESK, credit_type="participation", amount="1")
    assert f"Credit for this course closed on {closes}." in words(response.data.decode())
