"""Publishing: turn checked course folders into new, immutable course versions."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from lms.content.loader import COURSE_FILE, check_courses, compute_content_hash, is_source_file
from lms.content.model import Course as CompiledCourse
from lms.content.model import Diagnostic
from lms.courses.models import (
    Course,
    CoursePage,
    CourseVersion,
    CourseVersionSource,
    MediaBlob,
    PublishRun,
    VersionMedia,
)
from lms.courses.provenance import git_provenance
from lms.database import utcnow
from lms.extensions import db

Outcome = Literal["published", "unchanged", "failed"]


def media_url(course_slug: str, relpath: str, sha256: str) -> str:
    """Return the immutable URL a media file is served from."""
    return f"/media/{sha256}/{relpath.rsplit('/', 1)[-1]}"


def page_url(course_slug: str, page_slug: str) -> str:
    """Return the URL of a page in the reader."""
    return f"/courses/{course_slug}/learn/{page_slug}"


@dataclass
class CourseResult:
    """What publishing did with one course folder."""

    slug: str
    outcome: Outcome
    version: int | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Published while withdrawn: the new version is live for enrolled learners only.
    withdrawn: bool = False


@dataclass
class PublishReport:
    """What publishing did with a whole courses folder."""

    results: list[CourseResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def failed(self) -> list[CourseResult]:
        """Return the courses that were not published because of errors."""
        return [r for r in self.results if r.outcome == "failed"]


def course_folders(root: Path) -> list[Path]:
    """Return the course folders under `root`, skipping hidden and underscore folders."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


@dataclass
class PublishPlan:
    """Courses checked and compiled, ready to be written; and those already decided."""

    report: PublishReport
    ready: list[tuple[CompiledCourse, Path]] = field(default_factory=list)


def prepare_publish(
    root: Path,
    *,
    max_media_bytes: int,
    provider_name: str | None = None,
    resources: Container[str] | None = None,
    workers: int = 1,
) -> PublishPlan:
    """Check and compile every course folder under `root` whose content changed; write nothing.

    `provider_name` is the accredited provider that credit statements must name; `resources`
    the family resources' slugs that lessons may link to (None: not checked); `workers` how
    many processes may compile at once.
    """
    # Hash first: compiling is the expensive part, and courses whose content is live need none.
    live = {
        slug: (content_hash, number)
        for slug, content_hash, number in db.session.execute(
            select(Course.slug, CourseVersion.content_hash, CourseVersion.number).join(
                CourseVersion, CourseVersion.id == Course.current_version_id
            )
        )
    }
    unchanged = {
        folder.name: live[folder.name][1]
        for folder in course_folders(root)
        if folder.name in live and compute_content_hash(folder) == live[folder.name][0]
    }
    # Checking all folders together also catches problems between courses (duplicate slugs).
    compiled_courses, diagnostics = check_courses(
        root,
        media_url=media_url,
        page_url=page_url,
        skip=unchanged,
        provider_name=provider_name,
        resources=resources,
        workers=workers,
    )
    compiled_by_slug = {course.slug: course for course in compiled_courses}
    errors_by_folder: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in diagnostics:
        if diagnostic.severity == "error":
            errors_by_folder[diagnostic.path.split("/", 1)[0]].append(diagnostic)
    plan = PublishPlan(PublishReport(diagnostics=diagnostics))
    for folder in course_folders(root):
        if folder.name in unchanged:
            plan.report.results.append(
                CourseResult(folder.name, "unchanged", version=unchanged[folder.name])
            )
            continue
        compiled = compiled_by_slug.get(folder.name)
        problems = list(errors_by_folder.get(folder.name, []))
        if compiled is not None:
            problems += oversized_media(compiled, root, folder, max_media_bytes)
        if problems or compiled is None:
            # A folder name that is not UTF-8 is reported by the checker; print it safely.
            name = folder.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            plan.report.results.append(CourseResult(name, "failed", diagnostics=problems))
            continue
        plan.ready.append((compiled, folder))
    return plan


def publish_prepared(plan: PublishPlan) -> PublishReport:
    """Write each ready course of `plan` as a new version, each all-or-nothing on its own.

    Call it holding the publishing lock (`lock_publishing`): the version numbers are read here.
    """
    report = plan.report
    for compiled, folder in plan.ready:
        try:
            result = publish_course(compiled, folder)
        except (SQLAlchemyError, OSError) as error:
            # The course's savepoint is rolled back; the courses before and after still go out.
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            problem = Diagnostic(
                f"{compiled.slug}/{COURSE_FILE}", 1, f"the database refused this course: {reason}"
            )
            result = CourseResult(compiled.slug, "failed", diagnostics=[problem])
        report.results.append(result)
    report.results.sort(key=lambda result: result.slug)
    return report


def publish_courses(
    root: Path, *, max_media_bytes: int, provider_name: str | None = None, workers: int = 1
) -> PublishReport:
    """Publish every course folder under `root` whose content changed; skip broken ones."""
    plan = prepare_publish(
        root, max_media_bytes=max_media_bytes, provider_name=provider_name, workers=workers
    )
    return publish_prepared(plan)


# Any fixed number shared by every process that publishes to the same database.
_PUBLISH_LOCK_KEY = 7_126_071_501


class PublishingBusy(Exception):
    """Another publish held the lock for longer than we were willing to wait."""


def lock_publishing(*, timeout: float, poll: float = 0.2) -> None:
    """Hold the publishing lock until the current transaction ends, waiting up to `timeout`.

    PostgreSQL: a transaction-level advisory lock. SQLite: the database's write lock, taken
    when the transaction begins (call this inside `lms.database.writing()`).

    :raise PublishingBusy: if the lock could not be had in time.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            if db.session.get_bind().dialect.name == "postgresql":
                locked = db.session.scalar(
                    text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _PUBLISH_LOCK_KEY}
                )
            else:
                # BEGIN IMMEDIATE runs here, and waits (busy_timeout) for any other writer.
                db.session.connection()
                locked = True
        except OperationalError as error:
            if "locked" not in str(error.orig):
                raise
            db.session.rollback()
            locked = False
        if locked:
            return
        if time.monotonic() >= deadline:
            raise PublishingBusy(
                "another publish is running (or a long write holds the database); nothing was "
                "published: try again when it has finished"
            )
        time.sleep(poll)


def publish_course(compiled: CompiledCourse, folder: Path) -> CourseResult:
    """Publish a checked course as a new version, unless its content is already live.

    A withdrawn course stays withdrawn: only `reinstate_course` brings it back to the catalog.
    """
    # A savepoint makes each course all-or-nothing without undoing the others.
    with db.session.begin_nested():
        course = db.session.scalar(select(Course).where(Course.slug == compiled.slug))
        if course is None:
            course = Course(slug=compiled.slug)
            db.session.add(course)
            db.session.flush()
        latest = _latest_version(course)
        if latest is not None and latest.content_hash == compiled.content_hash:
            return CourseResult(compiled.slug, "unchanged", version=latest.number)
        number = (latest.number if latest else 0) + 1
        version = _create_version(course, compiled, folder, number)
        course.current_version = version
        db.session.flush()
    return CourseResult(
        compiled.slug,
        "published",
        version=version.number,
        withdrawn=course.withdrawn_at is not None,
    )


def _latest_version(course: Course) -> CourseVersion | None:
    return db.session.scalar(
        select(CourseVersion)
        .where(CourseVersion.course_id == course.id)
        .order_by(CourseVersion.number.desc())
        .limit(1)
    )


def oversized_media(
    compiled: CompiledCourse, root: Path, folder: Path, limit: int
) -> list[Diagnostic]:
    """Return an error for each media file of the course larger than `limit` bytes."""
    return [
        Diagnostic(
            f"{folder.relative_to(root).as_posix()}/{media.path}",
            1,
            f"media file is {media.size:,} bytes; the limit is {limit:,} (LMS_MAX_MEDIA_BYTES)",
        )
        for media in compiled.media.values()
        if media.size > limit
    ]


def _create_version(
    course: Course, compiled: CompiledCourse, folder: Path, number: int
) -> CourseVersion:
    provenance = git_provenance(folder)
    version = CourseVersion(
        course=course,
        number=number,
        content_hash=compiled.content_hash,
        source_commit=provenance.commit,
        source_dirty=provenance.dirty,
        published_at=utcnow(),
        title=compiled.title,
        summary=compiled.summary,
        audience=list(compiled.audience),
        language=compiled.language,
        estimated_minutes=compiled.estimated_minutes,
        release_date=compiled.release_date,
        expiration_date=compiled.expiration_date,
        valid_for_months=compiled.valid_for_months,
        passing_score=compiled.passing_score,
        # Page bodies live in course_pages, each edition's with its page (settings["editions"]).
        compiled={
            **{key: value for key, value in compiled.to_dict().items() if key != "pages"},
            "editions": {
                language: edition.words() for language, edition in compiled.editions.items()
            },
        },
        cover=compiled.cover.to_dict() if compiled.cover else None,
        featured=compiled.featured,
    )
    db.session.add(version)
    for page in compiled.pages:
        data = page.to_dict()
        data["editions"] = {
            language: edition.pages[page.slug].to_dict()
            for language, edition in compiled.editions.items()
            if page.slug in edition.pages
        }
        version.pages.append(
            CoursePage(
                position=page.position,
                slug=page.slug,
                title=page.title,
                kind=page.kind,
                minutes=page.minutes,
                required=page.required,
                content_note=page.content_note,
                html=page.html,
                settings={
                    key: data[key]
                    for key in (
                        "questions",
                        "passing_score",
                        "max_attempts",
                        "shuffle",
                        "role",
                        "editions",
                    )
                },
            )
        )
    db.session.flush()
    hashes = {media.sha256 for media in compiled.media.values()}
    stored = set(db.session.scalars(select(MediaBlob.sha256).where(MediaBlob.sha256.in_(hashes))))
    for media in compiled.media.values():
        if media.sha256 not in stored:
            stored.add(media.sha256)
            db.session.add(
                MediaBlob(
                    sha256=media.sha256,
                    content_type=media.content_type,
                    size=media.size,
                    data=(folder / media.path).read_bytes(),
                )
            )
        db.session.add(VersionMedia(version_id=version.id, path=media.path, sha256=media.sha256))
    # The Markdown sources too, so an auditor's activity file holds exactly what was published.
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.is_symlink() and _is_source(path.name):
            db.session.add(
                CourseVersionSource(version_id=version.id, path=path.name, data=path.read_bytes())
            )
    db.session.flush()
    return version


def _is_source(name: str) -> bool:
    return is_source_file(name)


def record_publish_run(report: PublishReport) -> PublishRun:
    """Keep what a publish did with each course, for the Authoring page."""
    courses = {result.slug for result in report.results}

    def belongs(diagnostic: Diagnostic, slug: str) -> bool:
        return diagnostic.path == slug or diagnostic.path.startswith(f"{slug}/")

    run = PublishRun(
        results=[
            {
                "slug": result.slug,
                "outcome": result.outcome,
                "version": result.version,
                "withdrawn": result.withdrawn,
                "diagnostics": list(
                    dict.fromkeys(
                        str(d)
                        for d in [*result.diagnostics, *report.diagnostics]
                        if belongs(d, result.slug)
                    )
                ),
            }
            for result in report.results
        ],
        diagnostics=[
            str(d) for d in report.diagnostics if not any(belongs(d, slug) for slug in courses)
        ],
    )
    db.session.add(run)
    db.session.flush()
    return run


def withdraw_course(slug: str) -> Course:
    """Take a course out of the catalog, keeping every version and learner record."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise LookupError(_("no published course is called %(slug)s", slug=repr(slug)))
    course.withdrawn_at = utcnow()
    db.session.flush()
    return course


def reinstate_course(slug: str) -> Course:
    """Put a withdrawn course back in the catalog, at its current version.

    :raise LookupError: if no course has that slug.
    :raise ValueError: if the course is not withdrawn.
    """
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise LookupError(_("no published course is called %(slug)s", slug=repr(slug)))
    if course.withdrawn_at is None:
        raise ValueError(_("%(slug)s is not withdrawn; it is already in the catalog", slug=slug))
    course.withdrawn_at = None
    db.session.flush()
    return course
