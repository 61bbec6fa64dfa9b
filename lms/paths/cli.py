"""`flask paths ...`: check and publish learning paths (paths/<slug>.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _

from lms.database import writing
from lms.extensions import db
from lms.paths import services
from lms.paths.loader import check_paths
from lms.paths.views import bp

DIR_ARGUMENT = click.argument(
    "directory", required=False, type=click.Path(file_okay=False, path_type=Path)
)
COURSES_OPTION = click.option(
    "--courses",
    "courses_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The courses folder the paths name (default: LMS_COURSES_DIR).",
)


def _folders(directory: Path | None, courses_dir: Path | None) -> tuple[Path, Path]:
    path = directory or Path(current_app.config["PATHS_DIR"])
    if not path.is_dir():
        raise click.ClickException(_("%(path)s is not a folder of paths.", path=path))
    return path, courses_dir or Path(current_app.config["COURSES_DIR"])


def _report(diagnostics: list, count: int) -> int:
    for diagnostic in diagnostics:
        click.echo(str(diagnostic), err=True)
    errors = sum(d.severity == "error" for d in diagnostics)
    click.echo(
        _(
            "%(count)d path(s) ready: %(errors)d error(s), %(warnings)d warning(s).",
            count=count,
            errors=errors,
            warnings=len(diagnostics) - errors,
        ),
        err=True,
    )
    return errors


@bp.cli.command("check")
@DIR_ARGUMENT
@COURSES_OPTION
def check_command(directory: Path | None, courses_dir: Path | None) -> None:
    """Check every path under DIRECTORY (default: LMS_PATHS_DIR) and print each problem."""
    root, courses_root = _folders(directory, courses_dir)
    paths, diagnostics = check_paths(root, courses_root)
    if _report(diagnostics, len(paths)):
        raise SystemExit(1)


@bp.cli.command("publish")
@DIR_ARGUMENT
@COURSES_OPTION
def publish_command(directory: Path | None, courses_dir: Path | None) -> None:
    """Publish every path under DIRECTORY without errors; broken ones stay as they were."""
    root, courses_root = _folders(directory, courses_dir)
    paths, diagnostics = check_paths(root, courses_root)
    errors = _report(diagnostics, len(paths))
    with writing():
        changed = services.publish_paths(paths, provider_name=current_app.config["PROVIDER_NAME"])
        db.session.commit()
    for slug in changed:
        click.echo(_("%(slug)s: published", slug=slug))
    if errors:
        raise SystemExit(1)


@bp.cli.command("withdraw")
@click.argument("slug")
def withdraw_command(slug: str) -> None:
    """Take a path out of the catalog and close it to new assignments; records are kept."""
    with writing():
        try:
            services.withdraw_path(slug, actor=None)
        except (LookupError, ValueError) as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
    click.echo(_("%(slug)s: withdrawn from the catalog.", slug=slug))


@bp.cli.command("reinstate")
@click.argument("slug")
def reinstate_command(slug: str) -> None:
    """Put a withdrawn path back in the catalog."""
    with writing():
        try:
            services.reinstate_path(slug, actor=None)
        except (LookupError, ValueError) as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
    click.echo(_("%(slug)s: back in the catalog.", slug=slug))
