"""The filter form of the completion export screen."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from lms.exports.rows import ExportFilters
from lms.input_guard import sane_date


class ExportFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads: nothing to forge

    course = SelectField(_l("Course"), choices=[], default="", validators=[Optional()])
    organization = SelectField(_l("Organization"), choices=[], default="", validators=[Optional()])
    since = DateField(
        _l("Completed on or after"),
        validators=[Optional(), sane_date],
        description=_l("A date (UTC), such as 2025-01-31. Leave empty for no limit."),
    )
    until = DateField(
        _l("Completed on or before"),
        validators=[Optional(), sane_date],
        description=_l("A date (UTC), included. Leave empty for no limit."),
    )

    def set_choices(self, courses: list[tuple[str, str]], organizations: list[str]) -> None:
        """Offer these courses (slug, title) and organisations, after an "any" choice."""
        self.course.choices = [("", _l("Any course"))] + [
            (slug, f"{title} ({slug})") for slug, title in courses
        ]
        self.organization.choices = [("", _l("Any organization"))] + [
            (name, name) for name in organizations
        ]

    def validate_until(self, field: DateField) -> None:
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError(_l("Choose a date on or after the first date."))

    def filters(self) -> ExportFilters:
        """Return the filters chosen (call after `validate`)."""
        return ExportFilters(
            course_slug=self.course.data or None,
            organization=self.organization.data or None,
            since=self.since.data,
            until=self.until.data,
        )
