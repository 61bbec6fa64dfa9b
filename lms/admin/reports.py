"""Numbers for administrators (learners, enrolments, completions, credit, funnels), audit log.

Every query aggregates in the database with GROUP BY and only portable SQL (EXTRACT, CASE,
EXISTS), so the same code counts the same way on SQLite and PostgreSQL. Timestamps are
stored in UTC, so months are UTC calendar months.

What is counted:

- a learner is a person enrolled in at least one course;
- an enrolment is one learner taking one course once: a retake, or a move to a newer version,
  is another enrolment (funnels follow each learner's first one, so they count learners);
- a completion is one learner finishing one course, counted once, in the month of their first
  completion, even if they later complete a newer version of it;
- credit is the amount claimed, summed by credit type, for claims whose certificate is valid:
  revoked credit no longer stands, and a reissued claim counts once, through its replacement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, exists, extract, func, or_, select
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql.elements import ColumnElement

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.certificates.eligibility import far_above_recorded
from lms.certificates.models import Certificate, Completion, CreditClaim
from lms.certificates.services import recorded_seconds
from lms.content.model import CREDIT_TYPES
from lms.courses.models import Course, CoursePage, CourseVersion
from lms.database import utcnow
from lms.dates import short_month
from lms.extensions import db
from lms.progress.models import Enrolment, PageProgress
from lms.quizzes.models import EvaluationResponse, QuizAttempt

# --- months (pure) ---------------------------------------------------------------------------


def month_key(year: int, month: int) -> str:
    """Return the key of a calendar month, such as "2026-11"."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1 to 12, got {month}")
    return f"{year:04d}-{month:02d}"


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    """Return the (year, month) `delta` months after the given one (before, if negative)."""
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month_keys(last: date, months: int) -> list[str]:
    """Return `months` consecutive month keys, oldest first, ending with the month of `last`."""
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    return [
        month_key(*shift_month(last.year, last.month, offset)) for offset in range(-(months - 1), 1)
    ]


def month_start(key: str) -> datetime:
    """Return the first instant (UTC) of the month a key names."""
    year, month = (int(part) for part in key.split("-"))
    return datetime(year, month, 1, tzinfo=UTC)


def month_label(key: str) -> str:
    """Return a month key as people read it, such as "Nov 2026"."""
    year, month = (int(part) for part in key.split("-"))
    return short_month(date(year, month, 1))


def bucket_by_month(rows: Iterable[tuple[Any, Any, Any]], keys: Sequence[str]) -> dict[str, Any]:
    """Return {month key: summed value} from (year, month, value) rows; missing months are 0."""
    buckets: dict[str, Any] = dict.fromkeys(keys, 0)
    for year, month, value in rows:
        # PostgreSQL's EXTRACT returns a decimal, SQLite's an integer.
        key = month_key(int(year), int(month))
        if key in buckets:  # a row outside the window is dropped, not added as a month
            buckets[key] += value
    return buckets


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditTotal:
    """Credit of one type: how many claims and how much credit in all."""

    credit_type: str
    claims: int
    amount: Decimal


@dataclass(frozen=True)
class Totals:
    """Headline numbers, for every course or one."""

    learners: int
    enrolments: int
    completions: int
    credits: tuple[CreditTotal, ...]


@dataclass(frozen=True)
class MonthRow:
    """One calendar month (UTC): enrolments, completions and credit claimed by type."""

    month: str
    enrolments: int
    completions: int
    credits: dict[str, Decimal] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Return the month as people read it."""
        return month_label(self.month)


@dataclass(frozen=True)
class CourseRow:
    """One course's enrolments, completions and credit claimed by type."""

    course_id: int
    slug: str
    title: str
    enrolments: int
    completions: int
    credits: dict[str, Decimal] = field(default_factory=dict)
    withdrawn: bool = False


@dataclass(frozen=True)
class Funnel:
    """How far the learners of one course got, each stage counted per distinct learner."""

    enrolled: int = 0
    started: int = 0
    passed: int = 0
    evaluated: int = 0
    certified: int = 0

    def stages(self) -> list[tuple[str, int]]:
        """Return (label, learners) for each stage, in order."""
        return [
            (_("Enrolled"), self.enrolled),
            (_("Started"), self.started),
            (_("Passed the quiz"), self.passed),
            (_("Evaluated"), self.evaluated),
            (_("Certified"), self.certified),
        ]


# --- queries ---------------------------------------------------------------------------------


def _course_id_of(slug: str) -> ColumnElement[Any]:
    # A subquery rather than a look-up first: filtering costs no extra round trip.
    return select(Course.id).where(Course.slug == slug).scalar_subquery()


def _first_completions(course_slug: str | None = None) -> Any:
    query = select(
        Completion.user_id,
        Completion.course_id,
        func.min(Completion.completed_at).label("completed_at"),
    ).group_by(Completion.user_id, Completion.course_id)
    if course_slug is not None:
        query = query.where(Completion.course_id == _course_id_of(course_slug))
    return query.subquery()


def _valid_credit() -> ColumnElement[bool]:
    # The claim still has a valid certificate: not revoked (reissues leave one valid).
    return exists().where(Certificate.claim_id == CreditClaim.id, Certificate.status == "valid")


def _claims_with_course() -> Select[Any]:
    return select(CreditClaim).join(CourseVersion, CourseVersion.id == CreditClaim.version_id)


def _ordered_types(types: Iterable[str]) -> list[str]:
    known = [t for t in CREDIT_TYPES if t in types]
    return known + sorted(set(types) - set(known))


def totals(course_slug: str | None = None) -> Totals:
    """Return the headline numbers, for every course or for one, in three queries."""
    enrolments = select(func.count(func.distinct(Enrolment.user_id)), func.count(Enrolment.id))
    credits = (
        select(CreditClaim.credit_type, func.count(CreditClaim.id), func.sum(CreditClaim.amount))
        .join(CourseVersion, CourseVersion.id == CreditClaim.version_id)
        .where(_valid_credit())
        .group_by(CreditClaim.credit_type)
    )
    if course_slug is not None:
        enrolments = enrolments.where(Enrolment.course_id == _course_id_of(course_slug))
        credits = credits.where(CourseVersion.course_id == _course_id_of(course_slug))
    learners, enrolled = db.session.execute(enrolments).one()
    completed = db.session.scalar(select(func.count()).select_from(_first_completions(course_slug)))
    by_type = {kind: (claims, amount) for kind, claims, amount in db.session.execute(credits)}
    return Totals(
        learners=learners,
        enrolments=enrolled,
        completions=completed or 0,
        credits=tuple(
            CreditTotal(kind, by_type[kind][0], _decimal(by_type[kind][1]))
            for kind in _ordered_types(by_type)
        ),
    )


def monthly(
    course_slug: str | None = None, months: int = 12, *, today: date | None = None
) -> list[MonthRow]:
    """Return the last `months` calendar months (UTC), oldest first, empty ones included."""
    keys = month_keys(today or utcnow().date(), months)
    since = month_start(keys[0])
    course_id = _course_id_of(course_slug) if course_slug is not None else None

    def by_month(moment: Any, value: Any, *where: Any, group: Sequence[Any] = ()) -> Select[Any]:
        year, month = extract("year", moment), extract("month", moment)
        return (
            select(year, month, *group, value)
            .where(moment >= since, *where)
            .group_by(year, month, *group)
        )

    enrol_filter = [Enrolment.course_id == course_id] if course_id is not None else []
    enrolments = bucket_by_month(
        db.session.execute(
            by_month(Enrolment.enrolled_at, func.count(Enrolment.id), *enrol_filter)
        ),
        keys,
    )
    first = _first_completions(course_slug)
    completions = bucket_by_month(
        db.session.execute(by_month(first.c.completed_at, func.count())), keys
    )
    claim_filter = [CourseVersion.course_id == course_id] if course_id is not None else []
    credit_rows = db.session.execute(
        by_month(
            CreditClaim.claimed_at,
            func.sum(CreditClaim.amount),
            *claim_filter,
            _valid_credit(),
            group=[CreditClaim.credit_type],
        ).join(CourseVersion, CourseVersion.id == CreditClaim.version_id)
    ).all()
    credits: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for year, month, kind, amount in credit_rows:
        credits[month_key(int(year), int(month))][kind] = _decimal(amount)
    return [
        MonthRow(key, enrolments[key], completions[key], dict(credits.get(key, {}))) for key in keys
    ]


def by_course() -> list[CourseRow]:
    """Return every course with its enrolments, completions and credit, in four queries."""
    courses = db.session.execute(
        select(Course.id, Course.slug, CourseVersion.title, Course.withdrawn_at)
        .outerjoin(CourseVersion, CourseVersion.id == Course.current_version_id)
        .order_by(Course.slug)
    ).all()
    enrolments = dict(
        db.session.execute(
            select(Enrolment.course_id, func.count(Enrolment.id)).group_by(Enrolment.course_id)
        ).all()
    )
    first = _first_completions()
    completions = dict(
        db.session.execute(
            select(first.c.course_id, func.count()).group_by(first.c.course_id)
        ).all()
    )
    credits: dict[int, dict[str, Decimal]] = defaultdict(dict)
    rows = db.session.execute(
        select(CourseVersion.course_id, CreditClaim.credit_type, func.sum(CreditClaim.amount))
        .join(CourseVersion, CourseVersion.id == CreditClaim.version_id)
        .where(_valid_credit())
        .group_by(CourseVersion.course_id, CreditClaim.credit_type)
    )
    for course_id, kind, amount in rows:
        credits[course_id][kind] = _decimal(amount)
    return [
        CourseRow(
            course_id=course_id,
            slug=slug,
            title=title or slug,
            enrolments=enrolments.get(course_id, 0),
            completions=completions.get(course_id, 0),
            credits={kind: credits[course_id][kind] for kind in _ordered_types(credits[course_id])},
            withdrawn=withdrawn_at is not None,
        )
        for course_id, slug, title, withdrawn_at in courses
    ]


def credit_types(rows: Iterable[MonthRow | CourseRow]) -> list[str]:
    """Return the credit types that appear in any of the rows, in the usual order."""
    return _ordered_types({kind for row in rows for kind in row.credits})


def _graded_quiz(page: Any) -> ColumnElement[bool]:
    role = page.settings["role"].as_string()
    # A quiz without a role is graded; only a pre-test is not.
    return and_(page.kind == "quiz", or_(role.is_(None), role != "pretest"))


def funnels(course_ids: Iterable[int]) -> dict[int, Funnel]:
    """Return the funnel of each course, in one query whatever the number of courses."""
    ids = list(course_ids)
    if not ids:
        return {}
    started = exists().where(PageProgress.enrolment_id == Enrolment.id)
    passed_quiz = (
        exists()
        .where(
            QuizAttempt.user_id == Enrolment.user_id,
            QuizAttempt.passed.is_(True),
            CoursePage.id == QuizAttempt.page_id,
            CourseVersion.id == CoursePage.version_id,
            CourseVersion.course_id == Enrolment.course_id,
        )
        .where(_graded_quiz(CoursePage))
    )
    own_version_quiz = (
        exists()
        .where(CoursePage.version_id == Enrolment.version_id)
        .where(_graded_quiz(CoursePage))
    )
    evaluated = exists().where(
        EvaluationResponse.user_id == Enrolment.user_id,
        EvaluationResponse.enrolment_id == Enrolment.id,
    )
    certified = exists().where(
        Certificate.user_id == Enrolment.user_id,
        Certificate.status == "valid",
        CreditClaim.id == Certificate.claim_id,
        Completion.id == CreditClaim.completion_id,
        Completion.course_id == Enrolment.course_id,
    )

    def learners(condition: ColumnElement[bool]) -> Any:
        # Only each learner's first enrolment in the course is counted, so counting enrolments
        # counts learners even when some took the course again.
        return func.count(case((condition, 1)))

    earlier = aliased(Enrolment)
    first_time = ~exists().where(
        earlier.user_id == Enrolment.user_id,
        earlier.course_id == Enrolment.course_id,
        earlier.id < Enrolment.id,
    )

    rows = db.session.execute(
        select(
            Enrolment.course_id,
            func.count(Enrolment.id),
            learners(started),
            # A course version without a graded quiz has nothing to pass: starting is enough.
            learners(or_(passed_quiz, and_(~own_version_quiz, started))),
            learners(evaluated),
            learners(certified),
        )
        .where(Enrolment.course_id.in_(ids), first_time)
        .group_by(Enrolment.course_id)
    )
    found = {row[0]: Funnel(*row[1:]) for row in rows}
    return {course_id: found.get(course_id, Funnel()) for course_id in ids}


def funnel(course_id: int) -> Funnel:
    """Return how many learners of a course enrolled, started, passed, evaluated, certified."""
    return funnels([course_id])[course_id]


def _decimal(value: Any) -> Decimal:
    # SQLite hands sums back as floats; two decimals is what credit amounts carry.
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


# --- the reports page ------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """Everything the reports page shows, for every course or for one."""

    course: CourseRow | None
    totals: Totals
    months: list[MonthRow]
    courses: list[CourseRow]
    funnels: dict[int, Funnel]

    @property
    def month_credit_types(self) -> list[str]:
        """Return the credit types claimed in the months shown."""
        return credit_types(self.months)

    @property
    def course_credit_types(self) -> list[str]:
        """Return the credit types claimed in the courses shown."""
        return credit_types(self.courses)


def overview(courses: Sequence[CourseRow], course: CourseRow | None, months: int = 12) -> Overview:
    """Return the reports page's numbers, in a fixed number of queries whatever the courses."""
    slug = course.slug if course is not None else None
    shown = [course] if course is not None else list(courses)
    return Overview(
        course=course,
        totals=totals(slug),
        months=monthly(slug, months),
        courses=shown,
        funnels=funnels(row.course_id for row in shown),
    )


# --- claims far above the recorded time ----------------------------------------------------


@dataclass(frozen=True)
class FastClaim:
    """A claim well above the time the site recorded: for an admin to look at, not to refuse."""

    learner: str
    email: str
    course: str
    credit_type: str
    amount: Decimal
    claimed_at: datetime
    recorded_seconds: int


def claims_far_above_recorded_time(since: datetime, limit: int = 50) -> list[FastClaim]:
    """Return the newest standing claims since a moment far above the learner's recorded time."""
    rows = db.session.execute(
        select(
            User.full_name,
            User.email,
            CourseVersion.title,
            CreditClaim.credit_type,
            CreditClaim.amount,
            CreditClaim.claimed_at,
            Completion.enrolment_id,
        )
        .join(Completion, Completion.id == CreditClaim.completion_id)
        .join(User, User.id == CreditClaim.user_id)
        .join(CourseVersion, CourseVersion.id == CreditClaim.version_id)
        # A revoked claim no longer stands: an admin has already looked at it.
        .where(CreditClaim.claimed_at >= since, _valid_credit())
        .order_by(CreditClaim.claimed_at.desc(), CreditClaim.id.desc())
    ).all()
    seconds = recorded_seconds({row.enrolment_id for row in rows})
    flagged = [
        FastClaim(*row[:6], recorded_seconds=seconds[row.enrolment_id])
        for row in rows
        if far_above_recorded(row.amount, seconds[row.enrolment_id])
    ]
    return flagged[:limit]


# --- the audit log ---------------------------------------------------------------------------


def audit_events(action_prefix: str | None = None, actor_email: str | None = None) -> Select[Any]:
    """Return a query for audit events, newest first, filtered by action prefix and actor."""
    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if action_prefix:
        # autoescape: a "_" or "%" typed in the filter is matched literally.
        query = query.where(AuditEvent.action.startswith(action_prefix.strip(), autoescape=True))
    if actor_email:
        actors = select(User.id).where(
            func.lower(User.email).contains(actor_email.strip().lower(), autoescape=True)
        )
        query = query.where(AuditEvent.actor_id.in_(actors))
    return query
