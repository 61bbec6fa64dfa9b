"""Signing of webhook deliveries, after the Standard Webhooks layout (standardwebhooks.com).

Pure functions: the signature covers `id.timestamp.body` with HMAC-SHA256 under the endpoint's
secret (the bytes after "whsec_", base64-decoded). docs/api.md gives receivers the same recipe.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_secret() -> str:
    """Return a new random signing secret (32 bytes), as "whsec_" + base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """Return the `Webhook-Signature` header value ("v1,<base64 HMAC-SHA256>") for a delivery."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    content = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    """Return the headers that go with a delivery's body."""
    return {
        "Content-Type": "application/json",
        "Webhook-Id": message_id,
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": sign(secret, message_id, timestamp, body),
        # The same value under the name many receivers look for.
        "Idempotency-Key": message_id,
    }
