"""Progress verbs: enrol, acknowledge notes, complete pages, record time and the place reached."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.courses import outline
from lms.courses.models import Course, CoursePage, CourseVersion
from lms.database import utcnow
from lms.extensions import db
from lms.progress.models import Enrolment, PageProgress
from lms.progress.signals import page_completed, page_recorded

# Time reports above this are cut: a tab left open overnight is not study time.
MAX_SECONDS_PER_REPORT = 30 * 60


class ProgressError(Exception):
    """An action on progress that cannot be carried out, with a message for the learner."""


@dataclass(frozen=True)
class Progress:
    """How far a learner is through the pages that count."""

    done: int
    total: int

    @property
    def percent(self) -> int:
        """Return the share done, rounded down, 0-100."""
        return (100 * self.done // self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        """Return whether every page that counts is done."""
        return self.total > 0 and self.done >= self.total


def counts_towards_progress(page: CoursePage) -> bool:
    """Return whether a page must be done to finish the course (optional lessons do not)."""
    return page.required or page.kind != "lesson"


def measure_progress(pages: list[CoursePage], completed_page_ids: set[int]) -> Progress:
    """Return the progress a set of completed pages makes through `pages`."""
    counted = [page for page in pages if counts_towards_progress(page)]
    return Progress(sum(page.id in completed_page_ids for page in counted), len(counted))


# Read on many pages: composed once (composing costs more CPU than running them).
_OPEN_ENROLMENT = select(Enrolment).where(
    Enrolment.user_id == bindparam("user_id"),
    Enrolment.course_id == bindparam("course_id"),
    Enrolment.ended_at.is_(None),
)
_COMPLETED_PAGES = select(PageProgress.page_id).where(
    PageProgress.enrolment_id == bindparam("enrolment_id"), PageProgress.completed_at.is_not(None)
)


def find_enrolment(user: User, course: Course) -> Enrolment | None:
    """Return the user's open enrolment in a course (earlier ones have ended), or None."""
    return db.session.scalar(_OPEN_ENROLMENT, {"user_id": user.id, "course_id": course.id})


def enrol(user: User, course: Course, version: CourseVersion) -> Enrolment:
    """Enrol a user on a course version, noting that they saw its disclosures and notes."""
    existing = find_enrolment(user, course)
    if existing is not None:
        return existing
    now = utcnow()
    enrolment = Enrolment(
        user_id=user.id,
        course_id=course.id,
        version_id=version.id,
        enrolled_at=now,
        disclosures_acknowledged_at=now,
        course_note_acknowledged_at=now if version.content_note else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
    except IntegrityError:
        # Two tabs pressed "Start" at once: the other request enrolled them.
        existing = find_enrolment(user, course)
        if existing is None:
            raise
        return existing
    return enrolment


# Statements composed once, with bound parameters: composing them cost more CPU than running
# them, and a form post that records progress runs several.
_PROGRESS_ROW = select(PageProgress).where(
    PageProgress.enrolment_id == bindparam("enrolment_id"),
    PageProgress.page_id == bindparam("page_id"),
)
_LOCK_ENROLMENT = (
    select(Enrolment)
    .where(Enrolment.id == bindparam("enrolment_id"))
    .with_for_update(key_share=True)
    .execution_options(populate_existing=True)
)


@lru_cache(maxsize=2)
def _insert_progress_statement(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(PageProgress)
        .values(
            enrolment_id=bindparam("enrolment_id"),
            page_id=bindparam("page_id"),
            first_viewed_at=bindparam("first_viewed_at"),
        )
        .on_conflict_do_nothing(index_elements=["enrolment_id", "page_id"])
    )


def page_progress(enrolment: Enrolment, page: CoursePage) -> PageProgress | None:
    """Return the learner's progress row for a page, or None if never opened."""
    return db.session.scalar(_PROGRESS_ROW, {"enrolment_id": enrolment.id, "page_id": page.id})


def _insert_progress(enrolment_id: int, page_id: int) -> None:
    # Two tabs opening a page for the first time both find no row: insert-or-nothing lets the
    # second quietly use the first's, where a plain INSERT broke the unique constraint (a 500).
    db.session.execute(
        _insert_progress_statement(db.session.get_bind().dialect.name),
        {"enrolment_id": enrolment_id, "page_id": page_id, "first_viewed_at": utcnow()},
    )


def _ensure_progress(enrolment: Enrolment, page: CoursePage) -> PageProgress:
    row = page_progress(enrolment, page)
    if row is None:
        _insert_progress(enrolment.id, page.id)
        # Inserted now or by a simultaneous request: there either way.
        row = db.session.scalars(
            _PROGRESS_ROW, {"enrolment_id": enrolment.id, "page_id": page.id}
        ).one()
    return row


def _check_page(enrolment: Enrolment, page: CoursePage) -> None:
    if page.version_id != enrolment.version_id:
        raise ProgressError(_("That page belongs to another version of the course."))


def note_place(enrolment: Enrolment, page: CoursePage) -> None:
    """Remember the page the learner is on, so that "Resume" brings them back to it.

    Called by the verbs that record progress (reading time reported by the page, a content
    note passed, a page completed, a quiz started or submitted), never by reading a page: a
    GET writes nothing, so reading never takes SQLite's write lock or costs a commit.
    """
    enrolment.last_page_id = page.id
    enrolment.last_visited_at = utcnow()


def acknowledge_content_note(enrolment: Enrolment, page: CoursePage) -> None:
    """Record that the learner chose to continue past a page's content note."""
    _check_page(enrolment, page)
    row = _ensure_progress(enrolment, page)
    if row.content_note_acknowledged_at is None:
        row.content_note_acknowledged_at = utcnow()
    note_place(enrolment, page)


def add_time(enrolment: Enrolment, page: CoursePage, seconds: int) -> None:
    """Add reading time to a page, within reason."""
    _check_page(enrolment, page)
    row = _ensure_progress(enrolment, page)
    row.seconds_spent += max(0, min(int(seconds), MAX_SECONDS_PER_REPORT))
    note_place(enrolment, page)


def lock_enrolment(enrolment: Enrolment) -> None:
    """Hold the learner's enrolment row until commit, so completion is judged one at a time.

    The last lesson and the evaluation sent at the same moment are two transactions, and on
    PostgreSQL neither sees the other's uncommitted page: both would judge the course
    unfinished and no completion would be recorded. With the row locked (FOR NO KEY UPDATE,
    which leaves inserts that merely reference the enrolment alone), the second waits for the
    first to commit and then sees its work. SQLite already runs form posts one at a time
    (they begin with BEGIN IMMEDIATE, lms.database) and has no row locks: nothing to do there.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return
    db.session.scalars(_LOCK_ENROLMENT, {"enrolment_id": enrolment.id}).one()


def complete_page(enrolment: Enrolment, page: CoursePage, seconds: int = 0) -> None:
    """Mark a lesson complete (once) and add the time spent on it."""
    _check_page(enrolment, page)
    if not page.is_lesson:
        raise ProgressError(_("Quizzes and evaluations are completed by submitting them."))
    lock_enrolment(enrolment)
    row = _ensure_progress(enrolment, page)
    row.seconds_spent += max(0, min(int(seconds), MAX_SECONDS_PER_REPORT))
    note_place(enrolment, page)
    first = row.completed_at is None
    if first:
        row.completed_at = utcnow()
    db.session.flush()
    if first:
        page_recorded.send(enrolment, page=page)
    _note_if_finished(enrolment)


def complete_assessment(enrolment: Enrolment, page: CoursePage) -> None:
    """Mark a quiz (passed) or evaluation (submitted) page complete in the learner's progress."""
    _check_page(enrolment, page)
    lock_enrolment(enrolment)
    row = _ensure_progress(enrolment, page)
    first = row.completed_at is None
    if first:
        row.completed_at = utcnow()
    note_place(enrolment, page)
    db.session.flush()
    if first:
        page_recorded.send(enrolment, page=page)
    _note_if_finished(enrolment)


def _note_if_finished(enrolment: Enrolment) -> None:
    # The version's pages from memory (versions never change); the completed pages are read
    # after the enrolment's lock, so a page completed at the same moment elsewhere counts.
    pages: list[Any] = outline.version_pages(enrolment.version).pages
    done = completed_page_ids(enrolment)
    if measure_progress(pages, done).finished:
        enrolment.pages_completed_at = enrolment.pages_completed_at or utcnow()
    # The pages and completed ids go along so that the receivers need not read them again.
    page_completed.send(enrolment, pages=pages, done=done)


def completed_page_ids(enrolment: Enrolment) -> set[int]:
    """Return the ids of the pages the learner has completed."""
    return set(db.session.scalars(_COMPLETED_PAGES, {"enrolment_id": enrolment.id}))


def resume_page(enrolment: Enrolment, pages: list[CoursePage], done: set[int]) -> CoursePage:
    """Return where the learner should pick up: their last page, else the first not done."""
    by_id = {page.id: page for page in pages}
    if enrolment.last_page_id in by_id:
        last = by_id[enrolment.last_page_id]
        if last.id not in done:
            return last
        later = [p for p in pages if p.position > last.position and p.id not in done]
        if later:
            return later[0]
    remaining = [page for page in pages if page.id not in done]
    return remaining[0] if remaining else pages[0]


# The pages that count towards progress (counts_towards_progress, in SQL).
_COUNTED = (CoursePage.required.is_(True)) | (CoursePage.kind != "lesson")
_DONE_COUNTS = (
    select(PageProgress.enrolment_id, func.count())
    .join(CoursePage, CoursePage.id == PageProgress.page_id)
    .where(
        PageProgress.enrolment_id.in_(bindparam("ids", expanding=True)),
        PageProgress.completed_at.is_not(None),
        _COUNTED,
    )
    .group_by(PageProgress.enrolment_id)
)


def progress_for_enrolments(
    enrolments: list[Enrolment], *, totals: dict[int, int] | None = None
) -> dict[int, Progress]:
    """Return each enrolment's progress in two queries, whatever the number of enrolments.

    `totals` (the pages that count, by version id) spares the first query when the caller
    has them already, from compiled outlines.
    """
    if not enrolments:
        return {}
    version_ids = {e.version_id for e in enrolments}
    if totals is None:
        totals = dict(
            db.session.execute(
                select(CoursePage.version_id, func.count())
                .where(CoursePage.version_id.in_(version_ids), _COUNTED)
                .group_by(CoursePage.version_id)
            ).all()
        )
    done = dict(db.session.execute(_DONE_COUNTS, {"ids": [e.id for e in enrolments]}).all())
    return {e.id: Progress(done.get(e.id, 0), totals.get(e.version_id, 0)) for e in enrolments}


def courses_in_progress(
    user: User, *, exclude_course_ids: set[int] | frozenset[int] = frozenset(), limit: int = 3
) -> list[tuple[Enrolment, Progress]]:
    """Return the learner's unfinished courses, most recently visited first, with progress."""
    query = (
        select(Enrolment)
        .options(joinedload(Enrolment.version), joinedload(Enrolment.course))
        .where(
            Enrolment.user_id == user.id,
            Enrolment.pages_completed_at.is_(None),
            Enrolment.ended_at.is_(None),
        )
        .order_by(Enrolment.last_visited_at.desc().nulls_last(), Enrolment.enrolled_at.desc())
        .limit(limit)
    )
    if exclude_course_ids:
        query = query.where(Enrolment.course_id.not_in(exclude_course_ids))
    enrolments = list(db.session.scalars(query))
    progress = progress_for_enrolments(enrolments)
    return [(enrolment, progress[enrolment.id]) for enrolment in enrolments]
