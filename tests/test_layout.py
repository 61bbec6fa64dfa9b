"""The header and footer are drawn once and kept (lms.layout), yet each visitor sees their own.

What must stay per request: the CSRF token, the page's own address (language switch, the
newsletter form's source), the signed-in email, which menu item is current, the menu a role
sees, the language and flash messages.
"""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import update

from lms.accounts.models import User
from lms.extensions import db
from tests.conftest import TEST_PASSWORD


def tokens(html: str) -> set[str]:
    """Return every CSRF token on a page: the meta tag's and each form's."""
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html)) | set(
        re.findall(r'name="csrf-token" content="([^"]+)"', html)
    )


def test_two_learners_each_see_their_own_email_token_and_address(app: Flask, make_user):
    first, second = app.test_client(), app.test_client()
    ana = make_user("ana@example.org", name="Ana Alvarez")
    ben = make_user("ben@example.org", name="Ben Brown")
    for client, user in ((first, ana), (second, ben)):
        client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    ana_page = first.get("/courses?x=<b>").text
    ben_page = second.get("/support").text

    assert 'value="ana@example.org"' in ana_page and "ben@example.org" not in ana_page
    assert 'value="ben@example.org"' in ben_page and "ana@example.org" not in ben_page
    # One token a page in every form of the header and footer: the session's own, which the
    # page's <meta> (drawn per request, outside the kept parts) shows too.
    assert len(tokens(ana_page)) == 1 and len(tokens(ben_page)) == 1
    # The language switch comes back to this page, its address as the request gave it.
    assert re.search(r'name="next" value="/courses\?x=(%3Cb%3E|&lt;b&gt;)"', ana_page)
    assert 'name="next" value="/support"' in ben_page
    assert 'name="source" value="/courses"' in ana_page
    assert 'name="source" value="/support"' in ben_page


def test_the_current_menu_item_follows_the_page(client, make_user, auth):
    auth.login_as(make_user())
    courses = client.get("/courses").text
    learning = client.get("/my-learning").text
    again = client.get("/courses").text

    assert re.search(r'href="/courses" aria-current="page"', courses)
    assert not re.search(r'href="/my-learning" aria-current="page"', courses)
    assert re.search(r'href="/my-learning" aria-current="page"', learning)
    assert not re.search(r'href="/courses" aria-current="page"', learning)
    assert re.search(r'href="/courses" aria-current="page"', again)


def test_the_menu_follows_the_visitor_role_and_language(client, make_user, auth):
    anonymous = client.get("/courses").text
    user = make_user("cam@example.org")
    auth.login_as(user)
    learner = client.get("/courses").text
    db.session.execute(update(User).where(User.id == user.id).values(role="admin"))
    db.session.commit()  # promoted while signed in
    admin = client.get("/courses").text
    spanish = client.get("/courses?lang=es").text

    assert "Sign in" in anonymous and "Sign out" not in anonymous
    assert "Sign out" in learner and "/admin" not in learner
    assert 'href="/admin' in admin
    assert "Cerrar sesión" in spanish
    assert "Sign out" not in spanish


def test_a_flash_message_shows_once_under_the_kept_header(client, make_user, auth):
    auth.login_as(make_user())
    client.get("/courses")  # the signed-in header drawn and kept
    client.post("/logout")
    shown = client.get("/courses").text
    again = client.get("/courses").text

    assert "You are signed out" in shown and "Sign in" in shown
    assert "You are signed out" not in again
