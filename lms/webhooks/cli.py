"""`flask webhooks deliver`: try every due delivery now, here rather than through the queue."""

from __future__ import annotations

import click
from flask import current_app
from flask_babel import gettext as _

from lms.database import utcnow
from lms.webhooks import services
from lms.webhooks.views import bp


@bp.cli.command("deliver")
def deliver_command() -> None:
    """Try every webhook delivery whose next try is due, oldest first."""
    delivered = waiting = 0
    for delivery_id in services.due_delivery_ids(utcnow()):
        outcome = services.deliver(delivery_id, current_app.config)
        if outcome is None:
            continue
        if outcome.delivered:
            delivered += 1
        else:
            waiting += 1
    click.echo(
        _(
            "%(delivered)d delivered; %(waiting)d failed this time.",
            delivered=delivered,
            waiting=waiting,
        )
    )
