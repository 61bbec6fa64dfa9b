"""ACCME PARS learner-completion files: the layouts in one table, and pure row building.

ACCME's learner upload instructions of April 2020 describe a tab-delimited text file made from
an Excel template. Every column, its order and how its value is written lives in `LAYOUTS`
below and nowhere else, so a correction to the published template is a change to this one
table (and to the golden file the tests keep). docs/cme.md says which parts of the layout come
from ACCME's published material and which could not be checked against the template itself
(the column names and order, the completion-date format, and the state-board identifiers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

from lms.exports.cells import neutralise
from lms.exports.rows import SKIP_BAD_BOARD_ID, is_board_id, split_name

# ACCME's tab-delimited upload instructions (written for activity files; the learner
# instructions follow the same route): plain text, fields separated by tabs, one record per
# line, the header row deleted before uploading. The line ending and encoding are assumptions.
DELIMITER = "\t"
LINE_END = "\r\n"
INCLUDE_HEADER = False
ENCODING = "utf-8"

# Reasons a claim is left out of a board report; each says what would fix it.
SKIP_NO_CONSENT = "did not consent to report"
SKIP_CONSENT_WITHDRAWN = "withdrew consent to report"
SKIP_NO_BOARD_ID = "no ABP ID in profile"
SKIP_NO_BIRTH_DATE = "birth month/day missing"
SKIP_REVOKED = "certificate revoked"
SKIP_NO_ACTIVITY_ID = "course has no PARS activity ID"


@dataclass(frozen=True)
class ReportableClaim:
    """What a board report needs about one credit claim, as loaded from the database."""

    claim_id: int
    learner_id: int
    full_name: str
    board_id: str | None
    npi: str | None
    birth_month: int | None
    birth_day: int | None
    consent_to_report: bool
    consent_withdrawn: bool
    completed_at: datetime
    course_slug: str
    activity_id: str | None
    amount: Decimal
    certificate_revoked: bool = False


@dataclass(frozen=True)
class Skipped:
    """A claim left out of a board report, and why."""

    claim_id: int
    learner_id: int
    full_name: str
    course_slug: str
    reason: str


def round_credit(amount: Decimal, step: Decimal) -> Decimal:
    """Round an amount to the nearest multiple of `step` (halves up), never above it."""
    return ((amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).quantize(
        Decimal("0.01")
    )


def us_date(day: date) -> str:
    """Write a date as MM/DD/YYYY."""
    return f"{day.month:02d}/{day.day:02d}/{day.year:04d}"


def month_day(month: int | None, day: int | None) -> str:
    """Write a birth month and day as MM/DD."""
    return f"{month:02d}/{day:02d}" if month and day else ""


@dataclass(frozen=True)
class Column:
    """One column of a layout: its header and how a claim fills it."""

    header: str
    value: Callable[[ReportableClaim, Layout], str]


@dataclass(frozen=True)
class Layout:
    """One PARS learner file: which credit it reports and its columns in order."""

    key: str
    label: str
    credit_type: str
    credit_step: Decimal  # what reported amounts are rounded to
    needs_board_id: bool
    columns: tuple[Column, ...]
    filename: str  # with {date} and {batch}

    @property
    def headers(self) -> tuple[str, ...]:
        """Return the column headers in order."""
        return tuple(column.header for column in self.columns)


def _first(claim: ReportableClaim, layout: Layout) -> str:
    return split_name(claim.full_name)[0]


def _last(claim: ReportableClaim, layout: Layout) -> str:
    return split_name(claim.full_name)[1]


def _amount(claim: ReportableClaim, layout: Layout) -> str:
    return f"{round_credit(claim.amount, layout.credit_step):f}"


def _completed(claim: ReportableClaim, layout: Layout) -> str:
    return us_date(claim.completed_at.astimezone(UTC).date())


def _dob(claim: ReportableClaim, layout: Layout) -> str:
    return month_day(claim.birth_month, claim.birth_day)


_ACTIVITY = Column("Activity ID", lambda c, _layout: c.activity_id or "")
_FIRST = Column("First Name", _first)
_LAST = Column("Last Name", _last)
_DOB = Column("DOB (MM/DD)", _dob)
_COMPLETED = Column("Completion Date (MM/DD/YYYY)", _completed)

# The one place the file layouts are written down. ABP points and AMA credits are both
# reported in quarter-hour steps; ACCME's ABP FAQ also says whole points, so docs/cme.md keeps
# this open. State boards match physicians on state of licensure, which `ama-cme` lacks.
LAYOUTS: dict[str, Layout] = {
    "abp-moc": Layout(
        key="abp-moc",
        label=_l("ABP MOC Part 2 (American Board of Pediatrics)"),
        credit_type="abp-moc-2",
        credit_step=Decimal("0.25"),
        needs_board_id=True,
        columns=(
            _ACTIVITY,
            _FIRST,
            _LAST,
            _DOB,
            Column("Certifying Board", lambda c, _layout: "ABP"),
            Column("Board ID", lambda c, _layout: (c.board_id or "").strip()),
            _COMPLETED,
            Column("MOC Points", _amount),
        ),
        filename="pars-abp-moc-{date}-batch-{batch}.txt",
    ),
    "ama-cme": Layout(
        key="ama-cme",
        label=_l("AMA PRA Category 1 Credit™ (CME for state medical boards)"),
        credit_type="ama-pra-1",
        credit_step=Decimal("0.25"),
        needs_board_id=False,
        columns=(
            _ACTIVITY,
            _FIRST,
            _LAST,
            _DOB,
            Column("NPI", lambda c, _layout: (c.npi or "").strip()),
            _COMPLETED,
            Column("CME Credits", _amount),
        ),
        filename="pars-ama-cme-{date}-batch-{batch}.txt",
    ),
}


def skip_reason(claim: ReportableClaim, layout: Layout) -> str | None:
    """Return why a claim cannot be reported in `layout`, or None when it can.

    Consent comes first: without it nothing else about the learner may be reported.
    """
    if not claim.consent_to_report:
        return SKIP_NO_CONSENT
    if claim.consent_withdrawn:
        return SKIP_CONSENT_WITHDRAWN
    if not claim.activity_id:
        return SKIP_NO_ACTIVITY_ID
    if layout.needs_board_id and not (claim.board_id or "").strip():
        return SKIP_NO_BOARD_ID
    if layout.needs_board_id and not is_board_id((claim.board_id or "").strip()):
        return SKIP_BAD_BOARD_ID
    if claim.birth_month is None or claim.birth_day is None:
        return SKIP_NO_BIRTH_DATE
    if claim.certificate_revoked:
        # A revoked certificate means the credit was withdrawn; reporting it would be false.
        return SKIP_REVOKED
    return None


def _clean(text: str) -> str:
    # No quoting exists in a tab-delimited file: a tab or line break inside a value would
    # shift every later column, so they become spaces.
    flat = " ".join(text.replace("\t", " ").replace("\r", " ").replace("\n", " ").split())
    return str(neutralise(flat))


def row_values(claim: ReportableClaim, layout: Layout) -> tuple[str, ...]:
    """Return a reportable claim's cells in the layout's column order."""
    return tuple(_clean(column.value(claim, layout)) for column in layout.columns)


def file_bytes(rows: Iterable[tuple[str, ...]], layout: Layout) -> bytes:
    """Return the tab-delimited file for rows, exactly as it is uploaded."""
    lines = [DELIMITER.join(layout.headers)] if INCLUDE_HEADER else []
    lines += [DELIMITER.join(row) for row in rows]
    return "".join(line + LINE_END for line in lines).encode(ENCODING)
