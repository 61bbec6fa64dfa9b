"""`flask users ...`: manage accounts from the command line."""

from __future__ import annotations

import secrets
import sys

import click
from flask import current_app
from flask_babel import gettext as _

from lms.accounts import services
from lms.accounts.models import Profession, Role
from lms.accounts.passwords import password_problem
from lms.accounts.views import bp
from lms.database import utcnow
from lms.extensions import db

DEMO_ADMIN_EMAIL = "admin@example.org"


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    # Piped: one line from stdin, so scripts never put a password on the command line.
    return sys.stdin.readline().rstrip("\r\n")


@bp.cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name, as printed on certificates.")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), default=Role.LEARNER.value,
    show_default=True,
)  # fmt: skip
@click.option(
    "--profession", type=click.Choice([p.value for p in Profession]),
    default=Profession.OTHER.value, show_default=True,
)  # fmt: skip
def create_command(email: str, name: str, role: str, profession: str) -> None:
    """Create a confirmed account; the password is read from a prompt or stdin."""
    password = _read_password()
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise click.ClickException(
            _("The password must be at least %(num)d characters.", num=minimum)
        )
    problem = password_problem(password, [email, name])
    if problem:
        raise click.ClickException(problem)
    try:
        user = services.create_user(
            email,
            name,
            password,
            profession=profession,
            role=role,
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            confirmed_at=utcnow(),
        )
    except services.AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(_("Created %(email)s (%(role)s).", email=user.email, role=user.role))


@bp.cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def set_role_command(email: str, role: str) -> None:
    """Give an existing account a role: learner, author or admin."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(_("No account has the email address %(email)s.", email=email))
    services.set_role(user, role)
    db.session.commit()
    click.echo(_("%(email)s is now %(role)s.", email=user.email, role=user.role))


@bp.cli.command("demo-admin")
def demo_admin_command() -> None:
    """Create the demo admin (or give it a new password) and print the sign-in details."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(_("The demo admin is for development only."))
    password = secrets.token_urlsafe(12)
    method = current_app.config["PASSWORD_HASH_METHOD"]
    user = services.find_user_by_email(DEMO_ADMIN_EMAIL)
    if user is None:
        user = services.create_user(
            DEMO_ADMIN_EMAIL,
            "Demo Administrator",
            password,
            profession=Profession.PHYSICIAN.value,
            role=Role.ADMIN,
            hash_method=method,
            confirmed_at=utcnow(),
        )
    else:
        user.set_password(password, method=method)
        services.set_role(user, Role.ADMIN)
    db.session.commit()
    click.echo(
        _(
            "Demo admin: %(email)s  password: %(password)s",
            email=DEMO_ADMIN_EMAIL,
            password=password,
        )
    )
