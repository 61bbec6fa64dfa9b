"""Administration: people, roles and account status, reports, and the audit log."""

from lms.admin.views import bp

__all__ = ["bp"]
