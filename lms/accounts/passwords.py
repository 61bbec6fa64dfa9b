"""Refuse passwords that are common, leaked or easy to guess (NIST SP 800-63B, section 3.1.1.2).

zxcvbn checks a password against frequency lists built from leaked-password corpora, common
words and names, keyboard patterns, dates, repeats and sequences, and against words from the
person's own details. No composition rules ("one digit, one symbol"): NIST advises against them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

# zxcvbn scores 0-4; below 2 means guessable in under about a million tries (throttled online).
MINIMUM_SCORE = 2
# zxcvbn's matching is quadratic in length; beyond this a password is long enough by itself.
CHECKED_LENGTH = 100
# zxcvbn's warnings are English only: each one it gives (zxcvbn/feedback.py) in our words, so a
# Spanish page never shows an English reason. Warnings about common passwords, and any warning
# not listed here, get the general reason instead.
REASONS = {
    "Straight rows of keys are easy to guess": _l("Straight rows of keys are easy to guess"),
    "Short keyboard patterns are easy to guess": _l("Short keyboard patterns are easy to guess"),
    'Repeats like "aaa" are easy to guess': _l('Repeats like "aaa" are easy to guess'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc"': _l(
        'Repeats like "abcabcabc" are only slightly harder to guess than "abc"'
    ),
    'Sequences like "abc" or "6543" are easy to guess': _l(
        'Sequences like "abc" or "6543" are easy to guess'
    ),
    "Recent years are easy to guess": _l("Recent years are easy to guess"),
    "Dates are often easy to guess": _l("Dates are often easy to guess"),
    "A word by itself is easy to guess": _l("A word by itself is easy to guess"),
    "Names and surnames by themselves are easy to guess": _l(
        "Names and surnames by themselves are easy to guess"
    ),
}


def password_problem(password: str, user_inputs: Iterable[str] = ()) -> str | None:
    """Return why a new password is too easy to guess, or None when it is fine."""
    # "Ada Ng <ada.ng@example.org>" gives "ada", "ng", "example"...: each is a likely guess.
    words = [w for text in user_inputs for w in re.split(r"[\W_]+", text.lower()) if len(w) > 2]
    result = zxcvbn(password[:CHECKED_LENGTH], user_inputs=words)
    if result["score"] >= MINIMUM_SCORE:
        return None
    warning = result["feedback"]["warning"].rstrip(".")
    reason = REASONS.get(warning)
    if reason is None or "common" in warning.lower():
        reason = _l("This password appears on lists of common or leaked passwords")
    return _(
        "%(reason)s, so it would be easy to guess. "
        "Choose another: a few unrelated words are strong and easy to remember.",
        reason=reason,
    )
