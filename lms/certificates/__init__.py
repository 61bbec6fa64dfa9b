"""Certificates: completion, credit claims, PDF certificates, verification and transcripts."""

from lms.certificates.views import bp

__all__ = ["bp"]
