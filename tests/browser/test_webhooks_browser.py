"""An admin registers a webhook endpoint in the browser; its pages pass axe at three widths."""

from __future__ import annotations

from playwright.sync_api import Page
from sqlalchemy import select

from lms.extensions import db
from lms.webhooks.models import WebhookEndpoint
from lms.webhooks.services import record_webhook_event
from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll
from tests.browser.test_reader_browser import sign_in
from tests.conftest import free_port

WIDTHS = (1280, 375, 320)


def check(page: Page) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        assert_no_sideways_scroll(page)


def test_webhook_pages_are_accessible(app, page: Page, live_server: str, make_user):
    app.config["WEBHOOKS_ALLOW_LOOPBACK"] = True
    admin = make_user(role="admin", name="Ada Admin")
    sign_in(page, live_server, admin.email)
    page.goto(live_server + "/admin/webhooks")
    check(page)

    # A mistake first: the message says what to fix, next to the field.
    page.get_by_label("Endpoint address").fill("http://hr.example.org/hooks")
    page.get_by_role("button", name="Add endpoint").click()
    assert page.get_by_text("The endpoint must be an https:// address.").first.is_visible()
    check(page)

    # Nobody listens on this port: deliveries fail and their tries are on the endpoint's page.
    page.get_by_label("Endpoint address").fill(f"http://127.0.0.1:{free_port()}/hooks")
    page.get_by_label("A certificate was issued").check()
    page.get_by_role("button", name="Add endpoint").click()
    assert page.locator("#signing-secret").inner_text().startswith("whsec_")
    check(page)

    db.session.rollback()  # see the endpoint the server made, not this session's old snapshot
    record_webhook_event("certificate.issued", "certificate.issued.TEST-0001", {"n": 1})
    db.session.commit()
    endpoint = db.session.scalar(select(WebhookEndpoint))
    page.goto(f"{live_server}/admin/webhooks/{endpoint.id}")
    assert page.get_by_text("No answer").first.is_visible()
    check(page)
    page.goto(f"{live_server}/admin/webhooks/{endpoint.id}/delete")
    check(page)
