"""The callback address sent to providers comes from BASE_URL, never from the request's Host."""

from __future__ import annotations

import html
import re

import pytest

from tests.sso.conftest import add_provider, query


@pytest.fixture()
def app_config(app_config):
    app_config["BASE_URL"] = "https://learn.example.org"
    # The session cookie belongs to the test client's own host, not the forged one.
    app_config["WTF_CSRF_ENABLED"] = False
    return app_config


def test_the_redirect_uri_ignores_a_forged_host_header(client, oidc_peer):
    add_provider(oidc_peer.issuer)
    headers = {"Host": "evil.example.net", "X-Forwarded-Host": "evil.example.net"}

    response = client.post(
        "/login/organization", data={"email": "pat@clinic.example.org"}, headers=headers
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    link = re.search(r'id="continue-to-provider" href="([^"]+)"', response.get_data(as_text=True))
    sent = query(html.unescape(link.group(1)))
    assert sent["redirect_uri"] == "https://learn.example.org/login/organization/callback"


def test_the_admin_page_shows_the_configured_redirect_uri(client, auth, make_user):
    auth.login_as(make_user(role="admin"))
    page = client.get("/admin/sign-in-providers").get_data(as_text=True)
    assert "https://learn.example.org/login/organization/callback" in page
