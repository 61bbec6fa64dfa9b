"""Courses to complete first: what a course requires, and whether a learner has done it.

A prerequisite is met by a completion of the required course in any version: a course that was
republished since does not make anyone take it again before moving on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from lms.certificates.models import Completion
from lms.courses import editions
from lms.courses.models import Course, CourseVersion
from lms.extensions import db


@dataclass(frozen=True)
class Prerequisite:
    """A course to complete first, as a learner sees it on the course page."""

    slug: str
    title: str
    language: str  # the language the title is written in
    published: bool  # False: the required course is not (or no longer) in the catalog
    done: bool


def required_slugs(version_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return the slugs each version requires, reading only that part of its compiled data."""
    ids = list(version_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(CourseVersion.id, CourseVersion.compiled["requires"]).where(
            CourseVersion.id.in_(ids)
        )
    )
    return {version_id: [str(slug) for slug in found or []] for version_id, found in rows}


def completed_course_ids(user_id: int | None, course_ids: Iterable[int]) -> set[int]:
    """Return which of these courses the person completed, in any version."""
    ids = list(course_ids)
    if user_id is None or not ids:
        return set()
    return set(
        db.session.scalars(
            select(Completion.course_id)
            .where(Completion.user_id == user_id, Completion.course_id.in_(ids))
            .distinct()
        )
    )


def prerequisites_for(
    slugs_by_version: dict[int, list[str]], *, user_id: int | None, language: str
) -> dict[int, list[Prerequisite]]:
    """Return each version's prerequisites with their titles in `language` and their status."""
    wanted = sorted({slug for slugs in slugs_by_version.values() for slug in slugs})
    if not wanted:
        return {version_id: [] for version_id in slugs_by_version}
    courses = {c.slug: c for c in db.session.scalars(select(Course).where(Course.slug.in_(wanted)))}
    versions = {
        v.course_id: v
        for v in db.session.scalars(
            select(CourseVersion).where(
                CourseVersion.id.in_(
                    [c.current_version_id for c in courses.values() if c.current_version_id]
                )
            )
        )
    }
    done = completed_course_ids(user_id, [c.id for c in courses.values()])
    result: dict[int, list[Prerequisite]] = {}
    for version_id, slugs in slugs_by_version.items():
        items = []
        for slug in slugs:
            course = courses.get(slug)
            version = versions.get(course.id) if course else None
            words = editions.edition_for(version, language) if version else None
            items.append(
                Prerequisite(
                    slug=slug,
                    title=words.title if words else slug,
                    language=words.language if words else "en",
                    published=version is not None and course.withdrawn_at is None,  # type: ignore[union-attr]
                    done=course is not None and course.id in done,
                )
            )
        result[version_id] = items
    return result


def unmet(prerequisites: Iterable[Prerequisite]) -> list[Prerequisite]:
    """Return the prerequisites not yet completed."""
    return [p for p in prerequisites if not p.done]
