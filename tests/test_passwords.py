"""Common, leaked and easily guessed passwords are refused with a reason (NIST SP 800-63B)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.passwords import password_problem
from lms.extensions import db
from tests.test_accounts import SIGNUP


@pytest.mark.parametrize(
    "password", ["password12", "Password123!", "qwertyuiop", "iloveyou12345", "aaaaaaaaaaaa"]
)
def test_common_and_patterned_passwords_are_refused(password):
    assert password_problem(password) is not None


@pytest.mark.parametrize("password", ["correct horse battery", "a long enough phrase"])
def test_phrases_of_unrelated_words_are_accepted(password):
    assert password_problem(password) is None


def test_signing_up_with_password12_says_why_it_is_refused(client, mailbox):
    form = client.get("/signup").text
    assert "not a common or leaked password" in form  # said before anyone types
    response = client.post("/signup", data={**SIGNUP, "password": "password12"})
    assert response.status_code == 200
    assert "lists of common or leaked passwords, so it would be easy to guess" in response.text
    assert 'aria-invalid="true"' in response.text
    assert db.session.scalar(select(User)) is None
    assert mailbox.messages == []


def test_a_password_made_of_the_persons_own_name_is_refused(client, mailbox):
    data = {**SIGNUP, "full_name": "Zebulon Quackenbush", "password": "zebulonquackenbush"}
    response = client.post("/signup", data=data)
    assert "easy to guess" in response.text
    assert db.session.scalar(select(User)) is None


def test_changing_to_a_common_password_is_refused(client, auth, make_user):
    auth.login_as(make_user())
    response = client.post(
        "/account/password",
        data={
            "current": "correct horse battery",
            "password": "password12",
            "confirm": "password12",
        },
    )
    assert response.status_code == 200
    assert "easy to guess" in response.text


def test_the_command_line_refuses_a_common_password(runner):
    result = runner.invoke(
        args=["users", "create", "ops@example.org", "--name", "Ops"], input="password12\n"
    )
    assert result.exit_code == 1
    assert "easy to guess" in result.output
