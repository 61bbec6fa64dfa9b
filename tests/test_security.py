"""Who can reach what, and the headers and error pages every visitor gets."""

from __future__ import annotations

import pytest

from lms.security import CONTENT_SECURITY_POLICY

# (method, path, who may use it). "anyone" pages are public; "signed-in" needs an account.
ROUTES = [
    ("GET", "/", "anyone"),
    ("GET", "/support", "anyone"),
    ("GET", "/login", "anyone"),
    ("GET", "/signup", "anyone"),
    ("GET", "/reset", "anyone"),
    ("GET", "/courses", "anyone"),
    ("GET", "/courses/tic-pediatric-essentials", "anyone"),
    ("GET", "/account", "learner"),
    ("GET", "/my-learning", "learner"),
    ("POST", "/courses/tic-pediatric-essentials/start", "learner"),
    ("GET", "/courses/tic-pediatric-essentials/learn", "learner"),
    ("GET", "/account/password", "learner"),
    ("GET", "/admin/", "admin"),
    ("GET", "/admin/users", "admin"),
    ("POST", "/admin/users/{other_id}/role", "admin"),
    ("POST", "/admin/users/{other_id}/deactivate", "admin"),
    ("POST", "/admin/users/{other_id}/reactivate", "admin"),
    ("GET", "/admin/reports", "admin"),
    ("GET", "/admin/reports?course=tic-pediatric-essentials", "admin"),
    ("GET", "/admin/audit", "admin"),
    ("GET", "/authoring", "author"),
    ("GET", "/authoring/guide", "author"),
]
RANK = {"anonymous": -1, "learner": 0, "author": 1, "admin": 2}


@pytest.mark.parametrize("who", ["anonymous", "learner", "author", "admin"])
@pytest.mark.parametrize(("method", "path", "needs"), ROUTES)
def test_route_by_role_matrix(client, auth, make_user, publish, who, method, path, needs):
    publish()
    other = make_user(name="Someone Else")
    if who != "anonymous":
        auth.login_as(make_user(role=who))
    url = path.format(other_id=other.id)
    data = {"role": "learner"} if method == "POST" else None
    response = (
        client.open(url, method=method, data=data)
        if method == "GET"
        else client.post(url, data=data)
    )

    if needs == "anyone" or (needs != "anyone" and RANK[who] >= RANK[needs]):
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert "/login" not in response.headers["Location"]
    elif who == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    else:
        assert response.status_code == 403
        assert b"This page is not available to you" in response.data


def test_a_learner_cannot_change_roles(client, auth, make_user):
    target = make_user(name="Target")
    auth.login_as(make_user())
    response = client.post(f"/admin/users/{target.id}/role", data={"role": "admin"})
    assert response.status_code == 403
    assert target.role == "learner"


def test_an_admin_changes_a_role_and_cannot_demote_themselves(client, auth, make_user):
    admin = make_user(role="admin")
    author = make_user(name="Future Author")
    auth.login_as(admin)
    response = client.post(f"/admin/users/{author.id}/role", data={"role": "author"})
    assert response.status_code == 302
    assert author.role == "author"
    client.post(f"/admin/users/{admin.id}/role", data={"role": "learner"})
    assert admin.role == "admin"


def test_admin_can_search_people(client, auth, make_user):
    auth.login_as(make_user(role="admin", name="Ada Admin"))
    make_user("zoe@example.org", name="Zoë Learner")
    make_user("sam@example.org", name="Sam Learner")
    page = client.get("/admin/users?q=zo").data.decode()
    assert "Zoë Learner" in page and "Sam Learner" not in page


def test_role_change_with_an_unknown_role_is_a_bad_request(client, auth, make_user):
    target = make_user()
    auth.login_as(make_user(role="admin"))
    assert (
        client.post(f"/admin/users/{target.id}/role", data={"role": "superuser"}).status_code == 400
    )
    assert client.post("/admin/users/999999/role", data={"role": "author"}).status_code == 404


def test_every_page_carries_strict_security_headers(client):
    response = client.get("/login")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client, auth, make_user):
    auth.login_as(make_user(role="admin"))
    for path in [
        "/",
        "/login",
        "/account",
        "/admin/",
        "/admin/users",
        "/admin/reports",
        "/admin/audit",
        "/support",
    ]:
        html = client.get(path).data.decode()
        assert "<script>" not in html and "<script " not in html.replace(
            '<script src="/static/', ""
        )
        assert " style=" not in html
        assert " onclick=" not in html


def test_signed_in_pages_are_not_cached(client, auth, make_user):
    auth.login_as(make_user())
    assert client.get("/account").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/no-such-page", 404, b"We could not find that page"),
        ("/logout", 405, b"That action is not possible here"),
    ],
)
def test_error_pages_are_friendly(client, path, status, text):
    response = client.get(path)
    assert response.status_code == status
    assert text in response.data
    assert b"Support and resources" in response.data


def test_server_errors_reveal_nothing(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail /srv/app/db.py")

    response = client.get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.data
    assert b"secret internal detail" not in response.data
    assert b"Traceback" not in response.data


def test_oversized_request_is_refused_with_413(client):
    response = client.post("/login", data={"email": "x" * (3 * 1024 * 1024), "password": "x"})
    assert response.status_code == 413
    assert b"That upload is too large" in response.data


def test_support_link_is_on_every_page(client, auth, make_user):
    pages = ["/", "/login", "/signup", "/reset", "/support", "/no-such-page"]
    for path in pages:
        html = client.get(path).data.decode()
        assert 'class="support-link" href="/support"' in html, path
    auth.login_as(make_user(role="admin"))
    for path in ["/account", "/admin/"]:
        assert 'class="support-link" href="/support"' in client.get(path).data.decode()
