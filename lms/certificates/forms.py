"""The credit claim form and the admin's revoke and reissue forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from lms.certificates.eligibility import ATTESTATION_MESSAGE, MOC_CONSENT_MESSAGE


class ClaimForm(FlaskForm):
    credit_type = RadioField(
        _l("Type of credit"), validators=[DataRequired(_l("Choose the type of credit to claim."))]
    )
    amount = StringField(
        _l("Amount to claim"),
        validators=[DataRequired(_l("Enter the amount of credit you are claiming."))],
        description=_l("In steps of 0.25, up to the maximum shown."),
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    attest = BooleanField(
        _l(
            "I claim only the credit commensurate with the extent of my participation in the "
            "activity."
        )
    )
    consent = BooleanField(
        _l(
            "I agree that my completion may be reported through ACCME's PARS to the American "
            "Board of Pediatrics and to state medical boards, with my board ID, NPI and birth "
            "month and day. This is required for ABP MOC Part 2 points, and I can withdraw it "
            "in my profile."
        )
    )

    def validate_attest(self, field: Field) -> None:
        """Require the attestation, with the message next to its box."""
        if not field.data:
            raise ValidationError(str(ATTESTATION_MESSAGE))

    def validate_consent(self, field: Field) -> None:
        """Require consent to report for MOC points, with the message next to its box."""
        if self.credit_type.data == "abp-moc-2" and not field.data:
            raise ValidationError(str(MOC_CONSENT_MESSAGE))


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[
            DataRequired(_l("Give a reason; it is kept in the audit log.")),
            Length(max=1000),
        ],
        id="revoke-reason",  # the reissue form on the same page also has a reason
    )
    # Unticked by default: a reason may hold what the learner should not read.
    show_reason = BooleanField(_l("Show this reason to the learner"))


class ReissueForm(FlaskForm):
    reason = StringField(
        _l("Reason for reissuing"),
        validators=[
            DataRequired(_l("Give a reason; it is kept in the audit log.")),
            Length(max=500),
        ],
        id="reissue-reason",
    )
