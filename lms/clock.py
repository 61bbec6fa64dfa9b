"""The current time for code whose behaviour depends on it, with a clock tests can set.

Code that depends on the moment (webinar join links, attendance windows, reminders, re-training
cycles, expiring certificates) asks `now()` rather than the system clock. Tests set it in two
ways: `set_now` fixes it inside this process, and under TESTING `CLOCK_FILE` names a file
holding an ISO 8601 moment (`set_clock`), which also moves apps served from other processes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, has_app_context

_fixed: datetime | None = None


def _clock_file() -> Path | None:
    if not has_app_context() or not current_app.config.get("TESTING"):
        return None
    path = current_app.config.get("CLOCK_FILE")
    return Path(path) if path else None


def now() -> datetime:
    """Return the current moment as an aware UTC datetime (the set moment under test)."""
    if _fixed is not None:
        return _fixed
    path = _clock_file()
    if path is not None:
        try:
            text = path.read_text().strip()
        except FileNotFoundError:
            text = ""
        if text:
            return datetime.fromisoformat(text).astimezone(UTC)
    return datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Fix the clock at `moment` (aware), or give it back to the system with None; for tests."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        raise ValueError("set the clock with an aware datetime")
    _fixed = moment.astimezone(UTC) if moment is not None else None


def set_clock(path: Path, moment: datetime | None) -> None:
    """Put every app using `path` as its CLOCK_FILE at `moment`; None gives back the real clock."""
    if moment is None:
        path.unlink(missing_ok=True)
        return
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the clock")
    path.write_text(moment.astimezone(UTC).isoformat())
