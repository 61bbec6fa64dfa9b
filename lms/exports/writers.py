"""Writing export rows as CSV text chunks, an XLSX workbook, or the board-report CSV.

Every writer takes an iterator and holds at most one chunk of rows, so an export of a million
rows needs no more memory than one of ten. No cell can become a spreadsheet formula: text goes
through `lms.exports.cells`, which prefixes risky strings with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from flask_babel import format_number
from flask_babel import gettext as _

from lms.exports.cells import FORMULA_PREFIXES, neutralise, text_cell
from lms.exports.rows import COLUMNS, PARS_COLUMNS, CompletionRow, ParsRow

# Rows per chunk of CSV text: about 100 KB, few enough writes to the socket or file.
CHUNK_ROWS = 500
# An XLSX sheet holds 1,048,576 rows; one is the header.
XLSX_MAX_ROWS = 1_048_575
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Column widths (in characters) that make the sheet readable when opened.
_XLSX_WIDTHS = {
    "email": 28,
    "full_name": 24,
    "organization": 24,
    "course_slug": 24,
    "course_title": 36,
    "started_at": 21,
    "completed_at": 21,
    "certificate_id": 20,
}


class ExportTooLarge(ValueError):
    """More rows than the format can hold."""


def _csv_chunks(header: Sequence[str], records: Iterable[Sequence[object]]) -> Iterator[str]:
    buffer = io.StringIO()
    # The csv module's default "\r\n" line ends are RFC 4180's, and what Excel expects.
    writer = csv.writer(buffer)
    writer.writerow(header)
    # The header goes out at once, so a browser starts the download before the first query.
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for values in records:
        writer.writerow([text_cell(value) for value in values])
        pending += 1
        if pending == CHUNK_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def csv_chunks(rows: Iterable[CompletionRow]) -> Iterator[str]:
    """Yield the completion export as CSV text: the header, then rows in chunks."""
    return values_csv_chunks(row.values() for row in rows)


# First characters that make a spreadsheet run a cell (cells.FORMULA_PREFIXES, as a set).
_RISKY = frozenset("".join(FORMULA_PREFIXES))


def _text(value: str | None) -> str | None:
    # cells.text_cell for a text column, inlined: None is written as an empty cell by csv.
    return "'" + value if value and value[0] in _RISKY else value


def values_csv_chunks(records: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Yield the completion export as CSV text from tuples in `COLUMNS` order.

    The same bytes as `csv_chunks` (tests/exports/test_export_golden.py), without the cost of
    checking each cell's type: every column's type is known, so text columns are neutralised,
    times and amounts formatted as `text_cell` does, and numbers left to the csv module.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    pending = []
    for (
        learner_id,
        email,
        full_name,
        profession,
        organization,
        course_slug,
        course_title,
        course_version,
        started_at,
        completed_at,
        quiz_score,
        passed,
        credit_type,
        credits_claimed,
        certificate_id,
        content_hash,
        source_commit,
        certificate_status,
    ) in records:
        pending.append(
            (
                learner_id,
                _text(email),
                _text(full_name),
                _text(profession),
                _text(organization),
                _text(course_slug),
                _text(course_title),
                course_version,
                text_cell(started_at),
                text_cell(completed_at),
                text_cell(quiz_score),
                text_cell(passed),
                _text(credit_type),
                text_cell(credits_claimed),
                _text(certificate_id),
                _text(content_hash),
                _text(source_commit),
                _text(certificate_status),
            )
        )
        if len(pending) == CHUNK_ROWS:
            writer.writerows(pending)
            pending.clear()
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if pending:
        writer.writerows(pending)
        yield buffer.getvalue()


def pars_chunks(rows: Iterable[ParsRow]) -> Iterator[str]:
    """Yield the board report (ABP MOC Part 2) as CSV text: the header, then rows in chunks."""
    return _csv_chunks(PARS_COLUMNS, (row.values() for row in rows))


def _write_cell(sheet: Any, row: int, col: int, value: object) -> None:
    if value is None:
        return  # an empty cell, as in the CSV
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | Decimal | float):
        # Scores and credits have two decimals at most: a float holds them exactly enough.
        sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value)
    elif isinstance(value, datetime | date):
        # Excel dates have no time zone, so a real date cell would be read as local time by
        # whoever opens the file. ISO 8601 text ending in Z stays UTC, matches the CSV byte
        # for byte, and still sorts in time order.
        sheet.write_string(row, col, text_cell(value))
    else:
        sheet.write_string(row, col, str(neutralise(str(value))))


def write_xlsx(rows: Iterable[CompletionRow], target: str | IO[bytes]) -> int:
    """Write the completion export to an XLSX file (a path or a binary file); return rows written.

    :raise ExportTooLarge: past the 1,048,575 rows a sheet holds; the file is left incomplete.
    """
    workbook = xlsxwriter.Workbook(
        target,
        {
            # Rows are flushed to a temporary file as they are written: memory stays flat.
            "constant_memory": True,
            # Never turn text into formulas, links or numbers, whatever it looks like.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    written = 0
    try:
        sheet = workbook.add_worksheet("Completions")
        header = workbook.add_format({"bold": True})
        for col, name in enumerate(COLUMNS):
            sheet.set_column(col, col, _XLSX_WIDTHS.get(name, 14))
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, COLUMNS, header)
        for written, row in enumerate(rows, start=1):
            if written > XLSX_MAX_ROWS:
                raise ExportTooLarge(
                    _(
                        "An XLSX sheet holds at most %(limit)s rows; "
                        "use CSV or narrow the filters.",
                        limit=format_number(XLSX_MAX_ROWS),
                    )
                )
            for col, value in enumerate(row.values()):
                _write_cell(sheet, written, col, value)
    finally:
        workbook.close()
    return written


def table_chunks(header: Sequence[str], records: Iterable[Sequence[object]]) -> Iterator[str]:
    """Yield any table as formula-safe CSV text: the header, then rows in chunks."""
    return _csv_chunks(header, records)


def write_table_xlsx(
    header: Sequence[str],
    records: Iterable[Sequence[object]],
    target: str | IO[bytes],
    sheet_name: str,
) -> int:
    """Write any table to a formula-safe XLSX file (strings stay strings); return rows written."""
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    written = 0
    try:
        sheet = workbook.add_worksheet(sheet_name)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, list(header), workbook.add_format({"bold": True}))
        for written, values in enumerate(records, start=1):
            if written > XLSX_MAX_ROWS:
                raise ExportTooLarge(
                    _("An XLSX sheet holds at most %(limit)s rows.", limit=XLSX_MAX_ROWS)
                )
            for col, value in enumerate(values):
                _write_cell(sheet, written, col, value)
    finally:
        workbook.close()
    return written
