"""What authors see of their courses: versions, learners and completions per version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from lms.certificates.models import Completion
from lms.content.markdown import render_markdown
from lms.courses.models import Course, CourseVersion, PublishRun
from lms.extensions import db
from lms.progress.models import Enrolment


@dataclass(frozen=True)
class VersionSummary:
    """One published version of a course, with how many learners started and finished it."""

    version: CourseVersion
    learners: int
    completions: int


@dataclass(frozen=True)
class CourseSummary:
    """A course as its authors see it: live or withdrawn, newest version first."""

    course: Course
    versions: list[VersionSummary]

    @property
    def title(self) -> str:
        """Return the title of the newest version."""
        return self.versions[0].version.title if self.versions else self.course.slug


def summarise_courses() -> list[CourseSummary]:
    """Return every published course with its versions and their numbers, in four queries."""
    courses = list(db.session.scalars(select(Course)))
    versions = db.session.scalars(
        select(CourseVersion).order_by(CourseVersion.course_id, CourseVersion.number.desc())
    )
    learners = _count_by_version(Enrolment.version_id)
    completions = _count_by_version(Completion.version_id)
    by_course: dict[int, list[VersionSummary]] = {course.id: [] for course in courses}
    for version in versions:
        by_course[version.course_id].append(
            VersionSummary(version, learners.get(version.id, 0), completions.get(version.id, 0))
        )
    summaries = [CourseSummary(course, by_course[course.id]) for course in courses]
    return sorted(
        (summary for summary in summaries if summary.versions),
        key=lambda summary: summary.title.casefold(),
    )


def last_publish_run() -> PublishRun | None:
    """Return the most recent `flask courses publish`, or None before the first."""
    return db.session.scalar(select(PublishRun).order_by(PublishRun.id.desc()).limit(1))


def _count_by_version(column) -> dict[int, int]:  # noqa: ANN001 (an instrumented column)
    return dict(db.session.execute(select(column, func.count()).group_by(column)).all())


def render_guide(path: Path) -> str | None:
    """Return the authoring guide at `path` as sanitised HTML, or None when it is missing."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return render_markdown(text)
