"""Printed certificates and transcripts: read back with pypdf, QR codes scanned with zxing-cpp."""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pypdfium2
import pytest
import segno
import zxingcpp
from flask import Flask
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from lms.certificates.documents import (
    CertificateDocument,
    TranscriptDocument,
    TranscriptRow,
    certificate_title,
    credit_line,
    format_amount,
)
from lms.certificates.pdf import (
    DataURLFetcher,
    RefusedURLError,
    qr_data_uri,
    render_certificate_pdf,
    render_transcript_pdf,
)

ACCREDITATION = (
    "The Example Pediatric Education Institute is accredited by the Accreditation Council for "
    "Continuing Medical Education (ACCME) to provide continuing medical education for "
    "physicians.\nThe Example Pediatric Education Institute designates this enduring material "
    "for a maximum of 0.75 AMA PRA Category 1 Credits™."
)
URL = "https://lms.example.org/certificates/verify/TIC-7K3M-Q9XD-2FHP"
TRICKY_NAME = "<b>Zoë</b> {{ 7*7 }} Łukasiewicz-Ñúñez"


def certificate(**changes: object) -> CertificateDocument:
    """Return a typical AMA PRA certificate, with `changes` applied."""
    doc = CertificateDocument(
        certificate_id="TIC-7K3M-Q9XD-2FHP",
        holder_name="Amara Okafor-Lindqvist",
        course_title="Trauma-Informed Foundations: A Welcoming First Moment",
        completion_date=date(2026, 11, 22),
        credit_type="ama-pra-1",
        amount=Decimal("0.75"),
        accreditation=ACCREDITATION,
        provider_name="Example Pediatric Education Institute",
        verification_url=URL,
    )
    return replace(doc, **changes)


def read(data: bytes) -> PdfReader:
    """Open PDF bytes with pypdf."""
    return PdfReader(io.BytesIO(data))


def text_of(data: bytes) -> str:
    """Return the text pypdf extracts from every page."""
    return "\n".join(page.extract_text() for page in read(data).pages)


def squashed(text: str) -> str:
    """Return `text` without any whitespace."""
    # Line breaks fall wherever the layout puts them; compare words, not wrapping.
    return "".join(text.split())


def long_text(length: int, seed: str) -> str:
    """Return exactly `length` characters of `seed` repeated, ending with a full stop."""
    body = ((seed + " ") * (length // len(seed) + 2))[: length - 1]
    return body[:-1] + "s." if body.endswith(" ") else body + "."


# --- documents ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "printed"),
    [
        ("1", "1.0"),
        ("1.00", "1.0"),
        ("0.75", "0.75"),
        ("1.5", "1.5"),
        ("0.25", "0.25"),
        ("12", "12.0"),
    ],
)
def test_amounts_print_with_one_or_two_decimals(amount: str, printed: str) -> None:
    assert format_amount(Decimal(amount)) == printed


@pytest.mark.parametrize("amount", ["0.1", "-0.25", "NaN", "1.3"])
def test_amounts_that_are_not_quarters_are_refused(amount: str) -> None:
    with pytest.raises(ValueError, match="0.25"):
        format_amount(Decimal(amount))


def test_credit_lines_and_titles() -> None:
    assert credit_line("ama-pra-1", Decimal("0.75")) == "0.75 AMA PRA Category 1 Credits™"
    assert credit_line("ama-pra-1", Decimal("1")) == "1.0 AMA PRA Category 1 Credit™"
    assert credit_line("abp-moc-2", Decimal("2")) == "2.0 ABP MOC Part 2 points"
    assert credit_line("ancc-contact-hours", Decimal("1.5")) == "1.5 ANCC contact hours"
    assert credit_line("participation", Decimal("1.25")) == "1.25 hours of participation"
    assert certificate_title("ancc-contact-hours") == "Certificate of Completion"
    assert certificate_title("participation") == "Certificate of Participation"


def test_a_certificate_document_checks_its_fields() -> None:
    with pytest.raises(ValueError, match="credit type"):
        certificate(credit_type="cme")
    with pytest.raises(ValueError, match="status"):
        certificate(status="expired")
    with pytest.raises(ValueError, match="0.25"):
        certificate(amount=Decimal("0.8"))
    with pytest.raises(ValueError, match="URL"):
        certificate(verification_url="javascript:alert(1)")


# --- certificates ---------------------------------------------------------------------------


def test_a_certificate_prints_every_field_on_one_landscape_letter_page(app: Flask) -> None:
    data = render_certificate_pdf(certificate())

    reader = read(data)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (792, 612)
    text = text_of(data)
    for expected in [
        "Certificate of Completion",
        "This certifies that",
        "Amara Okafor-Lindqvist",
        "completed",
        "Trauma-Informed Foundations: A Welcoming First Moment",
        "on November 22, 2026",  # the site's locale, US English
        "0.75 AMA PRA Category 1 Credits™",
        "claimed commensurate with the extent of participation",
        "Example Pediatric Education Institute",
        "TIC-7K3M-Q9XD-2FHP",
        URL,
    ]:
        assert expected in text, expected
    assert squashed(ACCREDITATION) in squashed(text)
    assert "REVOKED" not in text and "SUPERSEDED" not in text
    assert reader.metadata.title.startswith("Certificate of Completion: Amara Okafor-Lindqvist")
    assert reader.metadata.author == "Example Pediatric Education Institute"


def test_a_participation_certificate_makes_no_cme_claim(app: Flask) -> None:
    doc = certificate(credit_type="participation", amount=Decimal("1.5"), accreditation=None)

    text = text_of(render_certificate_pdf(doc))

    assert "Certificate of Participation" in text
    assert "1.5 hours of participation" in text
    assert "commensurate" not in text


def test_a_long_name_and_a_long_accreditation_statement_still_fit_one_page(app: Flask) -> None:
    name = long_text(120, "Maria-Fernanda Łukasiewicz Okonkwo")
    statement = long_text(900, ACCREDITATION)
    assert (len(name), len(statement)) == (120, 900)

    data = render_certificate_pdf(certificate(holder_name=name, accreditation=statement))

    assert len(read(data).pages) == 1
    text = squashed(text_of(data))
    assert squashed(name) in text
    assert squashed(statement) in text
    assert URL in text


def test_an_absurdly_long_statement_is_shortened_rather_than_spill_onto_a_second_page(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    doc = certificate(
        holder_name=long_text(200, "Maria-Fernanda Łukasiewicz Okonkwo"),
        course_title=long_text(300, "Caring for Caregivers in Pediatric Primary Care"),
        accreditation=long_text(8000, ACCREDITATION),
    )

    with caplog.at_level(logging.WARNING, logger="lms.certificates.pdf"):
        data = render_certificate_pdf(doc)

    assert len(read(data).pages) == 1
    text = squashed(text_of(data))
    assert squashed("full statement at the verification address") in text
    assert URL in text and "TIC-7K3M-Q9XD-2FHP" in text
    assert "accreditation statement shortened" in caplog.text


def test_the_holder_name_is_printed_literally(app: Flask) -> None:
    text = text_of(render_certificate_pdf(certificate(holder_name=TRICKY_NAME)))

    # Escaped, not markup; printed as typed, not evaluated by Jinja.
    assert squashed(TRICKY_NAME) in squashed(text)
    assert "49" not in text
    assert "&lt;" not in text and "&#" not in text


def test_the_qr_code_scans_as_the_verification_url(app: Flask) -> None:
    data = render_certificate_pdf(certificate(holder_name=TRICKY_NAME))

    pdf = pypdfium2.PdfDocument(data)
    try:
        image = pdf[0].render(scale=3).to_pil()
    finally:
        pdf.close()
    codes = zxingcpp.read_barcodes(image)

    assert [code.text for code in codes] == [URL]
    assert codes[0].format == zxingcpp.BarcodeFormat.QRCode


def test_the_qr_code_prints_as_sharp_squares_at_any_size(app: Flask) -> None:
    page = read(render_certificate_pdf(certificate())).pages[0]

    [image] = [x.get_object() for x in page["/Resources"]["/XObject"].values()]
    modules = len(segno.make(URL, error="m").matrix) + 2 * 4  # the code and its quiet zone
    # One pixel per module, drawn without smoothing: a printer or viewer scales each pixel to
    # a crisp square, as it would the vector path the code used to be.
    assert (image["/Width"], image["/Height"]) == (modules, modules)
    assert image["/Interpolate"].value is False
    assert qr_data_uri(URL).startswith("data:image/png")


def test_the_same_certificate_prints_the_same_every_time(app: Flask) -> None:
    doc = certificate(holder_name=TRICKY_NAME)

    first, second = render_certificate_pdf(doc), render_certificate_pdf(doc)

    assert text_of(first) == text_of(second)
    # No clock or random ids inside: the bytes match too, on the same WeasyPrint version.
    assert first == second
    assert read(first).metadata.creation_date.date() == date(2026, 11, 22)


@pytest.mark.parametrize(
    ("status", "banner", "absent"),
    [("revoked", "REVOKED", "SUPERSEDED"), ("superseded", "SUPERSEDED", "REVOKED")],
)
def test_a_certificate_that_is_no_longer_valid_says_so(
    app: Flask, status: str, banner: str, absent: str
) -> None:
    data = render_certificate_pdf(certificate(status=status))

    text = text_of(data)
    assert banner in text and absent not in text
    assert len(read(data).pages) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/logo.png",
        "https://example.org/font.woff2",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "//example.org/x.css",
    ],
)
def test_the_fetcher_refuses_everything_but_data_urls(url: str) -> None:
    with pytest.raises(RefusedURLError):
        DataURLFetcher().fetch(url)


def test_the_fetcher_serves_data_urls() -> None:
    response = DataURLFetcher().fetch("data:text/plain;charset=utf-8,caf%C3%A9")
    try:
        assert response.read() == "café".encode()
    finally:
        response.close()


def test_a_document_that_reaches_for_a_remote_file_fails_to_render() -> None:
    html = (
        '<link rel="stylesheet" href="http://127.0.0.1:9/a.css">'
        '<p>Hello</p><img src="http://127.0.0.1:9/tracker.png" alt="">'
    )

    with pytest.raises(FatalURLFetchingError):
        HTML(string=html, url_fetcher=DataURLFetcher()).write_pdf()


def test_rendering_needs_an_app_context() -> None:
    with pytest.raises(RuntimeError):
        render_certificate_pdf(certificate())


# --- transcripts ----------------------------------------------------------------------------


def transcript(rows: int = 3) -> TranscriptDocument:
    """Return a transcript of `rows` completions cycling through credit types."""
    kinds = [("ama-pra-1", Decimal("0.75")), ("participation", Decimal("1.5")), (None, None)]
    made = []
    for n in range(rows):
        kind, amount = kinds[n % 3]
        made.append(
            TranscriptRow(
                completed_on=date(2025 + n % 2, 1 + n % 12, 1 + n % 28),
                course_title=f"Course number {n:03d}: Predictable routines in the clinic",
                version=1 + n % 4,
                credit_type=kind,
                amount=amount,
                certificate_id=f"K7M3-Q9XD-2FHP-{n:04d}" if kind else None,
                status=("revoked" if n == 1 else "valid") if kind else None,
            )
        )
    return TranscriptDocument(
        holder_name=TRICKY_NAME,
        generated_on=date(2027, 2, 3),
        rows=tuple(made),
        totals=(
            ("ama-pra-1", 2025, Decimal("0.75")),
            ("participation", 2026, Decimal("12.25")),
        ),
    )


def test_a_transcript_lists_rows_and_totals(app: Flask) -> None:
    data = render_transcript_pdf(transcript())

    text = squashed(text_of(data))
    for expected in [
        "Transcript",
        "Generated on February 3, 2027",
        "Course number 000: Predictable routines in the clinic",
        "Course number 002",
        "January 1, 2025",
        "AMA PRA Category 1 Credit™",
        "K7M3-Q9XD-2FHP-0000",
        "Revoked",
        "No credit claimed",
        "Credit by type and year",
        "12.25",
        "Page 1 of 1",
        app.config["PROVIDER_NAME"],
        TRICKY_NAME,
    ]:
        assert squashed(expected) in text, expected
    assert "49" not in text
    assert read(data).metadata.author == app.config["PROVIDER_NAME"]


def test_a_long_transcript_runs_over_several_pages(app: Flask) -> None:
    data = render_transcript_pdf(transcript(rows=150))

    reader = read(data)
    pages = len(reader.pages)
    assert pages > 2
    text = squashed(text_of(data))
    assert squashed("Course number 149: Predictable routines") in text
    assert squashed(f"Page {pages} of {pages}") in text
    # The running footer names the learner on every page, not just the first.
    assert squashed(reader.pages[-1].extract_text()).count(squashed(TRICKY_NAME)) == 1


def test_an_empty_transcript_says_so(app: Flask) -> None:
    doc = TranscriptDocument("Amara Okafor", date(2027, 2, 3), rows=(), totals=())

    text = text_of(render_transcript_pdf(doc))

    assert "No completed courses yet." in text
    assert "No credit claimed yet." in text


def test_printed_documents_are_tagged_for_screen_readers(app: Flask) -> None:
    for data in (render_certificate_pdf(certificate()), render_transcript_pdf(transcript())):
        catalog = read(data).trailer["/Root"]
        assert bool(catalog["/MarkInfo"]["/Marked"])
        assert "/StructTreeRoot" in catalog
