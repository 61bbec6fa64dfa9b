"""A chapter's pages: site admins create chapters, chapter admins add clinics and read reports
whose CSV download holds exactly the numbers on the screen."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

from sqlalchemy import select

from lms import clock, dates
from lms.admin.reports import month_key, month_start
from lms.chapters.models import Chapter, ChapterAdmin
from lms.extensions import db
from lms.organizations.models import Organization
from lms.webinars.attendance_models import WebinarAttendance
from tests.chapters.conftest import submit
from tests.conftest import AuthActions, has_inline_script
from tests.test_certificates import claim, complete
from tests.test_quizzes import CME
from tests.webinars.attendance_helpers import make_webinar


def _client(app, user):
    client = app.test_client()
    AuthActions(client).login_as(user)
    return client


def test_a_site_admin_creates_a_chapter_and_appoints_its_admin(app, make_user):
    admin = make_user(role="admin", name="Ada Admin")
    future = make_user("carla@example.org", name="Carla Chapter")
    client = _client(app, admin)
    response = submit(
        client,
        "/admin/chapters",
        "/admin/chapters",
        name="  Desert   Chapter ",
        contact_email="desert@example.org",
    )
    chapter = db.session.scalar(select(Chapter))
    assert chapter.name == "Desert Chapter"
    assert response.headers["Location"] == f"/chapters/{chapter.id}"
    again = submit(client, "/admin/chapters", "/admin/chapters", name="desert chapter")
    assert "A chapter called desert chapter already exists." in again.text
    unknown = submit(
        client,
        f"/chapters/{chapter.id}",
        f"/chapters/{chapter.id}/admins",
        email="nobody@example.org",
    )
    assert "No account uses that email address." in unknown.text
    submit(client, f"/chapters/{chapter.id}", f"/chapters/{chapter.id}/admins", email=future.email)
    assert db.session.scalar(select(ChapterAdmin.user_id)) == future.id
    # Appointing twice keeps one appointment.
    submit(client, f"/chapters/{chapter.id}", f"/chapters/{chapter.id}/admins", email=future.email)
    assert len(db.session.scalars(select(ChapterAdmin)).all()) == 1


def test_a_chapter_admin_creates_a_clinic_in_their_chapter(app, two_chapters):
    client = _client(app, two_chapters.people["north_admin"])
    north = two_chapters.north
    response = submit(
        client,
        f"/chapters/{north.id}",
        f"/chapters/{north.id}/organizations",
        name="Riverside Residency",
        kind="residency-program",
    )
    organization = db.session.scalar(
        select(Organization).where(Organization.name == "Riverside Residency")
    )
    assert organization.chapter_id == north.id and organization.kind == "residency-program"
    assert response.headers["Location"] == f"/organizations/{organization.id}"
    board = client.get(response.headers["Location"]).text
    assert "Riverside Residency is created. Invite its people next." in board
    assert f'href="/chapters/{north.id}"' in board  # back to the chapter
    duplicate = submit(
        client,
        f"/chapters/{north.id}",
        f"/chapters/{north.id}/organizations",
        name="south clinic",
        kind="clinic",
    )
    assert "An organization called south clinic already exists." in duplicate.text


def _screen_table(page: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table class="table" id="{table_id}">(.*?)</table>', page, re.S)[1]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def test_the_chapter_report_counts_its_people_and_exports_what_is_on_screen(
    app, two_chapters, publish
):
    publish()
    people = two_chapters.people
    # Bea (in both chapters) and Nico (North manager) complete and claim credit.
    for who in ("learner", "north_manager"):
        client = _client(app, people[who])
        complete(client, CME)
        claim(client, CME)
    # Sara is only in the South: she completes too, and must not count for the North.
    client = _client(app, people["south_manager"])
    complete(client, CME)
    claim(client, CME)
    # Webinars: one last month, one this month. Bea attends both (twice recorded this month,
    # by code and by the platform's report: still one attendee); Nico attends this month's;
    # Sara attends too but is only in the South; a zero marked by hand is not attendance.
    this_month = month_start(month_key(dates.today().year, dates.today().month))
    last_month, this = (
        make_webinar(slug=slug, starts_at=start, ends_at=start + timedelta(hours=1))
        for slug, start in [
            ("last-month", this_month - timedelta(days=3)),
            ("this-month", this_month),
        ]
    )
    for webinar, who, source, minutes in [
        (last_month, "learner", "code", 60),
        (last_month, "north_manager", "manual", 0),
        (this, "learner", "code", 60),
        (this, "learner", "import", 55),
        (this, "north_manager", "import", 40),
        (this, "south_manager", "code", 60),
    ]:
        db.session.add(
            WebinarAttendance(
                webinar_id=webinar.id,
                user_id=people[who].id,
                source=source,
                minutes=minutes,
                recorded_at=clock.now(),
            )
        )
    db.session.commit()

    chapter_admin = _client(app, people["north_admin"])
    page = chapter_admin.get(f"/chapters/{two_chapters.north.id}/reports").text
    assert not has_inline_script(page)
    months = _screen_table(page, "months-table")
    organizations = _screen_table(page, "organizations-table")
    assert months[0] == [
        "Month",
        "Learners who enrolled",
        "Completions",
        "Webinar attendees",
        "AMA PRA Category 1 Credit™ issued",
    ]
    assert months[-1][1:] == ["2", "2", "2", "1.50"]  # this month
    assert months[-2][1:] == ["0", "0", "1", "0.00"]  # last month: Bea, not Nico's zero
    assert organizations[0][4] == "Webinar attendees"
    assert organizations[1:] == [["North Clinic", "2", "2", "2", "2", "1.50"]]
    assert "<svg" in page and "Completions by month, North Chapter" in page
    assert "Webinar attendees by month, North Chapter" in page

    download = chapter_admin.get(f"/chapters/{two_chapters.north.id}/reports.csv")
    assert download.headers["Cache-Control"] == "no-store"
    assert download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows == months + [[]] + organizations + [[]]


def test_the_chapter_public_page_lists_its_organizations_and_contact(app, two_chapters):
    page = app.test_client().get(f"/chapter/{two_chapters.north.id}").text
    assert "North Clinic" in page and "north@example.org" in page
    assert "South Clinic" not in page
    assert app.test_client().get("/chapter/999999").status_code == 404
