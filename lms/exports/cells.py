"""Cell values that spreadsheets will show as text, never run as formulas."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

# A spreadsheet treats a cell starting with these as a formula (or a DDE payload).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Return `value` safe for a spreadsheet: risky strings get a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def text_cell(value: object) -> str:
    """Return a value as CSV text: ISO 8601 for times (UTC), plain numbers, neutralised strings."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(neutralise(str(value)) if isinstance(value, str) else value)
