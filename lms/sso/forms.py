"""Forms: the email that picks a provider, the profile a new account needs, provider settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.fields import EmailField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.accounts.forms import EMAIL, FULL_NAME, PROFESSION_CHOICES, _strip


class OrganizationSignInForm(FlaskForm):
    email = EmailField(
        _l("Work email address"),
        validators=EMAIL,
        filters=[_strip],
        description=_l("We use the part after the @ to find your organization's sign-in page."),
        render_kw={"autocomplete": "email"},
    )


class CompleteProfileForm(FlaskForm):
    full_name = StringField(
        _l("Full name"),
        validators=FULL_NAME,
        filters=[_strip],
        description=_l("As it should appear on your certificates."),
        render_kw={"autocomplete": "name"},
    )
    profession = SelectField(
        _l("Profession"),
        choices=PROFESSION_CHOICES,
        validators=[DataRequired(_l("Choose the profession closest to yours."))],
        description=_l("Decides which kinds of credit you can claim. You can change it later."),
    )


class ProviderForm(FlaskForm):
    display_name = StringField(
        _l("Name shown to people"),
        validators=[
            DataRequired(_l("Enter a name, like Example Health System.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
        ],
        filters=[_strip],
    )
    organization = SelectField(_l("Organization"), validators=[Optional()])
    chapter = SelectField(
        _l("Chapter"),
        validators=[Optional()],
        description=_l(
            "Or a chapter instead of an organization: its chapter admins can see the provider."
        ),
    )
    issuer = StringField(
        _l("Issuer"),
        validators=[
            DataRequired(_l("Enter the issuer, like https://login.example.org.")),
            Length(max=500, message=_l("Use at most 500 characters.")),
        ],
        filters=[_strip],
        description=_l(
            "The provider's address; its settings are read from "
            "/.well-known/openid-configuration under it."
        ),
    )
    client_id = StringField(
        _l("Client ID"),
        validators=[
            DataRequired(_l("Enter the client ID the provider gave you.")),
            Length(max=255, message=_l("Use at most 255 characters.")),
        ],
        filters=[_strip],
    )
    client_secret = PasswordField(
        _l("Client secret"),
        validators=[Length(max=1000, message=_l("Use at most 1,000 characters."))],
        description=_l("Stored encrypted and never shown again."),
        render_kw={"autocomplete": "off"},
    )
    domains = TextAreaField(
        _l("Allowed email domains"),
        validators=[
            DataRequired(_l("Enter at least one email domain, like clinic.example.org.")),
            Length(max=5000, message=_l("Use at most 5,000 characters.")),
        ],
        description=_l(
            "One per line. People with these email addresses sign in through this provider."
        ),
    )
    enabled = BooleanField(_l("People can sign in with this provider"), default=True)

    def set_chapters(self, chapters: list[tuple[int, str]]) -> None:
        """Offer these chapters (id, name) as the provider's owner."""
        self.chapter.choices = [SelectChoice("", _l("No chapter"))] + [
            SelectChoice(str(chapter_id), name) for chapter_id, name in chapters
        ]

    def set_organizations(self, organizations: list[tuple[int, str]]) -> None:
        """Offer these organizations (id, name) as the provider's owner."""
        self.organization.choices = [SelectChoice("", _l("No organization"))] + [
            SelectChoice(str(org_id), name) for org_id, name in organizations
        ]


class ChapterProviderForm(ProviderForm):
    """The provider settings a chapter admin edits: the owner is the chapter or one of its own."""

    chapter = None  # always the chapter whose page this is
    organization = SelectField(
        _l("Organization"),
        validators=[Optional()],
        description=_l("Leave as the whole chapter, or choose one of the chapter's organizations."),
    )

    def set_organizations(self, organizations: list[tuple[int, str]]) -> None:
        """Offer the chapter itself and these organizations (id, name) as the owner."""
        self.organization.choices = [SelectChoice("", _l("The whole chapter"))] + [
            SelectChoice(str(org_id), name) for org_id, name in organizations
        ]
