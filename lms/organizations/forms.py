"""Forms for organisations, members and assignments."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from lms.input_guard import sane_date
from lms.organizations.models import ORGANIZATION_KINDS


class OrganizationForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Give the organisation a name."), Length(max=200)],
    )
    kind = SelectField(
        "Kind", choices=[SelectChoice(value, label) for value, label in ORGANIZATION_KINDS.items()]
    )


class MemberForm(FlaskForm):
    email = EmailField(
        "Email address of the person",
        validators=[
            DataRequired("Enter the email address of someone with an account."),
            Email("Enter an email address like name@example.org.", check_deliverability=False),
            Length(max=254),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    role = SelectField(
        "Role in the organisation",
        choices=[SelectChoice("member", "Member"), SelectChoice("manager", "Manager")],
    )


class AssignmentForm(FlaskForm):
    course = SelectField("Course", validators=[DataRequired("Choose a course.")])
    assignee = SelectField(
        "Assign to",
        validators=[DataRequired("Choose everyone or one person.")],
        description="Everyone includes people who join the organisation later.",
    )
    due_date = DateField(
        "Due date",
        validators=[DataRequired("Choose a due date (YYYY-MM-DD)."), sane_date],
        description="Reminders go out in the days before and after.",
    )


class ConfirmForm(FlaskForm):
    """A CSRF-protected button."""
