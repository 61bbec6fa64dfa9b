"""Signing in through an organization's OpenID provider: a real oidc-provider on 127.0.0.1."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.sso.models import PendingSignIn, UserIdentity
from tests.sso.conftest import (
    STALE_CLIENT,
    WRONG_AUDIENCE_CLIENT,
    add_provider,
    callback_path,
    query,
    sign_in_at_provider,
    start_sign_in,
)


def actions() -> list[tuple[str, dict]]:
    return [
        (e.action, e.details)
        for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]


def refusal_reasons() -> list[str]:
    return [d.get("reason") for action, d in actions() if action == "sso.refused"]


def signed_in_as(client) -> str:
    return client.get("/account").get_data(as_text=True)


def test_a_new_person_signs_in_completes_their_profile_and_gets_an_account(client, oidc_peer):
    add_provider(oidc_peer.issuer)

    authorize = start_sign_in(client, "nadia.nurse@clinic.example.org")
    params = query(authorize)
    assert authorize.startswith(oidc_peer.issuer)
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert params["state"] and params["nonce"]
    assert params["redirect_uri"] == "http://localhost/login/organization/callback"
    assert params["login_hint"] == "nadia.nurse@clinic.example.org"

    back = client.get(callback_path(sign_in_at_provider(authorize, "nadia")))
    assert back.status_code == 302
    assert back.headers["Location"] == "/login/organization/profile"

    page = client.get("/login/organization/profile").get_data(as_text=True)
    assert "nadia.nurse@clinic.example.org" in page
    assert 'value="Nadia Nurse"' in page  # the name the provider gave, ready to correct
    done = client.post(
        "/login/organization/profile",
        data={"full_name": "Nadia Nurse", "profession": "nurse"},
        follow_redirects=True,
    )
    assert "Your account is ready" in done.get_data(as_text=True)

    user = db.session.scalar(select(User).where(User.email == "nadia.nurse@clinic.example.org"))
    assert user.profession == "nurse" and user.email_confirmed_at is not None
    assert db.session.scalar(select(UserIdentity).where(UserIdentity.user_id == user.id))
    assert 'value="Nadia Nurse"' in signed_in_as(client)
    assert [a for a, _ in actions() if a.startswith("sso.")][-3:] == [
        "sso.account_created",
        "sso.account_linked",
        "sso.signed_in",
    ]
    assert db.session.scalar(select(PendingSignIn)) is None  # state, nonce, verifier used up


def test_the_profile_step_asks_again_when_a_detail_is_missing(client, oidc_peer):
    add_provider(oidc_peer.issuer)
    authorize = start_sign_in(client, "nadia.nurse@clinic.example.org")
    client.get(callback_path(sign_in_at_provider(authorize, "nadia")))

    response = client.post("/login/organization/profile", data={"full_name": "Nadia Nurse"})

    assert response.status_code == 200
    assert "Choose the profession closest to yours." in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_an_existing_account_is_linked_by_verified_email_and_keeps_signing_in_after_an_email_change(
    client, auth, make_user, oidc_peer
):
    pat = make_user("pat.physician@clinic.example.org", name="Pat Lee")
    add_provider(oidc_peer.issuer)

    authorize = start_sign_in(client, "pat.physician@clinic.example.org")
    back = client.get(callback_path(sign_in_at_provider(authorize, "pat")))

    assert back.status_code == 302 and back.headers["Location"] == "/"
    assert "Pat Lee" in signed_in_as(client)
    assert [a for a, _ in actions()][-2:] == ["sso.account_linked", "sso.signed_in"]
    assert db.session.scalar(select(User).where(User.id != pat.id)) is None  # no new account

    # Pat changes their email here; the provider still knows them by the same subject.
    auth.logout()
    pat.email = "pat.lee@personal.example.net"
    db.session.commit()
    authorize = start_sign_in(client, "pat.physician@clinic.example.org")
    client.get(callback_path(sign_in_at_provider(authorize, "pat")))
    assert "pat.lee@personal.example.net" in signed_in_as(client)
    assert db.session.scalar(select(User).where(User.id != pat.id)) is None


def test_an_unverified_email_is_not_linked_to_an_existing_account(client, make_user, oidc_peer):
    una = make_user("una.unverified@clinic.example.org")
    add_provider(oidc_peer.issuer)

    authorize = start_sign_in(client, "una.unverified@clinic.example.org")
    response = client.get(callback_path(sign_in_at_provider(authorize, "una")))

    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "has not confirmed your email address" in page
    assert "Start again" in page
    assert db.session.scalar(select(UserIdentity)) is None
    assert refusal_reasons() == ["email-not-verified"]
    assert client.get("/account").status_code == 302  # not signed in
    assert una.active


def test_an_email_outside_the_allowed_domains_is_refused(client, oidc_peer):
    add_provider(oidc_peer.issuer)

    # The person typed a clinic address, but signed in at the provider as someone elsewhere.
    authorize = start_sign_in(client, "nadia.nurse@clinic.example.org")
    response = client.get(callback_path(sign_in_at_provider(authorize, "olga")))

    assert response.status_code == 403
    assert "not one this organization can sign in with" in response.get_data(as_text=True)
    assert refusal_reasons() == ["domain-not-allowed"]
    assert db.session.scalar(select(User)) is None


def test_an_id_token_for_another_audience_is_refused(client, oidc_peer):
    add_provider(oidc_peer.issuer, client_id=WRONG_AUDIENCE_CLIENT)

    authorize = start_sign_in(client, "pat.physician@clinic.example.org")
    response = client.get(callback_path(sign_in_at_provider(authorize, "pat")))

    assert response.status_code == 400
    assert "could not confirm this sign-in" in response.get_data(as_text=True)
    assert refusal_reasons() == ["id-token-invalid-claim"]
    assert db.session.scalar(select(User)) is None


def test_an_expired_id_token_is_refused(client, make_user, oidc_peer):
    make_user("pat.physician@clinic.example.org")
    add_provider(oidc_peer.issuer, client_id=STALE_CLIENT)

    authorize = start_sign_in(client, "pat.physician@clinic.example.org")
    response = client.get(callback_path(sign_in_at_provider(authorize, "pat")))

    assert response.status_code == 400
    assert refusal_reasons() == ["id-token-expired-token"]
    assert db.session.scalar(select(UserIdentity)) is None
    assert client.get("/account").status_code == 302


def test_a_replayed_callback_is_refused(client, make_user, oidc_peer):
    make_user("pat.physician@clinic.example.org", name="Pat Lee")
    add_provider(oidc_peer.issuer)
    authorize = start_sign_in(client, "pat.physician@clinic.example.org")
    with client.session_transaction() as saved:
        cookie_before = dict(saved)  # the session as it was before the callback
    callback = callback_path(sign_in_at_provider(authorize, "pat"))
    assert client.get(callback).status_code == 302
    client.post("/logout")

    # The same callback again, on this browser: the state is gone from the session.
    again = client.get(callback)
    assert again.status_code == 400
    assert "expired or was already used" in again.get_data(as_text=True)

    # And with the old session cookie put back: the state is gone from the server too.
    with client.session_transaction() as restored:
        restored.update(cookie_before)
    replayed = client.get(callback)
    assert replayed.status_code == 400
    assert "mismatching-state" in refusal_reasons()
    assert client.get("/account").status_code == 302


def test_a_forged_or_missing_state_is_refused_without_a_server_error(client, oidc_peer):
    add_provider(oidc_peer.issuer)
    for path in (
        "/login/organization/callback",
        "/login/organization/callback?state=nothing&code=x",
        "/login/organization/callback?state=" + "A" * 5000,
        "/login/organization/callback?error=access_denied&state=x",
    ):
        assert client.get(path).status_code == 400, path


def test_cancelling_at_the_provider_says_so(client, oidc_peer):
    add_provider(oidc_peer.issuer)
    authorize = start_sign_in(client, "pat.physician@clinic.example.org")
    state = query(authorize)["state"]

    response = client.get(f"/login/organization/callback?error=access_denied&state={state}")

    assert response.status_code == 400
    assert "canceled" in response.get_data(as_text=True)
    assert refusal_reasons() == ["access-denied"]


def test_an_email_domain_without_sso_is_told_to_use_a_password(client, make_user, oidc_peer):
    add_provider(oidc_peer.issuer)
    make_user("someone@nosso.example.com")
    for email in ("someone@nosso.example.com", "nobody@nosso.example.com"):
        response = client.post("/login/organization", data={"email": email})
        assert response.status_code == 200
        # The same words whether or not an account exists.
        assert "Single sign-on is not set up" in response.get_data(as_text=True)


def test_an_unreachable_provider_is_a_friendly_error(client, make_user):
    from tests.conftest import free_port

    add_provider(f"http://127.0.0.1:{free_port()}")
    response = client.post("/login/organization", data={"email": "pat@clinic.example.org"})
    assert response.status_code == 502
    assert "could not reach your organization" in response.get_data(as_text=True)
    assert refusal_reasons() == ["provider-unreachable"]


def test_the_sign_in_page_offers_organization_sign_in(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/login/organization"' in page
    assert "Sign in with your organization" in page


@pytest.mark.parametrize("email", ["", "not-an-email", "a\x00b@clinic.example.org", "x" * 300])
def test_bad_emails_on_the_organization_page_get_a_message(client, email):
    response = client.post("/login/organization", data={"email": email})
    assert response.status_code in (200, 400)
    assert response.status_code != 302


def test_the_audit_log_tells_sso_sign_ins_and_refusals_in_sentences(
    client, auth, make_user, oidc_peer
):
    make_user("pat.physician@clinic.example.org", name="Pat Lee")
    add_provider(oidc_peer.issuer)
    authorize = start_sign_in(client, "pat.physician@clinic.example.org")
    client.get(callback_path(sign_in_at_provider(authorize, "pat")))
    client.post("/logout")
    authorize = start_sign_in(client, "nadia.nurse@clinic.example.org")
    client.get(callback_path(sign_in_at_provider(authorize, "olga")))

    auth.login_as(make_user(role="admin"))
    page = client.get("/admin/audit").get_data(as_text=True)

    assert (
        "Pat Lee (pat.physician@clinic.example.org) signed in through “Example Health System”."
        in page
    )
    assert "was linked to “Example Health System”" in page
    assert (
        "A sign-in through “Example Health System” as olga@elsewhere.example.net was refused: "
        "the email address is outside the provider&#39;s allowed domains." in page
    )


def test_a_deactivated_account_is_neither_linked_nor_signed_in(client, make_user, oidc_peer):
    make_user("pat.physician@clinic.example.org", active=False)
    add_provider(oidc_peer.issuer)

    authorize = start_sign_in(client, "pat.physician@clinic.example.org")
    response = client.get(callback_path(sign_in_at_provider(authorize, "pat")))

    assert response.status_code == 403
    assert "deactivated" in response.get_data(as_text=True)
    assert refusal_reasons() == ["account-deactivated"]
    assert db.session.scalar(select(UserIdentity)) is None


def test_the_profile_step_expires(client, oidc_peer, monkeypatch):
    import time

    add_provider(oidc_peer.issuer)
    authorize = start_sign_in(client, "nadia.nurse@clinic.example.org")
    client.get(callback_path(sign_in_at_provider(authorize, "nadia")))
    later = time.time() + 31 * 60
    monkeypatch.setattr("lms.sso.views._now", lambda: later)

    response = client.post(
        "/login/organization/profile", data={"full_name": "Nadia Nurse", "profession": "nurse"}
    )

    assert response.status_code == 400
    assert db.session.scalar(select(User)) is None
