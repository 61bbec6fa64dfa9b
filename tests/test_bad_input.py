"""Hostile input gets a clear 400 or a form error, never a 500, and writes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.extensions import db
from lms.organizations.models import Organization, ReminderLog
from tests.test_organizations import FRONT_DESK, course

HUGE = "99999999999999999999"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- NUL characters are refused once, for every route -------------------------------------------


def test_a_name_with_a_nul_character_is_refused_and_no_account_is_made(client):
    response = client.post(
        "/signup",
        data={
            "email": "nul@example.org",
            "full_name": "Nora\x00Null",
            "profession": "pediatric-trainee",
            "password": "correct horse battery",
        },
    )
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    assert count(User) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/courses?q=trauma%00",
        "/courses/trauma%00informed",
        "/verify/abc%00def",
        "/login?next=/%00",
    ],
)
def test_a_nul_character_in_the_address_is_a_clear_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_a_nul_character_in_admin_searches_and_organization_names_is_refused(
    client, auth, make_user
):
    auth.login_as(make_user(role="admin"))
    for path in ("/admin/users?q=%00", "/admin/certificates?q=a%00", "/admin/audit?actor=%00"):
        assert client.get(path).status_code == 400, path
    response = client.post("/admin/organizations", data={"name": "North\x00", "kind": "clinic"})
    assert response.status_code == 400
    assert count(Organization) == 0


def test_json_with_a_nul_character_or_lone_surrogate_is_refused(client, auth, make_user):
    auth.login_as(make_user())
    for body in ('{"seconds": 5, "note": "a\\u0000b"}', '{"x": "\\ud800"}'):
        response = client.post(
            "/courses/x/learn/y/time",
            data=body,
            content_type="application/json",
            headers={"X-CSRFToken": client.csrf_token()},
        )
        assert response.status_code == 400


# --- huge ids and page numbers --------------------------------------------------------------


def test_huge_ids_in_the_address_are_not_found(client, auth, make_user):
    auth.login_as(make_user(role="admin"))
    for path in (
        f"/organizations/{HUGE}",
        "/organizations/2147483648",
        f"/courses/{FRONT_DESK}/results/{HUGE}",
        f"/transcript/external/{HUGE}.pdf",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/admin/users/{HUGE}/deactivate").status_code == 404


@pytest.mark.parametrize("page", [HUGE, "-1", "0", "abc", "NaN", "1e9", "１"])
def test_unusable_page_numbers_are_a_clear_400(client, auth, make_user, page):
    auth.login_as(make_user(role="admin"))
    for path in ("/admin/users", "/admin/audit", "/admin/certificates"):
        response = client.get(path, query_string={"page": page})
        assert response.status_code == 400, path
        assert "page number" in response.get_data(as_text=True)


def test_a_page_past_the_end_is_simply_empty(client, auth, make_user):
    auth.login_as(make_user(role="admin"))
    assert client.get("/admin/users?page=999").status_code == 200


# --- dates and numbers in forms -------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/exports",
        "/admin/exports/pars",
        "/admin/exports/completions.csv",
        "/admin/exports/completions.xlsx",
        "/admin/exports/pars.csv",
        "/admin/certificates/archive.zip",
    ],
)
def test_dates_at_the_end_of_the_calendar_are_a_form_error(client, auth, make_user, path):
    auth.login_as(make_user(role="admin"))
    for query in ({"until": "9999-12-31"}, {"since": "0001-01-01"}):
        response = client.get(path, query_string=query)
        assert response.status_code in (200, 400)
        assert "Choose a date between 1900 and 2199" in response.get_data(as_text=True)


@pytest.fixture()
def clinic_with_assignment(app, make_user, publish):
    """A clinic whose manager and three staff have the onboarding course due in three days."""
    from lms.organizations import services

    publish()
    admin = make_user(role="admin")
    organization = services.create_organization("Example Valley Clinic", "clinic", actor=admin)
    manager = make_user(name="Mo Manager", profession="clinic-staff")
    services.add_member(organization, manager, "manager", actor=admin)
    for n in (1, 2, 3):
        staff = make_user(name=f"Staff {n}", profession="clinic-staff")
        services.add_member(organization, staff, "member", actor=admin)
    services.assign_course(
        course(),
        due_date=date.today() + timedelta(days=3),
        actor=admin,
        organization=organization,
        today=date.today(),
    )
    db.session.commit()
    return {"organization": organization, "manager": manager}


@pytest.mark.parametrize("within", ["abc", "NaN", "-99999999", HUGE, "1e3", "٣"])
def test_reminders_refuse_a_window_that_is_not_a_number_of_days(
    client, auth, clinic_with_assignment, mailbox, within
):
    organization = clinic_with_assignment["organization"]
    auth.login_as(clinic_with_assignment["manager"])
    response = client.post(f"/organizations/{organization.id}/reminders", data={"within": within})
    assert response.status_code == 400
    assert "whole number" in response.get_data(as_text=True)
    assert count(ReminderLog) == 0 and mailbox.messages == []


def test_reminders_still_go_out_with_the_default_window(
    client, auth, clinic_with_assignment, mailbox
):
    organization = clinic_with_assignment["organization"]
    auth.login_as(clinic_with_assignment["manager"])
    response = client.post(f"/organizations/{organization.id}/reminders")
    assert response.status_code == 302


# --- short answers and board ids ------------------------------------------------------------


def test_a_short_answer_longer_than_the_limit_is_refused_and_the_attempt_stays_open(
    client, auth, make_user, publish
):
    from lms.quizzes.grading import MAX_SHORT_ANSWER
    from lms.quizzes.models import AttemptAnswer, QuizAttempt
    from tests.test_quizzes import CME, quiz_page, right_answers

    publish()
    auth.login_as(make_user())
    client.post(f"/courses/{CME}/start")
    page = quiz_page()
    client.post(f"/courses/{CME}/learn/{page.slug}/continue")
    client.post(f"/courses/{CME}/quiz/{page.slug}/start")
    attempt = db.session.scalar(select(QuizAttempt))
    url = f"/courses/{CME}/quiz/{page.slug}/attempts/{attempt.id}"
    data = right_answers(page)
    short = next(q for q in page.questions if q.kind == "short")
    data[f"q-{short.id}"] = "x" * (MAX_SHORT_ANSWER + 1)

    response = client.post(url, data=data)

    assert response.status_code == 400
    assert f"under {MAX_SHORT_ANSWER:,} characters" in response.get_data(as_text=True)
    db.session.refresh(attempt)
    assert attempt.submitted_at is None and count(AttemptAnswer) == 0
    data[f"q-{short.id}"] = short.answers[0]
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(attempt)
    assert attempt.passed


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("npi", "１２３４５６７８９３", "An NPI is 10 digits."),
        ("npi", "١٢٣٤٥٦٧٨٩٣", "An NPI is 10 digits."),
        ("abp_id", "１２３４５", "An ABP ID is 4 to 10 digits."),
        ("abp_id", "12345\n", "An ABP ID is 4 to 10 digits."),
    ],
)
def test_board_ids_take_only_ascii_digits(client, auth, make_user, field, value, message):
    user = make_user()
    auth.login_as(user)
    data = {"full_name": "New Name", "profession": "physician", field: value}
    response = client.post("/account", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.npi, user.abp_id) == (None, None)


@pytest.mark.parametrize("board_id", ["１２３４５", "١٢٣٤٥", "12a45", "123"])
def test_a_stored_board_id_that_is_not_ascii_digits_is_never_sent_to_the_board(board_id):
    from lms.cme import pars
    from lms.exports.rows import SKIP_BAD_BOARD_ID, pars_record
    from tests.cme.test_pars import claim
    from tests.exports.test_export_rows import moc

    assert pars.skip_reason(claim(board_id=board_id), pars.LAYOUTS["abp-moc"]) == (
        SKIP_BAD_BOARD_ID
    )
    assert pars_record(moc(board_id=board_id)).reason == SKIP_BAD_BOARD_ID
    assert pars.skip_reason(claim(board_id=" 12345 "), pars.LAYOUTS["abp-moc"]) is None


def test_every_numeric_id_in_a_route_is_bounded_to_the_database_range(app):
    from lms.input_guard import MAX_ID, IdConverter

    numeric = [
        (rule.rule, converter)
        for rule in app.url_map.iter_rules()
        for converter in rule._converters.values()  # noqa: SLF001  (no public accessor)
        if "Integer" in type(converter).__name__ or isinstance(converter, IdConverter)
    ]
    assert len(numeric) >= 10
    for rule, converter in numeric:
        assert isinstance(converter, IdConverter) and converter.max == MAX_ID, rule
