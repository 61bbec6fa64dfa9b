"""An admin creates an API token, copies it from the page shown once, and revokes it."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from lms.database import utcnow
from lms.extensions import db
from lms.organizations import services as organizations
from tests.browser.test_reader_browser import sign_in
from tests.browser.test_sso_browser import check_widths


def test_an_admin_creates_and_revokes_a_token(page: Page, live_server: str, make_user):
    admin = make_user(role="admin", name="Ana Admin")
    organizations.create_organization("Northside Clinic", "clinic", actor=admin)
    db.session.commit()
    sign_in(page, live_server, admin.email)
    page.goto(live_server + "/admin/")
    page.get_by_role("link", name="API tokens: access for other systems to the REST API").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    check_widths(page)

    page.get_by_role("link", name="Create a token").click()
    check_widths(page)
    page.get_by_label("Name").fill("HR nightly sync")
    page.get_by_label("An organization (a service token for its systems)").check()
    page.get_by_label("Organization", exact=True).select_option(label="Northside Clinic")
    page.get_by_label("Read completions").check()
    page.get_by_label("Expires on").fill((utcnow() + timedelta(days=90)).date().isoformat())
    page.get_by_role("button", name="Create the token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Token created")
    expect(page.get_by_label("Token for HR nightly sync")).to_have_value(re.compile(r"^lms_"))
    check_widths(page)

    page.get_by_role("link", name="Go to the token's page").click()
    check_widths(page)
    page.get_by_role("button", name="Revoke this token").click()
    expect(page.get_by_text("The token HR nightly sync is revoked.")).to_be_visible()
