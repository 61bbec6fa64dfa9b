"""Forms for inviting people, importing staff from a file, and accepting an invitation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from lms.accounts.forms import FULL_NAME, NEW_PASSWORD, PROFESSION_CHOICES
from lms.i18n import LANGUAGES


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


ROLE_CHOICES = [SelectChoice("member", _l("Member")), SelectChoice("manager", _l("Manager"))]


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter the person's email address.")),
            Length(max=254),
            Email(_l("Enter an email address like name@example.org."), check_deliverability=False),
        ],
        filters=[_strip],
    )
    full_name = StringField(
        _l("Full name"),
        validators=[
            DataRequired(_l("Enter the person's full name.")),
            Length(max=200, message=_l("Names are at most 200 characters.")),
        ],
        filters=[_strip],
    )
    profession = SelectField(
        _l("Profession"),
        choices=[SelectChoice("", _l("Choose a profession"))] + PROFESSION_CHOICES[1:],
        validators=[DataRequired(_l("Choose a profession."))],
    )
    role = SelectField(_l("Invite as"), choices=ROLE_CHOICES)
    language = SelectField(
        _l("Language of the invitation email"),
        choices=[SelectChoice(code, language.name) for code, language in LANGUAGES.items()],
    )


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file of staff"),
        description=_l(
            "Columns: email, name, profession, role, course, due_date (YYYY-MM-DD), language. "
            "Only email and name are required."
        ),
        validators=[FileRequired(_l("Choose a CSV file."))],
    )


class ImportApplyForm(FlaskForm):
    # The previewed file travels back with the confirmation and is checked again in full.
    content = HiddenField(validators=[DataRequired()])


class AcceptForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=FULL_NAME, filters=[_strip])
    password = PasswordField(
        _l("Choose a password"),
        validators=NEW_PASSWORD,
        description=_l("At least 10 characters, not a common or leaked password."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ButtonForm(FlaskForm):
    """A CSRF-protected button."""
