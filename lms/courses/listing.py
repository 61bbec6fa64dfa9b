"""Queries behind lists of courses: the home page's featured courses, the cards' credit and words.

Each costs a fixed number of queries however many courses there are, and none writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from lms.content.model import Credit
from lms.courses import editions
from lms.courses.models import Course, CourseVersion
from lms.courses.outline import version_key
from lms.extensions import db
from lms.layout import PartCache

# A handful: enough to choose from, few enough to take in at a glance.
FEATURED_LIMIT = 4


def featured_versions(*, today: date, limit: int = FEATURED_LIMIT) -> list[CourseVersion]:
    """Return the open courses marked `featured: true`, else the newest open ones."""
    open_now = (
        select(CourseVersion)
        .join(Course, Course.current_version_id == CourseVersion.id)
        .options(joinedload(CourseVersion.course))
        .where(
            Course.withdrawn_at.is_(None),
            or_(CourseVersion.release_date.is_(None), CourseVersion.release_date <= today),
            or_(CourseVersion.expiration_date.is_(None), CourseVersion.expiration_date >= today),
        )
        .limit(limit)
    )
    featured = list(
        db.session.scalars(
            open_now.where(CourseVersion.featured.is_(True)).order_by(CourseVersion.title)
        )
    )
    if featured:
        return featured
    return list(
        db.session.scalars(open_now.order_by(Course.created_at.desc(), CourseVersion.title))
    )


# Versions whose editions and requirements are kept per process (a few KB each).
FACTS_CACHE_SIZE = 512


@dataclass(frozen=True)
class VersionFacts:
    """What lists of courses read from a version's compiled data (shared: never change it)."""

    editions: dict[str, Any]  # the editions' course words by language ({} for one language)
    requires: list[str]  # the slugs of the courses to complete first


def version_facts(versions: Iterable[CourseVersion]) -> dict[int, VersionFacts]:
    """Return each version's editions and requirements: read once per version, then kept.

    Versions never change once published, so after a version's first read this costs no query.
    """
    kept: PartCache = current_app.extensions.setdefault(
        "lms_version_facts",
        PartCache(int(current_app.config.get("FACTS_CACHE_SIZE", FACTS_CACHE_SIZE))),
    )
    facts: dict[int, VersionFacts] = {}
    missing: dict[int, CourseVersion] = {}
    for version in versions:
        found = kept.get(version_key(version))
        if found is None:
            missing[version.id] = version
        else:
            facts[version.id] = found
    if missing:
        rows = db.session.execute(
            select(
                CourseVersion.id,
                CourseVersion.compiled["editions"],
                CourseVersion.compiled["requires"],
            ).where(CourseVersion.id.in_(list(missing)))
        )
        for version_id, editions_found, requires in rows:
            facts[version_id] = VersionFacts(
                dict(editions_found or {}), [str(slug) for slug in requires or []]
            )
            kept.put(version_key(missing[version_id]), facts[version_id])
    return facts


class OnFirstRead(dict):  # type: ignore[type-arg]
    """A mapping filled by `fill` when first read: for what only a cache miss draws."""

    def __init__(self, fill: Callable[[], dict[Any, Any]]) -> None:
        super().__init__()
        self.fill: Callable[[], dict[Any, Any]] | None = fill

    def __getitem__(self, key: Any) -> Any:
        if self.fill is not None:
            self.update(self.fill())
            self.fill = None
        return super().__getitem__(key)


def credits_by_version(version_ids: Iterable[int]) -> dict[int, list[Credit]]:
    """Return each version's credit offer, reading only that part of its compiled data."""
    ids = list(version_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(CourseVersion.id, CourseVersion.compiled["credits"]).where(CourseVersion.id.in_(ids))
    )
    return {
        version_id: [Credit.from_dict(item) for item in credits or []]
        for version_id, credits in rows
    }


def editions_by_version(version_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Return each version's editions' course words by language ({} for one language)."""
    ids = list(version_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(CourseVersion.id, CourseVersion.compiled["editions"]).where(
            CourseVersion.id.in_(ids)
        )
    )
    return {version_id: dict(found or {}) for version_id, found in rows}


def shown_in(version: CourseVersion, found: dict[str, Any], language: str) -> CourseVersion:
    """Return a version as a card shows it in `language`, from `editions_by_version` output."""
    data = {
        "language": version.language,
        "title": version.title,
        "summary": version.summary,
        "cover": version.cover,
        "editions": found,
    }
    return editions.version_in(version, editions.edition_for(data, language))


def shown_all(versions: list[CourseVersion], language: str) -> list[CourseVersion]:
    """Return versions as cards show them in `language`: one query, none if all are in it."""
    found = editions_by_version(
        v.id for v in versions if editions.match_language([v.language], language) is None
    )
    return [shown_in(v, found[v.id], language) if found.get(v.id) else v for v in versions]
