"""Forms for signing up, signing in, resetting passwords and editing a profile."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
from lms.accounts.passwords import password_problem
from lms.accounts.states import US_STATES
from lms.webinars.times import is_zone, zone_choices

PROFESSION_CHOICES = [SelectChoice("", _l("Choose your profession"))] + [
    SelectChoice(profession.value, label) for profession, label in PROFESSION_LABELS.items()
]
MONTHS = [
    _l("January"), _l("February"), _l("March"), _l("April"), _l("May"), _l("June"),
    _l("July"), _l("August"), _l("September"), _l("October"), _l("November"), _l("December"),
]  # fmt: skip
DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

EMAIL = [
    DataRequired(_l("Enter your email address.")),
    Length(max=254, message=_l("Email addresses are at most 254 characters.")),
    Email(_l("Enter an email address like name@example.org."), check_deliverability=False),
]
FULL_NAME = [
    DataRequired(_l("Enter your full name as it should appear on certificates.")),
    Length(max=200, message=_l("Names are at most 200 characters.")),
]


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _password_length(form: FlaskForm, field: PasswordField) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_("Use at least %(num)d characters.", num=minimum))
    if len(field.data) > 256:
        raise ValidationError(_("Use at most 256 characters."))
    # The person's own details are the first guesses an attacker tries.
    context = [getattr(form, name).data for name in ("email", "full_name") if hasattr(form, name)]
    problem = password_problem(field.data, [c for c in context if isinstance(c, str)])
    if problem:
        raise ValidationError(problem)


NEW_PASSWORD = [DataRequired(_l("Choose a password.")), _password_length]


class SignupForm(FlaskForm):
    email = EmailField(
        _l("Email address"), validators=EMAIL, filters=[_strip], render_kw={"autocomplete": "email"}
    )
    full_name = StringField(
        _l("Full name"),
        validators=FULL_NAME,
        description=_l("As it should appear on your certificates."),
        render_kw={"autocomplete": "name"},
    )
    profession = SelectField(
        _l("Profession"),
        choices=PROFESSION_CHOICES,
        validators=[DataRequired(_l("Choose the profession closest to yours."))],
        description=_l("Decides which kinds of credit you can claim. You can change it later."),
    )
    password = PasswordField(
        _l("Password"),
        validators=NEW_PASSWORD,
        description=_l(
            "At least 10 characters, not a common or leaked password. "
            "A short phrase is easy to remember."
        ),
        render_kw={"autocomplete": "new-password"},
    )


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=EMAIL,
        filters=[_strip],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Length(max=256, message=_l("Use at most 256 characters.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class RequestResetForm(FlaskForm):
    email = EmailField(
        _l("Email address"), validators=EMAIL, filters=[_strip], render_kw={"autocomplete": "email"}
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=NEW_PASSWORD,
        description=_l("At least 10 characters, not a common or leaked password."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("password", _l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )

    field_order = ("current", "password", "confirm")


# State license numbers are short (letters, digits, a few separators); 30 leaves room for any.
LICENSE_NUMBER_MAX = 30


def _printable(form: FlaskForm, field: StringField) -> None:
    # A tab, line break or invisible control character would corrupt the PARS file's cell.
    if field.data and not field.data.isprintable():
        raise ValidationError(
            _("Use only letters, digits and ordinary punctuation in the license number.")
        )


def _coerce_optional_int(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


class ProfileForm(FlaskForm):
    full_name = StringField(
        _l("Full name"),
        validators=FULL_NAME,
        description=_l("As it should appear on your certificates."),
        render_kw={"autocomplete": "name"},
    )
    profession = SelectField(
        _l("Profession"),
        choices=PROFESSION_CHOICES,
        validators=[DataRequired(_l("Choose the profession closest to yours."))],
    )
    npi = StringField(
        _l("National Provider Identifier (NPI)"),
        validators=[Optional(), Regexp(r"\A[0-9]{10}\Z", message=_l("An NPI is 10 digits."))],
        description=_l("Optional. 10 digits; used only when you ask us to report credit."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    abp_id = StringField(
        _l("American Board of Pediatrics ID"),
        validators=[
            Optional(),
            Regexp(r"\A[0-9]{4,10}\Z", message=_l("An ABP ID is 4 to 10 digits.")),
        ],
        description=_l("Optional. Needed to report ABP MOC Part 2 points."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    birth_month = SelectField(
        _l("Birth month"),
        choices=[SelectChoice("", _l("Not given"))]
        + [SelectChoice(str(i), name) for i, name in enumerate(MONTHS, start=1)],
        coerce=_coerce_optional_int,
        validators=[Optional()],
        description=_l("Optional. The ABP matches reports by ID, birth month and day."),
    )
    birth_day = SelectField(
        _l("Birth day"),
        choices=[SelectChoice("", _l("Not given"))] + [SelectChoice(str(i)) for i in range(1, 32)],
        coerce=_coerce_optional_int,
        validators=[Optional()],
    )
    license_state = SelectField(
        _l("State of licensure"),
        choices=[SelectChoice("", _l("Not given"))]
        # English proper nouns, as PARS writes them: marked so on Spanish pages too.
        + [SelectChoice(code, name, {"lang": "en"}) for code, name in US_STATES.items()],
        validate_choice=False,  # checked in validate(), with a sentence people understand
        description=_l("Optional. The state whose medical board licensed you."),
    )
    license_number = StringField(
        _l("State license number"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(
                max=LICENSE_NUMBER_MAX,
                message=_l("A license number is at most %(max)d characters."),
            ),
            _printable,
        ],
        description=_l("Optional. As it appears on your license from that state's board."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    timezone = SelectField(
        _l("Time zone"),
        validate_choice=False,  # any IANA zone is accepted; checked in validate()
        description=_l("Optional. Webinar times are also shown in this zone."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        current = self.timezone.data or None
        self.timezone.choices = [SelectChoice("", _l("Not given"))] + [
            SelectChoice(name, name.replace("_", " ")) for name in zone_choices(current)
        ]

    def validate(self, extra_validators: object = None) -> bool:
        """Validate the fields, then that the birth month and day make a real date."""
        valid = super().validate(extra_validators)  # type: ignore[arg-type]
        if self.timezone.data and not is_zone(self.timezone.data):
            self.timezone.errors.append(_("Choose a time zone from the list."))
            return False
        if self.license_state.data and self.license_state.data not in US_STATES:
            self.license_state.errors.append(_("Choose a state or territory from the list."))
            return False
        if self.license_number.data and not self.license_state.data:
            self.license_state.errors.append(_("Choose the state that issued this license."))
            return False
        if self.birth_month.errors or self.birth_day.errors:
            return False
        month, day = self.birth_month.data, self.birth_day.data
        if (month is None) != (day is None):
            self.birth_day.errors.append(_("Give both the month and the day, or neither."))
            return False
        if month is not None and day is not None and day > DAYS_IN_MONTH[month - 1]:
            self.birth_day.errors.append(
                _(
                    "%(month)s has at most %(num)d days.",
                    month=MONTHS[month - 1],
                    num=DAYS_IN_MONTH[month - 1],
                )
            )
            return False
        return valid


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected button."""
