"""What changed between two versions of a course, in words a learner can weigh up."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from lms.courses.models import CoursePage
from lms.extensions import db


@dataclass(frozen=True)
class PageDigest:
    """A page as the comparison sees it: its slug, kind and a hash of what it says."""

    slug: str
    kind: str
    digest: str


@dataclass(frozen=True)
class Changes:
    """Counts of lessons changed, added and removed, and whether quizzes or evaluations changed."""

    lessons_changed: int = 0
    lessons_added: int = 0
    lessons_removed: int = 0
    quiz_changed: bool = False
    evaluation_changed: bool = False

    @property
    def any(self) -> bool:
        """Return whether anything a learner would notice changed."""
        return bool(
            self.lessons_changed
            or self.lessons_added
            or self.lessons_removed
            or self.quiz_changed
            or self.evaluation_changed
        )


def compare(old: list[PageDigest], new: list[PageDigest]) -> Changes:
    """Return what changed from the `old` pages to the `new` ones, matched by slug."""
    before = {p.slug: p for p in old}
    after = {p.slug: p for p in new}
    lessons_before = {s for s, p in before.items() if p.kind == "lesson"}
    lessons_after = {s for s, p in after.items() if p.kind == "lesson"}

    def changed(kind: str) -> set[str]:
        return {
            s
            for s, p in after.items()
            if p.kind == kind and (s not in before or before[s].digest != p.digest)
        } | {s for s, p in before.items() if p.kind == kind and s not in after}

    return Changes(
        lessons_changed=sum(
            before[s].digest != after[s].digest for s in lessons_before & lessons_after
        ),
        lessons_added=len(lessons_after - lessons_before),
        lessons_removed=len(lessons_before - lessons_after),
        quiz_changed=bool(changed("quiz")),
        evaluation_changed=bool(changed("evaluation")),
    )


def describe(changes: Changes) -> str:
    """Return the changes as one plain sentence: "2 lessons changed, 1 added, quiz updated"."""
    parts = []
    if changes.lessons_changed:
        parts.append(
            ngettext(
                "%(num)d lesson changed",
                "%(num)d lessons changed",
                changes.lessons_changed,
            )
        )
    if changes.lessons_added:
        parts.append(
            ngettext("%(num)d lesson added", "%(num)d lessons added", changes.lessons_added)
        )
    if changes.lessons_removed:
        parts.append(
            ngettext("%(num)d lesson removed", "%(num)d lessons removed", changes.lessons_removed)
        )
    if changes.quiz_changed:
        parts.append(_("quiz updated"))
    if changes.evaluation_changed:
        parts.append(_("evaluation updated"))
    if not parts:
        return _("Only small corrections; the lessons and quiz are the same.")
    return _("What changed: %(changes)s.", changes=", ".join(parts))


def _digest(html: str, settings: dict[str, Any] | None) -> str:
    text = html + json.dumps(settings or {}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def digests(version_id: int) -> list[PageDigest]:
    """Return the digests of a version's pages, in one query."""
    rows = db.session.execute(
        select(CoursePage.slug, CoursePage.kind, CoursePage.html, CoursePage.settings)
        .where(CoursePage.version_id == version_id)
        .order_by(CoursePage.position)
    ).all()
    return [
        PageDigest(slug, kind, _digest(html or "", settings)) for slug, kind, html, settings in rows
    ]


def changes_between(old_version_id: int, new_version_id: int) -> Changes:
    """Return what changed from one published version of a course to another."""
    return compare(digests(old_version_id), digests(new_version_id))


@dataclass(frozen=True)
class Carryover:
    """What a learner keeps when moving to a newer version part-way, by lesson slug."""

    kept: list[str]  # read in the old version and the same in the new: progress carried over
    to_read: list[str]  # new or changed in the new version
    total: int  # lessons in the new version

    def sentence(self) -> str:
        """Return it as one sentence: "You keep your progress on 4 of 6 pages; 2 … to read."."""
        kept = ngettext(
            "You keep your progress on %(kept)d of %(num)d page",
            "You keep your progress on %(kept)d of %(num)d pages",
            self.total,
            kept=len(self.kept),
        )
        to_read = ngettext(
            "%(num)d new or changed page to read",
            "%(num)d new or changed pages to read",
            len(self.to_read),
        )
        return _("%(kept)s; %(to_read)s.", kept=kept, to_read=to_read)


def unchanged_lessons(old: list[PageDigest], new: list[PageDigest]) -> set[str]:
    """Return the slugs of lessons that say exactly the same in both versions."""
    before = {p.slug: p.digest for p in old if p.kind == "lesson"}
    return {p.slug for p in new if p.kind == "lesson" and before.get(p.slug) == p.digest}


def carryover(old: list[PageDigest], new: list[PageDigest], read: set[str]) -> Carryover:
    """Return which lessons keep a learner's progress (those in `read`) when moving versions.

    Only lessons carry over: a quiz or evaluation is always taken afresh on the new version.
    """
    same = unchanged_lessons(old, new)
    lessons = [p.slug for p in new if p.kind == "lesson"]
    return Carryover(
        kept=[s for s in lessons if s in same and s in read],
        to_read=[s for s in lessons if s not in same],
        total=len(lessons),
    )


def page_titles(version_id: int) -> dict[str, str]:
    """Return a version's page titles by slug (in its primary language)."""
    return dict(
        db.session.execute(
            select(CoursePage.slug, CoursePage.title).where(CoursePage.version_id == version_id)
        ).all()
    )
