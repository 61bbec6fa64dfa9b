"""Remove links lead to a plain confirmation page (no JavaScript needed); only its form acts."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from lms.extensions import db
from lms.organizations.models import Assignment, Membership
from tests.conftest import has_inline_script
from tests.test_organizations import assign_to_clinic, clinic  # noqa: F401  (fixture)


def test_opening_remove_asks_first_and_changes_nothing(client, auth, clinic):  # noqa: F811
    assignment = assign_to_clinic(clinic, date.today() + timedelta(days=20))
    org = clinic["organization"]
    auth.login_as(clinic["admin"])
    dashboard = client.get(f"/organizations/{org.id}").text
    unassign = f"/organizations/{org.id}/assignments/{assignment.id}/remove"
    assert f'href="{unassign}"' in dashboard  # a link, not a one-click form

    question = client.get(unassign)
    assert question.status_code == 200
    assert "Nothing anyone completed is lost" in question.text
    assert f'href="/organizations/{org.id}">Cancel, keep it</a>' in question.text
    assert '<form method="post"' in question.text and not has_inline_script(question.text)
    membership = db.session.scalar(select(Membership).where(Membership.role == "manager"))
    assert (
        "will no longer manage it"
        in client.get(f"/organizations/{org.id}/members/{membership.id}/remove").text
    )
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 4

    assert client.post(unassign, csrf=False).status_code == 400  # a forged post does nothing
    assert client.post(unassign).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
