"""Reading a CSV file of staff: pure functions, no database.

Accepts what spreadsheets save: UTF-8 with or without a byte-order mark, Windows-1252 (older
Excel "CSV"), commas or semicolons, headers in any order and case. A cell that a spreadsheet
would run as a formula (=, +, -, @ first) is refused rather than stored: it is a line error.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from lms.accounts.models import Profession
from lms.exports.cells import FORMULA_PREFIXES
from lms.i18n import LANGUAGES

# Header names people use for each column, compared in lower case without spaces or "_".
HEADERS = {
    "email": {"email", "emailaddress", "e-mail", "correo", "correoelectronico"},
    "name": {"name", "fullname", "nombre"},
    "profession": {"profession", "profesion", "profesión"},
    "role": {"role", "rol", "roleintheorganization"},
    "course": {"course", "courseslug", "assignment", "curso"},
    "due_date": {"duedate", "due", "fechalimite", "fechalímite"},
    "language": {"language", "idioma"},
}
ROLES = {
    "member": "member",
    "manager": "manager",
    "miembro": "member",
    "supervisor": "manager",
    "supervisora": "manager",
}
PROFESSIONS = {p.value: p.value for p in Profession} | {
    str(p.name).lower().replace("_", "-"): p.value for p in Profession
}
MAX_CELL = 254


class ImportFileError(ValueError):
    """A file that cannot be read at all, with a message for the person."""


@dataclass(frozen=True)
class StaffRow:
    """One valid line of the file."""

    line: int
    email: str
    full_name: str
    profession: str
    role: str
    course_slug: str | None
    due_date: date | None
    language: str | None

    def same_person_as(self, other: StaffRow) -> bool:
        """Return whether two lines say exactly the same thing (a harmless duplicate)."""
        return (
            self.email,
            self.full_name,
            self.profession,
            self.role,
            self.course_slug,
            self.due_date,
            self.language,
        ) == (
            other.email,
            other.full_name,
            other.profession,
            other.role,
            other.course_slug,
            other.due_date,
            other.language,
        )


def decode(data: bytes) -> str:
    """Return a file's text: UTF-8 (with or without a BOM), else Windows-1252."""
    if b"\x00" in data:
        raise ImportFileError(_("This file is not a CSV text file. Save it as CSV and try again."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _key(header: str) -> str | None:
    cleaned = header.strip().lower().replace(" ", "").replace("_", "")
    return next((key for key, names in HEADERS.items() if cleaned in names), None)


@lru_cache(maxsize=1024)
def _date(text: str) -> date | None:
    # Cached: a staff file repeats a handful of due dates thousands of times.
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            value = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if 2000 <= value.year <= 2100:
            return value
    return None


# A plain ASCII local part ("first.last+tag"): valid whatever its letters, so only the domain
# needs the full check, which is cached, as a staff file names a few domains thousands of times.
PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*")


@lru_cache(maxsize=1024)
def _domain(domain: str) -> str | None:
    try:
        return validate_email(f"a@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None


def normalise_email(text: str) -> str | None:
    """Return an email address in its stored form (lower case), or None if it is not one."""
    local, at, domain = text.rpartition("@")
    if at and len(text) <= 254 and len(local) <= 64 and PLAIN_LOCAL.fullmatch(local):
        checked = _domain(domain)
        return f"{local}@{checked}".lower() if checked else None
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def parse(text: str) -> list[StaffRow | tuple[int, str]]:
    """Return each data line as a StaffRow, or as (line number, reason) when it has a problem.

    :raise ImportFileError: when the file has no header with an email and a name column.
    """
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ImportFileError(_("The file is empty. Its first line names the columns.")) from None
    columns = {}
    for index, name in enumerate(header):
        key = _key(name)
        if key is not None and key not in columns:
            columns[key] = index
    if "email" not in columns or "name" not in columns:
        raise ImportFileError(
            _("The first line must name the columns, with at least email and name.")
        )
    rows: list[StaffRow | tuple[int, str]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            rows.append(_row(line, cells, columns))
    except csv.Error:
        rows.append((reader.line_num, _("This line could not be read as CSV.")))
    return rows


def _row(line: int, cells: list[str], columns: dict[str, int]) -> StaffRow | tuple[int, str]:
    def cell(key: str) -> str:
        index = columns.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    values = {key: cell(key) for key in HEADERS}
    for value in values.values():
        if value.startswith(FORMULA_PREFIXES):
            return line, _(
                "A cell starts with =, +, - or @, which a spreadsheet could run as a formula."
            )
        if len(value) > MAX_CELL or "\x00" in value:
            return line, _("A cell is too long or holds characters that are not text.")
    if not values["email"]:
        return line, _("The email address is missing.")
    email = normalise_email(values["email"])
    if email is None:
        return line, _("%(email)s is not an email address.", email=values["email"])
    if not values["name"]:
        return line, _("The name is missing.")
    profession = PROFESSIONS.get(values["profession"].lower() or "other")
    if profession is None:
        return line, _("Unknown profession %(value)s.", value=values["profession"])
    role = ROLES.get(values["role"].lower() or "member")
    if role is None:
        return line, _("The role must be member or manager.")
    language = values["language"].lower() or None
    if language is not None and language not in LANGUAGES:
        return line, _("The language must be en or es.")
    course = values["course"] or None
    due = None
    if values["due_date"]:
        due = _date(values["due_date"])
        if due is None:
            return line, _("The due date must be written as YYYY-MM-DD.")
    if (course is None) != (due is None):
        return line, _("An assignment needs both a course and a due date.")
    return StaffRow(
        line, email, " ".join(values["name"].split()), profession, role, course, due, language
    )
