"""Board reporting, certificate archives and credit earned elsewhere."""

from __future__ import annotations

from flask import Blueprint

from lms.cme import models as _models  # noqa: F401  (the tables these pages use)

bp = Blueprint("cme", __name__, cli_group="cme")
