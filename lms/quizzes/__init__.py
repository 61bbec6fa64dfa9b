"""Quizzes and evaluations: server-graded attempts, feedback, and results for authors."""

from lms.quizzes.views import bp

__all__ = ["bp"]
