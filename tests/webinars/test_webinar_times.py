"""Webinar times: the event's zone, the viewer's zone, daylight saving time, and .ics files."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest

from lms.webinars import times

# US clocks spring forward on Sunday, March 14, 2027: Central time goes from UTC-6 to UTC-5.
BEFORE_CHANGE = ("2027-03-12 11:00", "2027-03-12 12:00")  # Friday, CST
AFTER_CHANGE = ("2027-03-15 11:00", "2027-03-15 12:00")  # Monday, CDT


@pytest.mark.parametrize(
    ("session", "utc_start", "chicago", "los_angeles", "new_york"),
    [
        (
            BEFORE_CHANGE,
            datetime(2027, 3, 12, 17, 0, tzinfo=UTC),
            "Friday, March 12, 2027, 11:00\u202fAM – 12:00\u202fPM CST",
            "Friday, March 12, 2027, 9:00\u202fAM – 10:00\u202fAM PST",
            "Friday, March 12, 2027, 12:00\u202fPM – 1:00\u202fPM EST",
        ),
        (
            AFTER_CHANGE,
            datetime(2027, 3, 15, 16, 0, tzinfo=UTC),
            "Monday, March 15, 2027, 11:00\u202fAM – 12:00\u202fPM CDT",
            "Monday, March 15, 2027, 9:00\u202fAM – 10:00\u202fAM PDT",
            "Monday, March 15, 2027, 12:00\u202fPM – 1:00\u202fPM EDT",
        ),
    ],
)
def test_an_11_am_central_session_in_the_week_clocks_change_shows_right_everywhere(
    make_webinar, client, auth, make_user, session, utc_start, chicago, los_angeles, new_york
):
    webinar = make_webinar(start=session[0], end=session[1])
    assert webinar.starts_at == utc_start

    visitor = client.get(f"/webinars/{webinar.slug}?lang=en").get_data(as_text=True)
    assert _plain(chicago) in _plain(visitor)

    in_la = client.get(f"/webinars/{webinar.slug}?tz=America/Los_Angeles&lang=en")
    assert _plain(los_angeles) in _plain(in_la.get_data(as_text=True))

    # A signed-in viewer's profile zone is used without asking.
    auth.login_as(make_user(timezone="America/New_York"))
    page = client.get(f"/webinars/{webinar.slug}?lang=en").get_data(as_text=True)
    assert _plain(new_york) in _plain(page)
    assert _plain(chicago) in _plain(page)


def _plain(html: str) -> str:
    # Babel puts a narrow no-break space before AM/PM; pages may escape nothing else here.
    return html.replace("\u202f", " ").replace("&#8239;", " ")


def test_times_in_spanish_name_their_zone(app):
    start = datetime(2027, 7, 15, 16, 0, tzinfo=UTC)
    end = datetime(2027, 7, 15, 17, 0, tzinfo=UTC)
    text = times.format_span(start, end, "America/Chicago", locale="es_US")
    assert "jueves" in text and "15 de julio de 2027" in text and "CDT" in text


def test_a_session_crossing_midnight_in_the_viewers_zone_names_both_days(app):
    start = datetime(2027, 7, 15, 14, 30, tzinfo=UTC)  # 11:30 PM in Tokyo
    end = datetime(2027, 7, 15, 15, 30, tzinfo=UTC)  # 12:30 AM the next day
    text = times.format_span(start, end, "Asia/Tokyo", locale="en_US").replace("\u202f", " ")
    assert text == "Thursday, July 15, 2027, 11:30 PM +0900 – Friday, July 16, 2027, 12:30 AM +0900"


@pytest.mark.parametrize("zone", ["", "Mars/Olympus", "../../etc/passwd", "x" * 500, "UTC\x00"])
def test_unknown_zones_are_refused(zone):
    assert not times.is_zone(zone)


def test_the_feed_parses_and_gives_the_right_instant_with_the_events_zone(make_webinar, client):
    webinar = make_webinar(start=AFTER_CHANGE[0], end=AFTER_CHANGE[1])
    response = client.get("/webinars/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    start = events[0].decoded("dtstart")
    assert start.astimezone(UTC) == webinar.starts_at
    assert str(events[0]["dtstart"].params["TZID"]) == "America/Chicago"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Chicago"]
    # The feed is public: it never carries the private join link.
    assert b"meet.example.org" not in response.data


def test_past_and_cancelled_webinars_are_not_in_the_feed(make_webinar, client, clock):
    make_webinar(start=AFTER_CHANGE[0], end=AFTER_CHANGE[1])
    clock.set(datetime(2027, 3, 16, tzinfo=UTC))
    calendar = icalendar.Calendar.from_ical(client.get("/webinars/calendar.ics").data)
    assert calendar.walk("VEVENT") == []
