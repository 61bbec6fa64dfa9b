"""The family resources library's public pages: no sign-in, no tracking, no third parties."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from lms.content.loader import MAX_SLUG, SLUG_RE
from lms.i18n import current_language
from lms.resources import services
from lms.resources.forms import LibraryFilterForm
from lms.resources.vocabulary import (
    AGE_LABELS,
    LANGUAGE_LABELS,
    PAIR_LINKS,
    TOPIC_LABELS,
    TYPE_LABELS,
)

bp = Blueprint("resources", __name__)


@bp.app_context_processor
def vocabulary() -> dict[str, object]:
    """Give templates the words for types, topics, ages and languages."""
    return {
        "resource_type_labels": TYPE_LABELS,
        "resource_topic_labels": TOPIC_LABELS,
        "resource_age_labels": AGE_LABELS,
        "resource_language_labels": LANGUAGE_LABELS,
        "resource_pair_links": PAIR_LINKS,
    }


@bp.app_template_filter("labelled")
def labelled(values: list[str], labels: dict[str, object]) -> str:
    """Join a resource's topics or ages in the reader's words: "Ages 0 to 5 · Ages 6 to 12"."""
    return " · ".join(str(labels.get(value, value)) for value in values)


def _valid_slug(slug: str) -> str:
    if len(slug) > MAX_SLUG or not SLUG_RE.fullmatch(slug):
        abort(404)
    return slug


@bp.get("/resources")
def library() -> tuple[str, int]:
    """List the resources for families, filtered by topic, age, type and language."""
    form = LibraryFilterForm(request.args)
    wanted = form.wanted()
    editions = services.find_resources(
        topic=wanted["topic"], age=wanted["age"], kind=wanted["type"], language=wanted["language"]
    )
    filtered = any(wanted.values())
    status = 400 if any(form[name].errors for name in wanted) else 200
    return (
        render_template("resources/library.html", form=form, editions=editions, filtered=filtered),
        status,
    )


@bp.get("/resources/<slug>")
def resource(slug: str) -> Response:
    """Open a resource in the reader's language if it has that edition, else in its other."""
    languages = services.edition_languages(_valid_slug(slug))
    if not languages:
        abort(404)
    here = current_language().code
    language = here if here in languages else languages[0]
    return redirect(url_for("resources.edition", slug=slug, language=language))


@bp.get("/resources/<slug>/<language>")
def edition(slug: str, language: str) -> str:
    """Show one edition of a resource, with a link to its pair in the other language."""
    if language not in LANGUAGE_LABELS:
        abort(404)
    found = services.get_edition(_valid_slug(slug), language)
    if found is None:
        abort(404)
    return render_template("resources/edition.html", edition=found)
