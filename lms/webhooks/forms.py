"""The form that registers a webhook endpoint."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField
from wtforms.validators import DataRequired, Length, Optional

from lms.accounts.forms import _strip
from lms.newsletter.forms import MultiCheckboxField

EVENT_LABELS = {
    "completion.recorded": _l("A learner completed a course"),
    "certificate.issued": _l("A certificate was issued"),
    "certificate.revoked": _l("A certificate was revoked"),
    "certificate.reissued": _l("A certificate was reissued (replaced)"),
    "assignment.overdue": _l("An assigned course is overdue"),
}


class EndpointForm(FlaskForm):
    url = StringField(
        _l("Endpoint address"),
        validators=[DataRequired(_l("Enter the endpoint's address."))],
        filters=[_strip],
        description=_l(
            "An https:// address on the receiving system, like https://hr.example.org/hooks/lms."
        ),
        render_kw={"autocomplete": "url", "inputmode": "url", "spellcheck": "false"},
    )
    description = StringField(
        _l("Description (optional)"),
        validators=[Optional(), Length(max=200, message=_l("Use at most 200 characters."))],
        filters=[_strip],
        description=_l("Who receives it and why, for the admins who come after you."),
    )
    events = MultiCheckboxField(
        _l("Events to send"),
        choices=[SelectChoice(value, label) for value, label in EVENT_LABELS.items()],
        validators=[DataRequired(_l("Choose at least one event."))],
    )


class ConfirmForm(FlaskForm):
    """A button that confirms an action (its CSRF token is the whole form)."""
