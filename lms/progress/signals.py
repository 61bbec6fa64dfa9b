"""Signals other domains listen to, so progress need not know about them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the enrolment after a page is completed (lesson read, quiz passed, evaluation sent),
# inside the same transaction; receivers must flush, never commit.
page_completed = _signals.signal("page-completed")

# Sent with the enrolment and `page` the first time the learner completes that page (a lesson
# marked complete, a quiz passed, an evaluation sent), inside the same transaction.
page_recorded = _signals.signal("page-recorded")
