"""A learner's path through the rough edges: MOC consent, quiz drafts, recorded time, readiness."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_reader_browser import sign_in
from tests.test_certificates import complete
from tests.test_quizzes import CME


def test_a_physician_claims_moc_points_through_the_page_and_is_told_about_consent_at_the_box(
    page: Page, live_server: str, client, auth, make_user, publish
):
    publish()
    physician = make_user(
        name="Dr Moc Claimant",
        profession="physician",
        abp_id="7654321",
        birth_month=5,
        birth_day=9,
    )
    auth.login_as(physician)
    complete(client, CME)
    auth.logout()

    sign_in(page, live_server, physician.email)
    page.goto(f"{live_server}/courses/{CME}/credit")
    page.get_by_label("ABP MOC Part 2 point(s)").check()
    page.get_by_label("Amount to claim").fill("1.0")
    page.get_by_label("I claim only the credit commensurate").check()
    page.get_by_role("button", name="Claim credit and get my certificate").click()

    # The consent box is there, and the message about it sits next to it, not under the amount.
    consent = page.get_by_label("I agree that my completion may be reported")
    expect(consent).to_be_visible()
    consent_field = page.locator(".field", has=consent)
    expect(consent_field.locator(".error")).to_contain_text("agree to let us report")
    amount_field = page.locator(".field", has=page.get_by_label("Amount to claim"))
    expect(amount_field.locator(".error")).to_have_count(0)
    expect(consent).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    # What the learner entered is kept; ticking the box is all that is left.
    expect(page.get_by_label("ABP MOC Part 2 point(s)")).to_be_checked()
    expect(page.get_by_label("Amount to claim")).to_have_value("1.0")
    consent.check()
    if not page.get_by_label("I claim only the credit commensurate").is_checked():
        page.get_by_label("I claim only the credit commensurate").check()
    page.get_by_role("button", name="Claim credit and get my certificate").click()
    expect(page.get_by_role("heading", name="Your certificate")).to_be_visible()
    expect(page.get_by_text("1.0 ABP MOC Part 2 point(s)").first).to_be_visible()
