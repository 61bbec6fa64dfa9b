"""`flask reminders send` and `flask organizations create`: run organizations from a shell."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from lms import dates
from lms.accounts.services import find_user_by_email
from lms.database import writing
from lms.extensions import db
from lms.links import DEVELOPMENT_BASE_URL
from lms.organizations import services
from lms.organizations.emails import send_reminder
from lms.organizations.models import ORGANIZATION_KINDS
from lms.organizations.views import bp


@bp.cli.command("send")
@click.option(
    "--within",
    "within_days",
    default=7,
    show_default=True,
    help="Days before the due date to start reminding.",
)
@click.option(
    "--period",
    "period_days",
    default=7,
    show_default=True,
    help="Remind at most once per assignment in this many days.",
)
@click.option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Pretend it is this date (YYYY-MM-DD).",
)
def send_command(within_days: int, period_days: int, today: object) -> None:
    """Email learners whose assignments are due soon or overdue, at most once per period."""
    day = today.date() if today is not None else dates.today()  # type: ignore[attr-defined]
    # Links in the emails need the site's public address; there is no request to take it from.
    base_url = current_app.config.get("BASE_URL") or DEVELOPMENT_BASE_URL
    # writing(): on SQLite take the write lock up front, as the jobs worker writes meanwhile.
    with current_app.test_request_context(base_url=base_url), writing():
        sent, skipped = services.send_reminders(
            today=day, within_days=within_days, period_days=period_days, send=send_reminder
        )
    db.session.commit()
    click.echo(
        ngettext(
            "%(num)d reminder(s) queued (the jobs worker emails them); "
            "%(skipped)d already sent this period.",
            "%(num)d reminder(s) queued (the jobs worker emails them); "
            "%(skipped)d already sent this period.",
            sent,
            skipped=skipped,
        )
    )


organizations_cli = AppGroup("organizations", help="Set up organizations from the command line.")


@organizations_cli.command("create")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice(list(ORGANIZATION_KINDS)),
    default="clinic",
    show_default=True,
    help="What sort of organization it is.",
)
@click.option(
    "--manager",
    "managers",
    multiple=True,
    metavar="EMAIL",
    help="Make this existing account a manager (repeat for more).",
)
@click.option(
    "--member",
    "members",
    multiple=True,
    metavar="EMAIL",
    help="Add this existing account as a member (repeat for more).",
)
def create_command(
    name: str, kind: str, managers: tuple[str, ...], members: tuple[str, ...]
) -> None:
    """Create an organization, optionally with its managers and members."""
    people = []
    for role, emails in (("manager", managers), ("member", members)):
        for email in emails:
            user = find_user_by_email(email)
            if user is None:
                raise click.ClickException(
                    _(
                        "No account has the email address %(email)s. "
                        "Create it first with `flask users create`.",
                        email=email,
                    )
                )
            people.append((user, role))
    try:
        organization = services.create_organization(name, kind, actor=None)
    except services.OrganizationError as error:
        raise click.ClickException(str(error)) from error
    for user, role in people:
        services.add_member(organization, user, role, actor=None)
    db.session.commit()
    click.echo(
        _(
            "Created %(name)s (id %(id)s, %(kind)s).",
            name=organization.name,
            id=organization.id,
            kind=kind,
        )
    )
    for user, role in people:
        click.echo(f"  {user.email}: {role}")
