"""Signals other domains listen to (webhooks), so organizations need not know about them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the Assignment, `user` and `log` (its ReminderLog) when an "overdue" reminder is
# first logged in its period, inside the same transaction; receivers must flush, never commit.
assignment_overdue = _signals.signal("assignment-overdue")
