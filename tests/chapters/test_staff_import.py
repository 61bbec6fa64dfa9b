"""Importing staff from a CSV file: a line-by-line preview, then all of it or nothing."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.database import utcnow
from lms.extensions import db
from lms.invitations import imports
from lms.invitations import services as invitations
from lms.invitations.models import Invitation
from lms.mail.models import OutboxEmail
from lms.organizations.models import Assignment, Membership
from tests.conftest import AuthActions
from tests.test_organizations import FRONT_DESK

DUE = (date.today() + timedelta(days=30)).isoformat()
HEADER = "email,name,profession,role,course,due_date\n"


def staff_csv(count: int, *, start: int = 1, course: str = "") -> str:
    """Return a CSV file of `count` new staff members."""
    due = DUE if course else ""
    return HEADER + "".join(
        f"staff{n}@example.org,Staff Member {n},clinic-staff,member,{course},{due}\n"
        for n in range(start, start + count)
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _client(app, user):
    client = app.test_client()
    AuthActions(client).login_as(user)
    return client


def upload(client, clinic, content: str | bytes, filename: str = "staff.csv"):
    """Post the file through the import page's form, as a browser would."""
    page = client.get(f"/organizations/{clinic.id}/import").text
    assert 'name="file"' in page and 'enctype="multipart/form-data"' in page
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        f"/organizations/{clinic.id}/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def apply(client, clinic, preview_html: str):
    """Press the preview's import button: post the form the preview rendered."""
    content = re.search(r'name="content" type="hidden" value="([^"]*)"', preview_html)
    assert content, "the preview offers no import button"
    import html

    return client.post(
        f"/organizations/{clinic.id}/import/apply", data={"content": html.unescape(content[1])}
    )


def outcomes(preview_html: str) -> list[tuple[str, str, str]]:
    """Return (line, outcome class, message) for each row of the preview table."""
    rows = re.findall(
        r'<tr class="outcome-(\w+)">\s*<th scope="row">(\d+)</th>.*?'
        r'data-label="What will happen">(.*?)</td>',
        preview_html,
        re.S,
    )
    return [
        (line, outcome, re.sub(r"<[^>]+>", "", message).strip()) for outcome, line, message in rows
    ]


# --- reading files (pure) -------------------------------------------------------------------


def test_a_file_with_a_bom_semicolons_and_excel_dates_is_read(app):
    data = (
        "\ufeffEmail;Full Name;Profession;Role;Course;Due Date\r\n"
        "A@Example.org;Ana  Díaz;nurse;manager;c;12/31/2030\r\n"
    )
    [row] = imports.parse(imports.decode(data.encode("utf-8")))
    assert row.email == "a@example.org" and row.full_name == "Ana Díaz"
    assert row.role == "manager" and row.due_date == date(2030, 12, 31)


def test_a_windows_1252_file_keeps_its_accents(app):
    data = "email,name\nj@example.org,José Núñez\n".encode("cp1252")
    [row] = imports.parse(imports.decode(data))
    assert row.full_name == "José Núñez"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("not-an-email,Someone", "not-an-email is not an email address."),
        (",Someone", "The email address is missing."),
        ("a@example.org,", "The name is missing."),
        ('a@example.org,=HYPERLINK("http://evil")', "could run as a formula"),
        ("a@example.org,@SUM(A1)", "could run as a formula"),
        ("a@example.org,+1 555", "could run as a formula"),
        ("a@example.org,Someone,wizard", "Unknown profession wizard."),
        ("a@example.org,Someone,nurse,owner", "The role must be member or manager."),
        ("a@example.org,Someone,nurse,member,some-course,", "needs both a course and a due date"),
        ("a@example.org,Someone,nurse,member,some-course,31.12.2030", "YYYY-MM-DD"),
        ("a@example.org,Someone,nurse,member,some-course,9999-12-31", "YYYY-MM-DD"),
        ("a@example.org," + "x" * 300, "too long"),
        ("a@example.org,Some\x00one", "not text"),
    ],
)
def test_a_line_with_a_problem_says_why(app, line, reason):
    [(number, message)] = imports.parse(HEADER + line + "\n")
    assert number == 2
    assert reason in message


def test_a_file_without_email_and_name_columns_is_refused(app):
    with pytest.raises(imports.ImportFileError):
        imports.parse("who,what\nx,y\n")
    with pytest.raises(imports.ImportFileError):
        imports.decode(b"PK\x03\x04\x00\x00 a zip file")


# --- preview and apply through the pages ------------------------------------------------------


def test_a_preview_shows_each_line_and_changes_nothing(app, two_chapters, publish):
    publish()
    clinic = two_chapters.north_clinic
    client = _client(app, two_chapters.people["north_admin"])
    content = (
        HEADER
        + f"new.one@example.org,New One,nurse,member,{FRONT_DESK},{DUE}\n"
        + "both@example.org,Bea Both,other,member,,\n"  # already in the clinic
        + "south.manager@example.org,Sara,other,member,,\n"  # has an account, not a member
        + f"new.one@example.org,New One,nurse,member,{FRONT_DESK},{DUE}\n"  # repeated
        + "new.one@example.org,New Other,nurse,member,,\n"  # same email, other details
        + "broken-address,Someone,nurse,member,,\n"
        + "x@example.org,Someone,nurse,member,no-such-course,2031-01-01\n"
    )
    before = (_count(Invitation), _count(Membership), _count(OutboxEmail))
    response = upload(client, clinic, content)
    assert response.status_code == 200
    assert outcomes(response.text) == [
        ("2", "invite", "Will be invited."),
        ("3", "member", "Already in the organization."),
        ("4", "invite", "Will be invited."),  # the same words: no account is revealed
        ("5", "duplicate", "The same as line 2: imported once."),
        ("6", "error", "Problem: This email address is also on line 2 with different details."),
        ("7", "error", "Problem: broken-address is not an email address."),
        (
            "8",
            "error",
            "Problem: No course available for assignment has the address no-such-course.",
        ),
    ]
    assert "3 lines have problems, so nothing will be imported." in response.text
    assert 'name="content"' not in response.text  # no import button
    assert (_count(Invitation), _count(Membership), _count(OutboxEmail)) == before


def test_a_file_with_any_error_imports_nothing_even_if_posted(app, two_chapters):
    clinic = two_chapters.north_clinic
    client = _client(app, two_chapters.people["north_manager"])
    content = staff_csv(3) + "bad,Bad Line,,,,\n"
    response = client.post(f"/organizations/{clinic.id}/import/apply", data={"content": content})
    assert response.status_code == 400
    assert _count(Invitation) == 0 and _count(OutboxEmail) == 0


def test_applying_invites_everyone_and_reimporting_changes_nothing(
    app, two_chapters, mailbox, publish
):
    publish()
    clinic = two_chapters.north_clinic
    client = _client(app, two_chapters.people["north_manager"])
    content = staff_csv(5, course=FRONT_DESK) + "south.manager@example.org,Sara,other,member,,\n"
    preview = upload(client, clinic, content)
    response = apply(client, clinic, preview.text)
    assert response.status_code == 302
    board = client.get(response.headers["Location"]).text
    # The person with an account counts as invited too: the total reveals no account.
    assert "6 people are invited. 0 people already in the organization were updated." in board
    assert _count(Invitation) == 5
    assert len(mailbox.to("staff3@example.org")) == 1
    assert len(mailbox.to("south.manager@example.org")) == 1  # a notice: added to the clinic
    state = (_count(Invitation), _count(Membership), _count(Assignment), _count(OutboxEmail))

    again = upload(client, clinic, content)
    assert [o for _, o, _ in outcomes(again.text)] == ["invited"] * 5 + ["member"]
    apply(client, clinic, again.text)
    assert (
        _count(Invitation),
        _count(Membership),
        _count(Assignment),
        _count(OutboxEmail),
    ) == state
    assert len(mailbox.to("staff3@example.org")) == 1


def test_a_manager_cannot_import_managers(app, two_chapters):
    clinic = two_chapters.north_clinic
    client = _client(app, two_chapters.people["north_manager"])
    response = upload(client, clinic, HEADER + "boss@example.org,Boss,other,manager,,\n")
    assert outcomes(response.text) == [
        ("2", "error", "Problem: Only chapter and site admins can appoint managers.")
    ]


def test_an_uploaded_file_that_is_not_csv_is_refused_with_a_reason(app, two_chapters):
    clinic = two_chapters.north_clinic
    client = _client(app, two_chapters.people["north_manager"])
    response = upload(client, clinic, b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png")
    assert response.status_code == 400
    assert "This file is not a CSV text file." in response.text
    empty = upload(client, clinic, b"")
    assert empty.status_code == 400


def test_five_thousand_rows_preview_in_a_fixed_number_of_queries(app, two_chapters, count_queries):
    clinic = two_chapters.north_clinic
    rows = imports.parse(staff_csv(5000))
    assert len(rows) == 5000
    with count_queries() as statements:
        plan = invitations.plan_import(
            clinic, rows, may_appoint_managers=True, today=date.today(), now=utcnow()
        )
    assert plan.count("invite") == 5000 and not plan.errors
    assert len(statements) <= 15  # users in chunks of 500, members, invitations, courses


def test_a_large_file_previews_through_the_page(app, two_chapters):
    clinic = two_chapters.north_clinic
    client = _client(app, two_chapters.people["north_admin"])
    response = upload(client, clinic, "\ufeff" + staff_csv(5000))
    assert response.status_code == 200
    assert "Invite: 5000." in response.text
    assert db.session.scalar(select(func.count()).select_from(User)) == 6
