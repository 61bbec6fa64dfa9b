"""Forms for downloading one's data and deleting an account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import Length, Optional


class ExportForm(FlaskForm):
    """Ask for the ZIP of one's data: a button, so only the CSRF token is checked."""


class DeleteAccountForm(FlaskForm):
    """Confirm deleting one's own account with the password, or by typing the email address."""

    password = PasswordField(
        _l("Your password"),
        validators=[Optional(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    # Accounts that sign in through their organization may have no password they know.
    confirmation = StringField(
        _l("Or type your email address"),
        validators=[Optional(), Length(max=254)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class AdminDeleteForm(FlaskForm):
    """Confirm deleting someone's account by typing their email address."""

    confirmation = StringField(
        _l("Type the person's email address to confirm"),
        validators=[Length(max=254)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
