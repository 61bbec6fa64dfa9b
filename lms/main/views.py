"""The home page and the support page every page links to."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from lms import dates
from lms.courses import listing
from lms.i18n import current_language
from lms.organizations.services import statuses_for
from lms.progress.services import courses_in_progress

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """Show who the site is for and featured courses; learners also see their own courses."""
    today = dates.today()
    assigned = []
    in_progress = []
    if current_user.is_authenticated:
        assigned = statuses_for([current_user], today=today)[current_user.id]
        # Assigned courses already show their progress and a Resume button.
        in_progress = courses_in_progress(
            current_user, exclude_course_ids={row.course.id for row in assigned}
        )
    featured = listing.shown_all(listing.featured_versions(today=today), current_language().code)
    return render_template(
        "main/index.html",
        featured=featured,
        credits=listing.credits_by_version(v.id for v in featured),
        assigned=assigned,
        in_progress=in_progress,
    )


@bp.get("/support")
def support() -> str:
    """Show support and crisis resources."""
    return render_template("main/support.html")


@bp.get("/privacy")
def privacy() -> str:
    """Show the site's privacy policy: what is collected, why, who sees it, and choices."""
    return render_template("main/privacy.html")


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Answer load balancers' liveness checks."""
    return {"status": "ok"}, 200
