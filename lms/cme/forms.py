"""Forms for board reporting, consent, certificate archives and credit earned elsewhere."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from lms.certificates.eligibility import is_quarter_step, parse_amount
from lms.cme.services import EXTERNAL_TYPES
from lms.input_guard import sane_date


class ConfirmForm(FlaskForm):
    """A CSRF-protected button."""


class CorrectionForm(FlaskForm):
    reason = TextAreaField(
        _l("What was corrected"),
        validators=[DataRequired(_l("Say what was corrected.")), Length(max=500)],
    )


class ArchiveForm(FlaskForm):
    class Meta:
        csrf = False  # a GET download that only reads

    course = SelectField(_l("Course"), choices=[], default="", validators=[Optional()])
    since = DateField(_l("Issued on or after"), validators=[Optional(), sane_date])
    until = DateField(_l("Issued on or before"), validators=[Optional(), sane_date])

    def validate_until(self, field: DateField) -> None:
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError(_("Choose a date on or after the first date."))


def _amount(form: FlaskForm, field: StringField) -> None:
    amount = parse_amount(field.data or "")
    if amount is None:
        raise ValidationError(_("Enter the amount as a number, such as 1.5."))
    if amount <= 0 or amount > 1000:
        raise ValidationError(_("Enter an amount greater than 0 and at most 1000."))
    if not is_quarter_step(amount):
        raise ValidationError(_("Enter the amount in steps of 0.25, such as 0.5 or 0.75."))


class ExternalCreditForm(FlaskForm):
    title = StringField(
        _l("Activity title"),
        validators=[DataRequired(_l("Enter the activity's title.")), Length(max=300)],
    )
    provider = StringField(
        _l("Provider"),
        validators=[DataRequired(_l("Enter who provided the activity.")), Length(max=200)],
        description=_l("The organization named on your certificate."),
    )
    completed_on = DateField(
        _l("Date completed"),
        validators=[
            DataRequired(_l("Enter the date you completed it, such as 2026-03-31.")),
            sane_date,
        ],
    )
    credit_type = SelectField(
        _l("Kind of credit"),
        choices=[SelectChoice("", _l("Choose the kind of credit"))]
        + [SelectChoice(value, label) for value, label in EXTERNAL_TYPES.items()],
        validators=[DataRequired(_l("Choose the kind of credit."))],
    )
    amount = StringField(
        _l("Amount"),
        validators=[DataRequired(_l("Enter the amount of credit.")), _amount],
        description=_l("As printed on your certificate, such as 1.5."),
        render_kw={"inputmode": "decimal"},
    )
    certificate = FileField(
        _l("Certificate (optional, PDF)"),
        description=_l("A PDF of the certificate the provider gave you."),
        render_kw={"accept": "application/pdf,.pdf"},
    )
