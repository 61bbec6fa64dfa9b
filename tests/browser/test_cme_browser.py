"""A physician reads the accreditation facts, claims AMA and MOC credit, and gets certificates."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import assert_accessible
from tests.browser.test_reader_browser import sign_in
from tests.test_certificates import complete
from tests.test_quizzes import CME


def pdf_words(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def claim(page: Page, label: str, amount: str) -> None:
    page.get_by_label(label, exact=True).check()
    page.get_by_label("Amount to claim").fill(amount)
    page.get_by_label("I claim only the credit commensurate").check()
    page.get_by_label("I agree that my completion may be reported").check()
    page.get_by_role("button", name="Claim credit and get my certificate").click()
    expect(page.get_by_role("heading", name="Your certificate")).to_be_visible()


def download(page: Page, path: Path) -> str:
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the certificate (PDF)").click()
    info.value.save_as(path)
    return pdf_words(path)


def test_a_physician_sees_the_disclosures_then_claims_ama_and_moc_credit(
    page: Page, live_server: str, client, auth, make_user, publish, tmp_path: Path, app
):
    publish()
    physician = make_user(
        name="Dr Zoë Ñúñez",
        profession="physician",
        abp_id="1234567",
        birth_month=3,
        birth_day=7,
    )

    # The lessons, post-test and evaluation, through the app (their own browser tests exist).
    auth.login_as(physician)
    complete(client, CME)
    auth.logout()

    # Before starting: designation, accreditation and structured disclosures, above Start.
    newcomer = make_user(name="Nia Newcomer", profession="physician")
    sign_in(page, live_server, newcomer.email)
    page.goto(f"{live_server}/courses/{CME}")
    designation = page.locator(".designation")
    expect(designation).to_contain_text("designates this enduring material for a maximum of 1.0")
    disclosures = page.get_by_role("region", name="Disclosures")
    expect(disclosures).to_contain_text("Jordan Rivera, MD, FAAP")
    expect(disclosures).to_contain_text("None of the planners, authors or reviewers")
    expect(page.get_by_role("table", name="Planners, authors and reviewers")).to_be_visible()
    start = page.get_by_role("button", name="I have read the disclosures: start the course")
    for above in (designation, disclosures):
        assert above.bounding_box()["y"] < start.bounding_box()["y"]
    expect(page.get_by_role("link", name="privacy policy")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, physician.email)
    page.goto(f"{live_server}/courses/{CME}/credit")
    expect(page.get_by_text("You completed this course on")).to_be_visible()
    assert_accessible(page)
    claim(page, "AMA PRA Category 1 Credit™", "1.0")
    ama_text = download(page, tmp_path / "ama.pdf")

    page.goto(f"{live_server}/courses/{CME}/credit")
    claim(page, "ABP MOC Part 2 points", "1.0")
    assert_accessible(page)
    moc_text = download(page, tmp_path / "moc.pdf")

    address = app.config["PROVIDER_ADDRESS"]
    for text in (ama_text, moc_text):
        for expected in (
            "Dr Zoë Ñúñez",
            "Trauma-Informed Care: Essentials for Pediatric Trainees",
            "Learning format: Enduring material",
            app.config["PROVIDER_NAME"],
            address,
        ):
            assert expected in text, expected
    assert "1.0 AMA PRA Category 1 Credit™" in ama_text
    assert "designates this enduring material for a maximum of 1.0" in ama_text
    assert "commensurate with the extent of their participation" in ama_text
    for expected in (
        "1.0 ABP MOC Part 2 point",
        "ABP ID: 1234567",
        "PARS activity ID: 900000001",
        "MOC points awarded: 1.0",
        "approved for American Board of Pediatrics (ABP) Maintenance of Certification (MOC) "
        "Part 2 credit",
        "enables the learner to earn up to 1.0 MOC points",
    ):
        assert expected in moc_text, expected
    assert re.search(r"Certificate ID: [0-9A-Z]{4}-", moc_text)
    assert len(PdfReader(tmp_path / "moc.pdf").pages) == 1
