"""iCalendar (.ics) files of webinars: the public feed and each registrant's invitation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from icalendar import Calendar, Event

from lms.webinars import times
from lms.webinars.models import Webinar

PRODUCT_ID = "-//LMS//Webinars//EN"


def _uid(webinar: Webinar, site_url: str) -> str:
    host = urlsplit(site_url).hostname or "lms.invalid"
    return f"webinar-{webinar.slug}@{host}"


def build_calendar(
    webinars: Iterable[Webinar],
    *,
    page_url: dict[str, str],
    site_url: str,
    name: str,
    stamp: datetime,
    join: bool = False,
) -> bytes:
    """Return an .ics calendar of webinars, their times in each event's own zone.

    `page_url` maps slugs to each webinar's public page. The private join link is included
    only with `join=True` (a registrant's own invitation), never in the public feed.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    method = "PUBLISH"
    calendar.add("method", method)
    for webinar in webinars:
        event = Event()
        event.add("uid", _uid(webinar, site_url))
        event.add("dtstamp", stamp)
        event.add("sequence", int(webinar.updated_at.timestamp()) % 2_000_000_000)
        event.add("summary", webinar.title)
        event.add("dtstart", times.local(webinar.starts_at, webinar.timezone))
        event.add("dtend", times.local(webinar.ends_at, webinar.timezone))
        url = page_url[webinar.slug]
        description = f"{webinar.summary}\n\n{url}"
        if join:
            event.add("location", webinar.join_url)
            description = f"{webinar.summary}\n\n{webinar.join_url}\n\n{url}"
        event.add("url", url)
        event.add("description", description)
        event.add("status", "CANCELLED" if webinar.is_cancelled else "CONFIRMED")
        calendar.add_component(event)
    # VTIMEZONE blocks for every zone used, so calendars apply the event's DST rules.
    calendar.add_missing_timezones()
    return calendar.to_ical()
