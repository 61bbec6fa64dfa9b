"""Taking a course again: a retake after completing, or moving to a newer version part-way.

Either way the earlier enrolment is ended, never changed otherwise or deleted: its pages,
attempts, completion, claims and certificates stay on the learner's record. Moving part-way
copies the progress of lessons the new version did not change onto the new enrolment.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from lms.accounts.models import User
from lms.certificates.models import Completion
from lms.courses import changes
from lms.courses.models import Course, CoursePage, CourseVersion
from lms.database import utcnow
from lms.extensions import db
from lms.progress.models import Enrolment, PageProgress
from lms.progress.services import ProgressError, enrol

RETAKE = "retake"
NEW_VERSION = "new-version"


def lock_open_enrolment(user: User, course: Course) -> Enrolment | None:
    """Return the learner's open enrolment in a course, locked until commit, or None.

    Two "start again" requests at once: the second waits here for the first to commit, then
    finds the enrolment it ended no longer open (and the partial unique index refuses a
    second open one), so the learner ends up with exactly one open enrolment.
    """
    return db.session.scalars(
        select(Enrolment)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.course_id == course.id,
            Enrolment.ended_at.is_(None),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


_COMPLETION = select(Completion.id).where(Completion.enrolment_id == bindparam("enrolment_id"))


def is_completed(enrolment: Enrolment) -> bool:
    """Return whether the enrolment has its completion recorded."""
    return db.session.scalar(_COMPLETION, {"enrolment_id": enrolment.id}) is not None


def _start_over(
    user: User, course: Course, version: CourseVersion, current: Enrolment, why: str
) -> Enrolment:
    current.ended_at = utcnow()
    current.end_reason = why
    db.session.flush()
    return enrol(user, course, version)


def start_again(user: User, course: Course, version: CourseVersion) -> Enrolment:
    """End the learner's completed enrolment and enrol them afresh on `version`."""
    current = lock_open_enrolment(user, course)
    if current is None:
        return enrol(user, course, version)
    if not is_completed(current):
        raise ProgressError(_("You are already taking this course: continue where you left off."))
    return _start_over(user, course, version, current, RETAKE)


def move_to_version(user: User, course: Course, version: CourseVersion) -> Enrolment:
    """Move a learner part-way through an older version onto `version`, keeping the old record."""
    current = lock_open_enrolment(user, course)
    if current is None:
        return enrol(user, course, version)
    if current.version_id == version.id:
        return current
    if is_completed(current):
        return _start_over(user, course, version, current, RETAKE)
    moved = _start_over(user, course, version, current, NEW_VERSION)
    carry_over_progress(current, moved)
    return moved


def carry_over_progress(old: Enrolment, new: Enrolment) -> int:
    """Copy onto `new` the lessons read in `old` that are unchanged; return how many.

    The old rows stay as they are. Quiz attempts never carry over, and neither does time spent,
    which stays counted once, on the enrolment where it was spent.
    """
    same = changes.unchanged_lessons(
        changes.digests(old.version_id), changes.digests(new.version_id)
    )
    if not same:
        return 0
    new_pages = dict(
        db.session.execute(
            select(CoursePage.slug, CoursePage.id).where(
                CoursePage.version_id == new.version_id, CoursePage.slug.in_(same)
            )
        ).all()
    )
    read = db.session.execute(
        select(CoursePage.slug, PageProgress)
        .join(CoursePage, PageProgress.page_id == CoursePage.id)
        .where(
            PageProgress.enrolment_id == old.id,
            PageProgress.completed_at.is_not(None),
            CoursePage.slug.in_(same),
        )
    ).all()
    for slug, progress in read:
        db.session.add(
            PageProgress(
                enrolment_id=new.id,
                page_id=new_pages[slug],
                first_viewed_at=progress.first_viewed_at,
                completed_at=progress.completed_at,
                content_note_acknowledged_at=progress.content_note_acknowledged_at,
                seconds_spent=0,
            )
        )
    db.session.flush()
    return len(read)


def keep_version(enrolment: Enrolment, newer: CourseVersion) -> None:
    """Record that the learner keeps their version rather than moving to `newer`."""
    enrolment.kept_over_version_id = newer.id
