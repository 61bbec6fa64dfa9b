"""Refuse passwords that are common, leaked or easy to guess (NIST SP 800-63B, section 3.1.1.2).

zxcvbn checks a password against frequency lists built from leaked-password corpora, common
words and names, keyboard patterns, dates, repeats and sequences, and against words from the
person's own details. No composition rules ("one digit, one symbol"): NIST advises against them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from zxcvbn import zxcvbn

# zxcvbn scores 0-4; below 2 means guessable in under about a million tries (throttled online).
MINIMUM_SCORE = 2
# zxcvbn's matching is quadratic in length; beyond this a password is long enough by itself.
CHECKED_LENGTH = 100


def password_problem(password: str, user_inputs: Iterable[str] = ()) -> str | None:
    """Return why a new password is too easy to guess, or None when it is fine."""
    # "Ada Ng <ada.ng@example.org>" gives "ada", "ng", "example"...: each is a likely guess.
    words = [w for text in user_inputs for w in re.split(r"[\W_]+", text.lower()) if len(w) > 2]
    result = zxcvbn(password[:CHECKED_LENGTH], user_inputs=words)
    if result["score"] >= MINIMUM_SCORE:
        return None
    warning = result["feedback"]["warning"]
    reason = (
        "This password appears on lists of common or leaked passwords"
        if "common" in warning.lower() or not warning
        else warning.rstrip(".")
    )
    return (
        f"{reason}, so it would be easy to guess. "
        "Choose another: a few unrelated words are strong and easy to remember."
    )
