"""Quiz forms: the questions are dynamic, so the form only carries the CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm


class AnswerForm(FlaskForm):
    """CSRF protection for quiz, evaluation and start buttons; answers are read per question."""
