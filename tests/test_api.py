"""The REST API: tokens (scopes, expiry, revocation, hashing, use log, limits), reach, paging."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from lms.api.models import ApiToken, ApiUse
from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate
from lms.database import utcnow
from lms.extensions import db
from lms.organizations.models import Assignment
from tests.api_world import bearer, build_world, make_token
from tests.test_quizzes import FRONT_DESK


@pytest.fixture()
def world(client, auth, make_user, publish):
    return build_world(client, auth, make_user, publish)


def post_json(client, path, json, headers):
    """Post JSON as an API client does: no form, no CSRF token."""
    return client.open(path, method="POST", json=json, headers=headers)


def problem(response, status):
    assert response.status_code == status, response.data
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    return body


def test_a_missing_scope_is_a_403_problem(client, world):
    raw = make_token("read:completions", organization=world.a)
    assert client.get("/api/v1/completions", headers=bearer(raw)).status_code == 200
    body = problem(client.get("/api/v1/organizations", headers=bearer(raw)), 403)
    assert "read:organizations" in body["detail"]


def test_expired_revoked_and_unknown_tokens_are_401(client, world, clock):
    clock.set(utcnow())
    raw = make_token("read:organizations", organization=world.a, days=1)
    assert client.get("/api/v1/organizations", headers=bearer(raw)).status_code == 200
    clock.advance(timedelta(days=2))
    response = client.get("/api/v1/organizations", headers=bearer(raw))
    problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    clock.advance(timedelta(days=-2))

    token = db.session.scalar(select(ApiToken))
    from lms.api.services import revoke_token

    revoke_token(token, actor=world.admin, now=utcnow())
    db.session.commit()
    problem(client.get("/api/v1/organizations", headers=bearer(raw)), 401)
    problem(client.get("/api/v1/organizations", headers=bearer("lms_not-a-token")), 401)


def test_tokens_are_stored_hashed(client, world):
    raw = make_token("read:organizations", organization=world.a)
    dump = " ".join(
        str(value)
        for row in db.session.execute(text("SELECT * FROM api_tokens")).all()
        for value in row
    )
    assert raw not in dump
    assert raw[4:] not in dump  # not even without its prefix
    assert (
        db.session.scalar(select(ApiToken.token_hash)) == hashlib.sha256(raw.encode()).hexdigest()
    )


def test_every_use_is_logged_and_last_use_recorded_once_a_minute(client, world, clock):
    clock.set(utcnow())
    raw = make_token("read:organizations", organization=world.a)
    client.get("/api/v1/organizations", headers=bearer(raw))
    client.get("/api/v1/organizations/999999", headers=bearer(raw))
    client.get("/api/v1/users", headers=bearer(raw))
    uses = db.session.execute(select(ApiUse.method, ApiUse.path, ApiUse.status)).all()
    assert sorted(uses) == [
        ("GET", "/api/v1/organizations", 200),
        ("GET", "/api/v1/organizations/999999", 404),
        ("GET", "/api/v1/users", 403),
    ]
    token = db.session.scalar(select(ApiToken))
    first = token.last_used_at
    assert first is not None
    clock.advance(timedelta(seconds=30))
    client.get("/api/v1/organizations", headers=bearer(raw))
    db.session.refresh(token)
    assert token.last_used_at == first  # not rewritten within the minute
    clock.advance(timedelta(seconds=60))
    client.get("/api/v1/organizations", headers=bearer(raw))
    db.session.refresh(token)
    assert token.last_used_at > first


def test_rate_limits_count_per_token(app, client, world):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    raw = make_token("read:organizations", organization=world.a)
    other = make_token("read:organizations", organization=world.b)
    for _ in range(3):
        assert client.get("/api/v1/organizations", headers=bearer(raw)).status_code == 200
    response = client.get("/api/v1/organizations", headers=bearer(raw))
    problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/api/v1/organizations", headers=bearer(other)).status_code == 200


def test_a_session_cookie_alone_gets_401_and_the_api_sets_no_cookie(client, auth, world):
    auth.login_as(world.admin)
    response = client.get("/api/v1/organizations")
    problem(response, 401)
    assert "Set-Cookie" not in response.headers
    raw = make_token("read:organizations", user=world.admin)
    response = client.get("/api/v1/organizations", headers=bearer(raw))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    # A POST without CSRF token is judged on its bearer token, not refused as a forged form.
    response = post_json(
        client, "/api/v1/assignments", json={"course_slug": FRONT_DESK}, headers=bearer(raw)
    )
    assert response.status_code in (403, 422)
    assert response.content_type == "application/problem+json"


def test_errors_are_problem_details_everywhere_under_api(client, world):
    raw = make_token("read:organizations", organization=world.a)
    problem(client.get("/api/v1/no-such-thing", headers=bearer(raw)), 404)
    problem(client.delete("/api/v1/organizations", headers=bearer(raw)), 405)
    body = problem(client.get("/api/v1/organizations?limit=1000", headers=bearer(raw)), 422)
    assert "limit" in str(body["errors"])
    problem(client.get("/api/v1/organizations?cursor=bogus", headers=bearer(raw)), 422)


def test_tokens_see_what_their_owner_sees(client, world, make_user):
    a_token = make_token("read:organizations", organization=world.a)
    names = [
        o["name"]
        for o in client.get("/api/v1/organizations", headers=bearer(a_token)).json["items"]
    ]
    assert names == [world.a.name]
    problem(client.get(f"/api/v1/organizations/{world.b.id}", headers=bearer(a_token)), 404)
    manager_token = make_token("read:organizations", user=world.manager)
    names = [
        o["name"]
        for o in client.get("/api/v1/organizations", headers=bearer(manager_token)).json["items"]
    ]
    assert names == [world.a.name]
    admin_token = make_token("read:organizations", "read:users", user=world.admin)
    listed = client.get("/api/v1/organizations", headers=bearer(admin_token)).json["items"]
    assert {o["name"] for o in listed} == {world.a.name, world.b.name}
    # People are for site admins' tokens only, even with the scope.
    learner_token = make_token("read:users", user=world.learner)
    problem(client.get("/api/v1/users", headers=bearer(learner_token)), 403)
    assert client.get("/api/v1/users", headers=bearer(admin_token)).status_code == 200


def test_members_completions_and_certificates_follow_the_token(client, world):
    a_token = make_token(
        "read:organizations", "read:completions", "read:certificates", organization=world.a
    )
    b_token = make_token(
        "read:organizations", "read:completions", "read:certificates", organization=world.b
    )
    members = client.get(f"/api/v1/organizations/{world.a.id}/members", headers=bearer(a_token))
    assert world.learner.email in {m["email"] for m in members.json["items"]}
    assert [
        c["user_id"]
        for c in client.get("/api/v1/completions", headers=bearer(a_token)).json["items"]
    ] == [world.learner.id]
    assert client.get("/api/v1/completions", headers=bearer(b_token)).json["items"] == []
    certificate = db.session.scalar(select(Certificate))
    shown = client.get(f"/api/v1/certificates/{certificate.public_id}", headers=bearer(a_token))
    assert shown.json["verification"]["certificate_id"] == certificate.public_id
    assert shown.json["verification"]["status"] == "valid"
    problem(
        client.get(f"/api/v1/certificates/{certificate.public_id}", headers=bearer(b_token)), 404
    )
    pdf = client.get(f"/api/v1/certificates/{certificate.public_id}/pdf", headers=bearer(a_token))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_pagination_and_date_filters(client, world):
    raw = make_token("read:progress", "read:webinars", user=world.admin)
    seen, pages, url = [], 0, "/api/v1/enrolments?limit=2"
    while url:
        page = client.get(url, headers=bearer(raw)).json
        seen += [e["id"] for e in page["items"]]
        pages += 1
        url = page["next_cursor"] and f"/api/v1/enrolments?limit=2&cursor={page['next_cursor']}"
    # The learner's two, staff's one and B's two: every one once, in three pages.
    assert len(seen) == len(set(seen)) == 5 and pages == 3
    by_b = client.get(f"/api/v1/enrolments?organization_id={world.b.id}", headers=bearer(raw)).json
    assert {e["user_id"] for e in by_b["items"]} == {p.id for p in world.b_people}
    later = (utcnow() + timedelta(hours=1)).isoformat()
    assert (
        client.get(
            f"/api/v1/enrolments?since={later.replace('+', '%2B')}", headers=bearer(raw)
        ).json["items"]
        == []
    )
    assert (
        len(
            client.get(
                f"/api/v1/enrolments?until={later.replace('+', '%2B')}", headers=bearer(raw)
            ).json["items"]
        )
        == 5
    )


def test_single_resources_have_etags(client, world):
    raw = make_token("read:organizations", organization=world.a)
    response = client.get(f"/api/v1/organizations/{world.a.id}", headers=bearer(raw))
    etag = response.headers["ETag"]
    assert response.headers["Cache-Control"] == "private, no-cache"  # people's records
    again = client.get(
        f"/api/v1/organizations/{world.a.id}", headers={**bearer(raw), "If-None-Match": etag}
    )
    assert again.status_code == 304 and again.data == b""


def test_write_assignments_scope_creates_an_assignment_for_the_tokens_organization(client, world):
    reader = make_token("read:assignments", organization=world.a)
    writer = make_token("write:assignments", organization=world.a)
    due = "2099-01-31"
    body = {"course_slug": FRONT_DESK, "organization_id": world.a.id, "due_date": due}
    problem(post_json(client, "/api/v1/assignments", json=body, headers=bearer(reader)), 403)
    response = post_json(client, "/api/v1/assignments", json=body, headers=bearer(writer))
    assert response.status_code == 201, response.data
    assert response.json["due_date"] == due and response.json["organization_id"] == world.a.id
    assignment = db.session.get(Assignment, response.json["id"])
    assert assignment.owner_organization_id == world.a.id
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "assignment.created", AuditEvent.target_id == str(assignment.id)
        )
    )
    # Not for another organization, nor for its people.
    problem(
        post_json(
            client,
            "/api/v1/assignments",
            json={**body, "organization_id": world.b.id},
            headers=bearer(writer),
        ),
        404,
    )
    body = {"course_slug": FRONT_DESK, "user_id": world.b_people[0].id, "due_date": due}
    problem(post_json(client, "/api/v1/assignments", json=body, headers=bearer(writer)), 404)
    listed = client.get("/api/v1/assignments", headers=bearer(reader)).json["items"]
    assert response.json["id"] in {a["id"] for a in listed}


def test_admin_creates_a_token_shown_once_and_revokes_it(client, auth, world):
    auth.login_as(world.admin)
    page = client.get("/admin/api-tokens/new")
    assert b"read:completions" in page.data
    response = client.post(
        "/admin/api-tokens/new",
        data={
            "name": "HR sync",
            "owner_kind": "organization",
            "organization": str(world.a.id),
            "scopes": ["read:completions", "read:certificates"],
            "expires_on": "2099-01-01",
        },
    )
    assert b"Choose an expiry date" in response.data  # more than a year away
    response = client.post(
        "/admin/api-tokens/new",
        data={
            "name": "HR sync",
            "owner_kind": "organization",
            "organization": str(world.a.id),
            "scopes": ["read:completions", "read:certificates"],
            "expires_on": (world.a.created_at + timedelta(days=100)).date().isoformat(),
        },
    )
    assert response.status_code == 201
    raw = (
        response.data.decode()
        .split('id="token-value" type="text" readonly value="')[1]
        .split('"')[0]
    )
    assert client.get("/api/v1/completions", headers=bearer(raw)).status_code == 200
    token = db.session.scalar(select(ApiToken))
    detail = client.get(f"/admin/api-tokens/{token.id}").data.decode()
    assert "GET /api/v1/completions" in detail and raw not in detail
    assert raw not in client.get("/admin/api-tokens/").data.decode()
    client.post(f"/admin/api-tokens/{token.id}/revoke")
    assert client.get("/api/v1/completions", headers=bearer(raw)).status_code == 401
    assert "Revoked" in client.get("/admin/api-tokens/").data.decode()


def test_chapter_admins_manage_only_their_chapters_tokens(client, auth, world, make_user):
    from lms.chapters import services as chapters

    chapter = chapters.create_chapter("North Chapter", None, actor=None)
    head = make_user(name="Chapter Head")
    chapters.appoint_admin(chapter, head, actor=None)
    db.session.commit()
    make_token("read:organizations", organization=world.a)
    auth.login_as(head)
    response = client.post(
        "/admin/api-tokens/new",
        data={
            "name": "Chapter sync",
            "owner_kind": "chapter",
            "chapter": str(chapter.id),
            "scopes": ["read:organizations"],
            "expires_on": (world.a.created_at + timedelta(days=30)).date().isoformat(),
        },
    )
    assert response.status_code == 201
    listing = client.get("/admin/api-tokens/").data.decode()
    assert "Chapter sync" in listing and ">test<" not in listing
    other = db.session.scalar(select(ApiToken).where(ApiToken.organization_id == world.a.id))
    assert client.get(f"/admin/api-tokens/{other.id}").status_code == 404


def test_lists_cost_the_same_few_queries_however_many_rows(
    client, auth, world, count_queries, make_user
):
    raw = make_token(
        "read:organizations", "read:progress", "read:assignments", "read:completions",
        user=world.admin,
    )  # fmt: skip
    paths = [
        f"/api/v1/organizations/{world.a.id}/members",
        "/api/v1/enrolments",
        "/api/v1/assignments",
        "/api/v1/completions",
    ]

    def costs() -> list[int]:
        counts = []
        for path in paths:
            db.session.expunge_all()  # as in a fresh request: nothing already loaded
            with count_queries() as statements:
                assert client.get(path, headers=bearer(raw)).status_code == 200
            counts.append(len(statements))
        return counts

    before = costs()
    from lms.organizations import services as organizations

    for n in range(3):
        person = make_user(name=f"New Member {n}")
        organizations.add_member(world.a, person, "member", actor=None)
        db.session.commit()
        auth.login_as(person)
        client.post(f"/courses/{FRONT_DESK}/start")
        auth.logout()
    assert costs() == before
