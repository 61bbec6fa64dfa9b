"""Removing a member asks first and says what will happen."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from lms.extensions import db
from lms.organizations.models import Membership
from tests.browser.conftest import assert_accessible
from tests.browser.test_reader_browser import sign_in
from tests.test_organizations import clinic  # noqa: F401  (fixture)


def count(model) -> int:
    db.session.rollback()  # see what the served app committed
    n = db.session.scalar(select(func.count()).select_from(model))
    db.session.rollback()  # and hold no lock that would keep the served app waiting
    return n


def test_an_admin_removes_a_member_only_after_confirming(
    page: Page,
    live_server: str,
    clinic,  # noqa: F811
):
    sign_in(page, live_server, clinic["admin"].email)
    page.goto(f"{live_server}/organizations/{clinic['organization'].id}")
    members = count(Membership)

    page.get_by_role("link", name="Remove… Mo Manager").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Remove Mo Manager from Example Valley Clinic?"
    )
    expect(page.get_by_text("will no longer manage it")).to_be_visible()
    assert count(Membership) == members
    assert_accessible(page)
    page.get_by_role("link", name="Cancel, keep it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Example Valley Clinic")
    assert count(Membership) == members

    page.get_by_role("link", name="Remove… Mo Manager").click()
    page.get_by_role("button", name="Remove Mo Manager").click()
    expect(page.get_by_text("Mo Manager is no longer in Example Valley Clinic.")).to_be_visible()
    assert count(Membership) == members - 1
