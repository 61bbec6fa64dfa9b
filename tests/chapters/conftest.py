"""Two chapters, each with a clinic, and people who belong to organizations in both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from lms.chapters import services as chapters
from lms.extensions import db
from lms.organizations import services as organizations
from tests.test_hostile_input import Form, FormParser


@dataclass
class TwoChapters:
    """Chapter North (clinic North Clinic) and chapter South (clinic South Clinic)."""

    north: Any
    south: Any
    north_clinic: Any
    south_clinic: Any
    people: dict[str, Any]


@pytest.fixture()
def two_chapters(app, make_user) -> TwoChapters:
    """Build both chapters with an admin each, managers and learners who overlap."""
    site_admin = make_user(role="admin", name="Site Admin")
    north = chapters.create_chapter("North Chapter", "north@example.org", actor=site_admin)
    south = chapters.create_chapter("South Chapter", "south@example.org", actor=site_admin)
    north_clinic = organizations.create_organization(
        "North Clinic", "clinic", actor=site_admin, chapter=north
    )
    south_clinic = organizations.create_organization(
        "South Clinic", "clinic", actor=site_admin, chapter=south
    )
    people = {
        "site_admin": site_admin,
        "north_admin": make_user("north.admin@example.org", name="Nora North-Admin"),
        "south_admin": make_user("south.admin@example.org", name="Sol South-Admin"),
        # Manages North Clinic and is a plain member of South Clinic.
        "north_manager": make_user("north.manager@example.org", name="Nico North-Manager"),
        "south_manager": make_user("south.manager@example.org", name="Sara South-Manager"),
        # A member of both clinics.
        "learner": make_user("both@example.org", name="Bea Both"),
    }
    chapters.appoint_admin(north, people["north_admin"], actor=site_admin)
    chapters.appoint_admin(south, people["south_admin"], actor=site_admin)
    organizations.add_member(north_clinic, people["north_manager"], "manager", actor=site_admin)
    organizations.add_member(south_clinic, people["north_manager"], "member", actor=site_admin)
    organizations.add_member(south_clinic, people["south_manager"], "manager", actor=site_admin)
    organizations.add_member(north_clinic, people["learner"], "member", actor=site_admin)
    organizations.add_member(south_clinic, people["learner"], "member", actor=site_admin)
    db.session.commit()
    return TwoChapters(north, south, north_clinic, south_clinic, people)


def form_on(client, url: str, action: str) -> Form:
    """Return the form on the page at `url` whose action ends with `action`, as rendered."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = FormParser(url)
    parser.feed(response.get_data(as_text=True))
    for form in parser.forms:
        if urlsplit(form.action).path.endswith(action):
            return form
    raise AssertionError(f"no form posting to {action} on {url}")


def submit(client, url: str, action: str, **values: Any) -> Any:
    """Fill the rendered form with `values` over its own fields and post it."""
    form = form_on(client, url, action)
    unknown = set(values) - set(form.fields)
    assert not unknown, f"the form has no fields {unknown}: {sorted(form.fields)}"
    data = {**form.fields, **values}
    return client.post(urlsplit(form.action).path, data=data, csrf=False)
