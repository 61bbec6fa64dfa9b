"""`flask xapi ...`: send pending statements now, and see how many wait."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from lms.database import utcnow
from lms.xapi import services

xapi_cli = AppGroup("xapi", help="Send xAPI statements to the learning record store.")


@xapi_cli.command("flush")
@click.option(
    "--due-only", is_flag=True, help="Send only statements whose next try is due (the sweep's way)."
)
def flush_command(due_only: bool) -> None:
    """Send every pending statement now, oldest first (after the store was down)."""
    if not services.enabled():
        raise click.ClickException(_("LMS_XAPI_ENDPOINT is not set: there is no store to send to."))
    sent = waiting = 0
    for row_id in services.pending_ids(utcnow() if due_only else None):
        outcome = services.send(row_id, current_app.config, due_only=due_only)
        if outcome:
            sent += 1
        elif outcome is False:
            waiting += 1
    click.echo(
        _("%(sent)d statement(s) sent; %(waiting)d still waiting.", sent=sent, waiting=waiting)
    )
    if waiting:
        raise SystemExit(1)


@xapi_cli.command("status")
def status_command() -> None:
    """Show how many statements the store has and how many wait."""
    sent, pending = services.counts()
    click.echo(_("%(sent)d sent, %(pending)d pending.", sent=sent, pending=pending))
