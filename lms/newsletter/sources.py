"""What each part of the site has published, for newsletter issues: a small registry.

Each domain registers one function per topic: "items published since <datetime>, worded in
<language>". `flask newsletter draft` asks every registered source and keeps what they return
in the issue, per language. Courses register here; other domains register their own:

    # lms/webinars/newsletter.py (imported from create_app, next to the blueprint):
    from lms.newsletter import sources

    def upcoming_webinars(since: datetime, language: str) -> list[sources.Item]:
        "Return webinars announced since `since` that are still to come, in `language`."
        return [sources.Item(kind="webinars", title=..., summary=..., url=external_url(...))
                for webinar in ...]

    sources.register("webinars", upcoming_webinars)

The same for family resources with kind "resources". A source reads the database only: no
request, no writes; it returns the reader's-language edition when there is one (a Spanish
reader gets the Spanish title), and absolute URLs built with `lms.links.external_url`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from lms.courses.editions import edition_for
from lms.courses.models import Course, CourseVersion
from lms.extensions import db
from lms.links import external_url


@dataclass(frozen=True)
class Item:
    """One thing to tell subscribers about."""

    kind: str  # the topic it belongs to: "courses", "webinars", "resources"
    title: str
    summary: str
    url: str  # absolute, on BASE_URL

    def as_dict(self) -> dict[str, Any]:
        """Return the item as stored in an issue."""
        return asdict(self)


Source = Callable[[datetime, str], list[Item]]
_SOURCES: dict[str, Source] = {}


def register(kind: str, source: Source) -> None:
    """Add (or replace) the source of the news about `kind`."""
    _SOURCES[kind] = source


def registered() -> list[str]:
    """Return the kinds that have a source, in registration order."""
    return list(_SOURCES)


def items_since(since: datetime, language: str) -> list[Item]:
    """Return everything every source published since `since`, in `language`."""
    items: list[Item] = []
    for source in _SOURCES.values():
        items.extend(source(since, language))
    return items


def new_courses(since: datetime, language: str) -> list[Item]:
    """Return courses whose first version was published since `since`, in `language`."""
    versions = db.session.scalars(
        select(CourseVersion)
        .join(Course, Course.current_version_id == CourseVersion.id)
        .where(Course.withdrawn_at.is_(None))
        .where(
            Course.id.in_(
                select(CourseVersion.course_id).where(
                    CourseVersion.number == 1, CourseVersion.published_at > since
                )
            )
        )
        .order_by(CourseVersion.published_at, CourseVersion.id)
    )
    items = []
    for version in versions:
        words = edition_for(version, language)
        items.append(
            Item(
                kind="courses",
                title=words.title,
                summary=words.summary,
                url=external_url("courses.detail", slug=version.course.slug, lang=language),
            )
        )
    return items


register("courses", new_courses)
