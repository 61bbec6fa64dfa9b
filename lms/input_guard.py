"""Refuse request input the database cannot hold, in one place, with a clear 400.

PostgreSQL rejects a NUL character in text and compares ids only within INTEGER; SQLite
silently stores the first and overflows on the second. Rather than trust every route to
remember, the app refuses such input before any view runs, and views parse numbers and dates
from the query string with the helpers here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flask import Flask, request
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter
from wtforms import Field
from wtforms.validators import ValidationError

# Primary keys are INTEGER columns: nothing beyond this exists (and PostgreSQL would refuse
# to compare with it).
MAX_ID = 2**31 - 1
# A page number beyond this is a typo or a probe: no list here has a million pages.
MAX_PAGE = 1_000_000
# Dates people type into forms: wide enough for any real record, narrow enough that adding a
# day or a year never leaves Python's calendar (which ends at 9999-12-31).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


class BadInput(BadRequest):
    """A 400 whose description says what was wrong, shown on the error page."""


class IdConverter(IntegerConverter):
    """`<int:...>` bounded to the database's INTEGER range: a larger id matches no route (404)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int = 1, max: int = MAX_ID) -> None:  # noqa: A002 (Werkzeug's argument names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def _unstorable(text: str) -> str | None:
    if "\x00" in text:
        return _("a NUL character (\\x00)")
    # Lone surrogates (from JSON "\ud800" escapes) cannot be encoded as UTF-8 for the database.
    if any("\ud800" <= char <= "\udfff" for char in text):
        return _("an unpaired surrogate character")
    return None


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _request_strings() -> Iterable[tuple[str, str]]:
    # Where the text was, as the start of the sentence that refuses it.
    yield _l("Part of the address"), request.path
    for key, value in request.args.items(multi=True):
        yield _l("Part of the address"), key
        yield _l("Part of the address"), value
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            yield _l("Part of the form"), key
            yield _l("Part of the form"), value
        for key, upload in request.files.items(multi=True):
            yield _l("Part of the form"), key
            yield _l("Part of the form"), upload.filename or ""
    elif request.is_json:
        for text in _strings(request.get_json(silent=True)):
            yield _l("Part of the data sent"), text


def refuse_unstorable_text() -> None:
    """Answer 400 when any part of the request holds text no database column can store."""
    for where, text in _request_strings():
        problem = _unstorable(text)
        if problem:
            raise BadInput(
                _(
                    "%(part)s contains %(problem)s, which is never part of real text. "
                    "Please remove it (it can come from pasting) and try again.",
                    part=where,
                    problem=problem,
                )
            )


def int_arg(
    values: Mapping[str, str],
    name: str,
    default: int,
    *,
    minimum: int,
    maximum: int,
    label: str | None = None,
) -> int:
    """Return a whole number from a query string or form, or `default` when absent.

    :raise 400: when the value is not a whole number between `minimum` and `maximum`.
    """
    raw = values.get(name)
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    # int() also takes "١٢" and "1_000"; only plain ASCII digits are a number here.
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 12):
        value = None
    else:
        value = int(text)
    if value is None or not minimum <= value <= maximum:
        raise BadInput(
            _(
                "%(label)s must be a whole number from %(minimum)s to %(maximum)s.",
                label=label or name.capitalize(),
                minimum=format_number(minimum),
                maximum=format_number(maximum),
            )
        )
    return value


def page_arg() -> int:
    """Return the `page` query parameter of a paginated list (1 when absent).

    :raise 400: when it is not a page number.
    """
    return int_arg(request.args, "page", 1, minimum=1, maximum=MAX_PAGE, label=_("The page number"))


def sane_date(form: Any, field: Field) -> None:
    """Validate that a date field lies between 1900 and 2199 (WTForms validator)."""
    value = field.data
    if isinstance(value, date) and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _(
                "Choose a date between %(start)s and %(end)s.",
                start=EARLIEST_DATE.year,
                end=LATEST_DATE.year,
            )
        )


def init_app(app: Flask) -> None:
    """Bound `<int:...>` route ids, and refuse unstorable text before any view runs."""
    from lms.errors import render_error

    # Must run before blueprints are registered: rules look their converter up when added.
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_unstorable_text)
    app.register_error_handler(BadInput, lambda error: render_error(400, error.description))
