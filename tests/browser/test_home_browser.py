"""The home page and the catalog with covers, in Chromium: accessible, no sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll, tab_to
from tests.browser.test_reader_browser import CME, sign_in
from tests.test_course_covers import CME_ALT

WIDTHS = (1280, 375, 320)


def assert_covers_loaded(page: Page) -> None:
    """Fail unless every cover image has loaded and is drawn at the width it is given."""
    covers = page.locator("img.course-cover")
    expect(covers.first).to_be_visible()
    for i in range(covers.count()):
        cover = covers.nth(i)
        cover.scroll_into_view_if_needed()
        cover.evaluate("img => img.decode()")
        assert cover.evaluate("img => img.naturalWidth") > 0
        assert cover.evaluate("img => img.getBoundingClientRect().height") > 0


@pytest.mark.parametrize("width", WIDTHS)
def test_home_page_and_catalog_with_covers_pass_axe_and_fit_the_screen(
    page: Page, live_server: str, publish, width: int
):
    publish()
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("childhood trauma")
    expect(page.get_by_role("heading", name="Who this site is for")).to_be_visible()
    expect(page.get_by_role("img", name=CME_ALT)).to_have_count(1)
    assert_covers_loaded(page)
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    page.goto(f"{live_server}/courses")
    assert_covers_loaded(page)
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    page.goto(f"{live_server}/courses/{CME}")
    assert_covers_loaded(page)
    cover = page.locator("img.course-cover")
    assert cover.evaluate("img => img.getBoundingClientRect().right") <= width
    assert_accessible(page)
    assert_no_sideways_scroll(page)


def test_a_learner_goes_from_home_to_resume_with_the_keyboard(
    page: Page, live_server: str, make_user, publish
):
    publish()
    sign_in(page, live_server, make_user(name="Kim Keyboard", profession="physician").email)
    page.goto(f"{live_server}/courses/{CME}")
    page.get_by_role("button", name="I have read the disclosures: start the course").click()
    expect(page).to_have_url(f"{live_server}/courses/{CME}/learn/why-trauma-informed-care")
    # The place is recorded by the page's first reading report (a GET writes nothing), which
    # the page sends as the learner leaves; wait for it rather than race it to the home page.
    # The page's script must be running first: on a busy machine the URL changes well before.
    page.wait_for_load_state("load")
    with page.expect_request_finished(lambda request: request.method == "POST"):
        page.evaluate("window.dispatchEvent(new Event('pagehide'))")
    page.goto(f"{live_server}/")
    resume = page.locator("#in-progress-heading ~ ul a.button")
    expect(resume).to_contain_text("Resume")
    assert_accessible(page)
    tab_to(page, "#in-progress-heading ~ ul a.button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/courses/{CME}/learn/why-trauma-informed-care")
