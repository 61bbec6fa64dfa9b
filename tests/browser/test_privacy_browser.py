"""The data and deletion pages: usable by keyboard and screen reader, on a phone, in Spanish."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db
from lms.privacy.models import AccountDeletion
from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll
from tests.browser.test_reader_browser import sign_in
from tests.conftest import TEST_PASSWORD

WIDTHS = (1280, 375, 320)


def check_widths(page: Page) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        assert_no_sideways_scroll(page)


def test_a_learner_downloads_then_deletes_their_account(page: Page, live_server: str, make_user):
    person = make_user("rae@example.org", name="Rae Reader")
    person_id = person.id
    sign_in(page, live_server, person.email)
    page.goto(live_server + "/account")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    assert download.value.suggested_filename.startswith("my-data-")

    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    check_widths(page)
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    expect(
        page.get_by_text("That password is not correct. Nothing was deleted.").first
    ).to_be_visible()
    check_widths(page)  # with the error shown

    page.goto(live_server + "/account/delete?lang=es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Eliminar su cuenta")
    assert_accessible(page)
    page.get_by_label("Su contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Eliminar mi cuenta").click()
    expect(page.get_by_text("Su cuenta fue eliminada.")).to_be_visible()
    db.session.rollback()
    assert db.session.scalar(select(AccountDeletion.user_id)) == person_id
    db.session.rollback()

    page.goto(live_server + "/privacy?lang=en")
    expect(
        page.get_by_role("heading", name="What happens when you delete your account")
    ).to_be_visible()
    check_widths(page)


def test_an_admin_deletes_an_account_on_request(page: Page, live_server: str, make_user):
    make_user("sam@example.org", name="Sam Someone")
    admin = make_user(role="admin")
    sign_in(page, live_server, admin.email)
    page.goto(live_server + "/admin/users")
    page.get_by_role("link", name="Delete… Sam Someone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete the account of Sam Someone")
    check_widths(page)
    page.get_by_label("Type the person's email address to confirm").fill("sam@example.org")
    page.get_by_role("button", name="Delete this account").click()
    expect(
        page.get_by_text("The account is deleted. Its certificates still verify.")
    ).to_be_visible()
    db.session.rollback()
    assert db.session.scalar(select(User.deleted_at).where(User.full_name.like("Deleted%")))
    db.session.rollback()
