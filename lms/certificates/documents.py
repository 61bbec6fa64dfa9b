"""What a certificate or transcript prints: plain, frozen data with no database in it.

The PDF renderer (`lms.certificates.pdf`) takes these documents and nothing else, so a
certificate printed years from now says exactly what its stored snapshot says. The fixed words
(titles, units, labels) go through gettext, so a document prints in the locale it is rendered
in; outside an app context they stay in English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel import Locale
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from lms.i18n import format_credit_amount

# Each credit type's name as a label (choices, table headings). The AMA's own "Credit(s)™"
# belongs in designation statements only; elsewhere the amount decides singular or plural.
# The AMA's trademark is never translated; the other labels are (lazily, in the reader's locale).
CREDIT_LABELS: dict[str, str] = {
    "ama-pra-1": "AMA PRA Category 1 Credit™",
    "abp-moc-2": _l("ABP MOC Part 2 points"),
    "ancc-contact-hours": _l("ANCC contact hours"),
    "participation": _l("Hours of participation"),
}  # type: ignore[dict-item]
# What follows an amount: (exactly one, any other amount), in English; credit_line translates.
CREDIT_UNITS: dict[str, tuple[str, str]] = {
    "ama-pra-1": ("AMA PRA Category 1 Credit™", "AMA PRA Category 1 Credits™"),
    "abp-moc-2": ("ABP MOC Part 2 point", "ABP MOC Part 2 points"),
    "ancc-contact-hours": ("ANCC contact hour", "ANCC contact hours"),
    "participation": ("hour of participation", "hours of participation"),
}
# Continuing education credit: learners claim it in proportion to how much they took part.
CME_CREDIT_TYPES = frozenset({"ama-pra-1", "abp-moc-2", "ancc-contact-hours"})
STATUSES = ("valid", "superseded", "revoked")
LEARNING_FORMAT_LABELS: dict[str, str] = {
    "enduring-material": _l("Enduring material"),
    "live-activity": _l("Live activity"),
}  # type: ignore[dict-item]
CREDIT_STEP = Decimal("0.25")
STATUS_LABELS: dict[str, str] = {
    "valid": _l("Valid"),
    "superseded": _l("Superseded"),
    "revoked": _l("Revoked"),
}  # type: ignore[dict-item]


@dataclass(frozen=True)
class CertificateDocument:
    """Everything printed on one certificate, copied from the issued certificate's snapshot."""

    certificate_id: str
    holder_name: str
    course_title: str
    completion_date: date
    credit_type: str
    amount: Decimal
    accreditation: str | None
    provider_name: str
    verification_url: str
    status: str = "valid"
    learning_format: str | None = None  # "enduring-material", "live-activity"
    provider_address: str | None = None
    abp_id: str | None = None  # MOC certificates only, as the four below
    pars_activity_id: str | None = None
    moc_statement: str | None = None
    # The language of the course's own words (title, accreditation and MOC statements), which
    # print as the course gave them whatever language the certificate's fixed text is in.
    content_language: str = "en"
    valid_until: date | None = None  # participation in training that lapses (re-training)

    def __post_init__(self) -> None:
        # Checked here so a bad snapshot fails before anything is printed with it.
        if self.credit_type not in CREDIT_LABELS:
            raise ValueError(f"unknown credit type {self.credit_type!r}")
        if self.status not in STATUSES:
            raise ValueError(f"unknown certificate status {self.status!r}")
        format_amount(self.amount)
        if not self.verification_url.startswith(("https://", "http://")):
            raise ValueError("the verification URL must be an absolute http(s) URL")

    @property
    def is_cme(self) -> bool:
        """Return whether this is continuing education credit rather than participation."""
        return self.credit_type in CME_CREDIT_TYPES

    @property
    def is_moc(self) -> bool:
        """Return whether this certificate reports ABP MOC Part 2 points."""
        return self.credit_type == "abp-moc-2"

    @property
    def learning_format_label(self) -> str | None:
        """Return the learning format as printed: "Enduring material"."""
        label = LEARNING_FORMAT_LABELS.get(self.learning_format or "")
        return str(label) if label is not None else None


@dataclass(frozen=True)
class TranscriptRow:
    """One completed course, with its claimed credit and certificate when there are any."""

    completed_on: date
    course_title: str
    version: int | None  # None for a live activity (a webinar has no course version)
    credit_type: str | None
    amount: Decimal | None
    certificate_id: str | None
    status: str | None
    learning_path: bool = False  # a completed learning path rather than one course


@dataclass(frozen=True)
class SelfReportedRow:
    """Credit the learner earned elsewhere and recorded themselves; this site did not issue it."""

    completed_on: date
    title: str
    provider: str
    credit_label: str
    amount: Decimal


@dataclass(frozen=True)
class TranscriptDocument:
    """A learner's record of completions and credit, with totals per credit type and year."""

    holder_name: str
    generated_on: date
    rows: tuple[TranscriptRow, ...]
    totals: tuple[tuple[str, int, Decimal], ...]
    self_reported: tuple[SelfReportedRow, ...] = ()


def format_amount(amount: Decimal) -> str:
    """Format a credit amount with one or two decimals: 1.0, 0.75, 1.5, 12.25."""
    if not amount.is_finite() or amount < 0 or amount % CREDIT_STEP != 0:
        raise ValueError(f"credit amounts are non-negative multiples of 0.25, not {amount}")
    text = f"{amount.quantize(Decimal('0.01')):f}"
    # Quarters need two decimals at most; "1.00" and "1.50" read better as "1.0" and "1.5".
    return text[:-1] if text.endswith("0") else text


def localized_amount(amount: Decimal, locale: Locale | str | None = None) -> str:
    """Format a credit amount as format_amount does, with the locale's decimal sign."""
    format_amount(amount)  # the same checks
    return format_credit_amount(amount, locale)


def status_label(status: str) -> str:
    """Return a certificate status as printed: "Valid", "Superseded", "Revoked"."""
    return str(STATUS_LABELS.get(status, status))


def credit_label(credit_type: str) -> str:
    """Return the printed name of a credit type, or the type itself if it is not known."""
    return str(CREDIT_LABELS.get(credit_type, credit_type))


def credit_line(credit_type: str, amount: Decimal) -> str:
    """Return the amount and its unit, e.g. "0.75 AMA PRA Category 1 Credits™"."""
    if credit_type not in CREDIT_UNITS:
        raise ValueError(f"unknown credit type {credit_type!r}")
    text = localized_amount(amount)
    # Amounts are decimals; the unit is singular for exactly one and plural otherwise, in
    # English and Spanish alike, so the count given to ngettext is 1 or 2.
    count = 1 if Decimal(amount) == 1 else 2
    if credit_type == "ama-pra-1":
        # The AMA's trademarked unit stays in English in every language.
        one, other = CREDIT_UNITS[credit_type]
        return f"{text} {one if count == 1 else other}"
    if credit_type == "abp-moc-2":
        return ngettext(
            "%(amount)s ABP MOC Part 2 point",
            "%(amount)s ABP MOC Part 2 points",
            count,
            amount=text,
        )
    if credit_type == "ancc-contact-hours":
        return ngettext(
            "%(amount)s ANCC contact hour", "%(amount)s ANCC contact hours", count, amount=text
        )
    return ngettext(
        "%(amount)s hour of participation", "%(amount)s hours of participation", count, amount=text
    )


def certificate_title(credit_type: str) -> str:
    """Return "Certificate of Completion" for CME credit, else "Certificate of Participation"."""
    if credit_type in CME_CREDIT_TYPES:
        return gettext("Certificate of Completion")
    return gettext("Certificate of Participation")
