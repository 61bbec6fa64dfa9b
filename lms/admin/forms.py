"""Admin forms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lms.accounts.models import Role
from lms.admin.reports import CourseRow

# How each role is named on screen; the stored values stay the English identifiers.
ROLE_LABELS = {
    Role.LEARNER.value: _l("Learner"),
    Role.AUTHOR.value: _l("Author"),
    Role.ADMIN.value: _l("Admin"),
}
# The same, inside a sentence ("Ana Author is now admin.").
ROLE_NAMES = {
    Role.LEARNER.value: _l("learner"),
    Role.AUTHOR.value: _l("author"),
    Role.ADMIN.value: _l("admin"),
}


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Search by name or email"), validators=[Optional(), Length(max=254)])


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r.value, ROLE_LABELS.get(r.value, r.value)) for r in Role],
        validators=[DataRequired()],
    )


class AccountStatusForm(FlaskForm):
    """Deactivate or reactivate an account: a button, so only the CSRF token is checked."""


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    course = SelectField(_l("Course"), validators=[Optional()])

    def __init__(self, *args: Any, courses: Sequence[CourseRow] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.course.choices = [SelectChoice("", _l("All courses"))] + [
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
        _l("Action starts with"),
        description=_l("For example user. or certificate.revoked"),
        validators=[Optional(), Length(max=60)],
    )
    actor = StringField(_l("Done by (email contains)"), validators=[Optional(), Length(max=254)])
