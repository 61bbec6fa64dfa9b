"""Site-wide pages: the home page and support resources."""

from lms.main.views import bp

__all__ = ["bp"]
