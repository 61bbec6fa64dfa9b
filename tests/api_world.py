"""Two organizations with people and records, and tokens for them, for the REST API's tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from lms.accounts.models import User
from lms.api import services as api
from lms.database import utcnow
from lms.extensions import db
from lms.organizations import services as organizations
from lms.organizations.models import Organization
from tests.site_pages import TRUST, build_site
from tests.test_quizzes import FRONT_DESK


@dataclass
class World:
    """Clinic A (the lived-in site's, with a certificate) and clinic B (its own people)."""

    admin: User
    manager: User
    learner: User
    a: Organization
    b: Organization
    b_people: list[User] = field(default_factory=list)


def build_world(client, auth, make_user, publish) -> World:
    """Build the lived-in site, then a second clinic whose people enrol and register."""
    site = build_site(client, auth, make_user, publish)
    admin = site.users["admin"]
    a = db.session.query(Organization).one()
    b = organizations.create_organization("Riverside Family Practice", "clinic", actor=admin)
    people = [make_user(name="Bea Riverside"), make_user(name="Bo Riverside")]
    for person in people:
        organizations.add_member(b, person, "member", actor=admin)
    db.session.commit()
    for person in people:
        auth.login_as(person)
        client.post(f"/courses/{FRONT_DESK}/start")
        client.post(f"/webinars/{TRUST}/register")
        auth.logout()
    return World(admin, site.users["manager"], site.users["learner"], a, b, people)


def make_token(*scopes: str, days: int = 30, **owner) -> str:
    """Create a token for one owner (user=, organization= or chapter=) and return its plaintext."""
    actor = owner.get("user") or db.session.query(User).filter_by(role="admin").first()
    token, raw = api.create_token(
        "test", list(scopes), utcnow() + timedelta(days=days), actor=actor, now=utcnow(), **owner
    )
    db.session.commit()
    return raw


def bearer(raw: str) -> dict[str, str]:
    """Return the Authorization header for a token."""
    return {"Authorization": f"Bearer {raw}"}
