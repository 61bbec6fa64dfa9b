"""The library's filters: a GET form, so they work without JavaScript and can be shared."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

from lms.resources.vocabulary import AGE_LABELS, LANGUAGE_LABELS, TOPIC_LABELS, TYPE_LABELS

NOT_A_CHOICE = _l("That is not one of the choices; showing resources for every choice instead.")


def _choices(
    everything: object, labels: dict[str, object], *, own_language: bool = False
) -> list[SelectChoice]:
    # A language's name is written in that language ("Español"): say so to screen readers.
    return [SelectChoice("", everything)] + [  # type: ignore[arg-type]
        SelectChoice(value, label, render_kw={"lang": value} if own_language else {})  # type: ignore[arg-type]
        for value, label in labels.items()
    ]


class LibraryFilterForm(FlaskForm):
    """Topic, age, type and language: each one a fixed list, or "any"."""

    class Meta:
        csrf = False  # a GET filter changes nothing

    topic = SelectField(
        _l("Topic"),
        choices=_choices(_l("Any topic"), TOPIC_LABELS),
        validators=[Optional()],
        validate_choice=False,
    )
    age = SelectField(
        _l("Child's age"),
        choices=_choices(_l("Any age"), AGE_LABELS),
        validators=[Optional()],
        validate_choice=False,
    )
    type = SelectField(
        _l("Type"),
        choices=_choices(_l("Any type"), TYPE_LABELS),
        validators=[Optional()],
        validate_choice=False,
    )
    language = SelectField(
        _l("Language"),
        choices=_choices(_l("Any language"), LANGUAGE_LABELS, own_language=True),
        validators=[Optional()],
        validate_choice=False,
    )

    def wanted(self) -> dict[str, str | None]:
        """Return each filter's value, None for "any"; a value not on its list is dropped."""
        found: dict[str, str | None] = {}
        for name in ("topic", "age", "type", "language"):
            field = self[name]
            allowed = {choice.value for choice in field.choices if choice.value}
            value = field.data if isinstance(field.data, str) else None
            if value and value not in allowed:
                field.errors = [NOT_A_CHOICE]
                field.data = ""
                value = None
            found[name] = value or None
        return found
