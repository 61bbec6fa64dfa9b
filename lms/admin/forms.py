"""Admin forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lms.accounts.models import Role


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Search by name or email", validators=[Optional(), Length(max=254)])


class RoleForm(FlaskForm):
    role = SelectField(
        "Role",
        choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role],
        validators=[DataRequired()],
    )
