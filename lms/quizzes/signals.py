"""Signals other domains listen to (xAPI), so quizzes need not know about them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the submitted QuizAttempt (score and passed set), inside the same transaction;
# receivers must flush, never commit.
attempt_submitted = _signals.signal("attempt-submitted")
