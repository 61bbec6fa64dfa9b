"""The authors' home page and the authoring guide."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, render_template

from lms.accounts.access import role_required
from lms.accounts.models import Role
from lms.authoring import services

bp = Blueprint("authoring", __name__)


@bp.get("/authoring")
@role_required(Role.AUTHOR)
def index() -> str:
    """List every course with its versions, learners, results and publish dates."""
    courses = services.summarise_courses()
    run = services.last_publish_run()
    results = {result["slug"]: result for result in run.results} if run else {}
    published = {summary.course.slug for summary in courses}
    return render_template(
        "authoring/index.html",
        courses=courses,
        run=run,
        results=results,
        never_published=[r for slug, r in results.items() if slug not in published],
    )


@bp.get("/authoring/guide")
@role_required(Role.AUTHOR)
def guide() -> str:
    """Show the guide to writing, checking and publishing courses."""
    return render_template(
        "authoring/guide.html", html=_guide_html(current_app.config["AUTHORING_GUIDE"])
    )


# The guide ships with the code, so it changes only with a new release: render it once.
@cache
def _guide_html(path: str) -> str | None:
    return services.render_guide(Path(path))
