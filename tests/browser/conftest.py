"""Browser tests: Debian's Chromium driven by Playwright against the app served in a thread."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
AXE_SOURCE = files("axe_playwright_python").joinpath("axe.min.js").read_text()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark browser tests; skip them where Chromium is missing, except in CI where that fails."""
    here = os.path.dirname(__file__)
    available = shutil.which(CHROMIUM) is not None
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.browser)
            if not available and not os.environ.get("CI"):
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium headless, with no calls to the outside world."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture()
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app on 127.0.0.1 in a thread and return its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture()
def page(page: Page) -> Page:
    """Return a Playwright page that fails fast instead of hanging."""
    page.set_default_timeout(10_000)
    return page


# expect() waits 5 s by default, apart from the page's timeout: too short for a page that
# publishes or signs in on a machine running two test suites at once.
expect.set_options(timeout=10_000)


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page once it has loaded and return its violations, briefly."""
    # After a click the new page's address changes before its stylesheet applies; on a busy
    # machine axe then measured unstyled links and buttons (every one "too small").
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "async (tags) => await axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


def assert_accessible(page: Page) -> None:
    """Run axe-core on the current page and fail with a readable list of violations."""
    violations = axe_violations(page)
    assert violations == [], f"axe violations on {page.url}:\n" + json.dumps(violations, indent=2)


def sideways_overflow(page: Page) -> str | None:
    """Say how wide the page is, and what sticks out, if it is wider than the viewport."""
    if not page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        return None
    widest = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
             .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
             .slice(-3).map(e => e.tagName.toLowerCase() + '.' + e.className)"""
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    window = page.evaluate("window.innerWidth")
    return f"{page.url} is {width} px wide in a {window} px window; sticking out: {widest}"


def assert_no_sideways_scroll(page: Page) -> None:
    """Fail if the page is wider than the viewport, so it would scroll sideways."""
    wide = sideways_overflow(page)
    assert wide is None, wide


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching `selector` has focus, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"could not reach {selector} with the Tab key")
