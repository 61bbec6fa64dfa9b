"""`flask courses ...`: check, publish, watch and withdraw Markdown courses."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app

from lms.content.loader import check_courses, compute_content_hash
from lms.courses import services
from lms.courses.views import bp
from lms.extensions import db

DIR_ARGUMENT = click.argument(
    "directory", required=False, type=click.Path(file_okay=False, path_type=Path)
)


def _directory(directory: Path | None) -> Path:
    path = directory or Path(current_app.config["COURSES_DIR"])
    if not path.is_dir():
        raise click.ClickException(f"{path} is not a folder of courses.")
    return path


@bp.cli.command("check")
@DIR_ARGUMENT
def check_command(directory: Path | None) -> None:
    """Check every course under DIRECTORY (default: LMS_COURSES_DIR) and print each problem."""
    root = _directory(directory)
    _, diagnostics = check_courses(root, provider_name=current_app.config["PROVIDER_NAME"])
    for diagnostic in diagnostics:
        click.echo(str(diagnostic), err=diagnostic.severity == "error")
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    folders = len(services.course_folders(root))
    click.echo(f"{folders} course(s) checked: {errors} error(s), {warnings} warning(s).", err=True)
    if errors:
        raise SystemExit(1)


def _publish(root: Path) -> services.PublishReport:
    report = services.publish_courses(
        root,
        max_media_bytes=int(current_app.config["MAX_MEDIA_BYTES"]),
        provider_name=current_app.config["PROVIDER_NAME"],
    )
    db.session.commit()
    for diagnostic in report.diagnostics:
        click.echo(str(diagnostic), err=True)
    for result in report.results:
        if result.outcome == "published":
            click.echo(f"{result.slug}: published version {result.version}")
        elif result.outcome == "unchanged":
            click.echo(f"{result.slug}: unchanged (version {result.version} is live)")
        else:
            for diagnostic in result.diagnostics:
                if diagnostic not in report.diagnostics:
                    click.echo(str(diagnostic), err=True)
            click.echo(f"{result.slug}: NOT published; the previous version stays live", err=True)
    return report


@bp.cli.command("publish")
@DIR_ARGUMENT
def publish_command(directory: Path | None) -> None:
    """Publish each course under DIRECTORY whose content changed; broken ones stay as they were."""
    report = _publish(_directory(directory))
    if report.failed:
        raise SystemExit(1)


@bp.cli.command("watch")
@DIR_ARGUMENT
@click.option("--interval", default=1.0, show_default=True, help="Seconds between looks.")
@click.option("--rounds", type=int, default=None, hidden=True, help="Stop after this many looks.")
def watch_command(directory: Path | None, interval: float, rounds: int | None) -> None:
    """Republish courses under DIRECTORY whenever their files change (for authors previewing)."""
    root = _directory(directory)
    seen: dict[str, str] = {}
    click.echo(f"Watching {root} (Ctrl+C to stop).")
    looked = 0
    while rounds is None or looked < rounds:
        hashes = {p.name: compute_content_hash(p) for p in services.course_folders(root)}
        if hashes != seen:
            _publish(root)
            seen = hashes
        looked += 1
        if rounds is None or looked < rounds:
            time.sleep(interval)


@bp.cli.command("withdraw")
@click.argument("slug")
def withdraw_command(slug: str) -> None:
    """Take a course out of the catalog; learners' records and every version are kept."""
    try:
        services.withdraw_course(slug)
    except LookupError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{slug}: withdrawn from the catalog.")
