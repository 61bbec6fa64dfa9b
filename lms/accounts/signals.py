"""Signals other domains listen to, so accounts need not know about them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the user after their full name changed, with `old_name`, inside the same
# transaction; receivers must flush, never commit, and may return a sentence for the person
# (for example how many certificates were reissued in the new name).
name_changed = _signals.signal("name-changed")
