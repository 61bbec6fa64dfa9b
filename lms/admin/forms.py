"""Admin forms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lms.accounts.models import Role
from lms.admin.reports import CourseRow


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


class AccountStatusForm(FlaskForm):
    """Deactivate or reactivate an account: a button, so only the CSRF token is checked."""


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    course = SelectField("Course", validators=[Optional()])

    def __init__(self, *args: Any, courses: Sequence[CourseRow] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.course.choices = [SelectChoice("", "All courses")] + [
            SelectChoice(row.slug, row.title) for row in courses
        ]

    def selected(self, courses: Sequence[CourseRow]) -> CourseRow | None:
        """Return the course chosen, or None for all courses (or an unknown one)."""
        if not self.validate() or not self.course.data:
            return None
        return next((row for row in courses if row.slug == self.course.data), None)


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = StringField(
        "Action starts with",
        description="For example user. or certificate.revoked",
        validators=[Optional(), Length(max=60)],
    )
    actor = StringField("Done by (email contains)", validators=[Optional(), Length(max=254)])
