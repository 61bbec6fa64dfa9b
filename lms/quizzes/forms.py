"""Quiz forms: answers are read per question; staff grant extra attempts and answer requests."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class AnswerForm(FlaskForm):
    """CSRF protection for quiz, evaluation and start buttons; answers are read per question."""


class AttemptRequestForm(FlaskForm):
    """A learner asking for another try at a quiz, with an optional message."""

    message = TextAreaField(
        _l("Message to the course team (optional)"),
        validators=[Optional(), Length(max=2000, message=_l("Use at most 2,000 characters."))],
    )


class GrantForm(FlaskForm):
    """Staff giving a learner extra attempts at a quiz, or resetting their open attempt."""

    email = EmailField(
        _l("Learner's email"),
        validators=[DataRequired(_l("Enter the learner's email.")), Length(max=254)],
    )
    course = StringField(
        _l("Course (its short name in the address, such as trauma-informed-front-desk)"),
        validators=[DataRequired(_l("Enter the course.")), Length(max=100)],
    )
    quiz = StringField(
        _l("Quiz page (its short name in the address)"),
        validators=[DataRequired(_l("Enter the quiz page.")), Length(max=100)],
    )
    action = RadioField(
        _l("What to do"),
        choices=[
            SelectChoice("grant", _l("Grant extra attempts")),
            SelectChoice("reset", _l("Reset the open attempt")),
        ],
        default="grant",
        validators=[DataRequired(_l("Choose what to do."))],
    )
    extra = IntegerField(
        _l("Extra attempts (1 to 5)"),
        default=1,
        validators=[
            Optional(),
            NumberRange(min=1, max=5, message=_l("Grant between 1 and 5 extra attempts.")),
        ],
    )
    reason = TextAreaField(
        _l("Reason (the learner and the audit log see it)"),
        validators=[
            DataRequired(_l("Give a reason.")),
            Length(max=1000, message=_l("Use at most 1,000 characters.")),
        ],
    )


class DecisionForm(FlaskForm):
    """Staff answering a learner's request for another try."""

    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("grant", _l("Grant one extra attempt")),
            SelectChoice("decline", _l("Decline")),
        ],
        validators=[DataRequired(_l("Choose grant or decline."))],
    )
    reason = TextAreaField(
        _l("Reason (the learner sees it)"),
        validators=[
            DataRequired(_l("Give a reason.")),
            Length(max=1000, message=_l("Use at most 1,000 characters.")),
        ],
    )
