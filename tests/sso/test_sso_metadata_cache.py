"""Sign-ins reuse the provider's discovery document and keys instead of fetching them each time."""

from __future__ import annotations

from collections import Counter

import pytest
import requests

from lms.sso import oidc
from tests.sso.conftest import add_provider, callback_path, sign_in_at_provider, start_sign_in


@pytest.fixture()
def peer_requests(monkeypatch, oidc_peer):
    """Count the app's requests to the provider's discovery and keys addresses."""
    oidc.metadata_cache.clear()
    seen: Counter[str] = Counter()
    send = requests.Session.send

    def counting(session, request, **kwargs):
        if request.url.startswith(oidc_peer.issuer):
            path = request.url.removeprefix(oidc_peer.issuer).split("?")[0]
            if path.endswith("openid-configuration"):
                seen["discovery"] += 1
            elif "jwks" in path:
                seen["jwks"] += 1
        return send(session, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", counting)
    yield seen
    oidc.metadata_cache.clear()


def sign_in(client, auth, email: str, login: str) -> None:
    """Sign in through the provider (a refusal would not redirect), then sign out."""
    authorize = start_sign_in(client, email)
    back = client.get(callback_path(sign_in_at_provider(authorize, login)))
    assert back.status_code == 302, back.get_data(as_text=True)
    auth.logout()


def test_three_sign_ins_fetch_discovery_and_keys_once(
    client, auth, make_user, oidc_peer, peer_requests
):
    make_user("pat.physician@clinic.example.org", name="Pat Lee")
    add_provider(oidc_peer.issuer)
    for _ in range(3):
        sign_in(client, auth, "pat.physician@clinic.example.org", "pat")
    assert peer_requests == {"discovery": 1, "jwks": 1}


def test_the_metadata_is_fetched_again_after_its_lifetime(
    app, client, auth, make_user, oidc_peer, peer_requests
):
    make_user("pat.physician@clinic.example.org", name="Pat Lee")
    add_provider(oidc_peer.issuer)
    sign_in(client, auth, "pat.physician@clinic.example.org", "pat")
    app.config["SSO_METADATA_CACHE_SECONDS"] = 0
    sign_in(client, auth, "pat.physician@clinic.example.org", "pat")
    # The second sign-in's start and finish each find the entry expired.
    assert peer_requests == {"discovery": 3, "jwks": 2}


def test_a_token_signed_with_a_new_key_fetches_the_keys_once_more(
    client, auth, make_user, oidc_peer, peer_requests
):
    make_user("pat.physician@clinic.example.org", name="Pat Lee")
    provider = add_provider(oidc_peer.issuer)
    sign_in(client, auth, "pat.physician@clinic.example.org", "pat")
    # As if the provider rotated its key since: the cached set knows only an old one.
    cached = oidc.metadata_cache.get(provider, 3600)
    old_keys = {"keys": [dict(cached["jwks"]["keys"][0], kid="retired-key")]}
    oidc.metadata_cache.put(provider, {**cached, "jwks": old_keys}, fresh=False)

    sign_in(client, auth, "pat.physician@clinic.example.org", "pat")
    sign_in(client, auth, "pat.physician@clinic.example.org", "pat")

    assert peer_requests == {"discovery": 1, "jwks": 2}
    assert oidc.metadata_cache.get(provider, 3600)["jwks"] != old_keys
