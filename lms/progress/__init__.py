"""Progress: the lesson reader, resuming, and "My learning"."""

from lms.progress.views import bp

__all__ = ["bp"]
