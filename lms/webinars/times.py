"""Webinar times in the event's zone and the viewer's: pure functions, no database, no request.

Every time a person reads carries its zone ("11:00 AM CDT"): a webinar has a place in the day
of its presenters, and people join from other zones. Moments are stored in UTC (lms.database)
and turned into local times here with the IANA database (zoneinfo), so daylight saving time is
applied for the date of the session, not the date of reading.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.dates import format_date, format_time
from flask_babel import gettext

from lms.i18n import reader_locale

# Offered first in time-zone pickers: where the audience mostly is (any IANA zone is accepted).
COMMON_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "America/Mexico_City",
    "America/Bogota",
    "Europe/London",
    "Europe/Madrid",
    "UTC",
)
MAX_ZONE_LENGTH = 64


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: object) -> ZoneInfo | None:
    """Return the IANA zone called `name`, or None for anything that is not one."""
    if not isinstance(name, str) or not name or len(name) > MAX_ZONE_LENGTH:
        return None
    if name not in _known_zones():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def is_zone(name: object) -> bool:
    """Return whether `name` is an IANA time zone name ("America/Chicago")."""
    return zone(name) is not None


def local(moment: datetime, zone_name: str) -> datetime:
    """Return a UTC moment as the wall-clock time in `zone_name`."""
    tz = zone(zone_name)
    if tz is None:
        raise ValueError(f"unknown time zone: {zone_name!r}")
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to a time zone conversion")
    return moment.astimezone(tz)


def to_utc(wall_clock: datetime, zone_name: str) -> datetime:
    """Return the UTC moment of a naive wall-clock time in `zone_name`."""
    tz = zone(zone_name)
    if tz is None:
        raise ValueError(f"unknown time zone: {zone_name!r}")
    return wall_clock.replace(tzinfo=tz).astimezone(UTC)


def abbreviation(moment: datetime, zone_name: str) -> str:
    """Return the zone's abbreviation at that moment: "CDT" in July, "CST" in January."""
    return local(moment, zone_name).tzname() or zone_name


def _time(moment: datetime, loc: Locale, *, with_zone: bool) -> str:
    pattern = loc.time_formats["short"].pattern + (" z" if with_zone else "")
    return format_time(moment, pattern, tzinfo=moment.tzinfo, locale=loc)


def local_day(moment: datetime, zone_name: str) -> date:
    """Return the calendar day of a moment in a zone."""
    return local(moment, zone_name).date()


def format_span(
    starts: datetime, ends: datetime, zone_name: str, locale: Locale | str | None = None
) -> str:
    """Format a session in a zone: "Thursday, July 15, 2027, 11:00 AM – 12:00 PM CDT".

    The zone is always said; a session that crosses midnight there names both days.
    """
    loc = reader_locale(locale)
    start, end = local(starts, zone_name), local(ends, zone_name)
    if start.date() == end.date():
        return gettext(
            "%(date)s, %(start)s – %(end)s",
            date=format_date(start.date(), "full", locale=loc),
            start=_time(start, loc, with_zone=start.tzname() != end.tzname()),
            end=_time(end, loc, with_zone=True),
        )
    return gettext(
        "%(start_date)s, %(start)s – %(end_date)s, %(end)s",
        start_date=format_date(start.date(), "full", locale=loc),
        start=_time(start, loc, with_zone=True),
        end_date=format_date(end.date(), "full", locale=loc),
        end=_time(end, loc, with_zone=True),
    )


def format_moment(moment: datetime, zone_name: str, locale: Locale | str | None = None) -> str:
    """Format one moment in a zone, zone included: "Thursday, July 15, 2027, 11:00 AM CDT"."""
    loc = reader_locale(locale)
    there = local(moment, zone_name)
    return gettext(
        "%(date)s, %(time)s",
        date=format_date(there.date(), "full", locale=loc),
        time=_time(there, loc, with_zone=True),
    )


def zone_choices(current: str | None = None) -> list[str]:
    """Return the zones a picker offers: the common ones, plus `current` if it is another."""
    zones = list(COMMON_ZONES)
    if current and current not in zones and is_zone(current):
        zones.insert(0, current)
    return zones
