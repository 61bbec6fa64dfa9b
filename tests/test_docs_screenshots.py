"""The README shows the committed screenshots, and every one it names is there."""

from __future__ import annotations

import re

from tests.browser.test_screenshots_browser import SIZES, png_size
from tests.conftest import ROOT

SCREENSHOTS = ROOT / "docs" / "screenshots"


def test_the_readme_names_every_committed_screenshot_and_nothing_missing():
    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(r"\(docs/screenshots/([\w-]+\.png)\)", readme))
    committed = {path.name for path in SCREENSHOTS.glob("*.png")}
    assert committed, "docs/screenshots/ holds the pictures the README shows"
    assert named == committed
    shown_inline = re.findall(r"!\[([^\]]{20,})\]\(docs/screenshots/", readme)
    assert len(shown_inline) >= 3, "a few screenshots are shown inline, with real alt text"


def test_the_committed_screenshots_are_pngs_of_a_desktop_and_a_phone_screen():
    for path in SCREENSHOTS.glob("*.png"):
        size = path.stem.rsplit("-", 1)[1]
        assert png_size(path) == SIZES[size], path.name
