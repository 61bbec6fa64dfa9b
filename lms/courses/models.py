"""Published courses. Every version is kept, with its compiled pages and media, forever."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.content.model import Cover, Credit, Disclosure, Question
from lms.database import UTCDateTime, utcnow
from lms.extensions import db

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Course(db.Model):
    """A course, identified by its folder name; its content lives in versions."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Withdrawn courses leave the catalog; what learners did in them stays.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    current_version: Mapped[CourseVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    versions: Mapped[list[CourseVersion]] = relationship(
        back_populates="course",
        foreign_keys="CourseVersion.course_id",
        order_by="CourseVersion.number",
    )

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class CourseVersion(db.Model):
    """One published state of a course: immutable once written."""

    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    audience: Mapped[list[str]] = mapped_column(JSONType)
    language: Mapped[str] = mapped_column(String(20))
    estimated_minutes: Mapped[int | None] = mapped_column(Integer)
    release_date: Mapped[date | None] = mapped_column(Date)
    expiration_date: Mapped[date | None] = mapped_column(Date)
    passing_score: Mapped[int] = mapped_column(Integer)
    # How long a completion of this version stays current (annual re-training); None: for good.
    valid_for_months: Mapped[int | None] = mapped_column(Integer)
    # Provenance: the git commit of the courses folder at publish (None outside a checkout),
    # and whether the course's folder had uncommitted changes then.
    source_commit: Mapped[str | None] = mapped_column(String(40))
    source_dirty: Mapped[bool | None] = mapped_column(Boolean)
    # Course-level compiled data (objectives, credits, statements, overview HTML); page bodies
    # live in course_pages. Deferred: the catalog and reader never need it.
    compiled: Mapped[dict[str, Any]] = mapped_column(JSONType, deferred=True)
    # How lists of courses present the version (also kept in `compiled`, which they never load):
    # the cover image as Cover.to_dict(), and whether the home page features the course.
    cover: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    featured: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    course: Mapped[Course] = relationship(back_populates="versions", foreign_keys=[course_id])
    pages: Mapped[list[CoursePage]] = relationship(
        back_populates="version", order_by="CoursePage.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<CourseVersion {self.course_id} v{self.number}>"

    @property
    def cover_image(self) -> Cover | None:
        """Return the cover image, or None when the course has none."""
        return Cover.from_dict(self.cover) if self.cover else None

    @property
    def objectives(self) -> list[str]:
        """Return what the learner will be able to do."""
        return list(self.compiled.get("objectives", []))

    @property
    def credits(self) -> list[Credit]:
        """Return the credit types and maximum amounts offered."""
        return [Credit.from_dict(item) for item in self.compiled.get("credits", [])]

    @property
    def accreditation(self) -> str | None:
        """Return the accreditation statement printed on certificates."""
        return self.compiled.get("accreditation")

    @property
    def disclosures_html(self) -> str | None:
        """Return the disclosures shown before starting, as sanitised HTML."""
        return self.compiled.get("disclosures_html")

    @property
    def primary_language(self) -> str:
        """Return the language course.md is written in (an edition shown keeps this one)."""
        return self.language

    @property
    def disclosures_language(self) -> str:
        """Return the language of `disclosures_html` (an edition may show the primary's)."""
        return self.language

    @property
    def commercial_support_language(self) -> str:
        """Return the language of the disclosure's commercial support statement."""
        return self.language

    @property
    def content_note(self) -> str | None:
        """Return the course-wide content note, if any."""
        return self.compiled.get("content_note")

    @property
    def overview_html(self) -> str:
        """Return the overview from course.md, as sanitised HTML."""
        return self.compiled.get("overview_html", "")

    @property
    def designation(self) -> str | None:
        """Return the AMA credit designation statement, if any."""
        return self.compiled.get("designation")

    @property
    def moc_statement(self) -> str | None:
        """Return the ABP MOC Part 2 statement, if any."""
        return self.compiled.get("moc_statement")

    @property
    def ancc_statement(self) -> str | None:
        """Return the provider's ANCC statement, if any."""
        return self.compiled.get("ancc_statement")

    @property
    def pars_activity_id(self) -> str | None:
        """Return the activity's ID in ACCME's PARS, if any."""
        return self.compiled.get("pars_activity_id")

    @property
    def target_audience(self) -> str | None:
        """Return who the activity is for, in the author's words."""
        return self.compiled.get("target_audience")

    @property
    def review_date(self) -> date | None:
        """Return the date of the most recent content review, if given."""
        value = self.compiled.get("review_date")
        return date.fromisoformat(value) if value else None

    @property
    def learning_format(self) -> str:
        """Return the AMA learning format, such as "enduring-material"."""
        return self.compiled.get("learning_format") or "enduring-material"

    @property
    def requirements(self) -> str | None:
        """Return the hardware and software requirements, if given."""
        return self.compiled.get("requirements")

    @property
    def bibliography_html(self) -> list[str]:
        """Return the bibliography entries as inline HTML."""
        return list(self.compiled.get("bibliography_html", []))

    @property
    def disclosure(self) -> Disclosure | None:
        """Return the structured disclosure of everyone in control of content, if given."""
        data = self.compiled.get("disclosure")
        return Disclosure.from_dict(data) if data else None

    @property
    def provenance(self) -> dict[str, object]:
        """Return where this version's content came from, for records and exports."""
        return {
            "course_version": self.number,
            "content_hash": self.content_hash,
            "source_commit": self.source_commit,
            "source_dirty": self.source_dirty,
        }


class CoursePage(db.Model):
    """A lesson, quiz or evaluation page of one course version, compiled at publish time."""

    __tablename__ = "course_pages"
    __table_args__ = (
        UniqueConstraint("version_id", "slug"),
        UniqueConstraint("version_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    minutes: Mapped[int | None] = mapped_column(Integer)
    required: Mapped[bool] = mapped_column(default=True)
    content_note: Mapped[str | None] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text, deferred=True)
    # Questions (with answer keys) and quiz settings; never sent to the browser as they are.
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, deferred=True)

    version: Mapped[CourseVersion] = relationship(back_populates="pages")

    def __repr__(self) -> str:
        return f"<CoursePage {self.version_id}/{self.slug}>"

    @property
    def questions(self) -> list[Question]:
        """Return the page's questions, answer keys included."""
        return [Question.from_dict(item) for item in self.settings.get("questions", [])]

    @property
    def is_lesson(self) -> bool:
        """Return whether the page is read rather than answered."""
        return self.kind == "lesson"


class CourseVersionSource(db.Model):
    """A source file (course.md, a page) of a course version, kept for the activity file."""

    __tablename__ = "course_version_sources"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE"), primary_key=True
    )
    path: Mapped[str] = mapped_column(String(500), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class MediaBlob(db.Model):
    """The bytes of a media file, stored once by content hash and shared by versions."""

    __tablename__ = "media_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class VersionMedia(db.Model):
    """Which media file a course version has at which path."""

    __tablename__ = "version_media"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE"), primary_key=True
    )
    path: Mapped[str] = mapped_column(String(500), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("media_blobs.sha256"), index=True)


class PublishRun(db.Model):
    """One `flask courses publish`: when it ran and what became of each course folder.

    Kept so that authors can see the last result, with every error, on the Authoring page.
    """

    __tablename__ = "publish_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # [{"slug", "outcome", "version", "withdrawn", "diagnostics": [str, ...]}, ...]
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    # Problems that belong to no single course (e.g. an unreadable folder).
    diagnostics: Mapped[list[str]] = mapped_column(JSONType)
