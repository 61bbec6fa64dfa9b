"""Signals the certificates domain sends, so that it need not know who listens."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with a new Completion, once, inside the transaction that records it; receivers must
# flush, never commit (lms.paths records path completions on it).
course_completed = _signals.signal("course-completed")
