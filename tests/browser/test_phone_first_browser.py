"""On a phone the lesson, the quiz and the course's Start come first; on a desktop nothing hides."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll, tab_to
from tests.browser.test_reader_browser import CME, sign_in
from tests.test_publishing import SAMPLES
from tests.test_quizzes import FRONT_DESK, quiz_page

PHONE = {"width": 375, "height": 667}
SMALL_PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
# One row of the header: the brand may wrap inside its own box, but nothing stacks below it.
ONE_ROW = 80


def top(page: Page, selector: str) -> float:
    """Return how far below the top of the page the first element matching `selector` starts."""
    return page.locator(selector).first.evaluate(
        "el => el.getBoundingClientRect().top + window.scrollY"
    )


def bottom(page: Page, selector: str) -> float:
    """Return how far below the top of the page the first element matching `selector` ends."""
    return page.locator(selector).first.evaluate(
        "el => el.getBoundingClientRect().bottom + window.scrollY"
    )


def assert_header_is_one_row(page: Page) -> None:
    """Fail if the header's parts stack on top of each other instead of sharing one row."""
    height = page.locator(".site-header").evaluate("el => el.getBoundingClientRect().height")
    assert height <= ONE_ROW, f"header is {height}px tall"
    brand = page.locator(".brand").bounding_box()
    for control in [page.locator(".menu > summary"), page.locator(".site-nav > .support-link")]:
        box = control.bounding_box()
        assert box["y"] < brand["y"] + brand["height"] and brand["y"] < box["y"] + box["height"]
        assert box["x"] > brand["x"]


def start_course(page: Page, live_server: str) -> None:
    """Start the sample CME course from its page, after its disclosures."""
    page.goto(f"{live_server}/courses/{CME}")
    page.get_by_role("button", name="I have read the disclosures: start the course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Why a universal trauma-informed approach"
    )


def test_on_a_phone_the_lesson_comes_before_the_contents_which_open_by_keyboard(
    page: Page, live_server: str, make_user, publish
):
    publish()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, make_user(name="Pia Phone").email)
    start_course(page, live_server)

    contents = page.locator("details.contents")
    expect(contents).not_to_have_attribute("open", "")
    summary = contents.locator("summary")
    expect(summary).to_have_text("Contents · page 1 of 7")
    outline = page.get_by_role("navigation", name="Course outline")
    expect(outline.get_by_role("link", name="Post-test")).to_be_hidden()
    assert bottom(page, "h1") < PHONE["height"]
    assert_header_is_one_row(page)
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    tab_to(page, "details.contents > summary")
    assert summary.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    assert summary.bounding_box()["height"] >= 24
    page.keyboard.press("Enter")
    expect(outline.get_by_role("link", name="Post-test")).to_be_visible()
    expect(outline.locator("a[aria-current='page']")).to_have_text(
        "Why a universal trauma-informed approach"
    )
    assert_accessible(page)
    page.keyboard.press("Enter")
    expect(outline.get_by_role("link", name="Post-test")).to_be_hidden()

    page.set_viewport_size(SMALL_PHONE)
    page.reload()
    assert bottom(page, "h1") < SMALL_PHONE["height"]
    assert_header_is_one_row(page)
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_on_a_phone_the_first_quiz_question_is_on_the_first_screen(
    page: Page, live_server: str, make_user, publish
):
    publish()
    quiz = quiz_page()
    sign_in(page, live_server, make_user(name="Quinn Quiz").email)
    start_course(page, live_server)
    page.goto(f"{live_server}/courses/{CME}/learn/{quiz.slug}")
    page.get_by_role("button", name="Continue to the page").click()
    page.get_by_role("button", name="Start the quiz anyway").click()
    expect(page.get_by_role("heading", name="Post-test: attempt 1")).to_be_visible()

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("details.contents summary")).to_have_text(
        f"Contents · page {quiz.position} of 7"
    )
    assert top(page, "fieldset.question") < PHONE["height"]
    assert_header_is_one_row(page)
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_on_a_desktop_the_outline_is_a_sidebar_shown_without_a_click(
    page: Page, live_server: str, make_user, publish
):
    publish()
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, make_user(name="Dee Desktop").email)
    start_course(page, live_server)
    outline = page.get_by_role("navigation", name="Course outline")
    expect(outline.get_by_role("link", name="Post-test")).to_be_visible()
    # A sidebar: beside the lesson, not above it.
    assert outline.bounding_box()["x"] + 100 < page.locator("h1").bounding_box()["x"]
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My learning")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator(".menu > summary")).to_be_hidden()
    assert_accessible(page)


@pytest.mark.parametrize("size", [PHONE, SMALL_PHONE])
def test_the_signed_in_header_is_one_row_with_a_menu_that_opens_by_keyboard(
    page: Page, live_server: str, make_user, publish, size
):
    publish()
    page.set_viewport_size(size)
    sign_in(page, live_server, make_user(name="Mo Menu").email)
    page.goto(f"{live_server}/my-learning")
    assert_header_is_one_row(page)
    assert_no_sideways_scroll(page)
    # Support is one tap away without opening anything.
    support = page.get_by_role("link", name="Support and resources").first
    expect(support).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My learning")).to_be_hidden()
    assert_accessible(page)

    tab_to(page, ".menu > summary")
    menu = page.locator(".menu > summary")
    assert menu.bounding_box()["height"] >= 24
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="My learning")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="My learning")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    # Escape closes the menu and leaves the keyboard where it was.
    page.keyboard.press("Escape")
    expect(nav.get_by_role("link", name="My learning")).to_be_hidden()
    expect(menu).to_be_focused()

    # A tap elsewhere folds it too.
    menu.click()
    expect(nav.get_by_role("link", name="My learning")).to_be_visible()
    page.mouse.click(5, size["height"] - 5)
    expect(nav.get_by_role("link", name="My learning")).to_be_hidden()

    menu.click()
    nav.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_the_skip_link_still_comes_first(page: Page, live_server: str, make_user, publish):
    publish()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, make_user(name="Sky Skip").email)
    page.goto(f"{live_server}/my-learning")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    expect(page.get_by_role("link", name="Skip to main content")).to_be_visible()


def test_on_a_phone_the_course_page_offers_start_on_the_first_screen(
    page: Page, live_server: str, make_user, publish
):
    publish()
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/courses/{CME}")
    assert bottom(page, ".course-summary a:has-text('Sign in to start')") < PHONE["height"]
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    sign_in(page, live_server, make_user(name="Sam Start").email)
    page.goto(f"{live_server}/courses/{CME}")
    summary = page.locator(".course-summary")
    for fact in ["Time", "Pass mark", "Credit", "Dates"]:
        expect(summary.locator("dt", has_text=fact).first).to_be_visible()
    expect(summary).to_contain_text(
        "Released January 15, 2026; credit available until January 14, 2029"
    )
    expect(summary.get_by_text("Content note")).to_be_visible()
    start = summary.get_by_role("link", name="Read the disclosures and start")
    assert bottom(page, ".course-summary .start-action .button") < PHONE["height"]
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    page.set_viewport_size(SMALL_PHONE)
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(PHONE)

    # Starting still passes the disclosures: the top Start takes the learner to them.
    start.click()
    disclosures = page.get_by_role("heading", name="Disclosures")
    expect(disclosures).to_be_in_viewport()
    page.get_by_role("button", name="I have read the disclosures: start the course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Why a universal trauma-informed approach"
    )

    # Once started, Resume takes its place at the top.
    page.goto(f"{live_server}/courses/{CME}")
    resume = page.locator(".course-summary").get_by_role("link", name="Resume where you left off")
    assert bottom(page, ".course-summary .start-action .button") < PHONE["height"]
    resume.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Why a universal trauma-informed approach"
    )


def test_a_course_with_nothing_to_read_first_starts_from_the_top(
    page: Page, live_server: str, make_user, publish, tmp_path
):
    root = tmp_path / "courses"
    # The English edition only: the Spanish one has its own content note.
    shutil.copytree(
        SAMPLES / FRONT_DESK, root / FRONT_DESK, ignore=shutil.ignore_patterns("*.es.md")
    )
    course_md = root / FRONT_DESK / "course.md"
    text = course_md.read_text()
    start, end = text.index("disclosures:\n"), text.index("passing_score:")
    text = text[:start] + text[end:]
    # Nothing to read before starting: no disclosures and no course content note.
    start, end = text.index("content_note:"), text.index("---", text.index("content_note:"))
    course_md.write_text(text[:start] + text[end:])
    publish(root)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, make_user(name="Fran Front").email)
    page.goto(f"{live_server}/courses/{FRONT_DESK}")
    expect(page.get_by_role("heading", name="Disclosures")).to_have_count(0)
    assert bottom(page, ".course-summary .start-action .button") < PHONE["height"]
    assert_accessible(page)
    page.locator(".course-summary").get_by_role("button", name="Start the course").click()
    expect(page.locator("details.contents summary")).to_contain_text("Contents · page 1 of")


def test_without_javascript_the_contents_and_the_menu_still_open(
    browser, live_server: str, make_user, publish
):
    publish()
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, make_user(name="Noor NoScript").email)
        start_course(page, live_server)
        outline = page.get_by_role("navigation", name="Course outline")
        expect(outline.get_by_role("link", name="Post-test")).to_be_hidden()
        page.locator("details.contents > summary").click()
        expect(outline.get_by_role("link", name="Post-test")).to_be_visible()
        nav = page.get_by_role("navigation", name="Main")
        page.locator(".menu > summary").click()
        expect(nav.get_by_role("link", name="My learning")).to_be_visible()
    finally:
        context.close()
