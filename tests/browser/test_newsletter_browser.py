"""A visitor subscribes from the footer, confirms, and manages the subscription: axe-clean at
every width, no sideways scrolling, everything reachable with the keyboard."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from lms.extensions import db
from lms.newsletter import tokens
from lms.newsletter.models import Subscriber
from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll, tab_to

WIDTHS = (1280, 375, 320)


def check_at_every_width(page: Page) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        assert_no_sideways_scroll(page)


def test_subscribe_from_the_footer_confirm_and_manage(page: Page, live_server: str, mailbox):
    page.goto(live_server + "/courses")
    check_at_every_width(page)
    page.set_viewport_size({"width": 375, "height": 900})
    tab_to(page, "#footer-email", limit=200)
    page.keyboard.type("familia@example.org")
    page.locator("#footer-language-es").check()
    page.locator("#footer-topic-webinars").uncheck()
    page.locator("footer").get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    link = mailbox.last_link("familia@example.org").replace("http://localhost", live_server)
    page.goto(link)
    check_at_every_width(page)
    page.get_by_role("button", name="Confirm my subscription").click()
    expect(page.get_by_text("your subscription is confirmed")).to_be_visible()
    expect(page.get_by_role("heading", name="What we keep about you")).to_be_visible()
    check_at_every_width(page)


def test_the_newsletter_page_and_its_errors_are_accessible(page: Page, live_server: str):
    page.goto(live_server + "/newsletter")
    check_at_every_width(page)
    page.locator("main").get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text("Enter your email address.").first).to_be_visible()
    check_at_every_width(page)


def test_the_unsubscribe_and_bad_link_pages_are_accessible(page: Page, live_server: str, app):
    subscriber = Subscriber(
        email="leaving@example.org",
        language="en",
        topics=["courses"],
        status="confirmed",
        consent_source="/",
        consent_text="Email me the newsletter.",
        consent_language="en",
    )
    db.session.add(subscriber)
    db.session.commit()
    token = tokens.make_token("unsubscribe", subscriber.id, subscriber.email)
    page.goto(f"{live_server}/newsletter/unsubscribe/{token}")
    check_at_every_width(page)
    page.get_by_role("button", name="Unsubscribe").first.click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    check_at_every_width(page)
    page.goto(f"{live_server}/newsletter/manage/not-a-token")
    expect(page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    check_at_every_width(page)
