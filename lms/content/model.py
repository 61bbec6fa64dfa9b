"""The compiled form of a course, as the loader builds it and the publisher stores it.

Every model is an immutable dataclass with ``to_dict()``/``from_dict()`` that round-trip
through JSON: dates travel as ISO strings, Decimals as strings, tuples as lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

Severity = Literal["error", "warning"]
QuestionKind = Literal["single", "multiple", "short", "text"]
PageKind = Literal["lesson", "quiz", "evaluation"]
QuizRole = Literal["pretest", "posttest"]

AUDIENCES: tuple[str, ...] = ("trainee", "clinic-staff", "self-directed")
PAGE_KINDS: tuple[str, ...] = ("lesson", "quiz", "evaluation")
QUIZ_ROLES: tuple[str, ...] = ("pretest", "posttest")
CREDIT_TYPES: tuple[str, ...] = ("ama-pra-1", "abp-moc-2", "ancc-contact-hours", "participation")
# Continuing-education credit: a course offering any of these must meet the accreditors' rules.
CME_CREDIT_TYPES: tuple[str, ...] = ("ama-pra-1", "abp-moc-2", "ancc-contact-hours")
# The AMA's learning formats this LMS delivers; the designation statement names the format.
LEARNING_FORMATS: dict[str, str] = {
    "enduring-material": "enduring material",
    "live-activity": "live activity",
}
DISCLOSURE_ROLES: tuple[str, ...] = ("planner", "author", "reviewer", "faculty")

# Bumped whenever the stored JSON shape changes, so old rows can be recognised.
FORMAT_VERSION = 1


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _from_iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the course sources, pointing at a file and line."""

    path: str  # relative to the courses folder, POSIX separators
    line: int  # 1-based; 1 for problems with a whole file
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "severity": self.severity,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnostic:
        """Build from ``to_dict()`` output."""
        return cls(data["path"], data["line"], data["message"], data["severity"])


@dataclass(frozen=True)
class Option:
    """One choice of a single- or multiple-choice question."""

    id: str  # "a", "b", ... in source order
    html: str  # inline HTML, no wrapping <p>
    text: str  # the option's Markdown source, for reports and exports
    correct: bool
    feedback_html: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "id": self.id,
            "html": self.html,
            "text": self.text,
            "correct": self.correct,
            "feedback_html": self.feedback_html,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Option:
        """Build from ``to_dict()`` output."""
        return cls(
            id=data["id"],
            html=data["html"],
            text=data["text"],
            correct=data["correct"],
            feedback_html=data.get("feedback_html"),
        )


@dataclass(frozen=True)
class Question:
    """One question of a quiz or evaluation page."""

    id: str  # "q1", "q2", ... in page order
    kind: QuestionKind
    title: str  # the heading text as written
    title_html: str  # the heading text rendered inline
    stem_html: str  # paragraphs between the heading and the options; may be ""
    options: tuple[Option, ...] = ()
    answers: tuple[str, ...] = ()  # accepted short answers, as written
    explanation_html: str | None = None
    line: int = 1  # line of the "## " heading in the page file
    required: bool = False  # evaluation questions only: must be answered to submit
    # Short answers accepted in the course's other editions: a learner may answer in either.
    also_accepts: tuple[str, ...] = ()

    def accepts(self, answer: str) -> bool:
        """Tell whether a short answer matches, ignoring case and surrounding space."""
        given = answer.strip().casefold()
        return any(
            given == accepted.strip().casefold() for accepted in self.answers + self.also_accepts
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "title_html": self.title_html,
            "stem_html": self.stem_html,
            "options": [option.to_dict() for option in self.options],
            "answers": list(self.answers),
            "explanation_html": self.explanation_html,
            "line": self.line,
            "required": self.required,
            "also_accepts": list(self.also_accepts),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        """Build from ``to_dict()`` output."""
        return cls(
            id=data["id"],
            kind=data["kind"],
            title=data["title"],
            title_html=data["title_html"],
            stem_html=data["stem_html"],
            options=tuple(Option.from_dict(item) for item in data["options"]),
            answers=tuple(data["answers"]),
            explanation_html=data.get("explanation_html"),
            line=data["line"],
            required=data.get("required", False),
            also_accepts=tuple(data.get("also_accepts", ())),
        )


@dataclass(frozen=True)
class Page:
    """One lesson, quiz or evaluation page of a course."""

    slug: str  # file name without "NN-" and ".md"
    filename: str
    position: int  # 1-based, in file-name order
    title: str
    kind: PageKind = "lesson"
    minutes: int | None = None
    content_note: str | None = None
    required: bool = True
    html: str = ""  # the whole body for lessons; the intro before the first question otherwise
    questions: tuple[Question, ...] = ()
    passing_score: int | None = None  # quizzes only: their own, else the course's
    max_attempts: int | None = None  # quizzes only; None means unlimited
    shuffle: bool = False
    role: QuizRole | None = None  # quizzes only
    line_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "slug": self.slug,
            "filename": self.filename,
            "position": self.position,
            "title": self.title,
            "kind": self.kind,
            "minutes": self.minutes,
            "content_note": self.content_note,
            "required": self.required,
            "html": self.html,
            "questions": [question.to_dict() for question in self.questions],
            "passing_score": self.passing_score,
            "max_attempts": self.max_attempts,
            "shuffle": self.shuffle,
            "role": self.role,
            "line_count": self.line_count,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Page:
        """Build from ``to_dict()`` output."""
        return cls(
            slug=data["slug"],
            filename=data["filename"],
            position=data["position"],
            title=data["title"],
            kind=data["kind"],
            minutes=data.get("minutes"),
            content_note=data.get("content_note"),
            required=data["required"],
            html=data["html"],
            questions=tuple(Question.from_dict(item) for item in data["questions"]),
            passing_score=data.get("passing_score"),
            max_attempts=data.get("max_attempts"),
            shuffle=data["shuffle"],
            role=data.get("role"),
            line_count=data.get("line_count", 0),
        )


@dataclass(frozen=True)
class Credit:
    """The most credit of one type that the course can award."""

    type: str  # one of CREDIT_TYPES
    max: Decimal  # a positive multiple of 0.25

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {"type": self.type, "max": str(self.max)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Credit:
        """Build from ``to_dict()`` output."""
        return cls(type=data["type"], max=Decimal(data["max"]))


@dataclass(frozen=True)
class Relationship:
    """A financial relationship with an ineligible company, named in plain text."""

    company: str
    nature: str  # employee, consultant, speaker, ...

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {"company": self.company, "nature": self.nature}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Relationship:
        """Build from ``to_dict()`` output."""
        return cls(data["company"], data["nature"])


@dataclass(frozen=True)
class Person:
    """Someone in control of content, with their financial relationships of the prior 24 months.

    An empty `relationships` means the person declared none ("relationships: none").
    """

    name: str
    credentials: str
    roles: tuple[str, ...]
    relationships: tuple[Relationship, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "name": self.name,
            "credentials": self.credentials,
            "roles": list(self.roles),
            "relationships": [item.to_dict() for item in self.relationships],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Person:
        """Build from ``to_dict()`` output."""
        return cls(
            name=data["name"],
            credentials=data.get("credentials", ""),
            roles=tuple(data.get("roles", ())),
            relationships=tuple(Relationship.from_dict(r) for r in data.get("relationships", ())),
        )


@dataclass(frozen=True)
class Disclosure:
    """The structured disclosure of everyone in control of a course's content."""

    people: tuple[Person, ...] = ()
    mitigation: str | None = None  # how relevant relationships were mitigated
    commercial_support: str | None = None  # "none", or who supported the activity

    @property
    def has_relationships(self) -> bool:
        """Return whether anyone listed a relevant financial relationship."""
        return any(person.relationships for person in self.people)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "people": [person.to_dict() for person in self.people],
            "mitigation": self.mitigation,
            "commercial_support": self.commercial_support,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Disclosure:
        """Build from ``to_dict()`` output."""
        return cls(
            people=tuple(Person.from_dict(item) for item in data.get("people", ())),
            mitigation=data.get("mitigation"),
            commercial_support=data.get("commercial_support"),
        )


@dataclass(frozen=True)
class MediaFile:
    """A file under the course's media/ folder."""

    path: str  # relative to the course folder, e.g. "media/figure.png"
    sha256: str
    size: int
    content_type: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "content_type": self.content_type,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaFile:
        """Build from ``to_dict()`` output."""
        return cls(data["path"], data["sha256"], data["size"], data["content_type"])


@dataclass(frozen=True)
class Cover:
    """A course's cover image: a file in media/, its served URL, size and alt text."""

    path: str  # relative to the course folder, e.g. "media/cover.svg"
    src: str  # the URL it is served from
    sha256: str
    width: int
    height: int
    alt: str  # "" for a purely decorative image

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "path": self.path,
            "src": self.src,
            "sha256": self.sha256,
            "width": self.width,
            "height": self.height,
            "alt": self.alt,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cover:
        """Build from ``to_dict()`` output."""
        return cls(
            path=data["path"],
            src=data["src"],
            sha256=data["sha256"],
            width=data["width"],
            height=data["height"],
            alt=data["alt"],
        )


@dataclass(frozen=True)
class PageEdition:
    """A page's words in another language: its title, body, content note and questions.

    Everything else about the page (kind, minutes, settings, question ids, option ids and
    which options are correct) is the primary page's.
    """

    title: str
    html: str = ""
    content_note: str | None = None
    questions: tuple[Question, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "title": self.title,
            "html": self.html,
            "content_note": self.content_note,
            "questions": [question.to_dict() for question in self.questions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PageEdition:
        """Build from ``to_dict()`` output."""
        return cls(
            title=data["title"],
            html=data.get("html", ""),
            content_note=data.get("content_note"),
            questions=tuple(Question.from_dict(item) for item in data.get("questions", ())),
        )


@dataclass(frozen=True)
class CourseEdition:
    """A course's words in another language (course.es.md and the NN-slug.es.md pages).

    A word left out (None) falls back to the primary edition's.
    """

    language: str
    title: str
    summary: str
    objectives: tuple[str, ...] = ()
    requirements: str | None = None
    accreditation: str | None = None
    cover_alt: str | None = None
    content_note: str | None = None
    overview_html: str = ""
    commercial_support: str | None = None  # disclosures.commercial_support, translated
    disclosures_html: str | None = None  # disclosures.notes, compiled and sanitised
    pages: dict[str, PageEdition] = field(default_factory=dict)  # by page slug

    def words(self) -> dict[str, Any]:
        """Return the course-level words, without the pages, as a JSON-safe dict."""
        return {
            "language": self.language,
            "title": self.title,
            "summary": self.summary,
            "objectives": list(self.objectives),
            "requirements": self.requirements,
            "accreditation": self.accreditation,
            "cover_alt": self.cover_alt,
            "content_note": self.content_note,
            "overview_html": self.overview_html,
            "commercial_support": self.commercial_support,
            "disclosures_html": self.disclosures_html,
            # Small and needed by every reader page's outline, so kept with the course.
            "page_titles": {slug: page.title for slug, page in self.pages.items()},
        }

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            **self.words(),
            "pages": {slug: page.to_dict() for slug, page in self.pages.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CourseEdition:
        """Build from ``to_dict()`` output."""
        return cls(
            language=data["language"],
            title=data["title"],
            summary=data["summary"],
            objectives=tuple(data.get("objectives", ())),
            requirements=data.get("requirements"),
            accreditation=data.get("accreditation"),
            cover_alt=data.get("cover_alt"),
            content_note=data.get("content_note"),
            overview_html=data.get("overview_html", ""),
            commercial_support=data.get("commercial_support"),
            disclosures_html=data.get("disclosures_html"),
            pages={
                slug: PageEdition.from_dict(item) for slug, item in data.get("pages", {}).items()
            },
        )


@dataclass(frozen=True)
class Course:
    """A whole course, checked and compiled to sanitised HTML."""

    slug: str
    title: str
    summary: str
    audience: tuple[str, ...] = AUDIENCES
    language: str = "en"
    estimated_minutes: int | None = None
    release_date: date | None = None
    expiration_date: date | None = None
    valid_for_months: int | None = None  # how long a completion stays current; None: for good
    requires: tuple[str, ...] = ()  # slugs of courses to complete first (any version)
    objectives: tuple[str, ...] = ()
    credits: tuple[Credit, ...] = ()
    accreditation: str | None = None
    disclosures_html: str | None = None
    passing_score: int = 80
    content_note: str | None = None
    overview_html: str = ""
    pages: tuple[Page, ...] = ()
    media: dict[str, MediaFile] = field(default_factory=dict)
    content_hash: str = ""
    # Accreditation: statements shown before starting and printed on certificates.
    designation: str | None = None  # the AMA credit designation statement
    moc_statement: str | None = None  # the ABP MOC Part 2 statement
    ancc_statement: str | None = None  # the provider's ANCC accreditation statement
    pars_activity_id: str | None = None  # the activity's ID in ACCME's PARS
    target_audience: str | None = None
    review_date: date | None = None  # date of the most recent content review
    learning_format: str = "enduring-material"
    requirements: str | None = None  # hardware and software needed
    bibliography_html: tuple[str, ...] = ()
    disclosure: Disclosure | None = None
    cover: Cover | None = None
    featured: bool = False  # shown on the home page
    # The course in other languages, by language tag ("es"): one course, one enrolment.
    editions: dict[str, CourseEdition] = field(default_factory=dict)

    def page(self, slug: str) -> Page | None:
        """Return the page with this slug, or None."""
        return next((page for page in self.pages if page.slug == slug), None)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "format": FORMAT_VERSION,
            "slug": self.slug,
            "title": self.title,
            "summary": self.summary,
            "audience": list(self.audience),
            "language": self.language,
            "estimated_minutes": self.estimated_minutes,
            "release_date": _iso(self.release_date),
            "expiration_date": _iso(self.expiration_date),
            "valid_for_months": self.valid_for_months,
            "requires": list(self.requires),
            "objectives": list(self.objectives),
            "credits": [credit.to_dict() for credit in self.credits],
            "accreditation": self.accreditation,
            "disclosures_html": self.disclosures_html,
            "passing_score": self.passing_score,
            "content_note": self.content_note,
            "overview_html": self.overview_html,
            "pages": [page.to_dict() for page in self.pages],
            "media": {path: media.to_dict() for path, media in sorted(self.media.items())},
            "content_hash": self.content_hash,
            "designation": self.designation,
            "moc_statement": self.moc_statement,
            "ancc_statement": self.ancc_statement,
            "pars_activity_id": self.pars_activity_id,
            "target_audience": self.target_audience,
            "review_date": _iso(self.review_date),
            "learning_format": self.learning_format,
            "requirements": self.requirements,
            "bibliography_html": list(self.bibliography_html),
            "disclosure": self.disclosure.to_dict() if self.disclosure else None,
            "cover": self.cover.to_dict() if self.cover else None,
            "featured": self.featured,
            "editions": {
                language: edition.to_dict() for language, edition in sorted(self.editions.items())
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Course:
        """Build from ``to_dict()`` output."""
        version = data.get("format", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise ValueError(f"unsupported course format {version!r}")
        return cls(
            slug=data["slug"],
            title=data["title"],
            summary=data["summary"],
            audience=tuple(data["audience"]),
            language=data["language"],
            estimated_minutes=data.get("estimated_minutes"),
            release_date=_from_iso(data.get("release_date")),
            expiration_date=_from_iso(data.get("expiration_date")),
            valid_for_months=data.get("valid_for_months"),
            requires=tuple(data.get("requires", ())),
            objectives=tuple(data["objectives"]),
            credits=tuple(Credit.from_dict(item) for item in data["credits"]),
            accreditation=data.get("accreditation"),
            disclosures_html=data.get("disclosures_html"),
            passing_score=data["passing_score"],
            content_note=data.get("content_note"),
            overview_html=data["overview_html"],
            pages=tuple(Page.from_dict(item) for item in data["pages"]),
            media={path: MediaFile.from_dict(item) for path, item in data["media"].items()},
            content_hash=data["content_hash"],
            # Added later: versions published before them have none of these keys.
            designation=data.get("designation"),
            moc_statement=data.get("moc_statement"),
            ancc_statement=data.get("ancc_statement"),
            pars_activity_id=data.get("pars_activity_id"),
            target_audience=data.get("target_audience"),
            review_date=_from_iso(data.get("review_date")),
            learning_format=data.get("learning_format", "enduring-material"),
            requirements=data.get("requirements"),
            bibliography_html=tuple(data.get("bibliography_html", ())),
            disclosure=Disclosure.from_dict(data["disclosure"]) if data.get("disclosure") else None,
            cover=Cover.from_dict(data["cover"]) if data.get("cover") else None,
            featured=data.get("featured", False),
            editions={
                language: CourseEdition.from_dict(item)
                for language, item in data.get("editions", {}).items()
            },
        )
