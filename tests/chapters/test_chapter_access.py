"""Chapter admins run their own chapter's organizations and see nothing of other chapters.

Every chapter and organization route, as a site admin, the admins of two chapters, managers
of organizations in each (one of them also a member in the other chapter), a learner in both,
and an anonymous visitor: who gets in, and who gets a 404 that reveals nothing.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.invitations import services as invitations
from lms.organizations.models import Membership
from tests.conftest import AuthActions

WHO = [
    "site_admin",
    "north_admin",
    "south_admin",
    "north_manager",
    "south_manager",
    "learner",
    "anonymous",
]
# Routes of one chapter and of one organization, tried in each chapter. {p} is a sign-in
# provider of that chapter, {m} a plain member's membership in the organization, {i} an
# invitation of it and {a} an assignment it made.
CHAPTER_ROUTES = [
    ("GET", "/chapters/{chapter}"),
    ("POST", "/chapters/{chapter}/organizations"),
    ("GET", "/chapters/{chapter}/reports"),
    ("GET", "/chapters/{chapter}/reports.csv"),
    ("GET", "/chapters/{chapter}/audit"),
    ("GET", "/chapters/{chapter}/sign-in-providers"),
    ("POST", "/chapters/{chapter}/sign-in-providers"),
    ("GET", "/chapters/{chapter}/sign-in-providers/{p}"),
    ("POST", "/chapters/{chapter}/sign-in-providers/{p}"),
]
# Only site admins appoint chapter admins, and add an account to an organization directly
# (its answer tells whether an account exists; others invite): everyone else signed in gets 403.
SITE_ADMIN_CHAPTER_ROUTES = [("POST", "/chapters/{chapter}/admins")]
SITE_ADMIN_ORGANIZATION_ROUTES = [("POST", "/organizations/{org}/members")]
ORGANIZATION_ROUTES = [
    ("GET", "/organizations/{org}"),
    ("POST", "/organizations/{org}/assignments"),
    ("GET", "/organizations/{org}/assignments/{a}/remove"),
    ("POST", "/organizations/{org}/reminders"),
    ("GET", "/organizations/{org}/members/{m}/remove"),
    ("POST", "/organizations/{org}/invitations"),
    ("POST", "/organizations/{org}/invitations/{i}/resend"),
    ("POST", "/organizations/{org}/invitations/{i}/revoke"),
    ("GET", "/organizations/{org}/import"),
    ("POST", "/organizations/{org}/import"),
    ("POST", "/organizations/{org}/import/apply"),
    # Last: they remove what the routes above use.
    ("POST", "/organizations/{org}/assignments/{a}/remove"),
    ("POST", "/organizations/{org}/members/{m}/remove"),
]
CHAPTER_ALLOWED = {"north": {"site_admin", "north_admin"}, "south": {"site_admin", "south_admin"}}
ORGANIZATION_ALLOWED = {
    "north": {"site_admin", "north_admin", "north_manager"},
    "south": {"site_admin", "south_admin", "south_manager"},
}


def test_every_chapter_and_organization_route_is_in_these_lists(app):
    adapter = app.url_map.bind("localhost")
    values = {"chapter": 1, "org": 1, "p": 1, "m": 1, "i": 1, "a": 1}
    listed = set()
    for method, path in (
        CHAPTER_ROUTES
        + SITE_ADMIN_CHAPTER_ROUTES
        + ORGANIZATION_ROUTES
        + SITE_ADMIN_ORGANIZATION_ROUTES
    ):
        rule, _ = adapter.match(path.format(**values), method=method, return_rule=True)
        listed.add((method, rule.rule))
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/chapters/", "/organizations/"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert sorted(routes - listed) == []


def _client(app, two_chapters, who):
    client = app.test_client()
    if who != "anonymous":
        AuthActions(client).login_as(two_chapters.people[who])
    return client


def _check(client, method, url, allowed, who):
    response = client.get(url) if method == "GET" else client.post(url, data={})
    location = response.headers.get("Location", "")
    assert response.status_code < 500, (who, url)
    if who in allowed:
        assert response.status_code not in (403, 404), (who, method, url, response.status_code)
        assert not location.startswith("/login"), (who, url)
    elif who == "anonymous":
        assert response.status_code == 302 and location.startswith("/login?next="), (who, url)
    else:
        assert response.status_code == 404, (who, method, url, response.status_code)


@pytest.mark.parametrize("who", WHO)
def test_chapter_pages_open_only_to_their_admins_and_site_admins(app, two_chapters, who):
    from lms.sso import services as sso

    for side in ("north", "south"):
        chapter = getattr(two_chapters, side)
        provider = sso.create_provider(
            display_name=f"{side} Health",
            issuer=f"https://login.{side}-health.org",
            client_id="lms",
            client_secret="secret",
            domains=[f"{side}-health.org"],
            organization=None,
            chapter=chapter,
            actor=None,
        )
        db.session.commit()
        client = _client(app, two_chapters, who)
        for method, path in CHAPTER_ROUTES:
            url = path.format(chapter=chapter.id, p=provider.id)
            _check(client, method, url, CHAPTER_ALLOWED[side], who)
        for _method, path in SITE_ADMIN_CHAPTER_ROUTES:
            _check_site_admin_only(client, path.format(chapter=chapter.id), who)


@pytest.mark.parametrize("who", WHO)
def test_organization_pages_open_to_their_chapter_admins_and_managers_only(
    app, two_chapters, publish, who, tmp_path
):
    import shutil
    from datetime import date

    from lms.courses.models import Course
    from lms.organizations import services as organizations
    from tests.conftest import ROOT

    # One short course is enough for an assignment, and publishes in a fraction of the time.
    (tmp_path / "courses").mkdir()
    front_desk = "trauma-informed-front-desk"
    shutil.copytree(ROOT / "courses" / front_desk, tmp_path / "courses" / front_desk)
    publish(tmp_path / "courses")
    course = db.session.scalar(select(Course).order_by(Course.id))
    for side in ("north", "south"):
        organization = getattr(two_chapters, f"{side}_clinic")
        learner = db.session.scalar(
            select(Membership).where(
                Membership.organization_id == organization.id,
                Membership.user_id == two_chapters.people["learner"].id,
            )
        )
        invitations.invite(
            organization,
            invitations.Invitee(f"new.{side}@example.org", "New Person", "nurse"),
            actor=None,
            now=_now(),
        )
        assignment = organizations.assign_course(
            course,
            due_date=date.today(),
            actor=None,
            user=two_chapters.people["learner"],
            owner=organization,
            today=date.today(),
        )
        db.session.commit()
        invitation = invitations.invitations_of(organization)[0]
        # A fresh client per organization: a revoked invitation must not hide the next route.
        client = _client(app, two_chapters, who)
        for method, path in ORGANIZATION_ROUTES:
            url = path.format(org=organization.id, m=learner.id, i=invitation.id, a=assignment.id)
            _check(client, method, url, ORGANIZATION_ALLOWED[side], who)
        for _method, path in SITE_ADMIN_ORGANIZATION_ROUTES:
            _check_site_admin_only(client, path.format(org=organization.id), who)


def _check_site_admin_only(client, url, who):
    response = client.post(url, data={})
    expected = {"site_admin": 200, "anonymous": 302}.get(who, 403)
    assert response.status_code == expected, (who, url, response.status_code)


@pytest.mark.parametrize("who", ["north_admin", "north_manager", "learner"])
def test_chapter_admins_and_managers_get_no_site_admin_or_author_page(app, two_chapters, who):
    from tests.test_security import ROUTES

    client = _client(app, two_chapters, who)
    for method, path, needs in ROUTES:
        if needs not in ("admin", "author"):
            continue
        if path.startswith("/admin/api-tokens/") and who.endswith("_admin"):
            continue  # a chapter admin's own chapter tokens (tests/test_api.py: only those)
        url = path.format(other_id=1, org_id=two_chapters.north_clinic.id, chapter_id=1)
        response = client.get(url) if method == "GET" else client.post(url, data={})
        response.close()
        assert response.status_code == 403, (who, method, url, response.status_code)


def _now():
    from lms.database import utcnow

    return utcnow()


def test_my_chapter_leads_each_chapter_admin_to_their_own_chapter(app, two_chapters):
    for who, chapter in (("north_admin", two_chapters.north), ("south_admin", two_chapters.south)):
        client = _client(app, two_chapters, who)
        response = client.get("/my-chapter")
        assert response.headers["Location"] == f"/chapters/{chapter.id}"
        assert "My chapter" in client.get("/my-learning").text
    for who in ("north_manager", "learner"):
        client = _client(app, two_chapters, who)
        assert client.get("/my-chapter").status_code == 404
        assert "My chapter" not in client.get("/my-learning").text


def test_a_chapter_admin_sees_none_of_the_other_chapters_names_or_events(app, two_chapters):
    client = _client(app, two_chapters, "north_admin")
    north = two_chapters.north.id
    pages = [
        client.get(f"/chapters/{north}").text,
        client.get(f"/chapters/{north}/reports").text,
        client.get(f"/chapters/{north}/reports.csv").text,
        client.get(f"/chapters/{north}/audit").text,
    ]
    for page in pages:
        assert "South Clinic" not in page and "South Chapter" not in page
    assert "North Clinic" in pages[0] and "North Clinic" in pages[1]
    # Its audit log holds the North's own events, not the South's.
    assert "north.manager@example.org" in pages[3] or "Nico North-Manager" in pages[3]
    assert "Sara South-Manager" not in pages[3] and "south.manager@example.org" not in pages[3]


def test_another_organizations_invitation_or_membership_is_not_found_through_yours(
    app, two_chapters
):
    south = two_chapters.south_clinic
    invitations.invite(
        south, invitations.Invitee("x@example.org", "X Person", "nurse"), actor=None, now=_now()
    )
    db.session.commit()
    invitation = invitations.invitations_of(south)[0]
    south_membership = db.session.scalar(
        select(Membership).where(Membership.organization_id == south.id)
    )
    client = _client(app, two_chapters, "north_admin")
    north = two_chapters.north_clinic.id
    assert (
        client.post(f"/organizations/{north}/invitations/{invitation.id}/revoke").status_code == 404
    )
    assert (
        client.get(f"/organizations/{north}/members/{south_membership.id}/remove").status_code
        == 404
    )
    db.session.refresh(invitation)
    assert invitation.revoked_at is None


def test_only_site_admins_create_chapters_and_appoint_their_admins(app, two_chapters):
    client = _client(app, two_chapters, "north_admin")
    assert client.get("/admin/chapters").status_code == 403
    assert (
        client.post(
            f"/chapters/{two_chapters.north.id}/admins", data={"email": "both@example.org"}
        ).status_code
        == 403
    )


def test_a_manager_removes_staff_but_not_another_manager(app, two_chapters, make_user):
    from lms.organizations import services as organizations

    clinic = two_chapters.north_clinic
    other_manager = make_user(name="Other Manager")
    organizations.add_member(clinic, other_manager, "manager", actor=None)
    db.session.commit()
    memberships = {
        m.user_id: m.id
        for m in db.session.scalars(
            select(Membership).where(Membership.organization_id == clinic.id)
        )
    }
    client = _client(app, two_chapters, "north_manager")
    learner = two_chapters.people["learner"]
    url = f"/organizations/{clinic.id}/members/{memberships[other_manager.id]}/remove"
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    url = f"/organizations/{clinic.id}/members/{memberships[learner.id]}/remove"
    assert "Remove Bea Both from North Clinic?" in client.get(url).text
    assert client.post(url).status_code == 302
    assert db.session.get(Membership, memberships[learner.id]) is None
