"""Reader forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional


class CompleteForm(FlaskForm):
    # Filled in by reader.js when scripts run; the page works without it.
    seconds = IntegerField(validators=[Optional(), NumberRange(min=0, max=86_400)])


class TimeForm(FlaskForm):
    seconds = IntegerField(validators=[NumberRange(min=0, max=86_400)])


class ContinueForm(FlaskForm):
    """A CSRF-protected button for continuing past a content note."""
