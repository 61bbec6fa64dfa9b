"""After signing in, people go back where they were, and never to another site."""

from __future__ import annotations

import pytest

from lms.links import local_redirect_target
from tests.conftest import TEST_PASSWORD

HOSTILE = [
    "////evil.example/",
    "//evil.example/",
    "///evil.example/",
    "\\\\evil.example/",
    "/\\evil.example/",
    "\\/evil.example/",
    "/\\/evil.example/",
    "https:evil.example",
    "https://evil.example/",
    "HTTPS://evil.example/",
    "javascript:alert(1)",
    "/%2F%2Fevil.example/",
    "/%2f/evil.example/",
    "%2F%2Fevil.example/",
    "/%5Cevil.example/",
    "/%252F%252Fevil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "\t//evil.example/",
    " //evil.example/",
    "/\r\n/evil.example/",
    "evil.example",
    "",
]
LOCAL = [
    ("/account", "/account"),
    ("/courses/tic-pediatric-essentials", "/courses/tic-pediatric-essentials"),
    ("/admin/users?q=ada&page=2", "/admin/users?q=ada&page=2"),
    ("/courses?q=a%20b", "/courses?q=a%20b"),
]


@pytest.mark.parametrize("target", HOSTILE)
def test_a_hostile_next_address_sends_a_signed_in_person_home(client, auth, make_user, target):
    auth.login_as(make_user())
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["////evil.example/", "/\\evil.example/", "/%2F%2Fevil.example"])
def test_signing_in_with_a_hostile_next_address_lands_on_the_home_page(client, make_user, target):
    user = make_user()
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(("target", "expected"), LOCAL)
def test_a_page_on_this_site_is_where_sign_in_returns(client, auth, make_user, target, expected):
    auth.login_as(make_user())
    response = client.get("/login", query_string={"next": target})
    assert response.headers["Location"] == expected


@pytest.mark.parametrize("target", HOSTILE)
def test_the_shared_check_refuses_every_way_of_naming_another_site(target):
    assert local_redirect_target(target) is None
