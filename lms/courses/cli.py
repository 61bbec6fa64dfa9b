"""`flask courses ...`: check, publish, watch and withdraw Markdown courses."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _

from lms.content.loader import check_courses, compute_content_hash, cpu_workers
from lms.content.model import Diagnostic
from lms.courses import services
from lms.courses.views import bp
from lms.database import writing
from lms.extensions import db
from lms.resources import services as resources

RESOURCES_OPTION = click.option(
    "--resources",
    "resources_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The family resources folder (default: LMS_RESOURCES_DIR); checked and published too.",
)

DIR_ARGUMENT = click.argument(
    "directory", required=False, type=click.Path(file_okay=False, path_type=Path)
)


def _directory(directory: Path | None) -> Path:
    path = directory or Path(current_app.config["COURSES_DIR"])
    if not path.is_dir():
        raise click.ClickException(_("%(path)s is not a folder of courses.", path=path))
    return path


def _resources_folder(resources_dir: Path | None) -> Path | None:
    """Return the family resources folder, or None if there is none (the library is empty)."""
    path = resources_dir or Path(current_app.config["RESOURCES_DIR"])
    if resources_dir is not None and not path.is_dir():
        raise click.ClickException(_("%(path)s is not a folder of resources.", path=path))
    return path if path.is_dir() else None


@bp.cli.command("check")
@DIR_ARGUMENT
@RESOURCES_OPTION
def check_command(directory: Path | None, resources_dir: Path | None) -> None:
    """Check every course under DIRECTORY (default: LMS_COURSES_DIR) and print each problem.

    The family resources (LMS_RESOURCES_DIR) are checked too, and lessons' links to them.
    """
    root = _directory(directory)
    library = _resources_folder(resources_dir)
    diagnostics: list[Diagnostic] = []
    checked_resources = 0
    if library is not None:
        _compiled, diagnostics = resources.check_library(library)
        checked_resources = len(resources.known_slugs(library))
    courses, found = check_courses(
        root,
        provider_name=current_app.config["PROVIDER_NAME"],
        resources=resources.known_slugs(library) if library is not None else None,
        workers=_workers(),
    )
    diagnostics += found
    # The media limit is the site's setting; check it here too so check and publish agree.
    limit = int(current_app.config["MAX_MEDIA_BYTES"])
    for course in courses:
        folder = root / course.slug
        diagnostics += services.oversized_media(course, root, folder, limit)
    for diagnostic in diagnostics:
        click.echo(str(diagnostic), err=diagnostic.severity == "error")
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    folders = len(services.course_folders(root))
    click.echo(
        _(
            "%(folders)d course(s) checked: %(errors)d error(s), %(warnings)d warning(s).",
            folders=folders,
            errors=errors,
            warnings=warnings,
        ),
        err=True,
    )
    if library is not None:
        click.echo(_("%(count)d family resource(s) checked.", count=checked_resources), err=True)
    if errors:
        raise SystemExit(1)


WAIT_OPTION = click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Seconds to wait for another publish to finish before giving up.",
)


def _workers() -> int:
    return int(current_app.config["PUBLISH_WORKERS"]) or cpu_workers()


def _publish(
    root: Path, wait: float, library: Path | None = None
) -> tuple[services.PublishReport, resources.ResourcesReport | None]:
    plan = services.prepare_publish(
        root,
        max_media_bytes=int(current_app.config["MAX_MEDIA_BYTES"]),
        provider_name=current_app.config["PROVIDER_NAME"],
        resources=resources.known_slugs(library) if library is not None else None,
        workers=_workers(),
    )
    # Compiling only read the database; end that transaction so that the writing one below
    # starts by taking the publishing lock, and reads version numbers no one else is writing.
    db.session.rollback()
    try:
        with writing():
            services.lock_publishing(timeout=wait)
            report = services.publish_prepared(plan)
            services.record_publish_run(report)
            library_report = (
                resources.publish_resources(
                    library, max_media_bytes=int(current_app.config["MAX_MEDIA_BYTES"])
                )
                if library is not None
                else None
            )
            db.session.commit()
    except services.PublishingBusy as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    for diagnostic in report.diagnostics:
        click.echo(str(diagnostic), err=True)
    for result in report.results:
        if result.outcome == "published":
            click.echo(
                _(
                    "%(slug)s: published version %(version)s",
                    slug=result.slug,
                    version=result.version,
                )
            )
            if result.withdrawn:
                click.echo(
                    _(
                        "%(slug)s: note: %(slug)s stays withdrawn from the catalog; "
                        "run 'flask courses reinstate %(slug)s' to put it back",
                        slug=result.slug,
                    )
                )
        elif result.outcome == "unchanged":
            click.echo(
                _(
                    "%(slug)s: unchanged (version %(version)s is live)",
                    slug=result.slug,
                    version=result.version,
                )
            )
        else:
            for diagnostic in result.diagnostics:
                if diagnostic not in report.diagnostics:
                    click.echo(str(diagnostic), err=True)
            click.echo(
                _("%(slug)s: NOT published; the previous version stays live", slug=result.slug),
                err=True,
            )
    if library_report is not None:
        _echo_library(library_report)
    return report, library_report


def _echo_library(report: resources.ResourcesReport) -> None:
    for diagnostic in report.diagnostics:
        click.echo(str(diagnostic), err=True)
    for slug in report.published:
        click.echo(_("resource %(slug)s: published", slug=slug))
    for slug in report.removed:
        click.echo(_("resource %(slug)s: removed from the library", slug=slug))
    for slug in report.failed:
        click.echo(
            _("resource %(slug)s: NOT published; the previous edition stays live", slug=slug),
            err=True,
        )
    if report.unchanged:
        click.echo(_("%(count)d family resource(s) unchanged.", count=len(report.unchanged)))


@bp.cli.command("publish")
@DIR_ARGUMENT
@RESOURCES_OPTION
@WAIT_OPTION
def publish_command(directory: Path | None, resources_dir: Path | None, wait: float) -> None:
    """Publish each course under DIRECTORY whose content changed; broken ones stay as they were.

    Each course is published on its own: one that fails leaves the others live, and the exit
    status is then 1. Two publishes at once take turns.
    """
    report, library_report = _publish(_directory(directory), wait, _resources_folder(resources_dir))
    if report.failed or (library_report is not None and library_report.failed):
        raise SystemExit(1)


@bp.cli.command("watch")
@DIR_ARGUMENT
@click.option("--interval", default=1.0, show_default=True, help="Seconds between looks.")
@click.option("--rounds", type=int, default=None, hidden=True, help="Stop after this many looks.")
@WAIT_OPTION
def watch_command(directory: Path | None, interval: float, rounds: int | None, wait: float) -> None:
    """Republish courses under DIRECTORY whenever their files change (for authors previewing).

    The family resources folder (LMS_RESOURCES_DIR) is watched and republished too.
    """
    root = _directory(directory)
    library = _resources_folder(None)
    seen: dict[str, str] = {}
    click.echo(_("Watching %(folder)s (Ctrl+C to stop).", folder=root))
    looked = 0
    while rounds is None or looked < rounds:
        hashes = {p.name: compute_content_hash(p) for p in services.course_folders(root)}
        if library is not None:
            hashes[f"/{library}"] = compute_content_hash(library)  # "/": no course's name
        if hashes != seen:
            try:
                _publish(root, wait, library)
            except click.ClickException as error:
                click.echo(_("Error: %(message)s", message=error.message), err=True)
            else:
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
    click.echo(_("%(slug)s: withdrawn from the catalog.", slug=slug))


@bp.cli.command("reinstate")
@click.argument("slug")
def reinstate_command(slug: str) -> None:
    """Put a withdrawn course back in the catalog, at its current version."""
    try:
        course = services.reinstate_course(slug)
    except (LookupError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        _(
            "%(slug)s: back in the catalog (version %(number)s).",
            slug=slug,
            number=course.current_version.number,
        )
    )
