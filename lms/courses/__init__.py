"""Courses: publishing Markdown folders as versions, the catalog and course pages."""

from lms.courses import cli as _cli  # noqa: F401  (registers `flask courses`)
from lms.courses.views import bp

__all__ = ["bp"]
