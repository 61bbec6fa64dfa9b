"""Several people inviting the same people, or importing the same file, at the same instant:
one invitation, one email, one membership each, and no error page, against the app served by
gunicorn (on SQLite too: form posts wait their turn for the write lock)."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.extensions import db
from lms.invitations.models import Invitation
from lms.mail.models import OutboxEmail
from lms.organizations.models import Membership
from tests.served import run_together
from tests.test_concurrency import fresh

PAIRS = 8  # invitees, each invited by three people at once: 24 simultaneous posts


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_burst_of_the_same_invitations_is_recorded_and_emailed_once_each(served, two_chapters):
    clinic = two_chapters.north_clinic
    tabs = []
    for who in ("north_admin", "north_manager", "site_admin"):
        tab = served.browser()
        tab.login(two_chapters.people[who].email)
        tabs.append(tab)
    calls = []
    for n in range(PAIRS):
        for tab in tabs:
            data = {
                "invite-email": f"race{n}@example.org",
                "invite-full_name": f"Race {n}",
                "invite-profession": "nurse",
                "invite-role": "member",
                "invite-language": "en",
            }
            url = f"/organizations/{clinic.id}/invitations"
            calls.append(lambda tab=tab, url=url, data=data: tab.post(url, data))
    fresh()  # no read transaction of the test's own may hold SQLite while the server writes
    responses = run_together(calls)
    fresh()
    for n in range(PAIRS):
        email = f"race{n}@example.org"
        assert _count(Invitation, Invitation.email == email) == 1, email
        assert _count(OutboxEmail, OutboxEmail.recipient == email) == 1, email
    codes = [r.status_code for r in responses]
    assert codes == [302] * len(calls)


def test_the_same_file_imported_twice_at_once_adds_each_person_once(served, two_chapters):
    clinic = two_chapters.north_clinic
    content = "email,name\n" + "".join(f"f{n}@example.org,File {n}\n" for n in range(10))
    content += "south.manager@example.org,Sara\n"  # has an account: added, not invited
    tabs = []
    for who in ("north_admin", "north_manager"):
        tab = served.browser()
        tab.login(two_chapters.people[who].email)
        tabs.append(tab)
    url = f"/organizations/{clinic.id}/import/apply"
    fresh()
    responses = run_together([lambda tab=tab: tab.post(url, {"content": content}) for tab in tabs])
    assert all(r.status_code < 500 for r in responses)
    fresh()
    assert _count(Invitation, Invitation.organization_id == clinic.id) == 10
    assert _count(OutboxEmail, OutboxEmail.recipient == "f3@example.org") == 1
    sara = two_chapters.people["south_manager"]
    assert (
        _count(Membership, Membership.organization_id == clinic.id, Membership.user_id == sara.id)
        == 1
    )
