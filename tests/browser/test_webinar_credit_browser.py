"""A live webinar in Chromium: register, attend with the code, evaluate, claim, verify."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from lms.extensions import db
from lms.webinars.models import Webinar
from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll
from tests.browser.test_reader_browser import sign_in
from tests.browser.test_webinars_browser import START, TRUST
from tests.browser.test_webinars_browser import samples as samples  # noqa: F401  (fixture)


def accessible_at_every_width(page: Page) -> None:
    """Check the page with axe and for sideways scrolling at desktop and phone widths."""
    for width in (375, 320, 1280):  # ends back at the desktop width the journey uses
        page.set_viewport_size({"width": width, "height": 800})
        assert_accessible(page)
        assert_no_sideways_scroll(page)


def test_register_attend_with_the_code_evaluate_and_claim_one_ama_credit(
    page: Page,
    live_server: str,
    samples,
    make_user,
    mailbox,
    clock,
    tmp_path,  # noqa: F811
):
    physician = make_user(name="Dr Carla Ruiz", profession="physician")
    code = db.session.scalar(select(Webinar.attendance_code).where(Webinar.slug == TRUST))
    sign_in(page, live_server, physician.email)

    page.goto(f"{live_server}/webinars/{TRUST}?lang=en")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("main")).to_contain_text("You are registered.")
    [confirmation] = mailbox.to(physician.email)
    assert "Building Trust Through Trauma-Informed Care" in confirmation["Subject"]

    # During the session the presenters read the code out; the attendee types it on the page.
    clock.set(START + timedelta(minutes=45))
    page.goto(f"{live_server}/webinars/{TRUST}")
    page.get_by_label("Attendance code").fill(code.lower())
    accessible_at_every_width(page)
    page.get_by_role("button", name="Record my attendance").click()
    expect(page.locator("main")).to_contain_text("your attendance is recorded")
    expect(page.locator("#recorded-time")).to_contain_text("60 minutes")
    accessible_at_every_width(page)

    # After the session: the evaluation, then the claim.
    clock.set(START + timedelta(hours=3))
    page.reload()
    page.get_by_role("link", name="Complete the evaluation").click()
    accessible_at_every_width(page)
    page.locator("fieldset").nth(0).get_by_label("Yes").check()
    page.locator("fieldset").nth(1).get_by_label("Yes").check()
    page.get_by_label("What, if anything, will you change").fill("Ask before examining.")
    page.get_by_role("button", name="Send my evaluation").click()
    expect(page.get_by_role("heading", name="Credit and certificate")).to_be_visible()
    accessible_at_every_width(page)

    page.get_by_label("AMA PRA Category 1 Credit™", exact=True).check()
    page.get_by_label("Amount to claim").fill("1.0")
    page.get_by_label("I claim only the credit commensurate").check()
    page.get_by_role("button", name="Claim credit and get my certificate").click()
    expect(page.get_by_role("heading", name="Your certificate")).to_be_visible()
    accessible_at_every_width(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the certificate (PDF)").click()
    path = tmp_path / "certificate.pdf"
    download_info.value.save_as(path)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)
    assert "Dr Carla Ruiz" in text
    assert "attended the live activity" in text
    assert "July 15, 2027" in text
    assert "1.0 AMA PRA Category 1 Credit™" in text

    verify_url = page.locator("dd a[href*='/verify/']").get_attribute("href")
    page.get_by_role("button", name="Sign out").click()
    page.goto(verify_url.replace("http://localhost", live_server))
    expect(page.get_by_text("Status: Valid")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Live activity")
    accessible_at_every_width(page)


@pytest.mark.parametrize("width", [1280, 375, 320])
def test_the_organisers_page_passes_axe_and_fits_the_screen(
    page: Page,
    live_server: str,
    samples,
    make_user,
    clock,
    width: int,  # noqa: F811
):
    organiser = make_user(role="author")
    sign_in(page, live_server, organiser.email)
    clock.set(START + timedelta(hours=2))
    page.set_viewport_size({"width": width, "height": 800})

    page.goto(f"{live_server}/webinars/{TRUST}/organize?lang=en")
    expect(page.get_by_role("heading", name="Organize the webinar")).to_be_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.get_by_role("button", name="Import report").click()
    expect(page.locator("main")).to_contain_text("Choose the participant report file.")
    assert_accessible(page)

    page.goto(f"{live_server}/webinars/{TRUST}/organize?lang=es")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
