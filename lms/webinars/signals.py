"""Signals other domains listen to (xAPI), so webinars need not know about them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the webinar, `user` and `minutes` when attendance of more than 0 minutes is recorded
# for them (a code entered, a report imported, an organiser's mark), inside the same
# transaction; receivers must flush, never commit, and expect it more than once per person.
attendance_recorded = _signals.signal("attendance-recorded")
