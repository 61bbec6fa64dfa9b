"""Who can reach what, and the headers and error pages every visitor gets."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.security import CONTENT_SECURITY_POLICY

# Every route and method, with who may use it. "anyone" pages are public; "learner" needs an
# account; "author" and "admin" need that role; "manager" pages answer 404 to anyone who does
# not manage the organization (admins manage all), so that others' names stay hidden;
# "chapter" pages answer 404 to anyone who does not administer the chapter (admins: all).
# "token" routes answer 404 to every session: only a configured bearer token opens them.
# Ids that name nothing (999999, AAAA-...) check the gate, not the page: past the gate they 404.
# test_every_route_is_in_the_matrix fails when a route is added without a line here.
SLUG = "tic-pediatric-essentials"
NOBODY = "AAAA-BBBB-CCCC-DDDD"
NO_WEBINAR = "no-such-webinar"
ROUTES = [
    ("GET", "/", "anyone"),
    ("GET", "/support", "anyone"),
    ("GET", "/privacy", "anyone"),
    ("GET", "/healthz", "anyone"),
    ("GET", "/readyz", "anyone"),
    # Prometheus' bearer token, not a session: 404 to every signed-in role, admins included.
    ("GET", "/metrics", "token"),
    ("GET", "/login", "anyone"),
    ("POST", "/login", "anyone"),
    ("POST", "/logout", "anyone"),
    ("POST", "/language", "anyone"),
    ("GET", "/signup", "anyone"),
    ("POST", "/signup", "anyone"),
    ("GET", "/signup/check-email", "anyone"),
    ("GET", "/confirm/not-a-token", "anyone"),
    ("POST", "/confirm/not-a-token", "anyone"),
    ("GET", "/reset", "anyone"),
    ("POST", "/reset", "anyone"),
    ("GET", "/reset/not-a-token", "anyone"),
    ("POST", "/reset/not-a-token", "anyone"),
    ("GET", "/login/organization", "anyone"),
    ("POST", "/login/organization", "anyone"),
    ("GET", "/login/organization/callback", "anyone"),
    ("GET", "/login/organization/profile", "anyone"),
    ("POST", "/login/organization/profile", "anyone"),
    ("GET", "/courses", "anyone"),
    ("GET", f"/courses/{SLUG}", "anyone"),
    ("GET", "/media/0000/nothing.png", "anyone"),
    ("GET", "/webinars", "anyone"),
    ("GET", "/webinars/calendar.ics", "anyone"),
    ("GET", "/webinars/no-such-webinar", "anyone"),
    ("POST", "/webinars/no-such-webinar/register", "learner"),
    ("POST", "/webinars/no-such-webinar/cancel", "learner"),
    ("GET", "/paths/no-such-path", "anyone"),
    ("GET", "/paths/no-such-path/certificate.pdf", "learner"),
    ("GET", "/resources", "anyone"),
    ("GET", "/resources/calm-routines", "anyone"),
    ("GET", "/resources/calm-routines/es", "anyone"),
    ("GET", f"/verify/{NOBODY}", "anyone"),
    ("GET", "/account", "learner"),
    ("POST", "/account", "learner"),
    ("GET", "/account/password", "learner"),
    ("POST", "/account/password", "learner"),
    ("POST", "/account/board-reporting", "learner"),
    ("POST", "/account/data.zip", "learner"),
    ("GET", "/account/delete", "learner"),
    ("POST", "/account/delete", "learner"),
    ("GET", "/my-learning", "learner"),
    ("POST", f"/courses/{SLUG}/start", "learner"),
    ("POST", f"/courses/{SLUG}/start-again", "learner"),
    ("POST", f"/courses/{SLUG}/move-to-new-version", "learner"),
    ("POST", f"/courses/{SLUG}/keep-version", "learner"),
    ("POST", f"/courses/{SLUG}/quiz/no-such-page/request-attempt", "learner"),
    ("GET", "/quiz-attempts", "author"),
    ("POST", "/quiz-attempts", "author"),
    ("POST", "/quiz-attempts/requests/999999", "author"),
    ("GET", f"/courses/{SLUG}/learn", "learner"),
    ("GET", f"/courses/{SLUG}/learn/no-such-page", "learner"),
    ("POST", f"/courses/{SLUG}/learn/no-such-page/continue", "learner"),
    ("POST", f"/courses/{SLUG}/learn/no-such-page/complete", "learner"),
    ("POST", f"/courses/{SLUG}/learn/no-such-page/time", "learner"),
    ("POST", f"/courses/{SLUG}/quiz/no-such-page/start", "learner"),
    ("GET", f"/courses/{SLUG}/quiz/no-such-page/attempts/999999", "learner"),
    ("POST", f"/courses/{SLUG}/quiz/no-such-page/attempts/999999", "learner"),
    ("POST", f"/courses/{SLUG}/quiz/no-such-page/attempts/999999/draft", "learner"),
    ("POST", f"/courses/{SLUG}/evaluation/no-such-page", "learner"),
    ("GET", f"/courses/{SLUG}/credit", "learner"),
    ("POST", f"/courses/{SLUG}/credit", "learner"),
    ("GET", f"/certificates/{NOBODY}", "learner"),
    ("GET", f"/certificates/{NOBODY}.pdf", "learner"),
    ("GET", "/transcript", "learner"),
    ("GET", "/transcript.pdf", "learner"),
    ("GET", "/transcript.csv", "learner"),
    ("GET", "/transcript/external/new", "learner"),
    ("POST", "/transcript/external/new", "learner"),
    ("GET", "/transcript/external/999999.pdf", "learner"),
    ("POST", "/transcript/external/999999/delete", "learner"),
    ("GET", f"/courses/{SLUG}/results", "author"),
    ("GET", f"/courses/{SLUG}/results/999999", "author"),
    ("GET", "/my-team", "manager"),
    ("GET", "/organizations/{org_id}", "manager"),
    ("POST", "/organizations/{org_id}/assignments", "manager"),
    ("GET", "/organizations/{org_id}/assignments/999999/remove", "manager"),
    ("POST", "/organizations/{org_id}/assignments/999999/remove", "manager"),
    ("POST", "/organizations/{org_id}/reminders", "manager"),
    ("POST", "/organizations/{org_id}/members", "admin"),
    ("GET", "/organizations/{org_id}/members/999999/remove", "manager"),
    ("POST", "/organizations/{org_id}/members/999999/remove", "manager"),
    ("POST", "/organizations/{org_id}/invitations", "manager"),
    ("POST", "/organizations/{org_id}/invitations/999999/resend", "manager"),
    ("POST", "/organizations/{org_id}/invitations/999999/revoke", "manager"),
    ("GET", "/organizations/{org_id}/import", "manager"),
    ("POST", "/organizations/{org_id}/import", "manager"),
    ("POST", "/organizations/{org_id}/import/apply", "manager"),
    ("GET", "/invitations/not-a-token", "anyone"),
    ("POST", "/invitations/not-a-token", "anyone"),
    ("POST", "/invitations/not-a-token/single-sign-on", "anyone"),
    ("GET", "/chapter/{chapter_id}", "anyone"),
    ("GET", "/my-chapter", "chapter"),
    ("GET", "/chapters/{chapter_id}", "chapter"),
    ("POST", "/chapters/{chapter_id}/organizations", "chapter"),
    ("GET", "/chapters/{chapter_id}/reports", "chapter"),
    ("GET", "/chapters/{chapter_id}/reports.csv", "chapter"),
    ("GET", "/chapters/{chapter_id}/audit", "chapter"),
    ("GET", "/chapters/{chapter_id}/sign-in-providers", "chapter"),
    ("POST", "/chapters/{chapter_id}/sign-in-providers", "chapter"),
    ("GET", "/chapters/{chapter_id}/sign-in-providers/999999", "chapter"),
    ("POST", "/chapters/{chapter_id}/sign-in-providers/999999", "chapter"),
    ("POST", "/chapters/{chapter_id}/admins", "admin"),
    ("GET", "/admin/chapters", "admin"),
    ("POST", "/admin/chapters", "admin"),
    ("GET", "/admin/", "admin"),
    ("GET", "/admin/users", "admin"),
    ("POST", "/admin/users/{other_id}/role", "admin"),
    ("POST", "/admin/users/{other_id}/deactivate", "admin"),
    ("POST", "/admin/users/{other_id}/reactivate", "admin"),
    ("GET", "/admin/users/{other_id}/delete", "admin"),
    ("POST", "/admin/users/{other_id}/delete", "admin"),
    ("GET", "/admin/reports", "admin"),
    ("GET", f"/admin/reports?course={SLUG}", "admin"),
    ("GET", "/admin/audit", "admin"),
    ("GET", "/admin/organizations", "admin"),
    ("POST", "/admin/organizations", "admin"),
    ("GET", "/admin/certificates", "admin"),
    ("GET", f"/admin/certificates/{NOBODY}", "admin"),
    ("POST", f"/admin/certificates/{NOBODY}/revoke", "admin"),
    ("POST", f"/admin/certificates/{NOBODY}/reissue", "admin"),
    ("GET", "/admin/certificates/archive.zip", "admin"),
    ("GET", "/admin/exports", "admin"),
    ("GET", "/admin/exports/pars", "admin"),
    ("GET", "/admin/exports/completions.csv", "admin"),
    ("GET", "/admin/exports/completions.xlsx", "admin"),
    ("GET", "/admin/exports/pars.csv", "admin"),
    ("GET", "/admin/reporting", "admin"),
    ("POST", "/admin/reporting/abp-moc/batches", "admin"),
    ("GET", "/admin/reporting/abp-moc/claims/999999/correct", "admin"),
    ("POST", "/admin/reporting/abp-moc/claims/999999/correct", "admin"),
    ("GET", "/admin/reporting/batches/999999.txt", "admin"),
    ("GET", "/newsletter", "anyone"),
    ("POST", "/newsletter/subscribe", "anyone"),
    ("GET", "/newsletter/check-email", "anyone"),
    ("GET", "/newsletter/confirm/not-a-token", "anyone"),
    ("POST", "/newsletter/confirm/not-a-token", "anyone"),
    ("GET", "/newsletter/manage/not-a-token", "anyone"),
    ("POST", "/newsletter/manage/not-a-token", "anyone"),
    ("POST", "/newsletter/manage/not-a-token/delete", "anyone"),
    ("GET", "/newsletter/unsubscribe/not-a-token", "anyone"),
    ("POST", "/newsletter/unsubscribe/not-a-token", "anyone"),
    ("GET", "/newsletter/archive", "anyone"),
    ("GET", "/newsletter/archive/999999", "anyone"),
    ("GET", "/account/notifications", "learner"),
    ("POST", "/account/notifications", "learner"),
    ("GET", "/admin/newsletter", "admin"),
    ("POST", "/admin/newsletter/draft", "admin"),
    ("GET", "/admin/newsletter/issues/999999", "admin"),
    ("POST", "/admin/newsletter/issues/999999/send", "admin"),
    ("POST", "/admin/newsletter/issues/999999/retry", "admin"),
    ("GET", "/admin/newsletter/subscribers.csv", "admin"),
    ("GET", "/admin/sign-in-providers", "admin"),
    ("POST", "/admin/sign-in-providers", "admin"),
    ("GET", "/admin/sign-in-providers/999999", "admin"),
    ("POST", "/admin/sign-in-providers/999999", "admin"),
    ("GET", "/admin/webhooks", "admin"),
    ("POST", "/admin/webhooks", "admin"),
    ("GET", "/admin/webhooks/999999", "admin"),
    ("POST", "/admin/webhooks/999999/disable", "admin"),
    ("POST", "/admin/webhooks/999999/enable", "admin"),
    ("GET", "/admin/webhooks/999999/delete", "admin"),
    ("POST", "/admin/webhooks/999999/delete", "admin"),
    ("POST", "/admin/webhooks/999999/deliveries/999999/replay", "admin"),
    ("GET", "/authoring", "author"),
    ("GET", "/authoring/guide", "author"),
    ("GET", f"/webinars/{NO_WEBINAR}/attendance", "learner"),
    ("POST", f"/webinars/{NO_WEBINAR}/attendance", "learner"),
    ("GET", f"/webinars/{NO_WEBINAR}/evaluation", "learner"),
    ("POST", f"/webinars/{NO_WEBINAR}/evaluation", "learner"),
    ("GET", f"/webinars/{NO_WEBINAR}/credit", "learner"),
    ("POST", f"/webinars/{NO_WEBINAR}/credit", "learner"),
    # Organisers of webinars are their authors and the admins.
    ("GET", f"/webinars/{NO_WEBINAR}/organize", "author"),
    ("POST", f"/webinars/{NO_WEBINAR}/organize/import", "author"),
    ("POST", f"/webinars/{NO_WEBINAR}/organize/attendance", "author"),
    ("GET", f"/webinars/{NO_WEBINAR}/organize/roster.csv", "author"),
    ("GET", f"/webinars/{NO_WEBINAR}/organize/roster.xlsx", "author"),
    ("POST", f"/webinars/{NO_WEBINAR}/organize/message", "author"),
    ("POST", f"/webinars/{NO_WEBINAR}/organize/cancel", "author"),
    ("POST", f"/webinars/{NO_WEBINAR}/organize/recording", "author"),
    # API tokens: site admins (and chapter admins, for their chapter's tokens).
    ("GET", "/admin/api-tokens/", "admin"),
    ("GET", "/admin/api-tokens/new", "admin"),
    ("POST", "/admin/api-tokens/new", "admin"),
    ("GET", "/admin/api-tokens/999999", "admin"),
    ("POST", "/admin/api-tokens/999999/revoke", "admin"),
    # The REST API takes bearer tokens only: a session cookie, whoever's, gets 401.
    ("GET", "/api/v1/openapi.json", "anyone"),
    ("GET", "/api/v1/users", "api"),
    ("GET", "/api/v1/users/999999", "api"),
    ("GET", "/api/v1/organizations", "api"),
    ("GET", "/api/v1/organizations/999999", "api"),
    ("GET", "/api/v1/organizations/999999/members", "api"),
    ("GET", "/api/v1/assignments", "api"),
    ("POST", "/api/v1/assignments", "api"),
    ("GET", "/api/v1/assignments/999999", "api"),
    ("GET", "/api/v1/enrolments", "api"),
    ("GET", "/api/v1/completions", "api"),
    ("GET", "/api/v1/claims", "api"),
    ("GET", "/api/v1/certificates", "api"),
    ("GET", f"/api/v1/certificates/{NOBODY}", "api"),
    ("GET", f"/api/v1/certificates/{NOBODY}/pdf", "api"),
    ("GET", "/api/v1/webinars", "api"),
    ("GET", "/api/v1/webinars/999999", "api"),
    ("GET", "/api/v1/webinars/999999/registrations", "api"),
    ("GET", "/api/v1/webinars/999999/attendance", "api"),
]
RANK = {"anonymous": -1, "learner": 0, "author": 1, "admin": 2}
NEEDS_RANK = {
    "anyone": -1,
    "learner": 0,
    "author": 1,
    "manager": 2,
    "chapter": 2,
    "admin": 2,
    "api": 3,  # no role is enough: only a bearer token (tests/test_api.py)
    "token": 3,  # /metrics: only LMS_METRICS_TOKEN, 404 for everyone else
}


def _rule_of(app, method: str, path: str) -> tuple[str, str]:
    adapter = app.url_map.bind("localhost")
    rule, _ = adapter.match(path.split("?")[0], method=method, return_rule=True)
    return rule.rule, method


def test_every_route_is_in_the_matrix(app):
    placeholders = {"org_id": 1, "other_id": 1, "chapter_id": 1}
    covered = {_rule_of(app, method, path.format(**placeholders)) for method, path, _ in ROUTES}
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    missing = sorted(routes - covered)
    assert missing == [], f"add these routes to ROUTES in {__file__}: {missing}"


@pytest.mark.parametrize("who", ["anonymous", "learner", "author", "admin"])
@pytest.mark.parametrize(("method", "path", "needs"), ROUTES)
def test_route_by_role_matrix(client, auth, make_user, who, method, path, needs):
    from lms.chapters import services as chapters
    from lms.organizations import services as organizations

    other = make_user(name="Someone Else")
    chapter = chapters.create_chapter("Matrix Chapter", None, actor=None)
    organization = organizations.create_organization(
        "Matrix Clinic", "clinic", actor=None, chapter=chapter
    )
    organizations.add_member(organization, other, "member", actor=None)
    db.session.commit()
    if who != "anonymous":
        auth.login_as(make_user(role=who))
    url = path.format(other_id=other.id, org_id=organization.id, chapter_id=chapter.id)
    data = {"role": "learner"} if method == "POST" else None
    response = client.open(url, method="GET") if method == "GET" else client.post(url, data=data)
    location = response.headers.get("Location", "")
    response.close()  # a download (the XLSX export) holds a temporary file until closed

    assert response.status_code < 500, response.status_code
    if needs == "api":
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert "Set-Cookie" not in response.headers
    elif needs == "token":
        assert response.status_code == 404
    elif RANK[who] >= NEEDS_RANK[needs]:
        assert response.status_code != 403
        assert not location.startswith("/login"), location
    elif who == "anonymous":
        assert response.status_code == 302
        assert location.startswith("/login?next=")
    elif needs in ("manager", "chapter"):
        assert response.status_code == 404
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
