"""Attendance at a live webinar: the code read out, the participant report, the organiser's hand."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.test import EnvironBuilder

from lms.extensions import db
from lms.webinars.attendance_models import WebinarAttendance
from lms.webinars.models import Webinar
from tests.webinars.attendance_helpers import (
    CODE,
    ENDS,
    STARTS,
    field_names,
    make_webinar,
    register,
)

REPORTS = Path(__file__).parent / "reports"


def records(webinar_id: int) -> list[tuple[str, str, int, str | None]]:
    rows = db.session.execute(
        select(WebinarAttendance).where(WebinarAttendance.webinar_id == webinar_id)
    ).scalars()
    return sorted((r.user.email, r.source, r.minutes, r.import_digest) for r in rows)


# --- the attendance code ---------------------------------------------------------------------


def test_a_registrant_enters_the_code_read_out_during_the_session(client, auth, make_user, clock):
    webinar = make_webinar()
    ana = make_user("ana@example.org")
    register(webinar, ana)
    auth.login_as(ana)
    clock.set(STARTS + timedelta(minutes=40))

    page = client.get("/webinars/building-trust/attendance").get_data(as_text=True)
    assert "code" in field_names(page)
    response = client.post(
        "/webinars/building-trust/attendance", data={"code": " trust 42 "}, follow_redirects=True
    )

    assert "your attendance is recorded" in response.get_data(as_text=True)
    assert records(webinar.id) == [("ana@example.org", "code", 60, None)]
    # Entering it again records nothing new.
    client.post("/webinars/building-trust/attendance", data={"code": CODE})
    assert records(webinar.id) == [("ana@example.org", "code", 60, None)]


@pytest.mark.parametrize(
    ("moment", "code", "says"),
    [
        (STARTS - timedelta(minutes=5), CODE, "once the webinar has started"),
        (ENDS + timedelta(minutes=31), CODE, "has passed"),
        (STARTS + timedelta(minutes=10), "WRONG-1", "not this webinar"),
        (STARTS + timedelta(minutes=10), "x" * 41, "Field cannot be longer"),
        (STARTS + timedelta(minutes=10), "TRUST\x0042", ""),
    ],
    ids=["before", "after-grace", "wrong", "too-long", "nul"],
)
def test_the_code_is_refused_outside_the_session_or_when_wrong(
    client, auth, make_user, clock, moment, code, says
):
    webinar = make_webinar()
    ana = make_user()
    register(webinar, ana)
    auth.login_as(ana)
    clock.set(moment)

    response = client.post("/webinars/building-trust/attendance", data={"code": code})

    assert 400 <= response.status_code < 500
    assert says in response.get_data(as_text=True)
    assert records(webinar.id) == []


def test_within_the_grace_period_after_the_end_the_code_still_counts(
    client, auth, make_user, clock
):
    webinar = make_webinar()
    ana = make_user()
    register(webinar, ana)
    auth.login_as(ana)
    clock.set(ENDS + timedelta(minutes=29))

    client.post("/webinars/building-trust/attendance", data={"code": CODE})

    assert [r[1:3] for r in records(webinar.id)] == [("code", 60)]


@pytest.mark.parametrize("status", [None, "waitlisted", "cancelled"])
def test_only_registrants_can_enter_the_code(client, auth, make_user, clock, status):
    webinar = make_webinar()
    walker = make_user()
    if status:
        register(webinar, walker, status)
    auth.login_as(walker)
    clock.set(STARTS + timedelta(minutes=10))

    response = client.post("/webinars/building-trust/attendance", data={"code": CODE})

    assert response.status_code == 422
    assert "Only people registered" in response.get_data(as_text=True)


# --- the participant report ------------------------------------------------------------------


@pytest.fixture()
def organiser(auth, make_user):
    person = make_user("organiser@example.org", role="author")
    auth.login_as(person)
    return person


def upload(client, name: str | None = None, data: bytes | None = None, filename: str = "r.csv"):
    content = data if data is not None else (REPORTS / f"{name}.csv").read_bytes()
    return client.post(
        "/webinars/building-trust/organize/import",
        data={"import-report": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_an_organiser_imports_a_zoom_report_and_importing_it_again_changes_nothing(
    client, organiser, make_user, clock
):
    webinar = make_webinar()
    for email in ("ana@example.org", "ben@example.org", "host@example.org"):
        register(webinar, make_user(email))
    clock.set(ENDS + timedelta(hours=2))
    page = client.get("/webinars/building-trust/organize").get_data(as_text=True)
    assert "import-report" in field_names(page)

    first = upload(client, "zoom")
    assert first.status_code == 302
    after_first = records(webinar.id)
    page = client.get("/webinars/building-trust/organize").get_data(as_text=True)
    again = client.post(
        "/webinars/building-trust/organize/import",
        data={"import-report": (io.BytesIO((REPORTS / "zoom.csv").read_bytes()), "zoom.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    assert [(email, minutes) for email, _s, minutes, _d in after_first] == [
        ("ana@example.org", 58),
        ("ben@example.org", 45),
        ("host@example.org", 60),
    ]
    assert {source for _e, source, _m, _d in after_first} == {"import"}
    assert "0 new, 0 changed, 3 already recorded" in again.get_data(as_text=True)
    assert records(webinar.id) == after_first


def test_a_teams_report_is_imported_too(client, organiser, make_user, clock):
    webinar = make_webinar()
    register(webinar, make_user("carla@example.org"))
    make_user("host@example.org")
    clock.set(ENDS + timedelta(hours=2))

    assert upload(client, "teams").status_code == 302

    assert [(e, m) for e, _s, m, _d in records(webinar.id)] == [
        ("carla@example.org", 50),
        ("host@example.org", 60),
    ]


def test_unknown_emails_are_named_by_line_and_nothing_is_imported(
    client, organiser, make_user, clock
):
    webinar = make_webinar()
    make_user("ana@example.org")  # ben and the host have no account
    clock.set(ENDS + timedelta(hours=2))

    response = upload(client, "zoom")

    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported" in text
    assert "Line 5: no one with an account uses host@example.org" in text
    assert "Line 8: no one with an account uses ben@example.org" in text
    assert records(webinar.id) == []


def test_malformed_rows_are_named_by_line_and_nothing_is_imported(
    client, organiser, make_user, clock
):
    webinar = make_webinar()
    for email in ("good@example.org", "duration@example.org", "backwards@example.org"):
        make_user(email)
    clock.set(ENDS + timedelta(hours=2))

    response = upload(client, "malformed")

    text = response.get_data(as_text=True)
    assert response.status_code == 422
    for line in (3, 4, 5, 6, 8):
        assert f"Line {line} " in text
    assert records(webinar.id) == []


def test_a_corrected_report_replaces_the_minutes_of_the_first(client, organiser, make_user, clock):
    webinar = make_webinar()
    make_user("carla@example.org")
    clock.set(ENDS + timedelta(hours=2))
    upload(client, "teams_utf8")
    corrected = (
        b"Name,Join Time,Leave Time,Duration,Email,Role\n"
        b'Carla Ruiz,"7/15/2026, 11:00:00 AM","7/15/2026, 12:00:00 PM",60m,'
        b"carla@example.org,Attendee\n"
    )

    response = upload(client, data=corrected, filename="corrected.csv")

    assert response.status_code == 302
    [(email, source, minutes, _digest)] = records(webinar.id)
    assert (email, source, minutes) == ("carla@example.org", "import", 60)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a CSV text file"),
        (b"Name,User Email,Join Time\nA\x00,a@example.org,1\n", "not a CSV text file"),
        (b"just some words", "Join Time"),
    ],
    ids=["empty", "binary", "nul", "not-a-report"],
)
def test_files_that_are_not_reports_are_refused(client, organiser, clock, data, says):
    webinar = make_webinar()
    clock.set(ENDS + timedelta(hours=2))

    response = upload(client, data=data)

    assert response.status_code == 422
    assert says in response.get_data(as_text=True)
    assert records(webinar.id) == []


def test_an_oversized_upload_is_refused_before_it_is_read(client, organiser, clock):
    make_webinar()

    builder = EnvironBuilder(
        path="/webinars/building-trust/organize/import",
        method="POST",
        data={
            "csrf_token": client.csrf_token(),
            "import-report": (io.BytesIO(b"x" * (3 * 1024 * 1024)), "huge.csv"),
        },
    )
    environ = builder.get_environ()
    try:
        response = client.open(environ)
    finally:
        # The test client spools a large body to a temporary file and leaves it open.
        environ["wsgi.input"].close()
        builder.close()

    assert response.status_code == 413
    assert b"That upload is too large" in response.data


# --- by hand, the roster, exports ------------------------------------------------------------


def test_an_organiser_marks_attendance_by_hand_and_every_source_is_kept(
    client, organiser, make_user, clock
):
    webinar = make_webinar()
    ana = make_user("ana@example.org")
    register(webinar, ana)
    clock.set(ENDS + timedelta(hours=2))
    upload(
        client,
        data=b"Name,Email,Join Time,Leave Time\nAna,ana@example.org,"
        b"07/15/2026 11:00 AM,07/15/2026 11:20 AM\n",
    )

    response = client.post(
        "/webinars/building-trust/organize/attendance",
        data={"mark-email": "ANA@example.org", "mark-minutes": "45", "mark-note": "phone line"},
    )

    assert response.status_code == 302
    assert [(s, m) for _e, s, m, _d in records(webinar.id)] == [("import", 20), ("manual", 45)]
    page = client.get("/webinars/building-trust/organize").get_data(as_text=True)
    assert "report, organizer" in page
    # The largest record counts; they are never added up.
    assert "<td>45</td>" in page


@pytest.mark.parametrize(
    ("email", "minutes", "says"),
    [
        ("nobody@example.org", "30", "No one with an account"),
        ("ana@example.org", "61", "from 0 to 60"),
        ("ana@example.org", "-1", "Number must be"),
        ("ana@example.org", "99999999999999999999", "Number must be"),
        ("ana@example.org", "ten", "Not a valid integer"),
        ("not-an-email", "10", "valid email"),
    ],
)
def test_hand_marking_refuses_bad_values(client, organiser, make_user, email, minutes, says):
    webinar = make_webinar()
    make_user("ana@example.org")

    response = client.post(
        "/webinars/building-trust/organize/attendance",
        data={"mark-email": email, "mark-minutes": minutes},
    )

    assert response.status_code == 422
    assert says in response.get_data(as_text=True)
    assert records(webinar.id) == []


def test_the_roster_exports_are_formula_safe(client, organiser, make_user):
    webinar = make_webinar()
    register(webinar, make_user("ana@example.org", name='=HYPERLINK("https://evil")'))
    register(webinar, make_user("ben@example.org", name="Ben Waiting"), "waitlisted")

    csv_text = client.get("/webinars/building-trust/organize/roster.csv").get_data(as_text=True)
    xlsx = client.get("/webinars/building-trust/organize/roster.xlsx")

    assert "'=HYPERLINK" in csv_text
    assert "Ben Waiting" in csv_text and "waitlisted" in csv_text
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("https://evil")' in names
    assert xlsx.headers["Cache-Control"] == "no-store"


def test_an_organiser_sees_registrants_and_the_waiting_list(client, organiser, make_user):
    webinar = make_webinar(capacity=1)
    register(webinar, make_user(name="Ana Seat"))
    register(webinar, make_user(name="Ben Queue"), "waitlisted")

    page = client.get("/webinars/building-trust/organize").get_data(as_text=True)

    assert "1 person registered." in page
    assert "1 person on the waiting list." in page
    assert "Ben Queue" in page and "Waiting list" in page
    assert CODE in page


# --- messages, cancellation, recording -------------------------------------------------------


def test_an_organiser_emails_the_registrants(client, organiser, make_user, mailbox):
    webinar = make_webinar()
    register(webinar, make_user("ana@example.org"))
    register(webinar, make_user("ben@example.org"), "waitlisted")

    response = client.post(
        "/webinars/building-trust/organize/message",
        data={"message-subject": "Slides", "message-body": "The slides are attached online."},
    )

    assert response.status_code == 302
    [message] = mailbox.to("ana@example.org")
    assert message["Subject"] == "Slides"
    assert "The slides are attached online." in message.get_payload(decode=True).decode()
    assert mailbox.to("ben@example.org") == []


def test_cancelling_tells_every_registrant_by_email(client, organiser, make_user, mailbox, clock):
    webinar = make_webinar()
    register(webinar, make_user("ana@example.org"))
    register(webinar, make_user("ben@example.org"), "waitlisted")
    clock.set(STARTS - timedelta(days=2))

    unconfirmed = client.post("/webinars/building-trust/organize/cancel", data={})
    response = client.post(
        "/webinars/building-trust/organize/cancel",
        data={"cancel-confirm": "y", "cancel-reason": "The presenter is ill."},
    )

    assert unconfirmed.status_code == 422
    assert response.status_code == 302
    assert db.session.get(Webinar, webinar.id).status == "cancelled"
    for email in ("ana@example.org", "ben@example.org"):
        [message] = mailbox.to(email)
        body = message.get_payload(decode=True).decode()
        assert "is cancelled" in body and "The presenter is ill." in body
        assert "CDT" in body  # times are never shown without their zone


def test_the_recording_is_attached_after_the_session_and_shown_to_those_who_missed_it(
    client, auth, organiser, make_user, clock
):
    webinar = make_webinar(course_slug="tic-pediatric-essentials")
    missed = make_user("missed@example.org")
    register(webinar, missed)
    clock.set(STARTS + timedelta(minutes=30))
    early = client.post(
        "/webinars/building-trust/organize/recording",
        data={"recording-url": "https://video.example.org/rec/1"},
    )
    clock.set(ENDS + timedelta(hours=1))
    not_https = client.post(
        "/webinars/building-trust/organize/recording",
        data={"recording-url": "javascript:alert(1)"},
    )
    saved = client.post(
        "/webinars/building-trust/organize/recording",
        data={"recording-url": "https://video.example.org/rec/1"},
    )
    auth.logout()
    auth.login_as(missed)
    page = client.get("/webinars/building-trust/attendance").get_data(as_text=True)

    assert early.status_code == 422 and not_https.status_code == 422
    assert saved.status_code == 302
    assert 'href="https://video.example.org/rec/1"' in page
    assert 'href="/courses/tic-pediatric-essentials"' in page
    assert "No attendance is recorded for you yet" in page


def test_learners_cannot_organise(client, auth, make_user):
    make_webinar()
    auth.login_as(make_user())

    assert client.get("/webinars/building-trust/organize").status_code == 403
    assert upload(client, "zoom").status_code == 403
