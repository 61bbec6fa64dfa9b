"""Scenarios for signing up, signing in and out, resetting and changing passwords, profiles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.accounts.models import AccountToken, User
from lms.extensions import db
from tests.conftest import TEST_PASSWORD

SIGNUP = {
    "email": "Ada.Ng@Example.org",
    "full_name": "Ada Ng",
    "profession": "pediatric-trainee",
    "password": "a long enough phrase",
}


def users_named(email: str) -> list[User]:
    return list(db.session.scalars(select(User).where(User.email == email)))


# --- sign up --------------------------------------------------------------------------------


def test_sign_up_confirm_by_email_and_land_signed_in(client, mailbox):
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/check-email"

    [message] = mailbox.to("ada.ng@example.org")
    assert "Confirm your email address" in message["Subject"]
    link = mailbox.last_link("ada.ng@example.org")
    path = link.split("localhost", 1)[1]

    page = client.get(path)
    assert page.status_code == 200
    assert b"Confirm and continue" in page.data

    response = client.post(path)
    assert response.status_code == 302
    home = client.get("/")
    assert b"Welcome back, Ada Ng" in home.data
    [user] = users_named("ada.ng@example.org")
    assert user.email_confirmed_at is not None
    assert user.profession == "pediatric-trainee"
    assert user.role == "learner"


def test_confirmation_link_works_only_once(client, mailbox):
    client.post("/signup", data=SIGNUP)
    path = mailbox.last_link("ada.ng@example.org").split("localhost", 1)[1]
    client.post(path)
    client.post("/logout")

    again = client.get(path)
    assert again.status_code == 400
    assert b"already been used" in again.data


def test_unconfirmed_account_cannot_sign_in_and_gets_a_new_link(client, mailbox):
    client.post("/signup", data=SIGNUP)
    mailbox.clear()
    response = client.post(
        "/login", data={"email": SIGNUP["email"], "password": SIGNUP["password"]}
    )
    assert response.status_code == 200
    assert b"Please confirm your email address first" in response.data
    assert len(mailbox.to("ada.ng@example.org")) == 1
    assert b"Welcome back" not in client.get("/").data


def test_sign_up_with_a_taken_email_looks_the_same_and_warns_the_owner(client, make_user, mailbox):
    owner = make_user("ada.ng@example.org", name="Ada Original")
    response = client.post("/signup", data=SIGNUP)

    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/check-email"
    [message] = mailbox.to(owner.email)
    assert "You already have an account" in message["Subject"]
    assert len(users_named("ada.ng@example.org")) == 1
    assert users_named("ada.ng@example.org")[0].full_name == "Ada Original"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "", b"Enter your email address."),
        ("email", "not-an-email", b"Enter an email address like name@example.org."),
        ("email", "a" * 250 + "@example.org", b"Email addresses are at most 254 characters."),
        ("full_name", "", b"Enter your full name as it should appear on certificates."),
        ("full_name", "x" * 201, b"Names are at most 200 characters."),
        ("password", "short", b"Use at least 10 characters."),
        ("password", "p" * 257, b"Use at most 256 characters."),
        ("profession", "", b"Choose the profession closest to yours."),
        ("profession", "astronaut", b"Not a valid choice"),
    ],
)
def test_sign_up_rejects_bad_input_and_keeps_what_was_typed(client, mailbox, field, value, message):
    data = {**SIGNUP, field: value}
    response = client.post("/signup", data=data)
    assert response.status_code == 200
    assert message in response.data
    assert b'aria-invalid="true"' in response.data
    if field != "full_name":
        assert b'value="Ada Ng"' in response.data  # nothing the person typed is lost
    assert db.session.scalar(select(User)) is None
    assert mailbox.messages == []


def test_forms_without_a_csrf_token_are_refused(client, make_user):
    user = make_user()
    response = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD}, csrf=False
    )
    assert response.status_code == 400
    assert b"Please reload the page and try again" in response.data
    response = client.post("/signup", data=SIGNUP, csrf=False)
    assert response.status_code == 400


# --- sign in and out ------------------------------------------------------------------------


def test_sign_in_and_out(client, auth, make_user):
    user = make_user(name="Sam Rivera")
    response = auth.login(user.email)
    assert response.status_code == 302
    assert b"Welcome back, Sam Rivera" in client.get("/").data

    response = auth.logout()
    assert response.status_code == 302
    assert b"Welcome back" not in client.get("/").data
    assert client.get("/account").status_code == 302


def test_sign_in_ignores_email_case_and_surrounding_space(auth, make_user):
    user = make_user("sam@example.org")
    assert auth.login("  SAM@Example.ORG ").status_code == 302
    assert user.last_login_at is not None


def test_wrong_password_and_unknown_email_get_the_same_answer(auth, make_user):
    make_user("sam@example.org")
    wrong = auth.login("sam@example.org", "not the password")
    unknown = auth.login("nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    message = b"That email address and password do not match an active account."
    assert message in wrong.data and message in unknown.data


def test_empty_sign_in_form_says_what_is_missing(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert b"Enter your email address." in response.data
    assert b"Enter your password." in response.data


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(client, auth, make_user):
    user = make_user()
    response = client.post(
        "/login?next=/account", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/account"
    auth.logout()
    response = client.post(
        "/login?next=//evil.example/phish", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_remember_me_sets_a_lasting_http_only_cookie(client, auth, make_user):
    user = make_user()
    response = auth.login(user.email, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "Expires=" in remember[0]
    session = [c for c in cookies if c.startswith("session=")][0]
    assert "HttpOnly" in session and "SameSite=Lax" in session


def test_remember_me_cookie_alone_signs_the_person_back_in(app, client, auth, make_user):
    user = make_user(name="Remembered Person")
    auth.login(user.email, remember="y")
    remember = client.get_cookie("remember_token")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert b"Welcome back, Remembered Person" in fresh.get("/").data


def test_deactivated_account_cannot_sign_in(auth, make_user):
    user = make_user(active=False)
    response = auth.login(user.email)
    assert response.status_code == 200
    assert b"do not match an active account" in response.data


def test_sign_in_is_rate_limited_per_account(auth, make_user):
    user = make_user()
    for _ in range(5):
        assert auth.login(user.email, "wrong password").status_code == 200
    response = auth.login(user.email, "wrong password")
    assert response.status_code == 429
    assert b"Too many attempts" in response.data
    # Even the right password waits, so a guesser learns nothing from the answer.
    assert auth.login(user.email).status_code == 429


def test_sign_in_is_rate_limited_per_address(app, client, auth):
    app.config["LOGIN_RATE_LIMIT_IP"] = "3 per minute"
    statuses = [auth.login(f"someone{i}@example.org", "x").status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]


# --- password reset -------------------------------------------------------------------------


def test_reset_password_by_emailed_link(client, auth, make_user, mailbox):
    user = make_user("sam@example.org")
    response = client.post("/reset", data={"email": "sam@example.org"})
    assert b"If an account uses" in response.data
    path = mailbox.last_link("sam@example.org").split("localhost", 1)[1]

    assert client.get(path).status_code == 200
    response = client.post(
        path, data={"password": "a brand new phrase", "confirm": "a brand new phrase"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"

    assert auth.login(user.email, TEST_PASSWORD).status_code == 200  # old one no longer works
    assert auth.login(user.email, "a brand new phrase").status_code == 302


def test_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(client, mailbox):
    response = client.post("/reset", data={"email": "nobody@example.org"})
    assert response.status_code == 200
    assert b"If an account uses" in response.data
    assert mailbox.messages == []


def test_reset_link_cannot_be_used_twice(client, make_user, mailbox):
    make_user("sam@example.org")
    client.post("/reset", data={"email": "sam@example.org"})
    path = mailbox.last_link("sam@example.org").split("localhost", 1)[1]
    form = {"password": "a brand new phrase", "confirm": "a brand new phrase"}
    assert client.post(path, data=form).status_code == 302

    again = client.post(
        path, data={"password": "another new phrase", "confirm": "another new phrase"}
    )
    assert again.status_code == 400
    assert b"already been used" in again.data


def test_expired_reset_link_is_refused(client, make_user, mailbox):
    make_user("sam@example.org")
    client.post("/reset", data={"email": "sam@example.org"})
    path = mailbox.last_link("sam@example.org").split("localhost", 1)[1]
    token = db.session.scalar(select(AccountToken))
    token.expires_at = token.created_at - timedelta(seconds=1)
    db.session.commit()

    response = client.get(path)
    assert response.status_code == 400
    assert b"This link has expired." in response.data
    assert b"Ask for a new reset link" in response.data


def test_made_up_reset_token_is_refused(client):
    response = client.get("/reset/not-a-real-token")
    assert response.status_code == 400


def test_reset_form_needs_matching_passwords(client, make_user, mailbox):
    make_user("sam@example.org")
    client.post("/reset", data={"email": "sam@example.org"})
    path = mailbox.last_link("sam@example.org").split("localhost", 1)[1]
    response = client.post(
        path, data={"password": "a brand new phrase", "confirm": "different phrase"}
    )
    assert response.status_code == 200
    assert b"The two passwords differ." in response.data


def test_reset_signs_out_other_sessions(app, client, auth, make_user, mailbox):
    user = make_user("sam@example.org")
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert other_device.get("/account").status_code == 200

    client.post("/reset", data={"email": "sam@example.org"})
    path = mailbox.last_link("sam@example.org").split("localhost", 1)[1]
    client.post(path, data={"password": "a brand new phrase", "confirm": "a brand new phrase"})

    assert other_device.get("/account").status_code == 302


# --- profile and password change ------------------------------------------------------------


def test_profile_keeps_credit_reporting_details(client, auth, make_user):
    user = make_user()
    auth.login_as(user)
    response = client.post(
        "/account",
        data={
            "full_name": "Zoë Łukasiewicz-Ñúñez",
            "profession": "physician",
            "npi": "1234567893",
            "abp_id": "123456",
            "birth_month": "2",
            "birth_day": "29",
        },
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.full_name, user.profession, user.npi, user.abp_id) == (
        "Zoë Łukasiewicz-Ñúñez", "physician", "1234567893", "123456",
    )  # fmt: skip
    assert (user.birth_month, user.birth_day) == (2, 29)
    page = client.get("/account").data.decode()
    assert 'value="Zoë Łukasiewicz-Ñúñez"' in page
    assert '<option selected value="2">February</option>' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"npi": "12345"}, "An NPI is 10 digits."),
        ({"abp_id": "abc"}, "An ABP ID is 4 to 10 digits."),
        ({"birth_month": "2", "birth_day": "30"}, "February has at most 29 days."),
        ({"birth_month": "4", "birth_day": ""}, "Give both the month and the day, or neither."),
        ({"birth_month": "13", "birth_day": "1"}, "Not a valid choice"),
        ({"full_name": ""}, "Enter your full name"),
    ],
)
def test_profile_rejects_bad_details_without_saving(client, auth, make_user, changes, message):
    user = make_user(name="Unchanged Name")
    auth.login_as(user)
    data = {"full_name": "New Name", "profession": "physician", **changes}
    response = client.post("/account", data=data)
    assert response.status_code == 200
    assert message in response.data.decode()
    db.session.refresh(user)
    assert user.full_name == "Unchanged Name"


def test_a_name_with_markup_is_shown_literally(client, auth, make_user):
    user = make_user(name="<b>Bold</b> {{ 7*7 }}")
    auth.login_as(user)
    page = client.get("/").data.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; {{ 7*7 }}" in page
    # Not "49" anywhere: a random CSRF token on the page may contain those digits.
    assert "<b>Bold</b>" not in page and "Bold&lt;/b&gt; 49" not in page


def test_change_password_needs_the_current_one(client, auth, make_user):
    user = make_user()
    auth.login_as(user)
    response = client.post(
        "/account/password",
        data={
            "current": "wrong one",
            "password": "a brand new phrase",
            "confirm": "a brand new phrase",
        },
    )
    assert b"Your current password is not correct." in response.data
    response = client.post(
        "/account/password",
        data={
            "current": TEST_PASSWORD,
            "password": "a brand new phrase",
            "confirm": "a brand new phrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # this device stays signed in
    auth.logout()
    assert auth.login(user.email, "a brand new phrase").status_code == 302


def test_old_links_do_not_reopen_a_deactivated_account(client, make_user, mailbox):
    user = make_user("sam@example.org")
    client.post("/reset", data={"email": "sam@example.org"})
    path = mailbox.last_link("sam@example.org").split("localhost", 1)[1]
    user.active = False
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 400
    assert b"This link is not valid." in response.data
