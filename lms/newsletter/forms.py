"""Forms: subscribe (footer, library and webinar pages), manage a subscription, notices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.accounts.forms import EMAIL
from lms.i18n import LANGUAGES
from lms.newsletter.models import Topic

TOPIC_LABELS = {
    Topic.COURSES.value: _l("New courses"),
    Topic.WEBINARS.value: _l("Webinars"),
    Topic.RESOURCES.value: _l("Family resources"),
}
LANGUAGE_CHOICES = [SelectChoice(language.code, language.name) for language in LANGUAGES.values()]
# The words a subscriber agrees to, kept with their consent (in the language they read them).
CONSENT_TEXT = _l(
    "Email me the newsletter about the topics I chose, in the language I chose. I can "
    "unsubscribe with one click from any issue."
)


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes, one per choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _Preferences(FlaskForm):
    language = RadioField(
        _l("Language of the emails"),
        choices=LANGUAGE_CHOICES,
        validators=[DataRequired(_l("Choose the language of the emails."))],
    )
    topics = MultiCheckboxField(
        _l("What would you like to hear about?"),
        choices=[SelectChoice(value, label) for value, label in TOPIC_LABELS.items()],
        validators=[DataRequired(_l("Choose at least one topic."))],
    )


class SubscribeForm(_Preferences):
    """Subscribe to the newsletter (double opt-in follows by email)."""

    email = EmailField(_l("Email address"), validators=EMAIL)
    # The page the form was on, recorded with the consent.
    source = HiddenField(validators=[Optional(), Length(max=200)])


class PreferencesForm(_Preferences):
    """Change the language and topics of a subscription."""


class NoticeForm(FlaskForm):
    """Ask to be told about new courses and new versions of completed ones."""

    new_courses = BooleanField(_l("Tell me when a new course for my profession appears"))
    new_versions = BooleanField(_l("Tell me when a course I completed gets a new version"))
