"""Dates as people read them ("November 30, 2026", "Due in 5 days") and as machines read them.

Pages, emails, flash messages and printed documents format dates here, in the reader's locale
with Babel's CLDR patterns, and their words go through gettext so that they can be translated.
Exports, JSON and `<time datetime="...">` attributes keep ISO 8601 (`iso`).

Times are shown in UTC and say so. UTC is also the calendar `today()` that decides what is due
or overdue, so "Due today" on a page and "due" in a reminder always agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from flask import Flask
from flask_babel import gettext, ngettext
from markupsafe import Markup

from lms.database import utcnow
from lms.i18n import reader_locale


def today() -> date:
    """Return today's date in UTC: the day that decides what is due, overdue or open."""
    return utcnow().date()


def _utc(moment: datetime) -> datetime:
    # Naive datetimes in this code base are UTC (see lms.database.UTCDateTime).
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_day(value: date | datetime) -> date:
    """Return a date as it is, or the UTC calendar day of a moment (naive moments are UTC)."""
    return _utc(value).date() if isinstance(value, datetime) else value


def long_date(value: date | datetime, locale: Locale | str | None = None) -> str:
    """Format a date, or a moment's UTC date, in the locale's long form: "November 30, 2026"."""
    return format_date(utc_day(value), "long", locale=reader_locale(locale))


def short_month(value: date, locale: Locale | str | None = None) -> str:
    """Format a date's month and year briefly, as chart axes do: "Nov 2026"."""
    return format_skeleton("yMMM", utc_day(value), locale=reader_locale(locale))


def date_time(value: datetime, *, seconds: bool = False, locale: Locale | str | None = None) -> str:
    """Format a moment in UTC and say so: "November 30, 2026, 2:05 PM UTC"."""
    loc = reader_locale(locale)
    moment = _utc(value)
    time_pattern = loc.time_formats["medium" if seconds else "short"].pattern + " z"
    time_text = format_time(moment, time_pattern, tzinfo=UTC, locale=loc)
    # The locale's own way of joining a date and a time ("{1}, {0}", "{1} 'at' {0}").
    joiner = str(loc.datetime_formats["long"]).replace("'", "")
    return joiner.replace("{0}", time_text).replace("{1}", long_date(moment, loc))


def relative_due(
    due: date,
    *,
    today: date,
    completed_on: date | None = None,
    locale: Locale | str | None = None,
) -> str:
    """Say when something is due as seen from `today`, or how its completion met the due date.

    "Due today", "Due tomorrow", "Due in 5 days", "Overdue by 3 days", or, once completed,
    "Completed on November 28, 2026, before the due date".
    """
    if completed_on is not None:
        when = long_date(completed_on, locale)
        late = (completed_on - due).days
        if late < 0:
            return gettext("Completed on %(date)s, before the due date", date=when)
        if late == 0:
            return gettext("Completed on %(date)s, the due date", date=when)
        return ngettext(
            "Completed on %(date)s, %(num)d day after the due date",
            "Completed on %(date)s, %(num)d days after the due date",
            late,
            date=when,
        )
    days = (due - today).days
    if days == 0:
        return gettext("Due today")
    if days == 1:
        return gettext("Due tomorrow")
    if days > 1:
        # Plural forms for every count: some languages treat 2, 5 or 21 days differently.
        return ngettext("Due in %(num)d day", "Due in %(num)d days", days)
    return ngettext("Overdue by %(num)d day", "Overdue by %(num)d days", -days)


def iso(value: date | datetime) -> str:
    """Return the ISO 8601 form machines read: "2026-11-30", or "2026-11-30T14:05:00Z"."""
    if isinstance(value, datetime):
        return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def time_tag(value: date | datetime, text: str | None = None) -> Markup:
    """Return `<time datetime="ISO">text</time>`, the text defaulting to the long human form."""
    if text is None:
        text = date_time(value) if isinstance(value, datetime) else long_date(value)
    return Markup('<time datetime="{}">{}</time>').format(iso(value), text)


_utc_today = today  # the filter below takes a `today` argument, as relative_due does


def _relative_due_filter(
    due: date, today: date | None = None, completed_on: date | datetime | None = None
) -> str:
    return relative_due(
        due,
        today=today if today is not None else _utc_today(),
        completed_on=utc_day(completed_on) if completed_on is not None else None,
    )


def init_app(app: Flask) -> None:
    """Give templates the date filters: long_date, date_time, relative_due, iso and time_tag."""
    app.jinja_env.filters.update(
        long_date=long_date,
        date_time=date_time,
        relative_due=_relative_due_filter,
        iso=iso,
        time_tag=time_tag,
    )
