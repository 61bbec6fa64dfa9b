"""A person signs in through their organization's OpenID provider in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db
from lms.sso.models import IdentityProvider
from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll
from tests.browser.test_reader_browser import sign_in
from tests.sso.conftest import Provider, add_provider
from tests.sso.conftest import oidc_peer as oidc_peer  # noqa: F401  (fixtures)
from tests.sso.conftest import sso_server as sso_server  # noqa: F401

WIDTHS = (1280, 375, 320)


def check_widths(page: Page) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_nurse_signs_in_with_her_health_system_for_the_first_time(
    page: Page,
    sso_server: str,
    oidc_peer: Provider,  # noqa: F811
):
    add_provider(oidc_peer.issuer)

    page.goto(sso_server + "/login")
    page.get_by_role("link", name="Sign in with your organization").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with your organization")
    check_widths(page)

    page.get_by_label("Work email address").fill("someone@nowhere.example.com")
    page.get_by_role("button", name="Continue to my organization").click()
    expect(page.get_by_text("Single sign-on is not set up").first).to_be_visible()
    check_widths(page)

    page.get_by_label("Work email address").fill("nadia.nurse@clinic.example.org")
    page.get_by_role("button", name="Continue to my organization").click()
    expect(page.get_by_text("then come back here")).to_be_visible()
    check_widths(page)
    page.get_by_role("link", name="Continue to Example Health System").click()

    # The provider's own pages: its development sign-in form, then its consent screen.
    page.wait_for_url(oidc_peer.issuer + "/**")
    page.locator("input[name=login]").fill("nadia")
    page.locator("input[name=password]").fill("any password works here")
    page.locator("button[type=submit]").click()
    page.locator("button[type=submit]").click()

    page.wait_for_url(sso_server + "/login/organization/profile")
    expect(page.get_by_text("nadia.nurse@clinic.example.org")).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_value("Nadia Nurse")
    check_widths(page)
    page.get_by_label("Profession").select_option("nurse")
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_text("Your account is ready")).to_be_visible()
    user = db.session.scalar(select(User).where(User.email == "nadia.nurse@clinic.example.org"))
    assert user is not None and user.profession == "nurse"

    # Going back to the callback (the browser's history) is refused kindly, never a 500.
    page.goto(sso_server + "/login/organization/callback?state=used&code=used")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are not signed in")
    check_widths(page)


def test_the_sign_in_provider_admin_pages_are_accessible(page: Page, live_server: str, make_user):
    add_provider("https://login.example-health.org")
    provider = db.session.scalar(select(IdentityProvider))
    admin = make_user(role="admin", name="Ada Admin")
    sign_in(page, live_server, admin.email)

    page.goto(live_server + "/admin/sign-in-providers")
    check_widths(page)
    page.get_by_role("button", name="Add provider").click()  # empty: every field explains itself
    expect(page.locator(".error-summary")).to_be_visible()
    check_widths(page)
    page.goto(live_server + f"/admin/sign-in-providers/{provider.id}")
    check_widths(page)
