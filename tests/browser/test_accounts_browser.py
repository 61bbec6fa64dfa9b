"""A person signs up, out and in with the keyboard only; the account pages pass axe."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, tab_to
from tests.conftest import TEST_PASSWORD


def test_sign_up_sign_out_sign_in_with_the_keyboard_only(page: Page, live_server: str, mailbox):
    page.goto(live_server + "/")
    tab_to(page, "a.skip-link")
    expect(page.locator("a.skip-link")).to_be_visible()

    tab_to(page, "text=Create an account >> nth=0")
    page.keyboard.press("Enter")
    expect(page).to_have_title("Create an account – Trauma-Informed Care Learning")

    tab_to(page, "#email")
    page.keyboard.type("keyboard.person@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("Kai Keyboard")
    tab_to(page, "#profession")
    page.keyboard.press("ArrowDown")  # the first real choice: pediatric trainee
    tab_to(page, "#password")
    page.keyboard.type("a long keyboard phrase")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    link = mailbox.last_link("keyboard.person@example.org").replace("http://localhost", live_server)
    page.goto(link)
    tab_to(page, "button:has-text('Confirm and continue')")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Welcome back, Kai Keyboard")).to_be_visible()

    tab_to(page, "button:has-text('Sign out')")
    page.keyboard.press("Enter")
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    tab_to(page, "nav >> text=Sign in")
    page.keyboard.press("Enter")
    tab_to(page, "#email")
    page.keyboard.type("keyboard.person@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("a long keyboard phrase")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Welcome back, Kai Keyboard")).to_be_visible()


def test_focus_is_visible_on_links_and_buttons(page: Page, live_server: str):
    page.goto(live_server + "/login")
    tab_to(page, "#email")
    outline = page.locator("#email").evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"


def test_sign_in_shows_a_clear_error_for_wrong_details(page: Page, live_server: str, make_user):
    user = make_user()
    page.goto(live_server + "/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("do not match an active account")).to_be_visible()
    assert_accessible(page)


def test_account_pages_have_no_accessibility_violations(page: Page, live_server: str, make_user):
    for path in ["/login", "/signup", "/reset", "/support", "/"]:
        page.goto(live_server + path)
        assert_accessible(page)

    page.goto(live_server + "/signup")
    page.get_by_role("button", name="Create account").click()  # every field empty: errors shown
    expect(page.get_by_text("Please check these")).to_be_visible()
    assert_accessible(page)

    admin = make_user(role="admin")
    page.goto(live_server + "/login")
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for path in ["/account", "/account/password", "/admin/", "/admin/users"]:
        page.goto(live_server + path)
        assert_accessible(page)
