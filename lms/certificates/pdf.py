"""Print certificates and transcripts as PDF with WeasyPrint.

Both renderers fill a Jinja template through Flask (autoescaped: the holder's name is user
input), then lay it out with WeasyPrint. The only resources a document may load are `data:`
URLs, so rendering never touches the network or the file system whatever the text contains.
Call them inside an app context.

Both print in a locale ("en_US", "es_US"; the current one by default): the fixed text, dates and
amounts follow it, while what the document holds (names, course titles, the course's own
accreditation statement) prints as it was stored.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import segno
from flask import current_app, render_template
from flask_babel import force_locale, get_locale, gettext
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from lms.certificates.documents import (
    CertificateDocument,
    TranscriptDocument,
    certificate_title,
    credit_label,
    credit_line,
    localized_amount,
    status_label,
)
from lms.dates import long_date

logger = logging.getLogger(__name__)

# The PDF's Creator. A constant rather than a version or a date, so that printing the same
# document again gives the same bytes (WeasyPrint still writes its own version as Producer).
GENERATOR = "Trauma-Informed Care LMS"
# Tagged PDF, so screen readers read the certificate in order and announce the QR code's alt
# text; it costs about 5% more time.
PDF_OPTIONS: dict[str, Any] = {"pdf_tags": True}
ACCREDITATION_CLAMP = 1800  # characters kept when even the smallest type cannot fit it all

_thread = threading.local()


class RefusedURLError(ValueError):
    """A document asked for a resource that is not a `data:` URL."""


class DataURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves `data:` URLs and refuses everything else."""

    def __init__(self) -> None:
        # fail_on_errors: a refused URL stops the render instead of becoming a logged warning,
        # so a template that reaches for a remote file fails its tests rather than printing
        # a certificate with a hole in it.
        super().__init__(allowed_protocols=("data",), fail_on_errors=True, allow_redirects=False)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Return the decoded `data:` URL; raise RefusedURLError for any other URL."""
        if not url[:5].lower() == "data:":
            raise RefusedURLError(f"only data: URLs may be used in printed documents: {url}")
        return super().fetch(url, headers)


@dataclass(frozen=True)
class Fit:
    """Type sizes for one density of the certificate layout, roomiest first."""

    title_pt: float
    name_pt: float
    course_pt: float
    body_pt: float
    accreditation_pt: float
    gap_pt: float
    clamp: bool = False


_DENSEST = Fit(title_pt=22, name_pt=15, course_pt=12, body_pt=9.5, accreditation_pt=6, gap_pt=2.5)
# Tried in order until the certificate fits on one page; most certificates fit the first.
FITS = (
    Fit(title_pt=34, name_pt=30, course_pt=19, body_pt=12.5, accreditation_pt=9, gap_pt=9),
    Fit(title_pt=30, name_pt=24, course_pt=16, body_pt=11.5, accreditation_pt=8, gap_pt=6),
    Fit(title_pt=26, name_pt=19, course_pt=14, body_pt=10.5, accreditation_pt=7, gap_pt=4),
    _DENSEST,
    replace(_DENSEST, clamp=True),
)
# Parsed certificate stylesheets by (fit, name size): at most len(FITS) x 3.
_STYLESHEETS: dict[tuple[Fit, float], CSS] = {}


@functools.lru_cache(maxsize=4096)
def qr_data_uri(url: str) -> str:
    """Return the URL as a QR code in a PNG `data:` URI of one pixel per module."""
    # Error level M survives a crease or a smudge; the default 4-module quiet zone is what
    # phone scanners need to find the code on a busy page. A one-pixel-per-module PNG drawn
    # with `image-rendering: pixelated` (no smoothing) prints as sharp as the SVG path it
    # replaced, which WeasyPrint parsed and painted at about a tenth of the certificate's time.
    # Cached: a certificate downloaded again (or reprinted in another language) reuses it.
    return segno.make(url, error="m").png_data_uri(scale=1, border=4)


def document_locale(locale: str | None = None) -> str:
    """Return the locale a document prints in: `locale`, else the current one."""
    return locale or str(get_locale() or "en_US")


def render_certificate_pdf(doc: CertificateDocument, locale: str | None = None) -> bytes:
    """Render a certificate as a one-page US Letter landscape PDF, in `locale` (or the current)."""
    with force_locale(document_locale(locale)):
        return _render_certificate_pdf(doc)


def _render_certificate_pdf(doc: CertificateDocument) -> bytes:
    qr = qr_data_uri(doc.verification_url)
    start = _first_fit(doc)
    for index in range(start, len(FITS)):
        fit = FITS[index]
        accreditation = doc.accreditation
        if fit.clamp and accreditation and len(accreditation) > ACCREDITATION_CLAMP:
            accreditation = _clamp(accreditation, ACCREDITATION_CLAMP)
            logger.warning("certificate %s: accreditation statement shortened", doc.certificate_id)
        name_pt = _name_size(fit, doc.holder_name)
        html = render_template(
            "certificates/certificate_pdf.html",
            doc=doc,
            title=certificate_title(doc.credit_type),
            credit=credit_line(doc.credit_type, doc.amount),
            completed=long_date(doc.completion_date),
            accreditation=accreditation,
            qr=qr,
            format_amount=localized_amount,
            lang=_html_lang(),
            created=_w3c_date(doc.completion_date),
            generator=GENERATOR,
        )
        document = HTML(string=html, url_fetcher=DataURLFetcher()).render(
            stylesheets=[_certificate_stylesheet(fit, name_pt)],
            font_config=_font_config(),
            **PDF_OPTIONS,
        )
        if len(document.pages) == 1:
            return document.write_pdf(**PDF_OPTIONS)
    raise ValueError(f"certificate {doc.certificate_id} does not fit on one page")


def render_transcript_pdf(doc: TranscriptDocument, locale: str | None = None) -> bytes:
    """Render a transcript as a US Letter portrait PDF of as many pages as it needs."""
    with force_locale(document_locale(locale)):
        html = render_template(
            "certificates/transcript_pdf.html",
            doc=doc,
            provider_name=current_app.config["PROVIDER_NAME"],
            site_name=current_app.config["SITE_NAME"],
            generated=long_date(doc.generated_on),
            lang=_html_lang(),
            # The page footers are CSS `content`: translated words around the holder's name
            # (taken from the header by string-set) and the page counters.
            footer_left=_css_content(
                gettext(
                    "Transcript of %(name)s, generated %(date)s",
                    name=_MARK + "string(holder)" + _MARK,
                    date=_MARK + "string(generated)" + _MARK,
                )
            ),
            footer_right=_css_content(
                gettext(
                    "Page %(page)s of %(pages)s",
                    page=_MARK + "counter(page)" + _MARK,
                    pages=_MARK + "counter(pages)" + _MARK,
                )
            ),
            created=_w3c_date(doc.generated_on),
            generator=GENERATOR,
            credit_label=_column_label,
            format_amount=localized_amount,
            status_label=status_label,
        )
    return HTML(string=html, url_fetcher=DataURLFetcher()).write_pdf(
        font_config=_font_config(), **PDF_OPTIONS
    )


_MARK = "\x00"  # sets the CSS functions apart from the translated words around them


def _css_content(text: str) -> Markup:
    # "Page \0counter(page)\0 of ..." -> `"Page " counter(page) " of " ...`: words become
    # quoted CSS strings, the marked pieces stay CSS functions.
    parts = []
    for index, part in enumerate(text.split(_MARK)):
        if index % 2:
            parts.append(part)
        elif part:
            quoted = part.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
            parts.append(f'"{quoted}"')
    # Safe in a <style>: every quote, backslash and "<" of the words is escaped above.
    return Markup(" ".join(parts))  # noqa: S704


def _html_lang() -> str:
    # "es_US" -> "es-US": the PDF's /Lang, which screen readers use to pick a voice.
    return str(get_locale() or "en_US").replace("_", "-")


def _font_config() -> FontConfiguration:
    # Without one, WeasyPrint makes a FontConfiguration per render, and each keeps about
    # 0.25 MiB of fontconfig and Pango state for the life of the process: 1,000 certificates
    # grew a worker by 240 MiB. Reusing one is safe because the templates have no @font-face,
    # the only thing it accumulates; one per thread, so threads never share Pango state.
    config: FontConfiguration | None = getattr(_thread, "font_config", None)
    if config is None:
        config = _thread.font_config = FontConfiguration()
    return config


def _certificate_stylesheet(fit: Fit, name_pt: float) -> CSS:
    # Parsing the stylesheet was a tenth of a certificate's layout time; there are only a few
    # (fit, name size) pairs, so each is parsed once per process. The CSS has no @font-face
    # and no URLs, so a parsed sheet depends on nothing else and threads may share it.
    key = (fit, name_pt)
    sheet = _STYLESHEETS.get(key)
    if sheet is None:
        css = render_template("certificates/certificate_pdf.css", fit=fit, name_pt=name_pt)
        sheet = _STYLESHEETS[key] = CSS(string=css, url_fetcher=DataURLFetcher())
    return sheet


def _first_fit(doc: CertificateDocument) -> int:
    # A guess from the text lengths so that long certificates skip layouts that cannot fit;
    # the page count after rendering has the final say.
    accreditation = len(doc.accreditation or "")
    heading = len(doc.holder_name) + len(doc.course_title)
    if accreditation > 1400 or heading > 260:
        return 2
    if accreditation > 650 or heading > 150:
        return 1
    return 0


def _column_label(credit_type: str) -> str:
    # Labels read as the start of a sentence in a table cell: "Hour(s) of participation".
    label = credit_label(credit_type)
    return label[:1].upper() + label[1:]


def _name_size(fit: Fit, name: str) -> float:
    # Smaller type for long names, so that most names stay on one line.
    if len(name) <= 30:
        return fit.name_pt
    if len(name) <= 60:
        return round(fit.name_pt * 0.8, 1)
    return round(fit.name_pt * 0.65, 1)


def _clamp(text: str, limit: int) -> str:
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:")
    return gettext("%(text)s … (full statement at the verification address below)", text=cut)


def _w3c_date(day: date) -> str:
    # The document's own date, never "now": printing it again gives the same metadata.
    return f"{day.isoformat()}T00:00:00Z"
