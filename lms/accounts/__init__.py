"""Accounts: sign-up, sign-in, password reset, profiles and roles."""

from lms.accounts import cli as _cli  # noqa: F401  (registers `flask users`)
from lms.accounts.views import bp

__all__ = ["bp"]
