"""The home page and the support page every page links to."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """Show the home page."""
    return render_template("main/index.html")


@bp.get("/support")
def support() -> str:
    """Show support and crisis resources."""
    return render_template("main/support.html")


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Answer load balancers' liveness checks."""
    return {"status": "ok"}, 200
