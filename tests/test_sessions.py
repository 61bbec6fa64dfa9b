"""Signing out ends the session for good; sign-in starts a fresh one."""

from __future__ import annotations

from tests.conftest import TEST_PASSWORD


def replay(app, **cookies: str):
    """Return a new browser holding only the given cookies, as a thief who copied them would."""
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


def test_a_session_cookie_copied_before_sign_out_no_longer_opens_the_account(
    app, client, auth, make_user
):
    auth.login_as(make_user(name="Shared Workstation"))
    stolen = client.get_cookie("session").value
    assert replay(app, session=stolen).get("/account").status_code == 200

    auth.logout()

    response = replay(app, session=stolen).get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_remember_me_cookie_copied_before_sign_out_no_longer_signs_anyone_in(
    app, client, auth, make_user
):
    user = make_user(name="Remembered Person")
    auth.login(user.email, remember="y")
    stolen = client.get_cookie("remember_token").value
    assert b"Welcome back, Remembered Person" in replay(app, remember_token=stolen).get("/").data

    auth.logout()

    browser = replay(app, remember_token=stolen)
    assert b"Welcome back" not in browser.get("/").data
    assert browser.get("/account").status_code == 302


def test_signing_out_then_in_again_works(client, auth, make_user):
    user = make_user(name="Back Again")
    auth.login_as(user)
    auth.logout()
    assert client.get("/account").status_code == 302
    assert auth.login(user.email, TEST_PASSWORD).status_code == 302
    assert client.get("/account").status_code == 200


def test_a_form_token_from_before_sign_in_is_refused_after_it(client, auth, make_user):
    user = make_user()
    before = client.csrf_token()  # what a page opened before signing in carries
    auth.login_as(user)
    form = {
        "current": TEST_PASSWORD,
        "password": "a brand new phrase",
        "confirm": "a brand new phrase",
    }
    stale = client.post("/account/password", data={**form, "csrf_token": before})
    assert stale.status_code == 400
    fresh = client.post("/account/password", data=form)
    assert fresh.status_code == 302


def test_a_reset_link_sent_before_a_password_change_stops_working(client, auth, make_user, mailbox):
    user = make_user("sam@example.org")
    client.post("/reset", data={"email": "sam@example.org"})
    path = mailbox.last_link("sam@example.org").split("localhost", 1)[1]

    auth.login_as(user)
    changed = client.post(
        "/account/password",
        data={
            "current": TEST_PASSWORD,
            "password": "a brand new phrase",
            "confirm": "a brand new phrase",
        },
    )
    assert changed.status_code == 302
    auth.logout()

    response = client.get(path)
    assert response.status_code == 400
    assert b"already been used or is not valid" in response.data
