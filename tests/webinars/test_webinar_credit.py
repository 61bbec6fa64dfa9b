"""Credit for a live webinar: evaluation, a claim capped by time attended, its certificate."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from lms.database import utcnow
from lms.extensions import db
from lms.webinars import credit
from lms.webinars.attendance_models import WebinarAttendance
from tests.webinars.attendance_helpers import ENDS, STARTS, field_names, make_webinar, register

# --- the pure rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, "0"),
        (14, "0"),
        (15, "0.25"),
        (29, "0.25"),
        (44, "0.5"),
        (59, "0.75"),
        (60, "1"),
        (61, "1"),
        (95, "1.5"),
        (-5, "0"),
    ],
)
def test_time_attended_gives_credit_in_quarter_steps_rounded_down(minutes, expected):
    assert credit.credit_for_minutes(minutes) == Decimal(expected)


@pytest.mark.parametrize(
    ("maximum", "minutes", "expected"),
    [
        ("1.0", 60, "1"),
        ("1.0", 120, "1.0"),
        ("1.0", 40, "0.5"),
        ("0.75", 60, "0.75"),
        ("1.0", 10, "0"),
    ],
)
def test_the_claim_is_capped_by_the_designation_and_the_time_attended(maximum, minutes, expected):
    assert credit.claimable(Decimal(maximum), minutes) == Decimal(expected)


def test_records_from_several_sources_are_never_added_up():
    assert credit.credited_minutes([60, 58, 45], 60) == 60
    assert credit.credited_minutes([20, 45], 60) == 45
    assert credit.credited_minutes([90], 60) == 60
    assert credit.credited_minutes([], 60) == 0


def test_offered_credits_are_read_from_the_front_matter():
    meta = {"credits": [{"type": "ama-pra-1", "max": 1.0}, {"type": "participation", "max": "1"}]}

    assert credit.offered_credits(meta) == [
        ("ama-pra-1", Decimal("1.0")),
        ("participation", Decimal("1")),
    ]
    assert credit.offered_credits({}) == []


# --- the attendee's path ---------------------------------------------------------------------


def attended(webinar, user, minutes: int, source: str = "import") -> None:
    db.session.add(
        WebinarAttendance(
            webinar_id=webinar.id,
            user_id=user.id,
            source=source,
            minutes=minutes,
            recorded_at=utcnow(),
        )
    )
    db.session.commit()


@pytest.fixture()
def physician(make_user, auth):
    person = make_user("dr.ruiz@example.org", name="Carla Ruiz", profession="physician")
    auth.login_as(person)
    return person


def evaluate(client) -> None:
    page = client.get("/webinars/building-trust/evaluation").get_data(as_text=True)
    assert {"objectives", "bias", "practice", "comments"} <= field_names(page)
    response = client.post(
        "/webinars/building-trust/evaluation",
        data={"objectives": "yes", "bias": "yes", "practice": "Ask before touching."},
    )
    assert response.status_code == 302


def claim(client, amount: str, credit_type: str = "ama-pra-1", attest: bool = True):
    data = {"credit_type": credit_type, "amount": amount}
    if attest:
        data["attest"] = "y"
    return client.post("/webinars/building-trust/credit", data=data)


def test_an_attendee_evaluates_claims_one_credit_and_gets_a_live_activity_certificate(
    client, physician, clock
):
    webinar = make_webinar()
    register(webinar, physician)
    attended(webinar, physician, 60, "code")
    clock.set(ENDS + timedelta(hours=3))

    before = client.get("/webinars/building-trust/credit").get_data(as_text=True)
    evaluate(client)
    form = client.get("/webinars/building-trust/credit").get_data(as_text=True)
    response = claim(client, "1.0")

    assert "Complete the evaluation" in before
    assert {"credit_type", "amount", "attest"} <= field_names(form)
    assert "Recorded attendance: 60 minutes." in form
    assert response.status_code == 302
    public_id = response.headers["Location"].rsplit("/", 1)[-1]

    pdf = client.get(f"/certificates/{public_id}.pdf")
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.data)).pages
    )
    assert "Carla Ruiz" in text
    assert "attended the live activity" in text
    assert "Building Trust Through Trauma-Informed Care" in text
    assert "July 15, 2026" in text
    assert "1.0 AMA PRA Category 1 Credit" in text
    assert "Learning format: Live activity" in text
    assert "designates this live activity" in text
    assert public_id in text

    client.post("/logout")
    verified = client.get(f"/verify/{public_id}").get_data(as_text=True)
    record = client.get(f"/verify/{public_id}.json").get_json()
    assert "Status: Valid" in verified and "Live activity" in verified
    assert record["learning_format"] == "live-activity"
    assert record["completion_date"] == "2026-07-15"
    assert record["amount"] == "1.00"
    assert record["provenance"] is None


def test_the_claim_appears_on_the_transcript(client, physician, clock):
    webinar = make_webinar()
    register(webinar, physician)
    attended(webinar, physician, 60)
    clock.set(ENDS + timedelta(hours=3))
    evaluate(client)
    claim(client, "0.75")

    transcript = client.get("/transcript").get_data(as_text=True)

    assert "Building Trust Through Trauma-Informed Care" in transcript
    assert "live activity" in transcript
    assert "0.75" in transcript


def test_the_transcript_downloads_call_a_webinar_a_live_activity_not_a_course_version(
    client, physician, clock
):
    webinar = make_webinar()
    register(webinar, physician)
    attended(webinar, physician, 60)
    clock.set(ENDS + timedelta(hours=3))
    evaluate(client)
    claim(client, "0.75")

    pdf = client.get("/transcript.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "live activity" in text
    rows = client.get("/transcript.csv").get_data(as_text=True).splitlines()
    live = next(row for row in rows if "Building Trust" in row)
    assert live.split(",")[2] == ""  # no course version: a live session has none

    spanish = client.get("/transcript?lang=es").get_data(as_text=True)
    # This webinar has no Spanish edition: its English title is marked as English.
    assert '<span lang="en">Building Trust Through Trauma-Informed Care</span>' in spanish


@pytest.mark.parametrize(
    ("minutes", "amount", "says"),
    [
        (40, "1.0", "The most you can claim is 0.5."),
        (60, "0.3", "in steps of 0.25"),
        (60, "1.25", "The most you can claim is 1.0."),
        (60, "0", "greater than 0"),
        (60, "NaN", ""),
        (60, "1e400", ""),
        (60, "\x00", ""),
    ],
)
def test_claims_above_the_time_attended_or_off_the_quarter_steps_are_refused(
    client, physician, clock, minutes, amount, says
):
    webinar = make_webinar()
    register(webinar, physician)
    attended(webinar, physician, minutes)
    clock.set(ENDS + timedelta(hours=3))
    evaluate(client)

    response = claim(client, amount)

    assert response.status_code in (200, 400, 422)
    assert says in response.get_data(as_text=True)
    assert "certificate" not in response.headers.get("Location", "")


def test_without_the_attestation_no_credit_is_given(client, physician, clock):
    webinar = make_webinar()
    register(webinar, physician)
    attended(webinar, physician, 60)
    clock.set(ENDS + timedelta(hours=3))
    evaluate(client)

    response = claim(client, "1.0", attest=False)

    assert response.status_code == 200
    assert "commensurate" in response.get_data(as_text=True)


def test_a_claim_is_final_and_made_once(client, physician, clock):
    webinar = make_webinar()
    register(webinar, physician)
    attended(webinar, physician, 60)
    clock.set(ENDS + timedelta(hours=3))
    evaluate(client)

    first = claim(client, "0.5")
    again = claim(client, "1.0")

    assert first.status_code == 302
    # Claiming again shows the certificate already issued, unchanged, and says why.
    assert again.headers["Location"] == first.headers["Location"]
    shown = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "You have already claimed this credit for this webinar." in shown
    page = client.get("/webinars/building-trust/credit").get_data(as_text=True)
    assert len(re.findall(r"claimed [A-Z][a-z]+ \d", page)) == 1


def test_an_attendee_without_enough_time_is_told_what_was_recorded_and_whom_to_contact(
    client, physician, clock
):
    webinar = make_webinar()
    register(webinar, physician)
    attended(webinar, physician, 10)
    clock.set(ENDS + timedelta(hours=3))
    evaluate(client)

    page = client.get("/webinars/building-trust/credit").get_data(as_text=True)
    response = claim(client, "0.25")

    assert "recorded 10 minutes of attendance for you" in page
    assert (
        "contact the webinar&#39;s organizers" in page or "contact the webinar's organizers" in page
    )
    assert response.status_code == 200


def test_credit_waits_for_the_end_of_the_session(client, physician, clock):
    webinar = make_webinar()
    register(webinar, physician)
    attended(webinar, physician, 60, "code")
    clock.set(STARTS + timedelta(minutes=30))

    page = client.get("/webinars/building-trust/credit").get_data(as_text=True)
    early = client.post(
        "/webinars/building-trust/evaluation", data={"objectives": "yes", "bias": "yes"}
    )

    assert "Credit can be claimed once the session has ended." in page
    assert early.status_code == 302
    assert claim(client, "1.0").status_code == 200


def test_a_participation_certificate_for_professions_without_cme(client, make_user, auth, clock):
    webinar = make_webinar(meta={"credits": [{"type": "participation", "max": "1.0"}]})
    worker = make_user(profession="social-worker")
    auth.login_as(worker)
    register(webinar, worker)
    attended(webinar, worker, 50)
    clock.set(ENDS + timedelta(hours=1))
    evaluate(client)

    response = claim(client, "0.75", credit_type="participation")

    assert response.status_code == 302
