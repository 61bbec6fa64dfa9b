"""Webinar forms: register and cancel buttons, and a visitor's time-zone choice."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField


class RegisterForm(FlaskForm):
    """A CSRF-protected button: one click takes a seat (or a place in the waiting list)."""


class CancelForm(FlaskForm):
    """A CSRF-protected button: give up a seat or a place in the waiting list."""


class ZoneForm(FlaskForm):
    """Which zone to show times in as well (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    tz = SelectField(_l("Also show times in"), validate_choice=False)

    def set_choices(self, zones: list[str]) -> None:
        """Offer these zones, after "the event's zone only"."""
        self.tz.choices = [SelectChoice("", _l("Only the event's time zone"))] + [
            SelectChoice(name, name.replace("_", " ")) for name in zones
        ]
