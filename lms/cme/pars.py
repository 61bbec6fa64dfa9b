"""ACCME PARS learner-completion files: the layouts in one table, and pure row building.

ACCME's learner upload instructions of April 2020 describe a tab-delimited text file made from
an Excel template (layouts `abp-moc` and `ama-cme`); its current instructions describe an Excel
workbook whose header row is known second-hand (layout `accme-excel`, one row per completion
carrying CME and MOC credit together). Every column, its order and how its value is written
lives in `LAYOUTS` below and nowhere else, so a correction to the published template is a
change to this one table (and to the golden files the tests keep). docs/cme.md says which
parts of each layout come from ACCME's published material, which are second-hand, and which
could not be checked at all.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import xlsxwriter
from flask_babel import lazy_gettext as _l

from lms.accounts.states import state_name
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
SKIP_NO_LICENSURE = "state of licensure or license number/NPI missing"

AMA_CREDIT = "ama-pra-1"
ABP_MOC = "abp-moc-2"


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
    credit_type: str = ""
    completion_id: int | None = None
    license_state: str | None = None
    license_number: str | None = None


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
    """One column of a layout: its header and how a claim (or a completion's record) fills it."""

    header: str
    value: Callable[[Any, Layout], Any]


@dataclass(frozen=True)
class Layout:
    """One PARS learner file: which credit it reports and its columns in order."""

    key: str
    label: str
    credit_types: tuple[str, ...]
    credit_step: Decimal  # what reported amounts are rounded to
    needs_board_id: bool
    columns: tuple[Column, ...]
    filename: str  # with {date} and {batch}
    # A workbook layout writes one row per completion (its CME and MOC claims together) to an
    # .xlsx file; the others one row per claim to tab-delimited text.
    workbook: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        """Return the column headers in order."""
        return tuple(column.header for column in self.columns)

    @property
    def mimetype(self) -> str:
        """Return the media type of this layout's file."""
        return XLSX_MIMETYPE if self.workbook else "text/plain"


@dataclass(frozen=True)
class Record:
    """One completion as one row of a workbook layout: its CME claim, its MOC claim, or both."""

    cme: ReportableClaim | None = None
    moc: ReportableClaim | None = None

    @property
    def claims(self) -> tuple[ReportableClaim, ...]:
        """Return the claims the row reports, CME first."""
        return tuple(claim for claim in (self.cme, self.moc) if claim is not None)

    @property
    def learner(self) -> ReportableClaim:
        """Return a claim to read the learner and completion from (all share them)."""
        return self.claims[0]


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


# --- the Excel learner template (second-hand header, docs/cme.md) -----------------------------

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# As reported for ACCME's workbook: the data sheet is "Sheet1", row 1 is guidance text and
# row 2 the header. ACCME's guidance text is not known, so row 1 says what made the file.
SHEET_NAME = "Sheet1"
GUIDANCE = (
    "Learner completions generated by the LMS for upload to ACCME PARS. "
    "Row 2 is the header of ACCME's Excel learner template; records start on row 3."
)
RECORD_ACTION_ADD = "Add"
CERTIFYING_BOARD = "ABP"
# Fixed document properties: the workbook's only clock is this, so a batch made twice from the
# same rows has the same bytes (XlsxWriter already dates the zip entries 1980-01-01).
WORKBOOK_CREATED = datetime(2000, 1, 1)
DATE_FORMAT = "mm/dd/yyyy"


def _text(value: str | None) -> str:
    # One line of plain text: control characters could make the cell unreadable.
    return " ".join("".join(ch if ch.isprintable() else " " for ch in (value or "")).split())


def _credits(claim: ReportableClaim | None, layout: Layout) -> Decimal | None:
    return round_credit(claim.amount, layout.credit_step) if claim is not None else None


def _licence_id(record: Record) -> str:
    learner = record.learner
    return _text(learner.license_number) or _text(learner.npi)


def _x(function: Callable[[Record], Any]) -> Callable[[Record, Layout], Any]:
    return lambda record, _layout: function(record)


# The header exactly as reported, including the trailing space of "Credit Type ".
_EXCEL_COLUMNS = (
    Column("Record Action", _x(lambda r: RECORD_ACTION_ADD)),
    Column("ACCME Activity ID", _x(lambda r: _text(r.learner.activity_id))),
    Column("Completion Date", _x(lambda r: r.learner.completed_at.astimezone(UTC).date())),
    Column("First Name", _x(lambda r: _text(split_name(r.learner.full_name)[0]))),
    Column("Last Name", _x(lambda r: _text(split_name(r.learner.full_name)[1]))),
    Column("Date of Birth", _x(lambda r: month_day(r.learner.birth_month, r.learner.birth_day))),
    # Licensure identifies the learner to a state board: written only with CME credit.
    Column("Licensing State", _x(lambda r: state_name(r.learner.license_state) if r.cme else "")),
    Column("Licensing ID or NPI", _x(lambda r: _licence_id(r) if r.cme else "")),
    Column("Number of CME Credits", lambda r, layout: _credits(r.cme, layout)),
    Column("Certifying Board", _x(lambda r: CERTIFYING_BOARD if r.moc else "")),
    Column("Certifying Board ID", _x(lambda r: _text(r.moc.board_id) if r.moc else "")),
    Column("Total Board Credits", lambda r, layout: _credits(r.moc, layout)),
    # The ABP's name in the template's list of credit types is not verified: left blank.
    Column("Credit Type ", _x(lambda r: "")),
    Column("Credits Awarded for Credit Type", _x(lambda r: None)),
)
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
        credit_types=(ABP_MOC,),
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
        credit_types=(AMA_CREDIT,),
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
    "accme-excel": Layout(
        key="accme-excel",
        label=_l("ACCME Excel learner template (CME and ABP MOC in one row)"),
        credit_types=(AMA_CREDIT, ABP_MOC),
        credit_step=Decimal("0.25"),
        needs_board_id=False,  # only the MOC half of a row needs it; see record_skips()
        columns=_EXCEL_COLUMNS,
        filename="pars-accme-excel-{date}-batch-{batch}.xlsx",
        workbook=True,
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


def record_skips(
    claims: Iterable[ReportableClaim], layout: Layout
) -> tuple[Record | None, list[tuple[ReportableClaim, str]]]:
    """Return one completion's reportable row in a workbook layout, and its claims left out.

    Each claim is judged as in the text layouts (an MOC claim needs a valid ABP ID). CME
    credit alone goes to a state board, which matches on licensure: a row carrying CME
    without MOC needs the state of licensure and a license number or NPI.
    """
    moc_layout = LAYOUTS["abp-moc"]
    # A completion holds at most one claim per credit type (a unique key on credit_claims).
    kept: dict[str, ReportableClaim] = {}
    left_out: list[tuple[ReportableClaim, str]] = []
    for claim in claims:
        reason = skip_reason(claim, moc_layout if claim.credit_type == ABP_MOC else layout)
        if reason is None:
            kept[claim.credit_type] = claim
        else:
            left_out.append((claim, reason))
    cme, moc = kept.get(AMA_CREDIT), kept.get(ABP_MOC)
    if cme is not None and moc is None:
        has_id = (cme.license_number or "").strip() or (cme.npi or "").strip()
        if not state_name(cme.license_state) or not has_id:
            left_out.append((cme, SKIP_NO_LICENSURE))
            cme = None
    record = Record(cme, moc) if cme is not None or moc is not None else None
    return record, left_out


def record_values(record: Record, layout: Layout) -> tuple[Any, ...]:
    """Return a workbook row's cells in the layout's column order, typed (text, date, number)."""
    return tuple(column.value(record, layout) for column in layout.columns)


def shown(value: Any) -> str:
    """Return a cell value as the reporting page shows it."""
    if value is None:
        return ""
    if isinstance(value, date):
        return us_date(value)
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def workbook_bytes(rows: Iterable[tuple[Any, ...]], layout: Layout) -> bytes:
    """Return the .xlsx file for rows: guidance on row 1, the header on row 2, then records.

    Text is written as text (never a formula or a number, so "0012345" keeps its zeros),
    the completion date as an Excel date shown mm/dd/yyyy, and credits as numbers.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    workbook.set_properties(
        {"title": "ACCME PARS learner upload", "author": "LMS", "created": WORKBOOK_CREATED}
    )
    sheet = workbook.add_worksheet(SHEET_NAME)
    dated = workbook.add_format({"num_format": DATE_FORMAT})
    sheet.write_string(0, 0, GUIDANCE)
    for col, header in enumerate(layout.headers):
        sheet.write_string(1, col, header)
    for row_number, values in enumerate(rows, start=2):
        for col, value in enumerate(values):
            if value is None or value == "":
                continue  # an empty cell, not an empty string
            if isinstance(value, date):
                sheet.write_datetime(
                    row_number, col, datetime.combine(value, datetime.min.time()), dated
                )
            elif isinstance(value, Decimal):
                sheet.write_number(row_number, col, float(value))
            else:
                sheet.write_string(row_number, col, str(value))
    workbook.close()
    return buffer.getvalue()


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
