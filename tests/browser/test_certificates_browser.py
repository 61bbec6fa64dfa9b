"""A physician claims credit, downloads the certificate and verifies it, in a real browser."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import assert_accessible
from tests.browser.test_reader_browser import sign_in
from tests.test_certificates import complete
from tests.test_quizzes import CME


def test_claim_download_and_verify(
    page: Page, live_server: str, client, auth, make_user, publish, tmp_path: Path
):
    publish()
    physician = make_user(name="Dr Zoë Łukasiewicz-Ñúñez", profession="physician")
    auth.login_as(physician)
    complete(client, CME)  # lessons, post-test and evaluation, through the app
    auth.logout()

    sign_in(page, live_server, physician.email)
    page.goto(f"{live_server}/courses/{CME}/credit")
    expect(page.get_by_text("You completed this course on")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("AMA PRA Category 1 Credit™", exact=True).check()
    page.get_by_label("Amount to claim").fill("0.8")
    page.get_by_label("I claim only the credit commensurate").check()
    page.get_by_role("button", name="Claim credit and get my certificate").click()
    expect(page.locator("#amount-error")).to_contain_text("Enter the amount in steps of 0.25")
    assert_accessible(page)

    page.get_by_label("AMA PRA Category 1 Credit™", exact=True).check()
    page.get_by_label("Amount to claim").fill("0.75")
    page.get_by_label("I claim only the credit commensurate").check()
    page.get_by_role("button", name="Claim credit and get my certificate").click()
    expect(page.get_by_role("heading", name="Your certificate")).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the certificate (PDF)").click()
    path = tmp_path / "certificate.pdf"
    download_info.value.save_as(path)
    text = " ".join(p.extract_text() for p in PdfReader(path).pages)
    assert "Dr Zoë Łukasiewicz-Ñúñez" in " ".join(text.split())
    assert "0.75 AMA PRA Category 1 Credits™" in " ".join(text.split())

    verify_link = page.locator("dd a[href*='/verify/']")
    verify_url = verify_link.get_attribute("href")
    page.get_by_role("button", name="Sign out").click()
    page.goto(verify_url.replace("http://localhost", live_server))
    expect(page.get_by_text("Status: Valid")).to_be_visible()
    expect(page.get_by_text("Dr Zoë Łukasiewicz-Ñúñez")).to_be_visible()
    assert_accessible(page)

    sign_in(page, live_server, physician.email)
    page.goto(f"{live_server}/transcript")
    expect(page.get_by_role("table", name="Totals by credit type and year")).to_be_visible()
    assert_accessible(page)
