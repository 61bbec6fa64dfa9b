"""A learner reads what a course requires before starting it, then follows the clinic path:
both pages pass axe and fit the screen at 1280, 375 and 320 px."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll
from tests.browser.test_reader_browser import sign_in
from tests.test_paths import PATH, courses_requiring, publish_paths
from tests.test_quizzes import CME, FRONT_DESK

WIDTHS = (1280, 375, 320)


def test_prerequisites_and_the_path_page_are_readable_at_every_width(
    page: Page, live_server: str, make_user, publish, tmp_path
):
    courses = courses_requiring(tmp_path)
    publish(courses)
    publish_paths(courses=courses)
    learner = make_user(name="Pat Path")
    sign_in(page, live_server, learner.email)

    page.goto(f"{live_server}/courses/{CME}")
    prerequisites = page.locator(".prerequisite-list li")
    expect(prerequisites).to_have_count(1)
    expect(prerequisites).to_contain_text("Not yet")
    expect(page.get_by_role("button", name="Start the course")).to_have_count(0)
    expect(page.get_by_text("This course builds on others.").first).to_be_visible()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        assert_no_sideways_scroll(page)

    page.get_by_role("link", name="Trauma-Informed Care at the Front Desk").first.click()
    expect(page).to_have_url(f"{live_server}/courses/{FRONT_DESK}")

    page.goto(f"{live_server}/paths/{PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trauma-informed clinic")
    expect(page.locator(".path-steps > li")).to_have_count(2)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        assert_no_sideways_scroll(page)
