"""Admins read the audit log as sentences, never as raw Python data."""

from __future__ import annotations

from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.audit.services import record_event
from lms.certificates.models import Certificate
from lms.extensions import db
from tests.test_certificates import claim, complete
from tests.test_quizzes import CME


def test_revoking_a_certificate_reads_as_a_sentence_naming_the_holder(
    client, auth, make_user, publish
):
    publish()
    learner = make_user(name="Sofía Ramírez", profession="physician")
    auth.login_as(learner)
    complete(client, CME)
    claim(client, CME)
    auth.logout()
    certificate = db.session.scalar(select(Certificate))
    auth.login_as(make_user(role="admin", name="Ana Admin"))
    client.post(
        f"/admin/certificates/{certificate.public_id}/revoke",
        data={"reason": "Attendance could not be confirmed"},
    )

    page = client.get("/admin/audit").text
    assert (
        f"Ana Admin revoked certificate {certificate.public_id} for Sofía Ramírez: "
        "reason “Attendance could not be confirmed”." in page
    )


def test_exports_assignments_and_roles_are_sentences_without_python_data(
    client, auth, make_user, publish
):
    publish()
    admin = make_user(role="admin", name="Ana Admin")
    sam = make_user("sam@example.org", name="Sam Staff")
    auth.login_as(admin)
    client.post("/admin/organizations", data={"name": "Northside Clinic", "kind": "clinic"})
    client.post("/organizations/1/members", data={"email": "sam@example.org", "role": "member"})
    client.post(f"/admin/users/{sam.id}/role", data={"role": "author"})
    client.get(f"/admin/exports/completions.csv?course={CME}")
    record_event(None, "export.completions", "completions", "csv", format="csv",
                 filters={"course": None, "organization": None, "since": None, "until": None},
                 rows=0, source="cli")  # fmt: skip
    db.session.commit()

    page = client.get("/admin/audit").text
    assert "Ana Admin created the organization Northside Clinic." in page
    assert "Ana Admin made Sam Staff (sam@example.org) a member of Northside Clinic." in page
    assert "Ana Admin changed the role of Sam Staff (sam@example.org) from learner to author." in (
        page
    )
    assert (
        "Ana Admin exported 0 rows of completions as CSV "
        "(course Trauma-Informed Care: Essentials for Pediatric Trainees)." in page
    )
    assert (
        "Someone at the command line exported 0 rows of completions as CSV "
        "from the command line (all records)." in page
    )
    record_event(admin, "certificates.archived", "certificates", 3, course=None,
                 since="2026-01-01", until="2026-03-31")  # fmt: skip
    record_event(admin, "assignment.created", "assignment", 9, course=CME,
                 organization="Northside Clinic", user=None, due="2026-12-05")  # fmt: skip
    db.session.commit()
    page = client.get("/admin/audit").text
    assert "issued from January 1, 2026 to March 31, 2026" in page
    assert "to everyone in Northside Clinic, due December 5, 2026." in page
    for raw in ("{'", "': ", "None", "[]"):
        assert raw not in page, raw


def test_an_unknown_action_falls_back_to_a_readable_list(client, auth, make_user):
    admin = make_user(role="admin", name="Ana Admin")
    filters = {"language": "es", "topic": None}
    record_event(
        admin, "newsletter.sent", "newsletter", 7, recipients=120, filters=filters, test_run=False
    )
    db.session.commit()
    auth.login_as(admin)
    page = client.get("/admin/audit").text
    assert "Ana Admin: newsletter.sent on newsletter 7." in page
    assert "<dt>recipients</dt><dd>120</dd>" in page
    assert "<dt>filters</dt><dd>language es</dd>" in page
    assert "<dt>test run</dt><dd>no</dd>" in page
    assert (
        db.session.scalar(select(AuditEvent.action).where(AuditEvent.id == 1)) == "newsletter.sent"
    )


def _recorded_actions() -> dict[str, str]:
    """Return every action string the code records (record_event's second argument), by file."""
    import ast
    from pathlib import Path

    import lms

    actions: dict[str, str] = {}
    for path in Path(lms.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name != "record_event":
                continue
            action = node.args[1]
            if isinstance(action, ast.Constant):
                actions[action.value] = str(path)
            elif isinstance(action, ast.Name) and action.id in constants:
                actions[constants[action.id]] = str(path)
            else:
                raise AssertionError(f"{path}:{node.lineno}: record an action this test can read")
    return actions


def test_every_action_the_code_records_has_a_sentence():
    from lms.audit.sentences import FORMATTERS

    actions = _recorded_actions()
    assert {"chapter.created", "organization.invited", "sso.provider_created"} <= set(actions)
    missing = {action: path for action, path in actions.items() if action not in FORMATTERS}
    assert missing == {}


def test_chapter_invitation_and_import_events_read_as_sentences(client, auth, make_user):
    from lms.chapters import services as chapters
    from lms.invitations import services as invitations
    from lms.organizations import services as organizations

    admin = make_user(role="admin", name="Ana Admin")
    nora = make_user("nora@example.org", name="Nora North")
    north = chapters.create_chapter("North Chapter", None, actor=admin)
    chapters.appoint_admin(north, nora, actor=admin)
    clinic = organizations.create_organization("North Clinic", "clinic", actor=nora, chapter=north)
    invitee = invitations.Invitee("nell@example.org", "Nell New", "nurse")
    invitations.invite(clinic, invitee, actor=nora, now=_now())
    invitation = invitations.invitations_of(clinic)[0]
    invitations.resend(invitation, actor=nora, now=_now())
    invitations.revoke(invitation, actor=nora, now=_now())
    record_event(nora, "organization.staff_imported", "organization", clinic.id, rows=20,
                 invited=18, changed=2)  # fmt: skip
    record_event(nora, "organization.invitation_accepted", "organization", clinic.id,
                 email="nora@example.org")  # fmt: skip
    db.session.commit()
    auth.login_as(admin)

    page = client.get("/admin/audit").text
    assert "Ana Admin created the chapter North Chapter." in page
    assert "Ana Admin made Nora North (nora@example.org) an admin of the chapter." in page
    assert "Nora North invited nell@example.org to North Clinic." in page
    assert "Nora North sent the invitation of nell@example.org to North Clinic again." in page
    assert "Nora North withdrew the invitation of nell@example.org to North Clinic." in page
    assert (
        "Nora North imported a staff list of 20 rows into North Clinic: 18 invited, 2 changed."
        in page
    )
    assert "Nora North (nora@example.org) accepted the invitation to North Clinic." in page
    assert "Nora North: " not in page and "Ana Admin: " not in page  # no fallback listing


def _now():
    from lms.database import utcnow

    return utcnow()


def test_api_token_webhook_and_path_events_read_as_sentences(client, auth, make_user):
    admin = make_user(role="admin", name="Ana Admin")
    record_event(admin, "api_token.created", "api_token", 1, name="HR sync",
                 scopes="read:completions read:users")  # fmt: skip
    record_event(admin, "api_token.revoked", "api_token", 1, name="HR sync")
    record_event(admin, "webhook.created", "webhook", 1, url="https://hr.example.org/hook",
                 events=["completion.recorded"])  # fmt: skip
    record_event(admin, "webhook.disabled", "webhook", 1, url="https://hr.example.org/hook")
    record_event(admin, "webhook.replayed", "webhook", 1, event="evt_1")
    record_event(admin, "path_assignment.created", "path_assignment", 1,
                 path="trauma-informed-clinic", organization="North Clinic", user=None,
                 due="2027-01-31")  # fmt: skip
    db.session.commit()
    auth.login_as(admin)

    page = " ".join(client.get("/admin/audit").text.split())
    for sentence in (
        "Ana Admin created the API token “HR sync” with the permissions read:completions, "
        "read:users.",
        "Ana Admin revoked the API token “HR sync”.",
        "Ana Admin added the webhook “https://hr.example.org/hook” for completion.recorded.",
        "Ana Admin turned the webhook “https://hr.example.org/hook” off.",
        "Ana Admin asked for the webhook event “evt_1” to be sent again.",
        "Ana Admin assigned the learning path “trauma-informed-clinic” to “North Clinic”, due "
        "2027-01-31.",
    ):
        assert sentence in page, sentence
