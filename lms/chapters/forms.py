"""Forms for chapters: creating them, appointing their admins, adding organizations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from lms.organizations.models import ORGANIZATION_KINDS


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class ChapterForm(FlaskForm):
    name = StringField(
        _l("Name of the chapter"),
        validators=[DataRequired(_l("Give the chapter a name.")), Length(max=200)],
        filters=[_strip],
    )
    contact_email = EmailField(
        _l("Contact email (optional)"),
        validators=[
            Optional(),
            Length(max=254),
            Email(_l("Enter an email address like name@example.org."), check_deliverability=False),
        ],
        filters=[_strip],
    )


class ChapterAdminForm(FlaskForm):
    email = EmailField(
        _l("Email address of the new chapter admin"),
        description=_l("The person needs an account already."),
        validators=[
            DataRequired(_l("Enter the email address of someone with an account.")),
            Length(max=254),
            Email(_l("Enter an email address like name@example.org."), check_deliverability=False),
        ],
        filters=[_strip],
    )


class ChapterOrganizationForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Give the organization a name.")), Length(max=200)],
        filters=[_strip],
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(value, label) for value, label in ORGANIZATION_KINDS.items()],
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = StringField(
        _l("Action starts with"),
        description=_l("For example organization.invited"),
        validators=[Optional(), Length(max=60)],
    )
