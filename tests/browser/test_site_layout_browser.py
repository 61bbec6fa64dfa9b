"""Every page, for every role, reflows to a phone and passes axe in the light and dark themes."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import assert_no_sideways_scroll, axe_violations, sideways_overflow
from tests.browser.test_reader_browser import sign_in
from tests.site_pages import ROLES, Site, build_site
from tests.test_quizzes import CME

WIDTHS = (1280, 375, 320)
THEMES = ("light", "dark")
# Relative luminance of the page background, 0 (black) to 1 (white), as WCAG computes it.
BACKGROUND_LUMINANCE = """() => {
  const painted = [document.body, document.documentElement]
    .map(e => getComputedStyle(e).backgroundColor)
    .find(c => c !== 'rgba(0, 0, 0, 0)') || 'rgb(255, 255, 255)';
  const [r, g, b] = painted.match(/[\\d.]+/g).slice(0, 3).map(Number)
    .map(c => c / 255).map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}"""


def sign_in_as(page: Page, live_server: str, site: Site, role: str) -> None:
    """Start a fresh session in the browser as the given role (or signed out)."""
    page.context.clear_cookies()
    user = site.users[role]
    if user is not None:
        sign_in(page, live_server, user.email)
        page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture()
def site(client, auth, make_user, publish) -> Site:
    """Build the lived-in site once for the test."""
    return build_site(client, auth, make_user, publish)


# Two frames for the viewport's media queries to apply, then every transition they started.
SETTLED = """new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))
    .then(() => Promise.all(document.getAnimations().map(a => a.finished)))"""


@pytest.mark.parametrize("role", ROLES)
def test_every_page_reflows_and_passes_axe_in_both_themes(
    page: Page, live_server: str, site: Site, role: str
):
    sign_in_as(page, live_server, site, role)
    problems: dict[str, object] = {}
    for path in site.pages[role]:
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        page.emulate_media(color_scheme="light")
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200, (role, path)
        for theme in THEMES:
            page.emulate_media(color_scheme=theme)
            # Let colour transitions end, so axe sees the theme and not a blend of the two.
            page.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")
            luminance = page.evaluate(BACKGROUND_LUMINANCE)
            if theme == "dark" and luminance > 0.05:
                problems[f"{path} dark"] = f"background is not dark (luminance {luminance:.2f})"
            if theme == "light" and luminance < 0.8:
                problems[f"{path} light"] = f"background is not light (luminance {luminance:.2f})"
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                # A wide screen opens the menu and the outline; their links may still be fading
                # from the other theme's colours, which were not drawn while they were folded.
                page.evaluate(SETTLED)
                where = f"{path} {theme} {width}px"
                if width <= 375 and (wide := sideways_overflow(page)):
                    problems[f"{where} reflow"] = wide
                if violations := axe_violations(page):
                    problems[f"{where} axe"] = violations
    assert problems == {}, f"{role}:\n" + json.dumps(problems, indent=2, ensure_ascii=False)


# --- The reflow defects found by hand, one test each ----------------------------------------


def open_at(page: Page, live_server: str, site: Site, role: str, path: str, width: int) -> None:
    """Sign in as `role` and open `path` in a viewport `width` pixels wide."""
    page.set_viewport_size({"width": width, "height": 800})
    sign_in_as(page, live_server, site, role)
    response = page.goto(live_server + path)
    assert response is not None and response.status == 200


def test_course_facts_fit_a_320px_screen(page: Page, live_server: str, site: Site):
    open_at(page, live_server, site, "anonymous", f"/courses/{CME}", 320)
    assert_no_sideways_scroll(page)
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('.facts dt, .facts dd')]
             .filter(e => e.scrollWidth > e.clientWidth + 1
                       || e.getBoundingClientRect().right > window.innerWidth)
             .map(e => e.textContent.trim().slice(0, 40))"""
    )
    assert clipped == []


def test_admin_certificate_page_fits_a_320px_screen(page: Page, live_server: str, site: Site):
    certificate = next(p for p in site.pages["admin"] if p.startswith("/admin/certificates/"))
    open_at(page, live_server, site, "admin", certificate, 320)
    assert_no_sideways_scroll(page)


def test_team_page_fits_a_375px_screen(page: Page, live_server: str, site: Site):
    team = next(p for p in site.pages["manager"] if p.startswith("/organizations/"))
    open_at(page, live_server, site, "manager", team, 375)
    assert_no_sideways_scroll(page)
    # Each stacked cell still says which column it belongs to.
    label = page.locator(".team-table td").first.evaluate(
        "td => getComputedStyle(td, '::before').content"
    )
    assert label == '"Course"'


def test_admin_people_page_fits_a_375px_screen(page: Page, live_server: str, site: Site):
    open_at(page, live_server, site, "admin", "/admin/users", 375)
    assert_no_sideways_scroll(page)


CONTRAST_OF_CHART_TEXT = """() => {
  const luminance = colour => {
    const [r, g, b] = colour.match(/[\\d.]+/g).slice(0, 3).map(Number)
      .map(c => c / 255).map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const text = luminance(getComputedStyle(document.querySelector('svg.chart text')).fill);
  const page = luminance(getComputedStyle(document.body).backgroundColor);
  return (Math.max(text, page) + 0.05) / (Math.min(text, page) + 0.05);
}"""


def test_charts_stay_readable_in_the_dark_theme(page: Page, live_server: str, site: Site):
    results = next(p for p in site.pages["author"] if p.startswith(f"/courses/{CME}/results/"))
    page.emulate_media(color_scheme="dark")
    open_at(page, live_server, site, "author", results, 1280)
    assert page.locator("svg.chart").count() > 0
    assert page.evaluate(CONTRAST_OF_CHART_TEXT) >= 4.5


def test_nothing_moves_for_readers_who_ask_for_reduced_motion(
    page: Page, live_server: str, site: Site
):
    motion = """() => [getComputedStyle(document.querySelector('.button')).transitionDuration,
                    getComputedStyle(document.documentElement).scrollBehavior]"""
    open_at(page, live_server, site, "anonymous", "/", 1280)
    page.emulate_media(reduced_motion="no-preference")
    assert page.evaluate(motion) != ["0s", "auto"]  # the check below can tell the difference
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(motion) == ["0s", "auto"]
