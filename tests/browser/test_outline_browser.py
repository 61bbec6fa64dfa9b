"""The reader's outline labels only pages that have a status, in words."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_reader_browser import CME, sign_in


def test_outline_shows_done_and_reading_now_in_words_and_nothing_for_unread_pages(
    page: Page, live_server: str, make_user, publish
):
    publish()
    sign_in(page, live_server, make_user(name="Rae Reader").email)
    page.goto(f"{live_server}/courses/{CME}")
    page.get_by_role("button", name="I have read the disclosures: start the course").click()
    page.get_by_role("button", name="Mark complete and continue").click()

    items = page.locator(".outline-nav .outline > li")
    expect(items).to_have_count(7)
    labels = []
    for i in range(items.count()):
        item = items.nth(i)
        # Whatever is drawn next to a title (a pill, a line, a badge) must say something.
        drawn = item.evaluate(
            """li => [...li.children].filter(el => el.tagName !== 'A'
                 && el.getBoundingClientRect().height > 0
                 && el.getBoundingClientRect().width > 0).map(el => el.innerText.trim())"""
        )
        assert all(drawn), f"an empty mark is drawn next to outline item {i + 1}: {drawn}"
        labels.append(" ".join(drawn))
    assert labels[0] == "✓ Done"
    assert labels[1] == "Reading now"
    assert labels[2:] == [""] * 5
