"""Reading completion exports out of the database, in batches, and recording who exported what.

Rows are read in batches of completions, by keyset on the completion id: each batch costs two
queries (the rows, then the learners' organisations) whatever its size, and nothing is held
from one batch to the next, so memory stays flat however many rows there are. A batch ends at
a completion boundary, so all claims of one completion come out together. Completions are
append-only; rows added while an export runs may or may not be included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, func, select

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.audit.services import record_event
from lms.certificates.models import Certificate, Completion, CreditClaim
from lms.courses.models import Course, CourseVersion
from lms.exports.rows import (
    PARS_CREDIT_TYPE,
    CompletionRow,
    ExportFilters,
    MocClaim,
    ParsRow,
    SkippedLearner,
    organization_cell,
    pars_record,
    passed_for,
)
from lms.exports.writers import XLSX_MAX_ROWS, ExportTooLarge
from lms.extensions import db
from lms.organizations.models import Membership, Organization
from lms.progress.models import Enrolment

EXPORT_ACTION = "export.completions"
FORMATS = ("csv", "xlsx", "pars")
DEFAULT_BATCH = 1000


class UnknownFilter(LookupError):
    """A filter names a course or organisation that does not exist."""


# --- filters --------------------------------------------------------------------------------


def check_filters(filters: ExportFilters) -> None:
    """Make sure the course and organisation named by `filters` exist.

    :raise UnknownFilter: naming the one that does not.
    """
    if filters.course_slug is not None and (
        db.session.scalar(select(Course.id).where(Course.slug == filters.course_slug)) is None
    ):
        raise UnknownFilter(_("No course has the slug %(slug)r.", slug=filters.course_slug))
    if filters.organization is not None and (
        db.session.scalar(select(Organization.id).where(Organization.name == filters.organization))
        is None
    ):
        raise UnknownFilter(_("No organization is named %(name)r.", name=filters.organization))


def filter_choices() -> tuple[list[tuple[str, str]], list[str]]:
    """Return (course slug, title) pairs and organisation names, for the filter form."""
    courses = db.session.execute(
        select(Course.slug, CourseVersion.title)
        .outerjoin(CourseVersion, CourseVersion.id == Course.current_version_id)
        .order_by(Course.slug)
    ).all()
    organizations = db.session.scalars(select(Organization.name).order_by(Organization.name))
    return [(slug, title or slug) for slug, title in courses], list(organizations)


def _conditions(filters: ExportFilters) -> list[ColumnElement[bool]]:
    # Subqueries rather than joins, so the batch-window query needs no join at all.
    conditions: list[ColumnElement[bool]] = []
    if filters.course_slug is not None:
        conditions.append(
            Completion.course_id.in_(select(Course.id).where(Course.slug == filters.course_slug))
        )
    if filters.organization is not None:
        conditions.append(
            Completion.user_id.in_(
                select(Membership.user_id)
                .join(Organization, Organization.id == Membership.organization_id)
                .where(Organization.name == filters.organization)
            )
        )
    if filters.starts_at is not None:
        conditions.append(Completion.completed_at >= filters.starts_at)
    if filters.ends_before is not None:
        conditions.append(Completion.completed_at < filters.ends_before)
    return conditions


# --- completion rows ------------------------------------------------------------------------


def _current_certificate(column: Any = Certificate.public_id) -> Any:
    """Return a correlated subquery: `column` of a claim's current certificate."""
    # Reissuing supersedes the old certificate; the newest one not superseded is current.
    return (
        select(column)
        .where(Certificate.claim_id == CreditClaim.id, Certificate.status != "superseded")
        .order_by(Certificate.id.desc())
        .limit(1)
        .correlate(CreditClaim)
        .scalar_subquery()
    )


def _rows_statement(conditions: Sequence[ColumnElement[bool]], after: int, batch: int) -> Select:
    window = (
        select(Completion.id)
        .where(Completion.id > after, *conditions)
        .order_by(Completion.id)
        .limit(batch)
        .subquery()
    )
    last_in_window = select(func.max(window.c.id)).scalar_subquery()
    return (
        select(
            Completion.id,
            User.id,
            User.email,
            User.full_name,
            User.profession,
            Course.slug,
            CourseVersion.title,
            CourseVersion.number,
            Enrolment.enrolled_at,
            Completion.completed_at,
            Completion.quiz_score,
            CreditClaim.credit_type,
            CreditClaim.amount,
            _current_certificate(),
            CourseVersion.content_hash,
            CourseVersion.source_commit,
            _current_certificate(Certificate.status),
        )
        .select_from(Completion)
        .join(User, User.id == Completion.user_id)
        .join(Course, Course.id == Completion.course_id)
        .join(CourseVersion, CourseVersion.id == Completion.version_id)
        .outerjoin(Enrolment, Enrolment.id == Completion.enrolment_id)
        .outerjoin(CreditClaim, CreditClaim.completion_id == Completion.id)
        .where(Completion.id > after, Completion.id <= last_in_window, *conditions)
        .order_by(Completion.id, CreditClaim.id)
    )


def _organizations_of(user_ids: set[int]) -> dict[int, str]:
    names: dict[int, list[str]] = defaultdict(list)
    if user_ids:
        for user_id, name in db.session.connection().execute(
            select(Membership.user_id, Organization.name)
            .join(Organization, Organization.id == Membership.organization_id)
            .where(Membership.user_id.in_(user_ids))
        ):
            names[user_id].append(name)
    return {user_id: organization_cell(found) for user_id, found in names.items()}


def iter_completion_values(
    filters: ExportFilters, *, batch: int = DEFAULT_BATCH
) -> Iterator[tuple[Any, ...]]:
    """Yield the export rows matching `filters` as plain tuples in `COLUMNS` order.

    The CSV writer takes these directly (no object per row); `iter_completion_rows` wraps
    them in `CompletionRow`s for everything else. Reads `batch` completions per query.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    conditions = _conditions(filters)
    after = 0
    while True:
        # Core rows through the session's connection: no ORM processing for plain columns.
        records = db.session.connection().execute(_rows_statement(conditions, after, batch)).all()
        if not records:
            return
        organizations = _organizations_of({record[1] for record in records})
        for (
            _completion_id,
            learner_id,
            email,
            full_name,
            profession,
            slug,
            title,
            number,
            started_at,
            completed_at,
            quiz_score,
            credit_type,
            amount,
            certificate_id,
            content_hash,
            source_commit,
            certificate_status,
        ) in records:
            yield (
                learner_id,
                email,
                full_name,
                profession,
                organizations.get(learner_id, ""),
                slug,
                title,
                number,
                started_at,
                completed_at,
                quiz_score,
                passed_for(quiz_score),
                credit_type,
                amount,
                certificate_id,
                content_hash,
                source_commit,
                certificate_status,
            )
        after = records[-1][0]
        # A short window means the last completions were just read: skip the empty query.
        if len({record[0] for record in records}) < batch:
            return


def iter_completion_rows(
    filters: ExportFilters, *, batch: int = DEFAULT_BATCH
) -> Iterator[CompletionRow]:
    """Yield the export rows matching `filters`, reading `batch` completions per query."""
    for values in iter_completion_values(filters, batch=batch):
        yield CompletionRow(*values)


def count_rows(filters: ExportFilters) -> int:
    """Return how many rows `iter_completion_rows(filters)` yields, with one query."""
    return db.session.scalar(
        select(func.count())
        .select_from(Completion)
        .outerjoin(CreditClaim, CreditClaim.completion_id == Completion.id)
        .where(*_conditions(filters))
    )


@dataclass(frozen=True)
class CompletionReport:
    """The admin report screen: the first rows of the export and how many there are in all."""

    filters: ExportFilters
    rows: list[CompletionRow]
    total: int


def completion_report(filters: ExportFilters, *, limit: int = 100) -> CompletionReport:
    """Return the first `limit` export rows and the total, exactly as the export has them."""
    rows = list(islice(iter_completion_rows(filters, batch=limit), limit))
    return CompletionReport(filters, rows, count_rows(filters))


# --- board reporting (ABP MOC Part 2) -------------------------------------------------------


def iter_pars_records(
    filters: ExportFilters, *, batch: int = DEFAULT_BATCH
) -> Iterator[ParsRow | SkippedLearner]:
    """Yield, for every MOC claim matching `filters`, its board-report row or why it is skipped."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    conditions = _conditions(filters)
    after = 0
    while True:
        records = db.session.execute(
            select(
                CreditClaim.id,
                User.id,
                User.full_name,
                User.abp_id,
                User.birth_month,
                User.birth_day,
                CreditClaim.consent_to_report,
                Completion.completed_at,
                Course.slug,
                CreditClaim.credit_type,
                CreditClaim.amount,
                _current_certificate(Certificate.status),
            )
            .select_from(CreditClaim)
            .join(Completion, Completion.id == CreditClaim.completion_id)
            .join(User, User.id == Completion.user_id)
            .join(Course, Course.id == Completion.course_id)
            .where(CreditClaim.credit_type == PARS_CREDIT_TYPE, CreditClaim.id > after, *conditions)
            .order_by(CreditClaim.id)
            .limit(batch)
        ).all()
        for record in records:
            yield pars_record(MocClaim(*record[1:11], certificate_revoked=record[11] == "revoked"))
        if len(records) < batch:
            return
        after = records[-1][0]


@dataclass
class ParsExport:
    """A board report ready to stream: its rows (read on iteration) and the claims skipped."""

    rows: Iterator[ParsRow]
    total: int
    skipped: list[SkippedLearner] = field(default_factory=list)


def iter_pars(filters: ExportFilters, *, batch: int = DEFAULT_BATCH) -> ParsExport:
    """Return the board report for `filters`: skipped claims listed now, rows streamed later.

    A first pass counts the rows and lists the skipped claims (only those are kept), so both
    are known before the file is written; the rows are read again, in batches, as they are
    written.
    """
    skipped: list[SkippedLearner] = []
    total = 0
    for record in iter_pars_records(filters, batch=batch):
        if isinstance(record, SkippedLearner):
            skipped.append(record)
        else:
            total += 1
    rows = (r for r in iter_pars_records(filters, batch=batch) if isinstance(r, ParsRow))
    return ParsExport(rows=rows, total=total, skipped=skipped)


@dataclass(frozen=True)
class ParsReport:
    """The board-report screen: the first rows, how many in all, and every claim skipped."""

    filters: ExportFilters
    rows: list[ParsRow]
    total: int
    skipped: list[SkippedLearner]


def pars_report(filters: ExportFilters, *, limit: int = 100) -> ParsReport:
    """Return the first `limit` board-report rows, their total and the skipped claims."""
    rows: list[ParsRow] = []
    skipped: list[SkippedLearner] = []
    total = 0
    for record in iter_pars_records(filters):
        if isinstance(record, SkippedLearner):
            skipped.append(record)
            continue
        total += 1
        if len(rows) < limit:
            rows.append(record)
    return ParsReport(filters, rows, total, skipped)


# --- audit ----------------------------------------------------------------------------------


def record_export(
    actor: User | None, export_format: str, filters: ExportFilters, *, rows: int, **details: Any
) -> AuditEvent:
    """Append "who exported what" to the audit log; None as actor means the command line."""
    return record_event(
        actor,
        EXPORT_ACTION,
        "completions",
        export_format,
        format=export_format,
        filters=filters.to_dict(),
        rows=rows,
        **details,
    )


@dataclass
class Download:
    """An export about to be streamed to a browser: its rows and how many there are."""

    export_format: str
    rows: Iterator[CompletionRow] | Iterator[ParsRow]
    total: int


def start_download(actor: User, export_format: str, filters: ExportFilters) -> Download:
    """Log a download in the audit log and return the rows to stream.

    The download is logged before it starts: the browser may stop reading at any point, and
    whoever asked for the data has asked for it.

    :raise ExportTooLarge: for an XLSX file of more rows than a sheet holds (nothing logged).
    """
    if export_format not in FORMATS:
        raise ValueError(f"unknown export format {export_format!r}")
    if export_format == "pars":
        report = iter_pars(filters)
        record_export(
            actor, "pars", filters, rows=report.total, skipped=len(report.skipped), source="web"
        )
        return Download("pars", report.rows, report.total)
    total = count_rows(filters)
    if export_format == "xlsx" and total > XLSX_MAX_ROWS:
        raise ExportTooLarge(
            _(
                "%(total)s rows are more than an XLSX sheet holds (%(limit)s); "
                "download CSV or narrow the filters.",
                total=format_number(total),
                limit=format_number(XLSX_MAX_ROWS),
            )
        )
    record_export(actor, export_format, filters, rows=total, source="web")
    if export_format == "csv":
        # Plain tuples: the CSV writer needs no object per row (see writers.values_csv_chunks).
        return Download(export_format, iter_completion_values(filters), total)
    return Download(export_format, iter_completion_rows(filters), total)
