"""Administration: people and roles."""

from lms.admin.views import bp

__all__ = ["bp"]
