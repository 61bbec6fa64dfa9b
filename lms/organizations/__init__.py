"""Organisations: members and managers, course assignments with due dates, and reminders."""

from lms.organizations import cli as _cli  # noqa: F401  (registers `flask reminders`)
from lms.organizations.views import bp

__all__ = ["bp"]
