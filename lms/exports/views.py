"""Completion exports for administrators."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exports", __name__, cli_group="export")
