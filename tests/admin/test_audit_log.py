"""The audit log viewer: newest first, 50 a page, filtered by action and by who did it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from lms.audit.services import record_event
from lms.extensions import db
from tests.conftest import has_inline_script


@pytest.fixture()
def admin(auth, make_user):
    user = make_user(role="admin", name="Ada Admin", email="ada@example.org")
    auth.login_as(user)
    return user


def actions_shown(page: str) -> list[str]:
    return re.findall(r"<code>([^<]+)</code></td>", page)


def add_event(actor, action, target_type="user", target_id=1, *, at=None, **details):
    event = record_event(actor, action, target_type, target_id, **details)
    if at is not None:
        event.at = at
    db.session.commit()
    return event


def test_events_are_listed_newest_first_with_who_what_and_when(client, admin, make_user):
    other = make_user(name="Bo <Admin>", email="bo@example.org", role="admin")
    start = datetime(2026, 3, 1, 9, 30, 5, tzinfo=UTC)
    add_event(None, "export.completions", "export", "completions.csv", at=start, rows=12)
    add_event(
        admin,
        "user.role_changed",
        "user",
        other.id,
        at=start + timedelta(hours=1),
        old_role="learner",
        new_role="admin",
    )
    add_event(
        other,
        "certificate.revoked",
        "certificate",
        "AAAA-BBBB-CCCC-DDDD",
        at=start + timedelta(hours=2),
        reason="Attendance <not> confirmed",
    )

    page = client.get("/admin/audit").data.decode()
    assert actions_shown(page) == ["certificate.revoked", "user.role_changed", "export.completions"]
    # Machines read ISO; people read the time in words, in UTC as the column says.
    assert '<time datetime="2026-03-01T09:30:05Z">March 1, 2026, 9:30:05\u202fAM UTC</time>' in page
    assert "When (UTC)" in page
    assert "command line" in page  # no actor: done from the command line
    assert "Bo &lt;Admin&gt;<br>bo@example.org" in page
    assert "Ada Admin<br>ada@example.org" in page
    assert (
        "Bo &lt;Admin&gt; revoked certificate AAAA-BBBB-CCCC-DDDD: "
        "reason “Attendance &lt;not&gt; confirmed”." in page
    )
    assert "Ada Admin changed the role of Bo &lt;Admin&gt; from learner to admin." in page
    assert "3 entries." in page


def test_filter_by_action_prefix_and_actor_email(client, admin, make_user):
    other = make_user(email="bo@example.org", role="admin")
    add_event(admin, "user.deactivated")
    add_event(other, "user.role_changed")
    add_event(other, "certificate.revoked", "certificate", "X")
    add_event(None, "user_import.run")

    assert sorted(actions_shown(client.get("/admin/audit?action=user.").data.decode())) == [
        "user.deactivated",
        "user.role_changed",
    ]
    # "_" is matched literally, not as a LIKE wildcard.
    assert actions_shown(client.get("/admin/audit?action=user_").data.decode()) == [
        "user_import.run"
    ]
    by_bo = client.get("/admin/audit?actor=BO@example").data.decode()
    assert actions_shown(by_bo) == ["certificate.revoked", "user.role_changed"]
    both = client.get("/admin/audit?action=user&actor=bo@").data.decode()
    assert actions_shown(both) == ["user.role_changed"]
    assert "1 entry matching the filter." in both
    assert actions_shown(client.get("/admin/audit?actor=nobody").data.decode()) == []
    assert "No entries." in client.get("/admin/audit?actor=nobody").data.decode()


def test_filters_are_labelled_and_too_long_ones_are_refused(client, admin):
    page = client.get("/admin/audit").data.decode()
    assert '<label for="action">Action starts with</label>' in page
    assert '<label for="actor">' in page
    add_event(admin, "user.deactivated")
    too_long = client.get("/admin/audit?action=" + "u" * 61).data.decode()
    assert "Field cannot be longer than 60 characters" in too_long
    assert actions_shown(too_long) == ["user.deactivated"]  # the bad filter is not applied


def test_fifty_a_page_and_the_pager_keeps_the_filter(client, admin):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(120):
        record_event(admin, "user.role_changed", "user", n).at = start + timedelta(minutes=n)
    record_event(admin, "certificate.revoked", "certificate", "X").at = start
    db.session.commit()

    first = client.get("/admin/audit?action=user.").data.decode()
    assert len(actions_shown(first)) == 50
    assert "user 119" in first and "user 69" not in first
    assert "Page 1 of 3" in first
    assert 'href="/admin/audit?page=2&amp;action=user.&amp;actor="' in first
    last = client.get("/admin/audit?action=user.&page=3").data.decode()
    assert len(actions_shown(last)) == 20 and "user 0." in last
    assert "Newer entries" in last and "Older entries" not in last


def test_the_audit_log_is_read_only_and_for_admins(client, auth, make_user):
    auth.login_as(make_user(role="admin"))
    assert client.post("/admin/audit").status_code == 405
    auth.logout()
    auth.login_as(make_user(role="author"))
    assert client.get("/admin/audit").status_code == 403


def test_the_audit_page_runs_a_fixed_number_of_queries(client, admin, make_user, count_queries):
    for n in range(30):
        add_event(make_user(), "user.deactivated", "user", n)
    with count_queries() as statements:
        page = client.get("/admin/audit").data.decode()
    assert len(actions_shown(page)) == 30
    assert len(statements) <= 5
    assert " style=" not in page and not has_inline_script(page)
