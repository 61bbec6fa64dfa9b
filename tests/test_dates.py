"""Dates as people read them: long dates, times in UTC and "Due in 5 days", in any locale."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from markupsafe import Markup

from lms import dates
from lms.dates import date_time, iso, long_date, relative_due, time_tag

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("due", "today", "expected"),
    [
        (TODAY, TODAY, "Due today"),
        (TODAY + timedelta(days=1), TODAY, "Due tomorrow"),
        (TODAY + timedelta(days=2), TODAY, "Due in 2 days"),
        (TODAY + timedelta(days=5), TODAY, "Due in 5 days"),
        (TODAY + timedelta(days=365), TODAY, "Due in 365 days"),
        (TODAY - timedelta(days=1), TODAY, "Overdue by 1 day"),
        (TODAY - timedelta(days=3), TODAY, "Overdue by 3 days"),
        # Month and year ends count calendar days, not "the same day next month".
        (date(2026, 12, 1), date(2026, 11, 30), "Due tomorrow"),
        (date(2027, 1, 1), date(2026, 12, 31), "Due tomorrow"),
        (date(2026, 12, 31), date(2027, 1, 2), "Overdue by 2 days"),
        (date(2026, 3, 1), date(2026, 2, 28), "Due tomorrow"),  # no leap day in 2026
        # A leap day is a day like any other.
        (date(2028, 3, 1), date(2028, 2, 28), "Due in 2 days"),
        (date(2028, 2, 29), date(2028, 2, 29), "Due today"),
        (date(2028, 2, 29), date(2028, 3, 1), "Overdue by 1 day"),
    ],
)
def test_a_due_date_is_said_relative_to_today(due: date, today: date, expected: str) -> None:
    assert relative_due(due, today=today) == expected


@pytest.mark.parametrize(
    ("completed_on", "expected"),
    [
        (date(2026, 11, 28), "Completed on November 28, 2026, before the due date"),
        (date(2026, 11, 30), "Completed on November 30, 2026, the due date"),
        (date(2026, 12, 1), "Completed on December 1, 2026, 1 day after the due date"),
        (date(2026, 12, 3), "Completed on December 3, 2026, 3 days after the due date"),
    ],
)
def test_a_completed_course_says_when_it_was_completed_against_the_due_date(
    completed_on: date, expected: str
) -> None:
    # Once completed, "today" no longer matters: nothing is overdue any more.
    later = date(2027, 6, 1)
    assert relative_due(date(2026, 11, 30), today=later, completed_on=completed_on) == expected


def test_long_dates_follow_the_locale() -> None:
    day = date(2026, 11, 30)
    assert long_date(day) == "November 30, 2026"  # US English, the site's default
    assert long_date(day, "es_US") == "30 de noviembre de 2026"
    assert long_date(date(2028, 2, 29)) == "February 29, 2028"


def test_a_moment_is_dated_by_its_utc_day() -> None:
    # 23:30 in Chicago on November 29 is already November 30 in UTC.
    chicago = timezone(timedelta(hours=-6))
    assert long_date(datetime(2026, 11, 29, 23, 30, tzinfo=chicago)) == "November 30, 2026"
    # Naive datetimes are UTC, as the database returns them.
    assert long_date(datetime(2026, 11, 30, 23, 59)) == "November 30, 2026"


def test_times_are_shown_in_utc_and_say_so() -> None:
    # CLDR keeps "PM" on the same line as the time with a narrow no-break space.
    moment = datetime(2026, 11, 30, 14, 5, 7, tzinfo=UTC)
    assert date_time(moment) == "November 30, 2026, 2:05\u202fPM UTC"
    assert date_time(moment, seconds=True) == "November 30, 2026, 2:05:07\u202fPM UTC"
    chicago = timezone(timedelta(hours=-6))
    assert date_time(datetime(2026, 11, 30, 8, 5, tzinfo=chicago)) == (
        "November 30, 2026, 2:05\u202fPM UTC"
    )


def test_machines_get_iso_8601() -> None:
    assert iso(date(2026, 11, 30)) == "2026-11-30"
    assert iso(datetime(2026, 11, 30, 14, 5, 7, tzinfo=UTC)) == "2026-11-30T14:05:07Z"
    assert iso(datetime(2026, 11, 30, 14, 5, 7)) == "2026-11-30T14:05:07Z"


def test_a_time_tag_carries_iso_for_machines_and_words_for_people() -> None:
    assert time_tag(date(2026, 11, 30)) == ('<time datetime="2026-11-30">November 30, 2026</time>')
    assert time_tag(date(2026, 12, 5), "Due in 5 days") == (
        '<time datetime="2026-12-05">Due in 5 days</time>'
    )
    # The words are escaped; the tag is markup, so templates do not escape it again.
    tag = time_tag(date(2026, 11, 30), "<b>")
    assert isinstance(tag, Markup) and "&lt;b&gt;" in tag


def test_today_is_the_utc_calendar_day(monkeypatch: pytest.MonkeyPatch) -> None:
    # 01:00 UTC on December 1 is still November 30 in the Americas: UTC decides.
    monkeypatch.setattr(dates, "utcnow", lambda: datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    assert dates.today() == date(2026, 12, 1)


def test_templates_get_the_filters(app) -> None:
    with app.test_request_context():
        template = app.jinja_env.from_string(
            "{{ due|relative_due(today) }}|{{ due|long_date }}|{{ due|time_tag }}"
            "|{{ at|date_time }}"
        )
        rendered = template.render(
            due=date(2026, 12, 5),
            today=date(2026, 11, 30),
            at=datetime(2026, 11, 30, 14, 5, tzinfo=UTC),
        )
    assert rendered == (
        "Due in 5 days|December 5, 2026|"
        '<time datetime="2026-12-05">December 5, 2026</time>|November 30, 2026, 2:05\u202fPM UTC'
    )


def test_chart_months_are_short_and_follow_the_locale() -> None:
    assert dates.short_month(date(2026, 11, 1)) == "Nov 2026"
    assert dates.short_month(date(2026, 11, 1), "es_US") == "nov 2026"
