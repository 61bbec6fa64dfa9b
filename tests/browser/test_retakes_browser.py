"""A lapsed annual training taken again on the new version, and second chances, in a browser."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.courses.models import Course
from lms.extensions import db
from lms.organizations.models import Assignment
from tests import test_retraining
from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll
from tests.browser.test_reader_browser import sign_in
from tests.test_certificates import complete, evaluate, pass_quiz, read_lessons
from tests.test_concurrency import fresh
from tests.test_quizzes import CME, FRONT_DESK, quiz_page
from tests.test_retakes import revise, use_every_attempt
from tests.test_retraining import courses_with

WIDTHS = (1280, 375, 320)
# The clinic of the annual re-training tests, and their clock.
annual_clinic = test_retraining.annual_clinic
set_clock = test_retraining.set_clock


def check_every_width(page: Page) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        assert_accessible(page)
        assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_a_lapsed_annual_training_is_retaken_on_the_new_version_and_the_board_turns_current(
    page: Page, live_server: str, client, auth, annual_clinic, set_clock, publish, tmp_path
):
    org, manager, staff = (annual_clinic[k] for k in ("organization", "manager", "staff"))
    root = tmp_path / "courses"  # the folder annual_clinic published, valid for 12 months
    course = db.session.scalar(select(Course).where(Course.slug == FRONT_DESK))
    auth.login_as(manager)
    client.post(
        f"/organizations/{org.id}/assignments",
        data={
            "course": str(course.id),
            "assignee": f"user-{staff.id}",
            "due_date": "2026-02-01",
            "repeats": "12-months",
        },
    )
    auth.logout()
    assert db.session.scalar(select(Assignment)) is not None
    set_clock(date(2026, 1, 20))
    auth.login_as(staff)
    complete(client, FRONT_DESK)
    auth.logout()

    # A year later the completion has lapsed, and the course was revised meanwhile.
    set_clock(date(2027, 1, 21))
    revise(root)
    publish(root)

    manager_email, staff_email, org_id = manager.email, staff.email, org.id
    fresh()  # the served app writes next (sign-in): hold no read snapshot
    sign_in(page, live_server, manager_email)
    page.goto(f"{live_server}/organizations/{org_id}")
    staff_row = page.get_by_role("row", name=re.compile(r"^Sam Staff"))
    expect(staff_row).to_contain_text("Lapsed")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, staff_email)
    page.goto(f"{live_server}/courses/{FRONT_DESK}")
    again = page.get_by_role("region", name="Take the course again")
    expect(again).to_contain_text("You completed version 1. Starting again opens version 2")
    check_every_width(page)
    again.get_by_role("button", name="Start again").click()
    expect(page.locator("h1")).to_be_visible()
    assert "/learn/" in page.url
    page.get_by_role("button", name="Sign out").click()

    auth.login_as(db.session.get(type(staff), staff.id))
    read_lessons(client, FRONT_DESK)
    pass_quiz(client, FRONT_DESK)
    evaluate(client, FRONT_DESK)
    auth.logout()
    fresh()

    sign_in(page, live_server, manager_email)
    page.goto(f"{live_server}/organizations/{org_id}")
    expect(staff_row).to_contain_text("Current")
    expect(staff_row).not_to_contain_text("Lapsed")


def test_the_new_version_offer_and_the_second_chance_pages_are_accessible(
    page: Page, live_server: str, client, auth, make_user, publish, tmp_path
):
    root = courses_with(tmp_path, "")
    publish(root)
    midway = make_user(name="Mia Midway", profession="clinic-staff")
    auth.login_as(midway)
    client.post(f"/courses/{FRONT_DESK}/start")
    auth.logout()
    revise(root)
    publish(root)
    learner = make_user(name="Quinn Quiz", profession="physician")
    admin = make_user(role="admin", name="Ada Admin")
    auth.login_as(learner)
    client.post(f"/courses/{CME}/start")
    use_every_attempt(client)
    auth.logout()

    sign_in(page, live_server, midway.email)
    page.goto(f"{live_server}/courses/{FRONT_DESK}")
    offer = page.get_by_role("region", name="Version 2 of this course is available")
    expect(offer).to_contain_text("What changed: 2 lessons changed, 1 lesson added.")
    check_every_width(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, learner.email)
    page.goto(f"{live_server}/courses/{CME}/learn/{quiz_page().slug}")
    page.get_by_label("Message to the course team (optional)").fill("My connection dropped.")
    check_every_width(page)
    page.get_by_role("button", name="Ask for another try").click()
    expect(page.get_by_text("Your request was sent.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/quiz-attempts")
    expect(page.get_by_text("My connection dropped.")).to_be_visible()
    check_every_width(page)
    request = page.get_by_role("article")
    request.get_by_label("Grant one extra attempt").check()
    request.get_by_label("Reason (the learner sees it)").fill("Connection trouble happens.")
    request.get_by_role("button", name="Answer the request").click()
    expect(page.get_by_text("The request was answered")).to_be_visible()
    expect(page.get_by_text("No learner is waiting for an answer.")).to_be_visible()
