"""Pure parsing of a video platform's participant report into minutes attended per email.

No database and no Flask app. Zoom ("Name (Original Name)", "User Email", "Join Time",
"Leave Time", "Duration (Minutes)", after an optional meeting summary block) and Microsoft
Teams ("Name", "Join Time", "Leave Time", "Duration", "Email" in its "In-Meeting Activities"
section, or "First Join" / "Last Leave" / "In-Meeting Duration" in its "Participants" section)
are recognised by their column names. A person's several join/leave rows are merged, and the
minutes attended are the length of the union of their intervals, so overlapping rows (two
devices, a reconnect logged before the old connection dropped) are never counted twice.

Every sentence for people is a whole sentence, translated with gettext into the current locale
(English outside an app context).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from flask_babel import gettext

# A participant report of a one-hour webinar with a thousand people is well under 1 MB.
MAX_REPORT_BYTES = 2 * 1024 * 1024
MAX_REPORT_ROWS = 20_000

# Column names (lower case, spaces collapsed) per field, in order of preference.
NAME_COLUMNS = (
    "name (original name)",
    "user name (original name)",
    "name",
    "full name",
    "user name",
    "display name",
    "participant",
    "attendee name",
)
EMAIL_COLUMNS = ("user email", "email", "email address", "participant id (upn)", "upn")
JOIN_COLUMNS = ("join time", "first join", "first join time", "joined at")
LEAVE_COLUMNS = ("leave time", "last leave", "last leave time", "left at")
DURATION_COLUMNS = (
    "duration (minutes)",
    "time in session (minutes)",
    "duration",
    "in-meeting duration",
    "attendance duration",
)

# Zoom writes US month-first dates with a 12-hour clock; Teams the same with a comma and often a
# two-digit year; either may be exported in ISO form. Times without a zone are in `zone`.
TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %I:%M:%S %p",
    "%Y-%m-%d %I:%M %p",
)

_DURATION_PARTS = re.compile(
    r"^\s*(?:(\d+)\s*(?:h|hr|hrs|hour|hours))?\s*(?:(\d+)\s*(?:m|min|mins|minute|minutes))?"
    r"\s*(?:(\d+)\s*(?:s|sec|secs|second|seconds))?\s*$",
    re.IGNORECASE,
)
_CLOCK_DURATION = re.compile(r"^\s*(\d+):([0-5]\d)(?::([0-5]\d))?\s*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ReportError(ValueError):
    """The file as a whole is not a participant report we can read."""

    def __init__(self, message: str, *, found_header: bool = False) -> None:
        super().__init__(message)
        self.found_header = found_header


@dataclass(frozen=True)
class RowProblem:
    """A row that could not be read, by its line number in the file."""

    line: int
    message: str


@dataclass(frozen=True)
class Interval:
    """A span of time someone was connected (aware datetimes)."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class Attendee:
    """One person's merged rows: who, the lines they came from, and minutes attended."""

    email: str
    name: str
    lines: tuple[int, ...]
    intervals: tuple[Interval, ...]
    minutes: int


@dataclass(frozen=True)
class Report:
    """What a participant report says: the platform recognised, attendees, unreadable rows."""

    platform: str
    attendees: tuple[Attendee, ...]
    problems: tuple[RowProblem, ...]


def decode_report(data: bytes) -> str:
    """Return the text of an uploaded report: UTF-8 with or without BOM, or UTF-16 with BOM."""
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(
            gettext(
                "The file is larger than %(limit)s MB. Export the participant report as CSV "
                "and try again.",
                limit=MAX_REPORT_BYTES // (1024 * 1024),
            )
        )
    if not data.strip():
        raise ReportError(gettext("The file is empty."))
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        raise ReportError(
            gettext("The file is not a CSV text file. Export the participant report as CSV.")
        )
    return text


def _normalise_header(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().lower().split())


def _find(header: Sequence[str], names: Iterable[str]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


@dataclass(frozen=True)
class _Layout:
    header_index: int
    name: int | None
    email: int | None
    join: int
    leave: int | None
    duration: int | None
    platform: str


def _layout(rows: Sequence[tuple[int, list[str]]]) -> _Layout:
    # Teams puts per-connection rows ("Join Time") after a per-person section ("First Join");
    # Zoom may put a meeting summary before its participant rows. Prefer per-connection rows.
    candidates = []
    for index, (_, row) in enumerate(rows):
        header = [_normalise_header(cell) for cell in row]
        join = _find(header, JOIN_COLUMNS)
        if join is None:
            continue
        per_connection = header[join] == "join time"
        candidates.append((0 if per_connection else 1, index, header, join))
    if not candidates:
        raise ReportError(
            gettext(
                "No participant rows were found: the file needs a column named Join Time "
                "(Zoom, Teams) or First Join (Teams)."
            )
        )
    _, index, header, join = min(candidates, key=lambda c: (c[0], c[1]))
    email = _find(header, EMAIL_COLUMNS)
    if email is None:
        raise ReportError(
            gettext(
                "The participant rows have no email column (User Email in Zoom, Email in "
                "Teams), so they cannot be matched to registrants."
            ),
            found_header=True,
        )
    if "user email" in header or "name (original name)" in header:
        platform = "zoom"
    elif "participant id (upn)" in header or "role" in header or "first join" in header:
        platform = "teams"
    else:
        platform = "csv"
    return _Layout(
        header_index=index,
        name=_find(header, NAME_COLUMNS),
        email=email,
        join=join,
        leave=_find(header, LEAVE_COLUMNS),
        duration=_find(header, DURATION_COLUMNS),
        platform=platform,
    )


def parse_time(value: str, zone: tzinfo) -> datetime | None:
    """Return a report's time as an aware datetime (zone-less times are in `zone`), or None."""
    text = value.replace("\u202f", " ").replace("\xa0", " ").replace(",", " ").strip()
    text = " ".join(text.split())
    if not text:
        return None
    iso = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d ", text) else text
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is not None and moment.tzinfo is not None:
        return moment.astimezone(UTC)
    for pattern in TIME_FORMATS:
        try:
            naive = datetime.strptime(text.upper(), pattern)
        except ValueError:
            continue
        return naive.replace(tzinfo=zone).astimezone(UTC)
    return None


def parse_duration(value: str) -> timedelta | None:
    """Return a report's duration: plain minutes, "1h 2m 3s", or "1:02:03"; None if unreadable."""
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{1,5}(\.\d+)?", text):
        return timedelta(minutes=float(text))
    clock = _CLOCK_DURATION.match(text)
    if clock:
        hours, minutes, seconds = clock.groups()
        return timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))
    parts = _DURATION_PARTS.match(text)
    if parts and any(parts.groups()):
        hours, minutes, seconds = (int(part or 0) for part in parts.groups())
        return timedelta(hours=hours, minutes=minutes, seconds=seconds)
    return None


def union_seconds(intervals: Iterable[Interval]) -> float:
    """Return the length in seconds of the union of `intervals`: overlaps count once."""
    total = 0.0
    current: Interval | None = None
    for interval in sorted(intervals, key=lambda i: (i.start, i.end)):
        if current is None or interval.start > current.end:
            if current is not None:
                total += current.seconds
            current = interval
        elif interval.end > current.end:
            current = Interval(current.start, interval.end)
    if current is not None:
        total += current.seconds
    return total


def _clip(interval: Interval, window: tuple[datetime, datetime] | None) -> Interval | None:
    if window is None:
        return interval
    start, end = max(interval.start, window[0]), min(interval.end, window[1])
    return Interval(start, end) if end > start else None


def _cell(row: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _read_rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for row in reader:
            rows.append((line, row))
            line = reader.line_num + 1
            if len(rows) > MAX_REPORT_ROWS:
                raise ReportError(
                    gettext(
                        "The file has more than %(count)s rows. Import one session's report "
                        "at a time.",
                        count=MAX_REPORT_ROWS,
                    )
                )
    except csv.Error as error:
        raise ReportError(gettext("Line %(line)s could not be read as CSV.", line=line)) from error
    return rows


def parse_report(
    data: bytes, zone: tzinfo, window: tuple[datetime, datetime] | None = None
) -> Report:
    """Read a participant report: minutes attended per email, and unreadable rows by line.

    Times without a zone are read in `zone` (the zone the report was exported in, normally the
    webinar's). With `window`, only time inside it counts (joining early adds nothing).
    """
    text = decode_report(data)
    # Zoom writes commas, Teams tabs (UTF-16) or commas: the delimiter is the one under which a
    # participant header appears. Teams' times hold commas, so commas cannot simply win.
    errors: list[ReportError] = []
    for delimiter in ("\t", ",", ";"):
        rows = _read_rows(text, delimiter)
        try:
            layout = _layout(rows)
            break
        except ReportError as error:
            errors.append(error)
    else:
        # A header found without an email column says more than "no header found".
        raise max(errors, key=lambda error: error.found_header)
    problems: list[RowProblem] = []
    by_email: dict[str, tuple[str, list[int], list[Interval]]] = {}
    for line, row in rows[layout.header_index + 1 :]:
        if not any(cell.strip() for cell in row):
            break  # a blank line ends the section (Teams and Zoom both separate blocks so)
        email = _cell(row, layout.email).lower()
        if not email:
            problems.append(RowProblem(line, gettext("Line %(line)s has no email.", line=line)))
            continue
        if len(email) > 254 or not _EMAIL.match(email):
            problems.append(
                RowProblem(
                    line, gettext("Line %(line)s has an email that is not valid.", line=line)
                )
            )
            continue
        joined = parse_time(_cell(row, layout.join), zone)
        if joined is None:
            problems.append(
                RowProblem(
                    line, gettext("Line %(line)s has a join time that cannot be read.", line=line)
                )
            )
            continue
        left = parse_time(_cell(row, layout.leave), zone) if layout.leave is not None else None
        if left is None:
            duration = parse_duration(_cell(row, layout.duration))
            if duration is None:
                problems.append(
                    RowProblem(
                        line,
                        gettext(
                            "Line %(line)s has neither a leave time nor a duration that can be "
                            "read.",
                            line=line,
                        ),
                    )
                )
                continue
            left = joined + duration
        if left < joined:
            problems.append(
                RowProblem(
                    line, gettext("Line %(line)s has a leave time before its join time.", line=line)
                )
            )
            continue
        name, lines, intervals = by_email.setdefault(email, (_cell(row, layout.name), [], []))
        lines.append(line)
        clipped = _clip(Interval(joined, left), window)
        if clipped is not None:
            intervals.append(clipped)
    attendees = tuple(
        Attendee(
            email=email,
            name=name,
            lines=tuple(lines),
            intervals=tuple(sorted(intervals, key=lambda i: i.start)),
            minutes=int(union_seconds(intervals) // 60),
        )
        for email, (name, lines, intervals) in sorted(by_email.items())
    )
    return Report(platform=layout.platform, attendees=attendees, problems=tuple(problems))
