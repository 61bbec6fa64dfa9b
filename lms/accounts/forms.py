"""Forms for signing up, signing in, resetting passwords and editing a profile."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from lms.accounts.models import PROFESSION_LABELS

PROFESSION_CHOICES = [SelectChoice("", "Choose your profession")] + [
    SelectChoice(profession.value, label) for profession, label in PROFESSION_LABELS.items()
]
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

EMAIL = [
    DataRequired("Enter your email address."),
    Length(max=254, message="Email addresses are at most 254 characters."),
    Email("Enter an email address like name@example.org.", check_deliverability=False),
]
FULL_NAME = [
    DataRequired("Enter your full name as it should appear on certificates."),
    Length(max=200, message="Names are at most 200 characters."),
]


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _password_length(form: FlaskForm, field: PasswordField) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(f"Use at least {minimum} characters.")
    if len(field.data) > 256:
        raise ValidationError("Use at most 256 characters.")


NEW_PASSWORD = [DataRequired("Choose a password."), _password_length]


class SignupForm(FlaskForm):
    email = EmailField(
        "Email address", validators=EMAIL, filters=[_strip], render_kw={"autocomplete": "email"}
    )
    full_name = StringField(
        "Full name",
        validators=FULL_NAME,
        description="As it should appear on your certificates.",
        render_kw={"autocomplete": "name"},
    )
    profession = SelectField(
        "Profession",
        choices=PROFESSION_CHOICES,
        validators=[DataRequired("Choose the profession closest to yours.")],
        description="Decides which kinds of credit you can claim. You can change it later.",
    )
    password = PasswordField(
        "Password",
        validators=NEW_PASSWORD,
        description="At least 10 characters. A short phrase is easy to remember.",
        render_kw={"autocomplete": "new-password"},
    )


class LoginForm(FlaskForm):
    email = EmailField(
        "Email address", validators=EMAIL, filters=[_strip], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in on this device")


class RequestResetForm(FlaskForm):
    email = EmailField(
        "Email address", validators=EMAIL, filters=[_strip], render_kw={"autocomplete": "email"}
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=NEW_PASSWORD,
        description="At least 10 characters.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("password", "The two passwords differ."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )

    field_order = ("current", "password", "confirm")


def _coerce_optional_int(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


class ProfileForm(FlaskForm):
    full_name = StringField(
        "Full name",
        validators=FULL_NAME,
        description="As it should appear on your certificates.",
        render_kw={"autocomplete": "name"},
    )
    profession = SelectField(
        "Profession",
        choices=PROFESSION_CHOICES,
        validators=[DataRequired("Choose the profession closest to yours.")],
    )
    npi = StringField(
        "National Provider Identifier (NPI)",
        validators=[Optional(), Regexp(r"\A[0-9]{10}\Z", message="An NPI is 10 digits.")],
        description="Optional. 10 digits; used only when you ask us to report credit.",
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    abp_id = StringField(
        "American Board of Pediatrics ID",
        validators=[Optional(), Regexp(r"\A[0-9]{4,10}\Z", message="An ABP ID is 4 to 10 digits.")],
        description="Optional. Needed to report ABP MOC Part 2 points.",
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    birth_month = SelectField(
        "Birth month",
        choices=[SelectChoice("", "Not given")]
        + [SelectChoice(str(i), name) for i, name in enumerate(MONTHS, start=1)],
        coerce=_coerce_optional_int,
        validators=[Optional()],
        description="Optional. The ABP matches reports by ID, birth month and day.",
    )
    birth_day = SelectField(
        "Birth day",
        choices=[SelectChoice("", "Not given")] + [SelectChoice(str(i)) for i in range(1, 32)],
        coerce=_coerce_optional_int,
        validators=[Optional()],
    )

    def validate(self, extra_validators: object = None) -> bool:
        """Validate the fields, then that the birth month and day make a real date."""
        valid = super().validate(extra_validators)  # type: ignore[arg-type]
        if self.birth_month.errors or self.birth_day.errors:
            return False
        month, day = self.birth_month.data, self.birth_day.data
        if (month is None) != (day is None):
            self.birth_day.errors.append("Give both the month and the day, or neither.")
            return False
        if month is not None and day is not None and day > DAYS_IN_MONTH[month - 1]:
            self.birth_day.errors.append(
                f"{MONTHS[month - 1]} has at most {DAYS_IN_MONTH[month - 1]} days."
            )
            return False
        return valid


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected button."""
