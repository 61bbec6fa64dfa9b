"""The home page and the support page every page links to."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from lms import dates
from lms.organizations.services import statuses_for

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """Show the home page; signed-in learners see what is assigned to them first."""
    assigned = []
    if current_user.is_authenticated:
        assigned = statuses_for([current_user], today=dates.today())[current_user.id]
    return render_template("main/index.html", assigned=assigned)


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
