"""An admin assigns onboarding to a clinic, a staff member completes it, the manager sees it,
and the admin downloads the completion export, all in real browsers."""

from __future__ import annotations

import csv
from datetime import date, timedelta

from playwright.sync_api import Browser, Page, expect

from lms.dates import long_date
from tests.browser.conftest import assert_accessible
from tests.browser.test_reader_browser import sign_in
from tests.test_quizzes import quiz_page

FRONT_DESK = "trauma-informed-front-desk"


def new_page(browser: Browser) -> Page:
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    return page


def answer_correctly(page: Page, slug: str) -> None:
    """Give the right answer to every question of a course's post-test on the page."""
    for question in quiz_page(slug).questions:
        if question.kind == "short":
            page.locator(f"#q-{question.id}").fill(question.answers[0])
        else:
            for option in question.options:
                if option.correct:
                    page.locator(f"#q-{question.id}-{option.id}").check()


def complete_in_browser(page: Page, live_server: str) -> None:
    """Read every lesson, pass the check and send the evaluation, clicking as a learner would."""
    page.goto(f"{live_server}/courses/{FRONT_DESK}")
    page.get_by_role("button", name="start the course").click()
    for _ in range(12):
        if page.get_by_role("button", name="Continue to the page").count():
            page.get_by_role("button", name="Continue to the page").click()
        elif page.get_by_role("button", name="Mark complete and continue").count():
            page.get_by_role("button", name="Mark complete and continue").click()
        else:
            break
    page.get_by_role("button", name="Start the quiz").click()
    answer_correctly(page, FRONT_DESK)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("You passed.")).to_be_visible()
    page.get_by_role("link", name="Continue to").click()
    # An empty evaluation does not count: answer the questions marked required.
    for question in quiz_page(FRONT_DESK, kind="evaluation").questions:
        if question.required:
            page.locator(f"#q-{question.id}-{question.options[0].id}").check()
    page.get_by_role("button", name="Submit evaluation").click()
    expect(page.get_by_text("Your evaluation is recorded.")).to_be_visible()


def test_assign_complete_see_and_export(
    browser: Browser, page: Page, live_server: str, make_user, publish, tmp_path
):
    publish()
    admin = make_user(role="admin", name="Ada Admin")
    staff = make_user("sky.staff@example.org", name="Sky Staff", profession="clinic-staff")
    manager = make_user("mo.manager@example.org", name="Mo Manager", profession="clinic-staff")
    due_day = date.today() + timedelta(days=14)
    due = due_day.isoformat()  # typed into the form; people read the long form back

    # The admin sets up the clinic and assigns the onboarding course to everyone in it.
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/admin/organizations")
    page.get_by_label("Name", exact=True).fill("Example Valley Clinic")
    page.get_by_role("button", name="Add organization").click()
    for email, role in [(staff.email, "member"), (manager.email, "manager")]:
        page.get_by_label("Email address of the person").fill(email)
        page.get_by_label("Role in the organization").select_option(role)
        page.get_by_role("button", name="Add person").click()
    page.get_by_label("Course", exact=True).select_option(
        label="Trauma-Informed Care at the Front Desk"
    )
    page.get_by_label("Assign to").select_option("organization")
    page.get_by_label("Due date").fill(due)
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text(f"is assigned, due {long_date(due_day)}.")).to_be_visible()
    assert_accessible(page)

    # The staff member sees it first on their dashboard and completes it.
    learner = new_page(browser)
    sign_in(learner, live_server, staff.email)
    expect(learner.get_by_role("heading", name="Assigned to you")).to_be_visible()
    expect(learner.get_by_text(f"Due in 14 days ({long_date(due_day)})")).to_be_visible()
    assert_accessible(learner)
    complete_in_browser(learner, live_server)

    # The manager sees "Completed".
    boss = new_page(browser)
    sign_in(boss, live_server, manager.email)
    boss.get_by_role("link", name="My team").click()
    row = boss.locator("tr", has_text="Sky Staff")
    expect(row).to_contain_text("Completed")
    expect(row).to_contain_text(f"Completed on {long_date(date.today())}, before the due date")
    assert_accessible(boss)

    # The admin downloads the completion export.
    page.goto(f"{live_server}/admin/exports")
    expect(page.get_by_text("Sky Staff")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").first.click()
    path = tmp_path / "completions.csv"
    download_info.value.save_as(path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    [row] = [r for r in rows if r["email"] == staff.email]
    assert row["organization"] == "Example Valley Clinic"
    assert row["course_slug"] == FRONT_DESK
    assert row["completed_at"].endswith("Z")
