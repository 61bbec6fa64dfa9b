"""`flask organizations create`: an admin scripts the set-up of clinics and programs."""

from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from lms.organizations.models import Membership, Organization


def test_admin_creates_a_clinic_with_its_manager_and_members_from_a_script(
    runner, make_user, client, auth
):
    manager = make_user("mo@example.org", name="Mo Manager")
    make_user("sam@example.org", name="Sam Staff")
    result = runner.invoke(
        args=[
            "organizations", "create", "  Northside   Clinic ", "--kind", "clinic",
            "--manager", "MO@example.org", "--member", "sam@example.org",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created Northside Clinic" in result.output
    organization = db.session.scalar(select(Organization))
    assert organization.name == "Northside Clinic" and organization.kind == "clinic"
    roles = {
        m.user.email: m.role
        for m in db.session.scalars(select(Membership).where(Membership.organization_id == 1))
    }
    assert roles == {"mo@example.org": "manager", "sam@example.org": "member"}
    # The manager sees the team page at once.
    auth.login_as(manager)
    page = client.get("/my-team", follow_redirects=True)
    assert page.status_code == 200 and "Sam Staff" in page.text


def test_create_organization_refuses_duplicates_and_unknown_people_without_half_doing_it(
    runner, make_user
):
    assert runner.invoke(args=["organizations", "create", "Eastside"]).exit_code == 0
    again = runner.invoke(args=["organizations", "create", "EASTSIDE"])
    assert again.exit_code == 1 and "already exists" in again.output
    missing = runner.invoke(
        args=["organizations", "create", "Westside", "--manager", "nobody@example.org"]
    )
    assert missing.exit_code == 1
    assert "No account has the email address nobody@example.org" in missing.output
    assert db.session.scalars(select(Organization.name)).all() == ["Eastside"]
    bad_kind = runner.invoke(args=["organizations", "create", "Southside", "--kind", "castle"])
    assert bad_kind.exit_code == 2
