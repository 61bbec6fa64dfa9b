"""A learner enrols, reads every lesson, leaves, comes back and resumes, in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.conftest import TEST_PASSWORD

CME = "tic-pediatric-essentials"


def sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(live_server + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_enrol_read_leave_come_back_and_resume(page: Page, live_server: str, make_user, publish):
    publish()
    learner = make_user(name="Rae Reader", profession="pediatric-trainee")
    sign_in(page, live_server, learner.email)

    page.get_by_role("link", name="Courses", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Trauma-Informed Care: Essentials for Pediatric Trainees").click()
    expect(page.get_by_role("heading", name="Before you start")).to_be_visible()
    expect(page.get_by_role("heading", name="Disclosures")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="I have read the disclosures: start the course").click()

    # Lesson 1 and 2, then leave.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Why a universal trauma-informed approach"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Mark complete and continue").click()
    expect(page.get_by_text("1 of 7 pages done (14%)")).to_be_visible()
    page.get_by_role("button", name="Mark complete and continue").click()

    # Lesson 3 has a content note: step away.
    expect(page.get_by_role("heading", name="Content note")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Step away for now").click()
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()
    expect(page.get_by_text("2 of 7 pages done (28%)")).to_be_visible()
    assert_accessible(page)

    # Sign out and come back another day.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, learner.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    page.get_by_role(
        "link", name="Resume Trauma-Informed Care: Essentials for Pediatric Trainees"
    ).click()
    expect(page.get_by_role("heading", name="Content note")).to_be_visible()
    page.get_by_role("button", name="Continue to the page").click()

    # Read the rest of the lessons.
    for _ in range(3):
        page.get_by_role("button", name="Mark complete and continue").click()
    # The post-test has its own content note; the reader stops there.
    expect(page.get_by_role("heading", level=1)).to_have_text("Before you read: Post-test")
    # On a wide screen the outline opens as a sidebar once the page's script has run.
    expect(page.locator(".outline-nav .progress-text")).to_be_visible()
    progress_in_reader = page.locator(".outline-nav .progress-text").inner_text()
    assert progress_in_reader == "5 of 7 pages done (71%)"
    bar = page.locator(".outline-nav progress")
    assert bar.get_attribute("value") == "5" and bar.get_attribute("max") == "7"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    expect(page.get_by_text(progress_in_reader)).to_be_visible()

    # The lesson's image is served from the course's media, with its alt text.
    page.goto(f"{live_server}/courses/{CME}/learn/stress-and-the-developing-child")
    image = page.locator(".prose img").first
    assert len(image.get_attribute("alt") or "") > 10
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")


def test_the_skip_link_on_a_lesson_passes_the_course_contents(
    page: Page, live_server: str, client, auth, make_user, publish
):
    from tests.test_certificates import version_of
    from tests.test_quizzes import CME

    publish()
    learner = make_user(name="Kim Keyboard", profession="physician")
    auth.login_as(learner)
    client.post(f"/courses/{CME}/start")
    auth.logout()
    sign_in(page, live_server, learner.email)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/courses/{CME}/learn/{version_of(CME).pages[0].slug}")
    expect(
        page.get_by_role("navigation", name="Course outline").get_by_role("list")
    ).to_be_visible()

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The next stop is inside the lesson, not one of the outline's links beside it.
    assert page.evaluate("!!document.activeElement.closest('article.reader-page')")
    assert not page.evaluate("!!document.activeElement.closest('nav')")
