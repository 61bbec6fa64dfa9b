"""Exports of completion records: CSV, XLSX and board-reporting formats."""

from lms.exports.views import bp

__all__ = ["bp"]
