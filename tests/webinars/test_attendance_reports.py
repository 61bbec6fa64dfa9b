"""Reading Zoom and Teams participant reports: golden files, time formats, hostile files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from lms.webinars.attendance import (
    MAX_REPORT_BYTES,
    Interval,
    ReportError,
    parse_duration,
    parse_report,
    parse_time,
    union_seconds,
)

REPORTS = Path(__file__).parent / "reports"
CHICAGO = ZoneInfo("America/Chicago")
# "Building Trust Through Trauma-Informed Care", July 15, 11:00 am - 12:00 pm CT (CDT, UTC-5).
SESSION = (datetime(2026, 7, 15, 16, tzinfo=UTC), datetime(2026, 7, 15, 17, tzinfo=UTC))


def as_golden(report) -> dict:
    return {
        "platform": report.platform,
        "attendees": [
            {"email": a.email, "name": a.name, "lines": list(a.lines), "minutes": a.minutes}
            for a in report.attendees
        ],
        "problems": [{"line": p.line, "message": p.message} for p in report.problems],
    }


@pytest.mark.parametrize(
    "name",
    sorted(path.name.removesuffix(".expected.json") for path in REPORTS.glob("*.expected.json")),
)
def test_a_report_reads_as_its_golden_file_says(name: str) -> None:
    report = parse_report((REPORTS / f"{name}.csv").read_bytes(), CHICAGO, SESSION)

    expected = json.loads((REPORTS / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert as_golden(report) == expected


def test_the_golden_files_cover_zoom_teams_overlaps_and_malformed_rows() -> None:
    names = {path.stem for path in REPORTS.glob("*.csv")}

    assert {"zoom", "teams", "teams_utf8", "overlapping", "malformed"} <= names
    # Zoom's export starts with a byte order mark; Teams' is UTF-16 with tabs.
    assert (REPORTS / "zoom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (REPORTS / "teams.csv").read_bytes().startswith(b"\xff\xfe")


def test_without_a_session_window_joining_early_counts_too() -> None:
    report = parse_report((REPORTS / "overlapping.csv").read_bytes(), CHICAGO)

    minutes = {a.email: a.minutes for a in report.attendees}
    assert minutes["early@example.org"] == 30
    assert minutes["late@example.org"] == 30


def test_the_same_report_without_a_byte_order_mark_reads_the_same() -> None:
    with_bom = (REPORTS / "zoom.csv").read_bytes()

    assert as_golden(parse_report(with_bom[3:], CHICAGO, SESSION)) == as_golden(
        parse_report(with_bom, CHICAGO, SESSION)
    )


def test_overlapping_rows_are_counted_once() -> None:
    at = datetime(2026, 7, 15, 16, tzinfo=UTC)
    rows = [
        Interval(at, at + timedelta(minutes=40)),
        Interval(at + timedelta(minutes=10), at + timedelta(minutes=55)),
        Interval(at + timedelta(minutes=20), at + timedelta(minutes=30)),
    ]

    assert union_seconds(rows) == 55 * 60
    assert union_seconds([]) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07/15/2026 11:02:13 AM", datetime(2026, 7, 15, 16, 2, 13, tzinfo=UTC)),
        ("07/15/2026 11:02 AM", datetime(2026, 7, 15, 16, 2, tzinfo=UTC)),
        ("7/15/26, 11:02:13\u202fAM", datetime(2026, 7, 15, 16, 2, 13, tzinfo=UTC)),
        ("7/15/2026, 1:02:13 PM", datetime(2026, 7, 15, 18, 2, 13, tzinfo=UTC)),
        ("2026-07-15 11:02:13", datetime(2026, 7, 15, 16, 2, 13, tzinfo=UTC)),
        ("2026-07-15T16:02:13Z", datetime(2026, 7, 15, 16, 2, 13, tzinfo=UTC)),
        # The week the clocks change: 11:00 CST is 17:00 UTC, not 16:00.
        ("11/02/2026 11:00:00 AM", datetime(2026, 11, 2, 17, tzinfo=UTC)),
        ("", None),
        ("13/45/2026 99:00", None),
        ("tomorrow", None),
    ],
)
def test_times_are_read_in_the_report_zone(text: str, expected: datetime | None) -> None:
    assert parse_time(text, CHICAGO) == expected


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("45", 45), ("1h 2m 3s", 62.05), ("58m 12s", 58.2), ("1:02:03", 62.05), ("", None)],
)
def test_durations_in_zoom_and_teams_forms(text: str, minutes: float | None) -> None:
    duration = parse_duration(text)

    if minutes is None:
        assert duration is None
    else:
        assert duration is not None
        assert duration.total_seconds() == pytest.approx(minutes * 60)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV text file"),
        (b"Name,User Email,Join Time\nA\x00,a@example.org,07/15/2026 11:00 AM\n", "not a CSV"),
        (b"\xff\xd8\xff\xe0 not utf-8 \xc3\x28", "not a CSV text file"),
        (b"a,b,c\n1,2,3\n", "Join Time"),
        (b"Name,Join Time,Leave Time\nA,07/15/2026 11:00 AM,07/15/2026 11:30 AM\n", "email"),
        (b"x" * (MAX_REPORT_BYTES + 1), "larger than"),
    ],
    ids=["empty", "blank", "binary", "nul", "not-utf8", "no-header", "no-email", "oversize"],
)
def test_files_that_are_not_reports_are_refused_with_a_reason(data: bytes, says: str) -> None:
    with pytest.raises(ReportError) as refused:
        parse_report(data, CHICAGO, SESSION)

    assert says in str(refused.value)


def test_too_many_rows_are_refused() -> None:
    row = b"A,a@example.org,07/15/2026 11:00 AM,07/15/2026 11:30 AM\n"
    data = b"Name,User Email,Join Time,Leave Time\n" + row * 20_001

    with pytest.raises(ReportError, match="more than"):
        parse_report(data, CHICAGO, SESSION)
