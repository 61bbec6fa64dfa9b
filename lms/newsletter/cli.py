"""`flask newsletter ...`: draft an issue, send or resume it, send course notices."""

from __future__ import annotations

import click
from flask import current_app

from lms.database import utcnow
from lms.extensions import db
from lms.newsletter import jobs, services
from lms.newsletter.models import Issue
from lms.newsletter.views import bp


@bp.cli.command("draft")
def draft_command() -> None:
    """Compose an issue from what was published since the last one, for review in the browser."""
    try:
        issue = services.draft_issue(
            utcnow(), first_issue_days=int(current_app.config["NEWSLETTER_FIRST_ISSUE_DAYS"])
        )
    except services.NothingNew as error:
        raise click.ClickException(
            "Nothing new has been published since the last issue."
        ) from error
    db.session.commit()
    counts = ", ".join(
        f"{code}: {len(part['items'])} items" for code, part in issue.content.items()
    )
    click.echo(
        f"Drafted issue {issue.id} ({counts}). Review it at /admin/newsletter/issues/{issue.id}"
    )


@bp.cli.command("send")
@click.argument("issue_id", type=int)
@click.option("--now", "in_process", is_flag=True, help="Send here, not through the job queue.")
def send_command(issue_id: int, in_process: bool) -> None:
    """Start (or resume) sending an issue; each subscriber still gets it exactly once."""
    issue = db.session.get(Issue, issue_id)
    if issue is None:
        raise click.ClickException(f"No issue {issue_id}.")
    services.start_sending(issue, utcnow())
    db.session.commit()
    if not in_process:
        jobs.send_issue_job(issue_id)
        click.echo(f"Issue {issue_id} is queued; `flask jobs worker` sends it.")
        return
    while True:
        result = jobs.run_send(issue_id)
        click.echo(f"sent {result.sent}, failed {result.failed}, remaining {result.remaining}")
        if result.busy or not result.remaining or result.retrying:
            break


@bp.cli.command("notify")
def notify_command() -> None:
    """Email learners who asked about new courses and new versions (each notice once)."""
    sent = services.send_course_notices(utcnow())
    db.session.commit()
    click.echo(f"Sent {sent} course notices.")
