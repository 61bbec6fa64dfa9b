"""The form that creates an API token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

OWNER_KINDS = {
    "personal": _l("A person (a personal token: it sees what that person sees)"),
    "organization": _l("An organization (a service token for its systems)"),
    "chapter": _l("A chapter (a service token for its organizations)"),
}


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(FlaskForm):
    """Name, owner, permissions and expiry of a new token."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter a name that says what the token is for.")),
            Length(max=100, message=_l("Use at most 100 characters.")),
        ],
        description=_l("What uses the token, like “HR system nightly sync”."),
    )
    owner_kind = RadioField(
        _l("Owner"),
        choices=[SelectChoice(kind, label) for kind, label in OWNER_KINDS.items()],
        validators=[InputRequired(_l("Choose who owns the token."))],
    )
    owner_email = StringField(
        _l("Person's email"),
        validators=[Optional(), Email(_l("Enter an email address like name@example.org."))],
        description=_l("For a personal token."),
    )
    organization = SelectField(_l("Organization"), validators=[Optional()])
    chapter = SelectField(_l("Chapter"), validators=[Optional()])
    scopes = MultiCheckboxField(
        _l("Permissions"), validators=[DataRequired(_l("Choose at least one permission."))]
    )
    expires_on = DateField(
        _l("Expires on"),
        validators=[InputRequired(_l("Choose an expiry date within a year."))],
        description=_l("At most a year from today. The token stops working on this date."),
    )
