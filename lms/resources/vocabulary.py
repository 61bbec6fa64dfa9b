"""The words readers see for the library's fixed vocabularies (lms/content/resources.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.content.resources import AGE_RANGES, RESOURCE_TYPES, TOPICS

TYPE_LABELS = {
    "article": _l("Article"),
    "infographic": _l("Infographic"),
    "tip-sheet": _l("Tip sheet"),
    "video": _l("Video"),
}
TOPIC_LABELS = {
    "toxic-stress": _l("Toxic stress"),
    "resilience": _l("Resilience"),
    "routines": _l("Routines"),
    "talking-with-children": _l("Talking with children"),
    "self-care-for-caregivers": _l("Self-care for caregivers"),
    "play-and-connection": _l("Play and connection"),
    "big-feelings": _l("Big feelings"),
    "sleep": _l("Sleep"),
}
AGE_LABELS = {
    "0-5": _l("Ages 0 to 5"),
    "6-12": _l("Ages 6 to 12"),
    "13-18": _l("Ages 13 to 18"),
}
# Each language's name in itself, so a reader finds their own language among the choices.
LANGUAGE_LABELS = {"en": "English", "es": "Español"}
# The link to a resource's pair, in the pair's own language (not the page's): a Spanish reader
# on an English page still finds "Leer en español".
PAIR_LINKS = {"en": "Read in English", "es": "Leer en español"}

assert set(TYPE_LABELS) == set(RESOURCE_TYPES)  # noqa: S101 (a vocabulary without words)
assert set(TOPIC_LABELS) == set(TOPICS)  # noqa: S101
assert set(AGE_LABELS) == set(AGE_RANGES)  # noqa: S101
