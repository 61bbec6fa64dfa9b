"""Forms for organizations, members and assignments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from lms.input_guard import sane_date
from lms.organizations.models import ORGANIZATION_KINDS
from lms.organizations.recurrence import REPEAT_CHOICES


class OrganizationForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Give the organization a name.")), Length(max=200)],
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(value, label) for value, label in ORGANIZATION_KINDS.items()],
    )


class MemberForm(FlaskForm):
    email = EmailField(
        _l("Email address of the person"),
        validators=[
            DataRequired(_l("Enter the email address of someone with an account.")),
            Email(_l("Enter an email address like name@example.org."), check_deliverability=False),
            Length(max=254),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    role = SelectField(
        _l("Role in the organization"),
        choices=[SelectChoice("member", _l("Member")), SelectChoice("manager", _l("Manager"))],
    )


class AssignmentForm(FlaskForm):
    course = SelectField(_l("Course"), validators=[DataRequired(_l("Choose a course."))])
    assignee = SelectField(
        _l("Assign to"),
        validators=[DataRequired(_l("Choose everyone or one person."))],
        description=_l("Everyone includes people who join the organization later."),
    )
    due_date = DateField(
        _l("Due date"),
        validators=[DataRequired(_l("Choose a due date (YYYY-MM-DD).")), sane_date],
        description=_l("Reminders go out in the days before and after."),
    )
    repeats = SelectField(
        _l("Repeats"),
        choices=[SelectChoice(value, label) for value, label in REPEAT_CHOICES.items()],
        default="",
        description=_l(
            "Training that comes round again is due again after each completion, "
            "and people are reminded once before it lapses."
        ),
    )


class ConfirmForm(FlaskForm):
    """A CSRF-protected button."""
