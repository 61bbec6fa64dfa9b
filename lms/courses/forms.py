"""Catalog and enrolment forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SearchField, SelectField
from wtforms.validators import Length, Optional


class CatalogSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = SearchField(
        _l("Search courses by title"),
        validators=[Optional(), Length(max=200, message=_l("Use at most 200 characters."))],
    )
    all = BooleanField(_l("Show courses for every audience"))
    # Choices are the languages the catalog's courses are in, set by the view.
    language = SelectField(_l("Language"), choices=[], validate_choice=False)


class StartForm(FlaskForm):
    """A CSRF-protected button: starting also acknowledges the disclosures shown."""
