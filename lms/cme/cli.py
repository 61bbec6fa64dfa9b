"""`flask cme ...`: board-reporting deadlines and activity files for auditors."""

from __future__ import annotations

from lms.cme.views import bp  # noqa: F401
