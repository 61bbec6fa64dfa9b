"""Client secrets of identity providers, encrypted before they reach the database.

Why encrypted in the database rather than named environment variables: site admins add a
health system's provider from the admin pages, without a deployment; a database dump or backup
then holds only ciphertext. The keys come from configuration (`SSO_ENCRYPTION_KEYS`, Fernet
keys, the first encrypts, all decrypt: MultiFernet), so a key can be rotated.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class SecretStoreError(Exception):
    """A client secret cannot be stored or read: no key configured, or the wrong key."""


def _keys() -> list[str]:
    configured = current_app.config.get("SSO_ENCRYPTION_KEYS") or []
    if isinstance(configured, str):
        configured = [key for key in configured.replace(",", " ").split() if key]
    if configured:
        return list(configured)
    if current_app.config["ENV_NAME"] == "production":
        raise SecretStoreError("SSO_ENCRYPTION_KEYS is not set")
    # Development and tests: a key derived from SECRET_KEY, so nothing else needs setting up.
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"lms-sso-client-secrets"
    ).derive(current_app.config["SECRET_KEY"].encode())
    return [base64.urlsafe_b64encode(derived).decode()]


def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in _keys()])
    except ValueError as error:
        raise SecretStoreError(
            "SSO_ENCRYPTION_KEYS holds a value that is not a Fernet key"
        ) from error


def encrypt_secret(secret: str) -> str:
    """Return `secret` encrypted with the current key."""
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    """Return the secret `token` holds; raise SecretStoreError if no configured key opens it."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretStoreError("no configured key decrypts this client secret") from error


def store_available() -> bool:
    """Return whether secrets can be encrypted with the configuration as it is."""
    try:
        _fernet()
    except SecretStoreError:
        return False
    return True
