"""The webinar listing and pages in Chromium: register in one click, accessible at every width."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lms.extensions import db
from lms.webinars import services
from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll
from tests.browser.test_reader_browser import sign_in

WIDTHS = (1280, 375, 320)
TRUST = "building-trust-through-trauma-informed-care"
START = datetime(2027, 7, 15, 16, 0, tzinfo=UTC)


@pytest.fixture()
def samples(app, clock):
    clock.set(START - timedelta(days=3))
    services.publish_webinars(
        Path(app.config["WEBINARS_DIR"]), provider_name=app.config["PROVIDER_NAME"], now=START
    )
    db.session.commit()


@pytest.mark.parametrize("width", WIDTHS)
def test_listing_and_webinar_page_pass_axe_and_fit_the_screen(
    page: Page, live_server: str, samples, make_user, width: int
):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server}/webinars?lang=en")
    expect(page.get_by_role("heading", name="Upcoming webinars")).to_be_visible()
    expect(
        page.get_by_role("link", name="Building Trust Through Trauma-Informed Care")
    ).to_be_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    page.get_by_label("Also show times in").select_option("America/Los_Angeles")
    page.get_by_role("button", name="Show times").click()
    expect(page.locator("main")).to_contain_text("PDT")
    assert_accessible(page)

    page.goto(f"{live_server}/webinars/{TRUST}?lang=en")
    expect(page.get_by_role("heading", name="Disclosures")).to_be_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    sign_in(page, live_server, make_user(timezone="America/New_York").email)
    page.goto(f"{live_server}/webinars/{TRUST}")
    expect(page.locator("main")).to_contain_text("EDT")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("main")).to_contain_text("You are registered.")
    expect(page.get_by_role("button", name="Cancel my registration")).to_be_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    page.goto(f"{live_server}/webinars/{TRUST}?lang=es")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Generar confianza con una atención informada sobre el trauma"
    )
    assert_accessible(page)
    assert_no_sideways_scroll(page)
