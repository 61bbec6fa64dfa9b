"""Signals other domains listen to (webhooks, xAPI), so certificates need not know about them.

Each is sent inside the transaction that records the fact; receivers must flush, never commit,
so that what they write is kept or rolled back with it.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the new Completion, once (lms.paths records path completions on it).
completion_recorded = _signals.signal("completion-recorded")
# Sent with the new Certificate (also for a replacement, after `certificate_reissued`).
certificate_issued = _signals.signal("certificate-issued")
# Sent with the revoked Certificate.
certificate_revoked = _signals.signal("certificate-revoked")
# Sent with the superseded Certificate and `replacement`.
certificate_reissued = _signals.signal("certificate-reissued")
# Sent with the PathCompletion whose path certificate was revoked.
path_certificate_revoked = _signals.signal("path-certificate-revoked")
