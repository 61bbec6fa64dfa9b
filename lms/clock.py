"""The application's one clock: `now()` in aware UTC, which tests may set and move."""

from __future__ import annotations

from datetime import UTC, datetime

_fixed: datetime | None = None


def now() -> datetime:
    """Return the current time as an aware UTC datetime (the set time under test)."""
    return _fixed if _fixed is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Fix the clock at `moment` (aware), or give it back to the system with None; for tests."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        raise ValueError("set the clock with an aware datetime")
    _fixed = moment.astimezone(UTC) if moment is not None else None
