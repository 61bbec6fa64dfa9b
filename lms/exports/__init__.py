"""Exports of completion records: CSV, XLSX and board-reporting formats."""

from lms.exports import cli as _cli  # noqa: F401  (registers `flask export completions`)
from lms.exports.views import bp

__all__ = ["bp"]
