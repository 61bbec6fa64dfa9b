"""A visitor whose browser prefers Spanish signs up, takes the front-desk course in Spanish,
looks at a page in English on the way and comes back, and downloads a Spanish certificate."""

from __future__ import annotations

import io
import re

from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from lms.dates import long_date, today
from tests.browser.conftest import assert_accessible
from tests.browser.test_onboarding_browser import answer_correctly
from tests.test_quizzes import quiz_page

FRONT_DESK = "trauma-informed-front-desk"
EMAIL = "lucia.flores@example.org"
PASSWORD = "un jardín de colibríes"


def spanish_visitor(browser: Browser) -> Page:
    """Open a browser whose language settings ask for Spanish first, then English."""
    context = browser.new_context(
        locale="es-US", extra_http_headers={"Accept-Language": "es-US,es;q=0.9,en;q=0.5"}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def assert_spanish(page: Page) -> None:
    """Check that the page is in Spanish, says so, and passes axe."""
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert_accessible(page)


def switch_language(page: Page, name: str) -> None:
    """Press the footer's language switch, as a visitor would."""
    page.locator("footer").get_by_role("button", name=name).click()


def test_a_spanish_speaking_visitor_takes_the_front_desk_course_and_gets_a_spanish_certificate(
    browser: Browser, live_server: str, publish, mailbox
):
    publish()
    page = spanish_visitor(browser)

    # The first visit follows the browser's language.
    page.goto(live_server + "/")
    expect(page.get_by_role("link", name="Crear una cuenta").first).to_be_visible()
    assert_spanish(page)

    # Signing up, in Spanish, and the confirmation email is in Spanish too.
    page.get_by_role("link", name="Crear una cuenta").first.click()
    expect(page.get_by_role("heading", name="Crear una cuenta")).to_be_visible()
    assert_spanish(page)
    page.get_by_label("Correo electrónico").fill(EMAIL)
    page.get_by_label("Nombre completo").fill("Lucía Flores")
    page.get_by_label("Profesión").select_option("clinic-staff")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Crear cuenta").click()
    expect(page.get_by_role("heading", name="Revise su correo electrónico")).to_be_visible()
    assert_spanish(page)
    [email] = mailbox.to(EMAIL)
    assert email["Content-Language"] in (None, "es")
    body = email.get_payload(decode=True).decode()
    assert "Lucía" in body and "confirmar" in body.lower(), body
    link = mailbox.last_link(EMAIL).replace("http://localhost", live_server)
    page.goto(link)
    if page.get_by_role("button", name="Confirmar").count():
        page.get_by_role("button", name="Confirmar").first.click()
    if page.get_by_label("Contraseña").count():
        page.get_by_label("Correo electrónico").fill(EMAIL)
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Iniciar sesión").click()

    # The course page, in Spanish, before starting.
    page.goto(f"{live_server}/courses/{FRONT_DESK}")
    expect(
        page.get_by_role("heading", name="Atención informada sobre el trauma en la recepción")
    ).to_be_visible()
    assert_spanish(page)
    page.get_by_role("button", name=re.compile("Comenzar el curso", re.I)).first.click()
    if page.get_by_role("button", name="Continuar a la página").count():
        page.get_by_role("button", name="Continuar a la página").click()

    # The first lesson in Spanish; finish it and move on to the second.
    expect(page.locator("h1")).to_have_attribute("lang", "es")
    assert_spanish(page)
    page.get_by_role("button", name="Marcar como completada y continuar").click()
    second = page.url
    spanish_heading = page.locator("h1").inner_text()

    # Halfway through, look at this page in English, then come back: the place is kept.
    switch_language(page, "English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == second
    assert page.locator("h1").inner_text() != spanish_heading
    expect(page.locator("summary", has_text=re.compile(r"page 2 of \d+"))).to_have_count(1)
    assert_accessible(page)
    switch_language(page, "Español")
    assert page.url == second
    expect(page.locator("h1")).to_have_text(spanish_heading)
    expect(page.locator("summary", has_text=re.compile(r"página 2 de \d+"))).to_have_count(1)
    assert_spanish(page)

    # The rest of the lessons, the check and the evaluation, all in Spanish.
    for _ in range(12):
        if page.get_by_role("button", name="Continuar a la página").count():
            page.get_by_role("button", name="Continuar a la página").click()
        elif page.get_by_role("button", name="Marcar como completada y continuar").count():
            page.get_by_role("button", name="Marcar como completada y continuar").click()
        else:
            break
    page.get_by_role("button", name="Comenzar la prueba").click()
    assert_spanish(page)
    answer_correctly(page, FRONT_DESK)
    page.get_by_role("button", name="Enviar respuestas").click()
    expect(page.get_by_text("Aprobó", exact=False).first).to_be_visible()
    assert_spanish(page)
    page.get_by_role("link", name=re.compile("^Continuar a")).first.click()
    for question in quiz_page(FRONT_DESK, kind="evaluation").questions:
        if question.required:
            page.locator(f"#q-{question.id}-{question.options[0].id}").check()
    page.get_by_role("button", name="Enviar la evaluación del curso").click()
    assert_spanish(page)

    # Claiming the certificate of participation, in Spanish.
    page.get_by_role("link", name="Créditos y certificado").click()
    assert_spanish(page)
    page.locator("fieldset input[type=radio]").first.check()
    page.get_by_label("Cantidad que solicita").fill("1.0")
    page.get_by_label("Solicito solo los créditos que corresponden").check()
    page.get_by_role("button", name="Solicitar créditos y obtener mi certificado").click()

    # The certificate, in Spanish, on the page and in the PDF.
    expect(page.get_by_role("heading", name="Su certificado")).to_be_visible()
    assert_spanish(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descargar el certificado (PDF)").click()
    with open(download_info.value.path(), "rb") as handle:
        text = " ".join(
            (p.extract_text() or "") for p in PdfReader(io.BytesIO(handle.read())).pages
        )
    text = " ".join(text.split())
    assert "Certificado de participación" in text, text
    assert "Lucía Flores" in text
    assert "Atención informada sobre el trauma en la recepción" in text, text
    assert long_date(today(), "es_US") in text, text
    assert "certifica que la persona nombrada completó este curso" in text, text
