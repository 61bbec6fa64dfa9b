"""Speaking OpenID Connect to a provider with Authlib: discovery, PKCE, state, nonce, ID tokens.

Authlib checks the state, sends the PKCE verifier, and validates the ID token's signature (keys
from the provider's jwks_uri) and its iss, aud, exp, iat and nonce claims. What Authlib would
keep in its cache (state, nonce, verifier) is kept in the database (PendingSignIn) and deleted
when used, so a replayed callback finds nothing.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import current_app, session
from joserfc.errors import JoseError
from requests import RequestException
from sqlalchemy import delete

from lms.database import utcnow
from lms.extensions import db
from lms.links import external_url
from lms.sso.models import IdentityProvider, PendingSignIn
from lms.sso.vault import SecretStoreError, decrypt_secret

SCOPES = "openid email profile"
STATE_LIFETIME = timedelta(minutes=10)


class ProtocolFailure(Exception):
    """The provider's answer failed a check; `reason` is recorded in the audit log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MetadataCache:
    """Each provider's discovery document and signing keys (JWKS), kept in this process a while.

    Fetching both on every sign-in costs two round trips to the provider per person, and a busy
    Monday morning of a health system signing in would hammer its discovery endpoint. Entries
    are keyed by the provider's id and issuer (changing the issuer starts afresh) and live
    SSO_METADATA_CACHE_SECONDS; an ID token signed with a key not in the cached set makes
    Authlib fetch the JWKS once more (keys rotate), and that fresher set is what is kept.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, provider: IdentityProvider, max_age: float) -> dict[str, Any] | None:
        """Return a copy of the provider's metadata if it was fetched less than `max_age` ago."""
        with self._lock:
            entry = self._entries.get((provider.id, provider.issuer))
        if entry is None or time.monotonic() - entry[0] >= max_age:
            return None
        return dict(entry[1])

    def put(self, provider: IdentityProvider, metadata: dict[str, Any], *, fresh: bool) -> None:
        """Keep the provider's metadata; `fresh` restarts its lifetime (it was just fetched)."""
        key = (provider.id, provider.issuer)
        with self._lock:
            fetched_at = self._entries.get(key, (time.monotonic(), {}))[0]
            self._entries[key] = (time.monotonic() if fresh else fetched_at, dict(metadata))

    def clear(self) -> None:
        """Forget every provider's metadata."""
        with self._lock:
            self._entries.clear()


metadata_cache = MetadataCache()


class DatabaseCache:
    """Authlib's cache interface (get, set, delete) over PendingSignIn rows."""

    def get(self, key: str) -> str | None:
        """Return the unexpired value kept under `key`, or None."""
        row = db.session.get(PendingSignIn, key)
        if row is None or row.expires_at <= utcnow():
            return None
        return row.value

    def set(self, key: str, value: str, expires_in: int | None = None) -> None:
        """Keep `value` under `key` for `expires_in` seconds (or STATE_LIFETIME)."""
        # Old, abandoned sign-ins go whenever a new one starts: no job needed.
        db.session.execute(delete(PendingSignIn).where(PendingSignIn.expires_at <= utcnow()))
        lifetime = timedelta(seconds=expires_in) if expires_in else STATE_LIFETIME
        db.session.merge(PendingSignIn(key=key, value=value, expires_at=utcnow() + lifetime))
        db.session.flush()

    def delete(self, key: str) -> None:
        """Forget `key`: each state is good for one callback."""
        db.session.execute(delete(PendingSignIn).where(PendingSignIn.key == key))
        db.session.flush()


def redirect_uri() -> str:
    """Return the callback address registered with providers, built from BASE_URL."""
    return external_url("sso.callback")


def _client(provider: IdentityProvider) -> FlaskOAuth2App:
    try:
        secret = decrypt_secret(provider.client_secret_encrypted)
    except SecretStoreError as error:
        raise ProtocolFailure("client-secret-unreadable") from error
    integration = FlaskIntegration(f"idp{provider.id}", cache=DatabaseCache())
    integration.expires_in = int(STATE_LIFETIME.total_seconds())
    client = FlaskOAuth2App(
        integration,
        f"idp{provider.id}",
        client_id=provider.client_id,
        client_secret=secret,
        server_metadata_url=provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": SCOPES,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "default_timeout": current_app.config["SSO_HTTP_TIMEOUT_SECONDS"],
        },
    )
    cached = metadata_cache.get(provider, current_app.config["SSO_METADATA_CACHE_SECONDS"])
    if cached is not None:
        client.server_metadata.update(cached)  # Authlib fetches nothing it already holds
    return client


def _remember(client: FlaskOAuth2App, provider: IdentityProvider) -> None:
    """Keep what Authlib fetched (and checked) for the next sign-in through this provider."""
    metadata = client.server_metadata
    if "_loaded_at" not in metadata:
        return
    known = metadata_cache.get(provider, current_app.config["SSO_METADATA_CACHE_SECONDS"])
    fresh = known is None or known.get("_loaded_at") != metadata["_loaded_at"]
    if fresh or known.get("jwks") != metadata.get("jwks"):
        metadata_cache.put(provider, metadata, fresh=fresh)


def _check_metadata(client: FlaskOAuth2App, provider: IdentityProvider) -> None:
    metadata = client.load_server_metadata()
    # OpenID Connect Discovery: the document must name the issuer it was fetched for, or a
    # compromised document could send the ID-token check to someone else's keys.
    if metadata.get("issuer") != provider.issuer:
        raise ProtocolFailure("issuer-mismatch")
    if "S256" not in metadata.get("code_challenge_methods_supported", ["S256"]):
        raise ProtocolFailure("pkce-unsupported")


def start(provider: IdentityProvider, login_hint: str) -> str:
    """Return the address of the provider's sign-in page, keeping state, nonce and verifier."""
    try:
        client = _client(provider)
        _check_metadata(client, provider)
        target = client.create_authorization_url(redirect_uri(), login_hint=login_hint)
        client.save_authorize_data(redirect_uri=redirect_uri(), **target)
        _remember(client, provider)
        return target["url"]
    except (RequestException, ValueError, KeyError, RuntimeError) as error:
        raise ProtocolFailure("provider-unreachable") from error


def pending_provider(state: str | None) -> IdentityProvider | None:
    """Return the provider a sign-in with this `state` was started for, or None."""
    if not state or len(state) > 200:
        return None
    for key, value in session.items():
        if key.startswith("_state_idp") and key.endswith(f"_{state}") and isinstance(value, dict):
            provider_id = key.removeprefix("_state_idp").partition("_")[0]
            if provider_id.isdigit():
                return db.session.get(IdentityProvider, int(provider_id))
    return None


def finish(provider: IdentityProvider) -> dict[str, Any]:
    """Exchange the callback's code and return the ID token's validated claims.

    :raise ProtocolFailure: for a replayed or unknown state, a provider error, or an ID token
        that fails any check.
    """
    client = _client(provider)
    try:
        _check_metadata(client, provider)
        token = client.authorize_access_token(
            claims_options={
                "iss": {"essential": True, "values": [provider.issuer]},
                "aud": {"essential": True, "values": [provider.client_id]},
                "exp": {"essential": True},
                "iat": {"essential": True},
                "nonce": {"essential": True},
            },
            leeway=current_app.config["SSO_CLOCK_LEEWAY_SECONDS"],
        )
    except OAuthError as error:
        raise ProtocolFailure(_oauth_reason(error)) from error
    except JoseError as error:
        raise ProtocolFailure(f"id-token-{error.error}".replace("_", "-")[:60]) from error
    except (RequestException, ValueError, KeyError) as error:
        raise ProtocolFailure("provider-unreachable") from error
    _remember(client, provider)
    claims = token.get("userinfo")
    if not claims:
        raise ProtocolFailure("no-id-token")
    claims = dict(claims)
    if "email" not in claims and client.load_server_metadata().get("userinfo_endpoint"):
        # Some providers keep the email for the userinfo endpoint; its answer counts only for
        # the same subject the signed ID token names.
        try:
            extra = client.userinfo(token=token)
        except (RequestException, ValueError) as error:
            raise ProtocolFailure("userinfo-unavailable") from error
        if extra.get("sub") != claims.get("sub"):
            raise ProtocolFailure("userinfo-subject-mismatch")
        for key in ("email", "email_verified", "name", "given_name", "family_name"):
            if key in extra and key not in claims:
                claims[key] = extra[key]
    return claims


def _oauth_reason(error: OAuthError) -> str:
    name = getattr(error, "error", None) or "oauth-error"
    return str(name).replace("_", "-")[:60]
