"""An author uses the Authoring page and the guide: accessible at every width, and by keyboard."""

from __future__ import annotations

import re
import shutil

from playwright.sync_api import Page, expect

from lms.accounts.models import Role
from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll
from tests.browser.test_keyboard_journey_browser import COURSE_TITLE as CME_TITLE
from tests.browser.test_keyboard_journey_browser import activate, tab_to_role
from tests.browser.test_reader_browser import sign_in
from tests.test_certificates import complete
from tests.test_publishing import CME, FRONT_DESK_TITLE, SAMPLES

WIDTHS = (1280, 375, 320)


def named(action: str, title: str) -> re.Pattern[str]:
    """Match a link named for an action on a course, however the browser spaces the colon."""
    return re.compile(rf"^{re.escape(action)}\s?: {re.escape(title)}$")


def assert_fits_and_accessible(page: Page) -> None:
    """Check the page with axe at each width, and that nothing scrolls sideways."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        assert_accessible(page)
        assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_an_author_reaches_the_guide_results_and_item_analysis_by_keyboard(
    page: Page, live_server: str, client, auth, make_user, publish, runner, tmp_path
):
    # Two sample courses published, one half-written course refused with a located error.
    root = tmp_path / "courses"
    shutil.copytree(SAMPLES, root)
    (root / "half-written").mkdir()
    (root / "half-written" / "course.md").write_text("---\ntitle: Half written\n---\n")
    assert runner.invoke(args=["courses", "publish", str(root)]).exit_code == 1
    learner = make_user(name="Lee Learner", profession="physician")
    auth.login_as(learner)
    complete(client, CME)  # so the results have a response to analyse
    auth.logout()
    author = make_user(role=Role.AUTHOR, name="Avery Author")

    sign_in(page, live_server, author.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Authoring").click()
    expect(page.get_by_role("heading", name="Authoring", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="half-written (never published)")).to_be_visible()
    located = re.compile(r"half-written/course\.md:\d+: error")
    expect(page.get_by_text(located).first).to_be_visible()
    for title in (CME_TITLE, FRONT_DESK_TITLE):
        expect(page.get_by_role("table", name=f"Published versions of {title}")).to_be_visible()
    assert_fits_and_accessible(page)

    # From here on, only the keyboard: the guide and back.
    page.locator("body").focus()
    activate(page, "link", "the authoring guide")
    expect(page.get_by_role("heading", name="Writing courses", level=1)).to_be_visible()
    assert_fits_and_accessible(page)
    activate(page, "link", "Back to Authoring")
    expect(page.get_by_role("heading", name="Authoring", level=1)).to_be_visible()

    # Each course's page and results are named for their course, so a list of links is clear.
    tab_to_role(page, "link", named("Course page", FRONT_DESK_TITLE))
    activate(page, "link", named("Quiz and evaluation results, with item analysis", CME_TITLE))
    expect(page.get_by_role("heading", name=f"Results: {CME_TITLE}", level=1)).to_be_visible()
    assert_accessible(page)
    activate(page, "link", "Post-test")
    expect(page.get_by_role("heading", name="Item analysis")).to_be_visible()
    assert_accessible(page)
