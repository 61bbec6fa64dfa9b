"""Signed links in newsletter emails: confirm, manage and unsubscribe, without a password.

Each token names a subscriber and its address, signed with SECRET_KEY and a salt per purpose,
so a manage link cannot be used as a confirmation link, and a deleted subscriber's link
never reaches whoever later subscribes with the same row id. Nothing is stored: they cost no
database writes and are checked by signature alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

PURPOSES = ("confirm", "manage", "unsubscribe")


class TokenError(Exception):
    """The link is damaged, for another purpose, or expired."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"newsletter-{purpose}")


def make_token(purpose: str, subscriber_id: int, email: str) -> str:
    """Return a signed token for `purpose` naming one subscriber."""
    return _serializer(purpose).dumps([subscriber_id, email])


def read_token(purpose: str, token: str, max_age: int | None) -> tuple[int, str, datetime]:
    """Return (subscriber id, email, issued at) from a token; raise TokenError if unusable."""
    if not isinstance(token, str) or len(token) > 1000:
        raise TokenError()
    try:
        data, issued = _serializer(purpose).loads(token, max_age=max_age, return_timestamp=True)
    except BadData as error:
        raise TokenError(expired=isinstance(error, SignatureExpired)) from error
    data: Any
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not isinstance(data[0], int)
        or not isinstance(data[1], str)
    ):
        raise TokenError()
    return data[0], data[1], issued.astimezone(UTC)
