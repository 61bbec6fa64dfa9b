"""Learners get their certificate, transcript and quiz feedback in Spanish when they ask for it.

A certificate prints in the language of the page it is downloaded from, or the one its link
names (`?lang=en|es`); the course's own words (title, accreditation statement) print from the
course's edition in that language when it has one, else as the course gives them. `?lang=es`
shows any page in Spanish.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from lms import dates
from lms.certificates.models import Certificate, CreditClaim
from lms.certificates.pdf import render_certificate_pdf
from lms.courses.editions import course_title
from lms.extensions import db
from tests.certificates.test_pdf import certificate
from tests.test_certificates import claim, complete, pdf_text, version_of
from tests.test_quizzes import CME, FRONT_DESK, quiz_page, wrong_answers


def spanish_date(day) -> str:
    return format_date(day, "long", locale="es_US")


def english_date(day) -> str:
    return format_date(day, "long", locale="en_US")


@pytest.fixture()
def staff_certificate(client, auth, make_user, publish) -> Certificate:
    publish()
    auth.login_as(make_user(name="Ximena Núñez", profession="clinic-staff"))
    complete(client, FRONT_DESK)
    response = claim(client, FRONT_DESK, credit_type="participation", amount="1")
    assert response.status_code == 302
    return db.session.scalar(select(Certificate))


@pytest.fixture()
def physician(client, auth, make_user, publish):
    publish()
    user = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(user)
    return user


def test_a_staff_member_downloads_their_certificate_in_spanish(client, staff_certificate):
    certificate = staff_certificate
    page = client.get(f"/certificates/{certificate.public_id}?lang=es").data.decode()
    assert "Su certificado" in page
    # The main download follows the page's language; both languages are offered by name.
    assert f'href="/certificates/{certificate.public_id}.pdf?lang=es">Descargar el certificado' in (
        page
    )
    assert "Download in English" in page and "Descargar en español" in page

    response = client.get(f"/certificates/{certificate.public_id}.pdf?lang=es")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "es-US"
    assert f"certificate-{certificate.public_id}-es.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text, pages = pdf_text(response.data)
    assert pages == 1
    when = spanish_date(certificate.completion_date)
    assert re.fullmatch(r"\d{1,2} de [a-z]+ de \d{4}", when)
    for expected in [
        "Certificado de participación",
        "Se certifica que",
        "Ximena Núñez",
        "completó",
        # The course's Spanish edition gives its title and accreditation statement.
        course_title(version_of(FRONT_DESK), "es"),
        "certifica que la persona nombrada completó este curso",
        f"el {when}",
        "1.0 hora de participación",
        "ID del certificado:",
        "Verifique este certificado en",
        f"/verify/{certificate.public_id}",
    ]:
        assert expected in text, expected
    assert "Certificate of Participation" not in text
    assert "This certifies that" not in text
    assert version_of(FRONT_DESK).title not in text


def test_the_english_download_stays_english(client, staff_certificate):
    certificate = staff_certificate
    # Asked for by name, even from a Spanish page.
    response = client.get(f"/certificates/{certificate.public_id}.pdf?lang=en")
    assert response.headers["Content-Language"] == "en-US"
    assert (
        f'filename="certificate-{certificate.public_id}.pdf"'
        in (response.headers["Content-Disposition"])
    )
    text, _ = pdf_text(response.data)
    assert "Certificate of Participation" in text
    assert "This certifies that" in text
    assert f"on {english_date(certificate.completion_date)}" in text
    assert "1.0 hour of participation" in text
    assert version_of(FRONT_DESK).title in text
    assert "Certificado" not in text and " de " not in text.split("Verify")[0]

    # Without a choice, or with one it does not offer, the download is in the page's language:
    # English by default.
    for query in ["", "?lang=fr"]:
        plain, _ = pdf_text(client.get(f"/certificates/{certificate.public_id}.pdf{query}").data)
        assert "Certificate of Participation" in plain, query


def test_a_cme_certificate_in_spanish_keeps_the_trademark_and_the_courses_statement(
    client, physician
):
    complete(client)
    claim(client)
    certificate = db.session.scalar(select(Certificate))
    text, pages = pdf_text(client.get(f"/certificates/{certificate.public_id}.pdf?lang=es").data)
    assert pages == 1
    for expected in [
        "Certificado de finalización",
        # US Spanish writes a decimal point; the AMA's trademark is never translated.
        "0.75 AMA PRA Category 1 Credits™",
        "Créditos solicitados en proporción al grado de participación en la actividad.",
        # The accreditation statement prints as the course provides it.
        version_of(CME).accreditation.split(".")[0],
        f"el {spanish_date(certificate.completion_date)}",
    ]:
        assert expected in text, expected


def test_the_transcript_downloads_in_spanish_or_english(client, staff_certificate):
    page = client.get("/transcript?lang=es").data.decode()
    assert "Su historial de créditos" in page
    assert 'href="/transcript.pdf?lang=es"' in page
    assert "Download in English" in page
    # The course's Spanish edition names the course, and says it is Spanish.
    spanish_title = course_title(version_of(FRONT_DESK), "es")
    assert f'<span lang="es">{spanish_title}</span>' in page
    assert version_of(FRONT_DESK).title not in page

    spanish = client.get("/transcript.pdf?lang=es")
    assert spanish.headers["Content-Language"] == "es-US"
    assert 'filename="transcript-es.pdf"' in spanish.headers["Content-Disposition"]
    text, _ = pdf_text(spanish.data)
    for expected in [
        "Historial de créditos",
        "Cursos completados",
        "Créditos por tipo y año",
        "Horas de participación",
        "Válido",
        "Página 1 de 1",
        "Ximena Núñez",
        spanish_title,
    ]:
        assert expected in text, expected
    assert f"Generado el {spanish_date(dates.today())}" in text

    english, _ = pdf_text(client.get("/transcript.pdf?lang=en").data)
    for expected in ["Transcript", "Completed courses", "Credit by type and year", "Page 1 of 1"]:
        assert expected in english, expected
    assert "Historial" not in english
    assert version_of(FRONT_DESK).title in " ".join(english.split())


def test_the_quiz_result_page_reads_in_spanish(client, physician):
    client.post(f"/courses/{CME}/start")
    page = quiz_page(CME)
    start = client.post(f"/courses/{CME}/quiz/{page.slug}/start?lang=es")
    attempt_url = start.headers["Location"]
    taking = client.get(f"{attempt_url}?lang=es").data.decode()
    assert "Enviar respuestas" in taking and "Guardar y salir" in taking

    client.post(f"{attempt_url}?lang=es", data=wrong_answers(page))
    result = client.get(f"{attempt_url}?lang=es").data.decode()
    for expected in [
        "su resultado",
        "Su puntuación: 0%",
        "Esta vez no aprobó.",
        "La calificación para aprobar es",
        "Qué hacer ahora",
        "Pregunta por pregunta",
        "No del todo:",
    ]:
        assert expected in result, expected
    assert "You scored" not in result


def test_the_claim_page_and_its_errors_read_in_spanish(client, physician):
    complete(client)
    url = f"/courses/{CME}/credit?lang=es"
    page = client.get(url).data.decode()
    for expected in [
        "Créditos y certificado",
        "Créditos que ofrece este curso",
        "Hasta 1.0 AMA PRA Category 1 Credit™",
        "Hasta 1.0 hora de participación",
        "Tipo de crédito",
        "Cantidad que solicita",
        "El sitio registró",
        "Solicitar créditos y obtener mi certificado",
    ]:
        assert expected in page, expected

    # The form as a learner sends it: the amount forgotten and the attestation left unticked.
    response = client.post(url, data={"credit_type": "ama-pra-1", "amount": ""})
    assert response.status_code == 200
    refused = response.data.decode()
    assert "Escriba la cantidad de créditos que solicita." in refused
    assert (
        "Confirme que la cantidad que solicita corresponde al tiempo que dedicó al curso."
        in refused
    )
    assert db.session.scalar(select(func.count(CreditClaim.id))) == 0

    # A learner who writes something that is not an amount is told how to write one.
    response = client.post(url, data={"credit_type": "ama-pra-1", "amount": "tres", "attest": "y"})
    assert "Escriba la cantidad de créditos que solicita como un número, por ejemplo 0.75." in (
        response.data.decode()
    )
    assert db.session.scalar(select(func.count(CreditClaim.id))) == 0


def test_a_revoked_moc_certificate_prints_its_fixed_text_in_spanish_on_one_page(app):
    doc = certificate(
        credit_type="abp-moc-2",
        amount=Decimal("1"),
        status="revoked",
        learning_format="enduring-material",
        abp_id="1234567",
        pars_activity_id="C-2026-0042",
        moc_statement="Successful completion of this CME activity enables the participant to earn "
        "up to 1 MOC point in the ABP MOC program.",
    )
    text, pages = pdf_text(render_certificate_pdf(doc, locale="es_US"))
    assert pages == 1
    for expected in [
        "REVOCADO",
        "Este certificado fue revocado y ya no es válido.",
        "1.0 punto de ABP MOC Part 2",
        "Formato de aprendizaje: Material perdurable",
        "ID de ABP: 1234567",
        "ID de la actividad en PARS: C-2026-0042",
        "Puntos MOC otorgados: 1.0",
        "Esta actividad fue aprobada para créditos de Maintenance of Certification (MOC) Part 2",
        # The course's own statements print as the course gives them.
        "Successful completion of this CME activity",
        f"el {spanish_date(doc.completion_date)}",
    ]:
        assert expected in text, expected
