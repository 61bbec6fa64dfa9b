"""`flask users ...` commands."""

from __future__ import annotations

from lms.accounts.services import find_user_by_email


def test_create_user_reads_the_password_from_stdin(runner, auth):
    result = runner.invoke(
        args=["users", "create", "Author@Example.org", "--name", "Ana Author", "--role", "author"],
        input="a strong passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created author@example.org (author)." in result.output
    user = find_user_by_email("author@example.org")
    assert user.full_name == "Ana Author" and user.role == "author"
    assert user.email_confirmed_at is not None
    assert auth.login("author@example.org", "a strong passphrase").status_code == 302


def test_create_user_refuses_short_passwords_and_duplicates(runner, make_user):
    result = runner.invoke(
        args=["users", "create", "a@example.org", "--name", "A"], input="short\n"
    )
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    make_user("taken@example.org")
    result = runner.invoke(
        args=["users", "create", "taken@example.org", "--name", "B"], input="long enough pass\n"
    )
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_set_role(runner, make_user):
    user = make_user("sam@example.org")
    result = runner.invoke(args=["users", "set-role", "SAM@example.org", "admin"])
    assert result.exit_code == 0, result.output
    assert user.role == "admin"
    result = runner.invoke(args=["users", "set-role", "nobody@example.org", "admin"])
    assert result.exit_code == 1
    assert "No account has the email address nobody@example.org" in result.output
    result = runner.invoke(args=["users", "set-role", "sam@example.org", "king"])
    assert result.exit_code == 2


def test_demo_admin_prints_working_credentials(runner, auth):
    result = runner.invoke(args=["users", "demo-admin"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password:")[1].strip()
    assert auth.login("admin@example.org", password).status_code == 302
    again = runner.invoke(args=["users", "demo-admin"]).output.split("password:")[1].strip()
    assert again != password
