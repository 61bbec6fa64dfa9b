"""Learning paths that come round again: assigned to repeat, lapsing, reminded once, retaken."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from lms import clock
from lms.audit.models import AuditEvent
from lms.database import writing
from lms.dates import long_date
from lms.extensions import db
from lms.organizations import services
from lms.organizations.emails import send_reminder
from lms.paths.models import LearningPath, PathAssignment, PathReminderLog
from lms.paths.services import path_due_again_on
from tests.test_certificates import complete
from tests.test_organizations import subject
from tests.test_paths import publish_paths
from tests.test_quizzes import CME, FRONT_DESK
from tests.test_retraining import row_of, words


def path() -> LearningPath:
    return db.session.scalar(select(LearningPath))


@pytest.fixture()
def set_clock():
    """Return a function that fixes the application's clock on a day; the clock runs again after."""

    def run(day: date) -> None:
        clock.set_now(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))

    yield run
    clock.set_now(None)


@pytest.fixture()
def clinic(app, make_user, publish, set_clock):
    """A clinic with a manager and two staff (one reading Spanish), on 15 January 2026."""
    set_clock(date(2026, 1, 15))
    publish()
    publish_paths()
    admin = make_user(role="admin", name="Ada Admin")
    organization = services.create_organization("Example Valley Clinic", "clinic", actor=admin)
    people = {
        "manager": make_user(name="Mo Manager"),
        "staff": make_user(name="Sam Staff"),
        "ines": make_user("ines@example.org", name="Inés Castro", locale="es"),
    }
    services.add_member(organization, people["manager"], "manager", actor=admin)
    services.add_member(organization, people["staff"], "member", actor=admin)
    services.add_member(organization, people["ines"], "member", actor=admin)
    db.session.commit()
    return {"organization": organization, **people}


class FormReader(HTMLParser):
    """Read one form of a page: its hidden fields, and each select's options by their labels."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.select, self.option = action, False, None, None
        self.hidden: dict[str, str] = {}
        self.selects: dict[str, dict[str, str]] = {}  # name -> {label: value}
        self.labels: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif self.inside and tag == "input" and attrs.get("type") == "hidden":
            self.hidden[attrs["name"]] = attrs.get("value", "")
        elif self.inside and tag == "select":
            self.select = attrs["name"]
            self.selects[self.select] = {}
        elif self.inside and tag == "option":
            self.option = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.select and self.option is not None:
            self.selects[self.select][" ".join(data.split())] = self.option
            self.option = None
        elif self.inside and tag_free(data):
            self.labels.append(" ".join(data.split()))


def tag_free(data: str) -> bool:
    return bool(data.strip())


def assignment_form(client, organization) -> FormReader:
    """Return the assignment form as the board renders it."""
    reader = FormReader(f"/organizations/{organization.id}/assignments")
    reader.feed(client.get(f"/organizations/{organization.id}").data.decode())
    return reader


def assign_with_the_form(client, organization, *, assignee: str, repeats: str, due: str):
    """Fill in the rendered assignment form: the path, a person or everyone, a due date, a repeat.

    `assignee` and `repeats` are the labels a manager picks ("Sam Staff", "Does not repeat").
    """
    form = assignment_form(client, organization)
    return client.post(
        f"/organizations/{organization.id}/assignments",
        data={
            **form.hidden,
            "course": form.selects["course"]["Learning path: Trauma-informed clinic"],
            "assignee": form.selects["assignee"][assignee],
            "due_date": due,
            "repeats": form.selects["repeats"][repeats],
        },
    )


# --- the rule ---------------------------------------------------------------------------------


def test_a_path_is_due_again_when_its_first_course_lapses():
    latest = [(date(2026, 3, 10), None), (date(2026, 5, 2), None)]
    assert path_due_again_on(
        latest, recur_months=12, recur_on_date=False, anchor=date(2026, 2, 1)
    ) == date(2027, 3, 10)
    # A course that expires sooner than the repeat brings the path round sooner.
    assert path_due_again_on(
        [(date(2026, 3, 10), None), (date(2026, 5, 2), 6)],
        recur_months=12,
        recur_on_date=False,
        anchor=date(2026, 2, 1),
    ) == date(2026, 11, 2)
    # Yearly on the due date: both completions count for the 2026 cycle.
    assert path_due_again_on(
        latest, recur_months=12, recur_on_date=True, anchor=date(2026, 4, 1)
    ) == date(2027, 4, 1)
    assert (
        path_due_again_on(latest, recur_months=None, recur_on_date=False, anchor=date.today())
        is None
    )


# --- through the pages ------------------------------------------------------------------------


def test_the_assignment_form_offers_repeats_for_paths(client, auth, clinic):
    org = clinic["organization"]
    auth.login_as(clinic["manager"])
    form = assignment_form(client, org)
    assert form.selects["course"]["Learning path: Trauma-informed clinic"] == f"path-{path().id}"
    assert "Repeats" in form.labels and "Due date" in form.labels
    assert {
        "Does not repeat",
        "Every year on the due date",
        "12 months after each completion",
    } <= form.selects["repeats"].keys()
    response = assign_with_the_form(
        client,
        org,
        assignee="Everyone in Example Valley Clinic",
        repeats="Every year on the due date",
        due="2026-03-01",
    )
    assert response.status_code == 302
    assignment = db.session.scalar(select(PathAssignment))
    assert (assignment.recur_months, assignment.recur_on_date) == (12, True)


def test_an_annual_path_is_completed_lapses_a_year_later_is_reminded_once_and_retaken(
    client,
    auth,
    runner,
    clinic,
    set_clock,
    mailbox,
):
    org, manager, staff = clinic["organization"], clinic["manager"], clinic["staff"]
    auth.login_as(manager)
    response = assign_with_the_form(
        client,
        org,
        assignee="Sam Staff",
        repeats="12 months after each completion",
        due="2026-02-01",
    )
    assert response.status_code == 302
    assignment = db.session.scalar(select(PathAssignment))
    assert (assignment.recur_months, assignment.recur_on_date) == (12, False)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "path_assignment.created")
    )
    assert event.details["recur_months"] == 12
    board = words(client.get(f"/organizations/{org.id}").data.decode())
    assert "Repeats: 12 months after each completion" in board
    auth.logout()

    set_clock(date(2026, 1, 20))
    auth.login_as(staff)
    complete(client, FRONT_DESK)
    complete(client, CME)
    mine = words(client.get("/my-learning").data.decode())
    mine = mine.split("Learning paths assigned to you", 1)[1]
    assert "Current" in mine and f"Due again on {long_date(date(2027, 1, 20))}" in mine
    auth.logout()

    def board_row() -> str:
        auth.login_as(manager)
        page = client.get(f"/organizations/{org.id}").data.decode()
        auth.logout()
        return row_of(page.split('id="paths-heading"', 1)[1], "Sam Staff")

    assert (
        "Current" in board_row() and f"Due again on {long_date(date(2027, 1, 20))}" in board_row()
    )

    # Two months before the lapse: nothing to remind about.
    set_clock(date(2026, 11, 20))
    assert "0 reminder(s) queued" in runner.invoke(args=["reminders", "send"]).output

    # Within 30 days of the lapse: due soon, and one reminder for the whole cycle.
    set_clock(date(2026, 12, 25))
    assert "Due soon" in board_row()
    assert "1 reminder(s) queued" in runner.invoke(args=["reminders", "send"]).output
    set_clock(date(2027, 1, 5))
    assert "0 reminder(s) queued" in runner.invoke(args=["reminders", "send"]).output
    [message] = mailbox.to(staff.email)
    assert subject(message).startswith(
        f"Reminder: Trauma-informed clinic is due again {long_date(date(2027, 1, 20))}"
    )
    body = message.get_payload(decode=True).decode()
    assert "your last completion counts until" in body and "/paths/trauma-informed-clinic" in body

    # A year after: lapsed, on the board and on My learning.
    set_clock(date(2027, 1, 21))
    row = board_row()
    assert "Lapsed" in row and "due again now" in row
    runner.invoke(args=["reminders", "send"])
    assert "lapsed on" in subject(mailbox.to(staff.email)[-1])

    # Both courses taken again: the path is current for another year.
    auth.login_as(staff)
    assert "Lapsed" in words(client.get("/my-learning").data.decode())
    for slug in (FRONT_DESK, CME):
        assert client.post(f"/courses/{slug}/start-again").status_code == 302
        complete(client, slug)
    auth.logout()
    row = board_row()
    assert "Current" in row and f"Due again on {long_date(date(2028, 1, 21))}" in row


def test_a_path_reminder_is_written_in_the_learners_language(
    client, auth, runner, clinic, set_clock, mailbox
):
    org, ines = clinic["organization"], clinic["ines"]
    auth.login_as(clinic["manager"])
    assign_with_the_form(
        client, org, assignee="Inés Castro", repeats="Does not repeat", due="2026-01-20"
    )
    auth.logout()
    set_clock(date(2026, 1, 25))
    assert "1 reminder(s) queued" in runner.invoke(args=["reminders", "send"]).output
    [message] = mailbox.to(ines.email)
    assert subject(message).startswith("Recordatorio: Clínica informada sobre el trauma")
    body = message.get_payload(decode=True).decode()
    assert "Hola" in body and "/paths/trauma-informed-clinic" in body


def test_two_racing_reminder_runs_remind_about_a_path_once(
    app, client, auth, clinic, set_clock, mailbox
):
    org = clinic["organization"]
    auth.login_as(clinic["manager"])
    assign_with_the_form(
        client,
        org,
        assignee="Everyone in Example Valley Clinic",
        repeats="6 months after each completion",
        due="2026-01-20",
    )
    auth.logout()
    set_clock(date(2026, 1, 18))
    db.session.commit()
    start = threading.Barrier(2)
    results: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            # As `flask reminders send` runs it: the write lock taken up front on SQLite.
            with app.test_request_context("/"), writing():
                start.wait()
                results.append(
                    services.send_reminders(
                        today=date(2026, 1, 18), within_days=7, period_days=7, send=send_reminder
                    )
                )
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    db.session.rollback()
    # Three people in the clinic, each reminded once about the path, whichever run won.
    assert sum(sent for sent, _ in results) == 3
    assert db.session.scalar(select(func.count(PathReminderLog.id))) == 3
    assert len(mailbox.to(clinic["staff"].email)) == 1
    assert len(mailbox.to(clinic["ines"].email)) == 1
