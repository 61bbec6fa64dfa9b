"""Month bucketing for the admin reports: pure functions, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lms.admin.reports import (
    bucket_by_month,
    month_key,
    month_keys,
    month_label,
    month_start,
    shift_month,
)


@pytest.mark.parametrize(
    ("year", "month", "delta", "expected"),
    [
        (2026, 11, 0, (2026, 11)),
        (2025, 12, 1, (2026, 1)),
        (2026, 1, -1, (2025, 12)),
        (2026, 1, -13, (2024, 12)),
        (2026, 3, 22, (2028, 1)),
    ],
)
def test_shift_month_crosses_year_boundaries(year, month, delta, expected):
    assert shift_month(year, month, delta) == expected


def test_month_keys_end_with_the_given_month_oldest_first_across_a_new_year():
    assert month_keys(date(2026, 2, 10), 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert month_keys(date(2026, 12, 31), 1) == ["2026-12"]
    assert len(month_keys(date(2026, 6, 1), 12)) == 12
    assert month_keys(date(2026, 6, 1), 12)[0] == "2025-07"


def test_month_keys_refuse_an_empty_window():
    with pytest.raises(ValueError, match="at least 1"):
        month_keys(date(2026, 1, 1), 0)


def test_month_key_label_and_start():
    assert month_key(987, 3) == "0987-03"
    with pytest.raises(ValueError):
        month_key(2026, 13)
    assert month_label("2026-11") == "Nov 2026"
    assert month_label("2027-01") == "Jan 2027"
    assert month_start("2026-01") == datetime(2026, 1, 1, tzinfo=UTC)


def test_bucketing_fills_empty_months_with_zero_and_ignores_months_outside():
    keys = month_keys(date(2026, 1, 20), 3)  # Nov, Dec, Jan
    rows = [
        (2025, 12, 2),
        (Decimal("2026"), Decimal("1"), 5),  # PostgreSQL's EXTRACT returns decimals
        (2025, 10, 9),  # before the window
        (2026, 1, 1),  # the same month twice (grouped by course too) adds up
    ]
    assert bucket_by_month(rows, keys) == {"2025-11": 0, "2025-12": 2, "2026-01": 6}


def test_bucketing_nothing_gives_every_month_zero():
    keys = month_keys(date(2026, 3, 1), 12)
    assert bucket_by_month([], keys) == dict.fromkeys(keys, 0)
    assert list(bucket_by_month([], keys)) == keys
