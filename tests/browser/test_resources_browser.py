"""Families use the resources library: a Spanish-speaking visitor finds a tip sheet for a young
child, reads it, switches to English and prints it on one page; every library page passes axe."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll
from tests.browser.test_spanish_journey_browser import spanish_visitor

WIDTHS = (1280, 375, 320)


def test_a_spanish_speaking_visitor_finds_prints_and_shares_a_tip_sheet(
    browser: Browser, live_server: str, publish_library
):
    publish_library()
    page = spanish_visitor(browser)

    # The library, in Spanish, from the menu.
    page.goto(live_server + "/resources")
    expect(page.get_by_role("heading", name="Recursos para familias", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")

    # Filters are a plain form: pick, then press the button (no script needed).
    page.get_by_label("Idioma", exact=True).select_option(label="Español")
    page.get_by_label("Tipo").select_option(label="Hoja de consejos")
    page.get_by_label("Edad del niño o la niña").select_option(label="De 0 a 5 años")
    page.get_by_role("button", name="Mostrar recursos").click()
    expect(page).to_have_url(f"{live_server}/resources?topic=&age=0-5&type=tip-sheet&language=es")
    cards = page.locator(".resource-card h2")
    expect(cards).to_have_count(2)
    expect(cards).to_have_text(
        [
            "El juego de ida y vuelta fortalece el cerebro",
            "Rutinas diarias que ayudan a los niños a sentirse seguros",
        ]
    )
    assert_accessible(page)

    # One tip sheet, in Spanish.
    page.get_by_role(
        "link", name="Rutinas diarias que ayudan a los niños a sentirse seguros"
    ).click()
    expect(page).to_have_url(f"{live_server}/resources/calm-routines/es")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Rutinas diarias que ayudan a los niños a sentirse seguros"
    )
    expect(page.get_by_role("link", name="Más lugares donde encontrar apoyo")).to_be_visible()

    # Its pair, in English.
    page.get_by_role("link", name="Read in English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Daily routines that help children feel safe"
    )
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.startswith(f"{live_server}/resources/calm-routines/en")
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()
    assert_accessible(page)

    # Printed (Chromium's own print to PDF, with the print stylesheet): one sheet of paper.
    pdf = PdfReader(io.BytesIO(page.pdf(format="Letter", print_background=False)))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert "Daily routines that help children feel safe" in text
    assert "Remember" in text  # the end of the tip sheet made it onto the page
    assert "Skip to main content" not in text and "Menu" not in text


@pytest.mark.parametrize("width", WIDTHS)
def test_every_library_page_passes_axe(page: Page, live_server: str, publish_library, width):
    publish_library()
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server + "/resources")
    addresses = [
        page.locator(".resource-card h2 a").nth(i).get_attribute("href")
        for i in range(page.locator(".resource-card h2 a").count())
    ]
    assert len(addresses) == 12
    for address in [
        "/resources",
        "/resources?topic=resilience&age=6-12&type=&language=",
        "/resources?topic=sleep",  # nothing found
        "/resources?topic=nonsense",  # the filter's error message
        *addresses,
    ]:
        page.goto(live_server + address)
        assert_accessible(page)
        assert_no_sideways_scroll(page)


def test_every_tip_sheet_prints_on_one_page(page: Page, live_server: str, publish_library):
    publish_library()
    page.goto(live_server + "/resources?type=tip-sheet")
    addresses = [
        page.locator(".resource-card h2 a").nth(i).get_attribute("href")
        for i in range(page.locator(".resource-card h2 a").count())
    ]
    assert len(addresses) == 6
    for address in addresses:
        page.goto(live_server + address)
        pages = len(PdfReader(io.BytesIO(page.pdf(format="Letter"))).pages)
        assert pages == 1, f"{address} prints on {pages} pages"
