"""A chapter's numbers: learners, completions and credit, by month and by organization.

The people counted are those who belong to at least one of the chapter's organizations today;
a person in two of them counts in each organization's row, and once in the monthly rows.
Months are UTC calendar months, counted the way lms.admin.reports counts them:

- learners in a month: distinct people who enrolled in a course that month;
- a completion: one person finishing one course, in the month of their first completion;
- credit: the amount claimed by type, for claims whose certificate is still valid;
- webinar attendees in a month: distinct people with a recorded attendance of more than zero
  minutes (a zero marked by hand means they did not attend) at a webinar starting that month.
  By organization, distinct people who attended any webinar.

`table_rows` gives each table as the rows of text it shows, which is also what the CSV export
writes: what is on the screen is what is exported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, extract, func, select

from lms.admin.reports import (
    _decimal,
    _valid_credit,
    bucket_by_month,
    credit_types,
    month_key,
    month_keys,
    month_label,
    month_start,
)
from lms.certificates.documents import CREDIT_LABELS
from lms.certificates.models import Completion, CreditClaim
from lms.chapters.models import Chapter
from lms.extensions import db
from lms.organizations.models import Membership, Organization
from lms.progress.models import Enrolment
from lms.webinars.attendance_models import WebinarAttendance
from lms.webinars.models import Webinar


@dataclass(frozen=True)
class ChapterMonth:
    """One month of a chapter: learners who enrolled, completions, credit, webinar attendees."""

    month: str
    learners: int
    completions: int
    credits: dict[str, Decimal] = field(default_factory=dict)
    attendees: int = 0

    @property
    def label(self) -> str:
        """Return the month as people read it."""
        return month_label(self.month)


@dataclass(frozen=True)
class ChapterOrganization:
    """One organization of a chapter: people, learners, completions, credit, webinar attendees."""

    organization_id: int
    name: str
    people: int
    learners: int
    completions: int
    credits: dict[str, Decimal] = field(default_factory=dict)
    attendees: int = 0


@dataclass(frozen=True)
class ChapterReport:
    """Everything a chapter's reports page shows."""

    chapter: Chapter
    months: list[ChapterMonth]
    organizations: list[ChapterOrganization]

    @property
    def month_credit_types(self) -> list[str]:
        """Return the credit types claimed in the months shown."""
        return credit_types(self.months)  # type: ignore[arg-type]

    @property
    def organization_credit_types(self) -> list[str]:
        """Return the credit types claimed by the organizations shown."""
        return credit_types(self.organizations)  # type: ignore[arg-type]


def _members(chapter: Chapter) -> Select[Any]:
    return (
        select(Membership.user_id, Membership.organization_id)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Organization.chapter_id == chapter.id)
    )


def _first_completions() -> Any:
    return (
        select(
            Completion.user_id,
            Completion.course_id,
            func.min(Completion.completed_at).label("completed_at"),
        )
        .group_by(Completion.user_id, Completion.course_id)
        .subquery()
    )


def _attended() -> Any:
    # A zero recorded by hand says the person did not attend.
    return and_(WebinarAttendance.webinar_id == Webinar.id, WebinarAttendance.minutes > 0)


def monthly(chapter: Chapter, *, today: date, months: int = 12) -> list[ChapterMonth]:
    """Return the chapter's last `months` calendar months, oldest first, in four queries."""
    keys = month_keys(today, months)
    since = month_start(keys[0])
    people = select(_members(chapter).subquery().c.user_id)

    def by_month(moment: Any, value: Any, *where: Any, group: Sequence[Any] = ()) -> Select[Any]:
        year, month = extract("year", moment), extract("month", moment)
        return (
            select(year, month, *group, value)
            .where(moment >= since, *where)
            .group_by(year, month, *group)
        )

    learners = bucket_by_month(
        db.session.execute(
            by_month(
                Enrolment.enrolled_at,
                func.count(func.distinct(Enrolment.user_id)),
                Enrolment.user_id.in_(people),
            )
        ),
        keys,
    )
    first = _first_completions()
    completions = bucket_by_month(
        db.session.execute(
            by_month(first.c.completed_at, func.count(), first.c.user_id.in_(people))
        ),
        keys,
    )
    credits: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for year, month, kind, amount in db.session.execute(
        by_month(
            CreditClaim.claimed_at,
            func.sum(CreditClaim.amount),
            CreditClaim.user_id.in_(people),
            _valid_credit(),
            group=[CreditClaim.credit_type],
        )
    ):
        credits[month_key(int(year), int(month))][kind] = _decimal(amount)
    attendees = bucket_by_month(
        db.session.execute(
            by_month(
                Webinar.starts_at,
                func.count(func.distinct(WebinarAttendance.user_id)),
                _attended(),
                WebinarAttendance.user_id.in_(people),
            )
        ),
        keys,
    )
    return [
        ChapterMonth(
            key,
            learners[key],
            completions[key],
            dict(credits.get(key, {})),
            attendees=attendees[key],
        )
        for key in keys
    ]


def by_organization(chapter: Chapter) -> list[ChapterOrganization]:
    """Return each of the chapter's organizations with its numbers, in six queries."""
    members = _members(chapter).subquery()
    organizations = db.session.execute(
        select(Organization.id, Organization.name)
        .where(Organization.chapter_id == chapter.id)
        .order_by(Organization.name)
    ).all()
    people = dict(
        db.session.execute(
            select(members.c.organization_id, func.count()).group_by(members.c.organization_id)
        ).all()
    )
    learners = dict(
        db.session.execute(
            select(members.c.organization_id, func.count(func.distinct(Enrolment.user_id)))
            .join(Enrolment, Enrolment.user_id == members.c.user_id)
            .group_by(members.c.organization_id)
        ).all()
    )
    first = _first_completions()
    completions = dict(
        db.session.execute(
            select(members.c.organization_id, func.count())
            .join(first, first.c.user_id == members.c.user_id)
            .group_by(members.c.organization_id)
        ).all()
    )
    credits: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for organization_id, kind, amount in db.session.execute(
        select(members.c.organization_id, CreditClaim.credit_type, func.sum(CreditClaim.amount))
        .join(CreditClaim, CreditClaim.user_id == members.c.user_id)
        .where(_valid_credit())
        .group_by(members.c.organization_id, CreditClaim.credit_type)
    ):
        credits[organization_id][kind] = _decimal(amount)
    attendees = dict(
        db.session.execute(
            select(members.c.organization_id, func.count(func.distinct(WebinarAttendance.user_id)))
            .join(WebinarAttendance, WebinarAttendance.user_id == members.c.user_id)
            .join(Webinar, _attended())
            .group_by(members.c.organization_id)
        ).all()
    )
    return [
        ChapterOrganization(
            organization_id,
            name,
            people.get(organization_id, 0),
            learners.get(organization_id, 0),
            completions.get(organization_id, 0),
            dict(credits.get(organization_id, {})),
            attendees=attendees.get(organization_id, 0),
        )
        for organization_id, name in organizations
    ]


def chapter_report(chapter: Chapter, *, today: date, months: int = 12) -> ChapterReport:
    """Return the chapter's reports page numbers, in a fixed number of queries."""
    return ChapterReport(
        chapter, monthly(chapter, today=today, months=months), by_organization(chapter)
    )


def month_table(report: ChapterReport, current_month_note: str) -> list[list[str]]:
    """Return the month-by-month table as rows of text, header first (screen and CSV alike)."""
    kinds = report.month_credit_types
    header = [_("Month"), _("Learners who enrolled"), _("Completions"), _("Webinar attendees")] + [
        _("%(credit)s issued", credit=str(CREDIT_LABELS.get(kind, kind))) for kind in kinds
    ]
    last = len(report.months) - 1
    rows = [
        [
            f"{row.label} {current_month_note}" if n == last else row.label,
            str(row.learners),
            str(row.completions),
            str(row.attendees),
            *(str(row.credits.get(kind, Decimal("0.00"))) for kind in kinds),
        ]
        for n, row in enumerate(report.months)
    ]
    return [header, *rows]


def organization_table(report: ChapterReport) -> list[list[str]]:
    """Return the by-organization table as rows of text, header first (screen and CSV alike)."""
    kinds = report.organization_credit_types
    header = [
        _("Organization"),
        _("People"),
        _("Learners"),
        _("Completions"),
        _("Webinar attendees"),
    ] + [_("%(credit)s issued", credit=str(CREDIT_LABELS.get(kind, kind))) for kind in kinds]
    rows = [
        [
            row.name,
            str(row.people),
            str(row.learners),
            str(row.completions),
            str(row.attendees),
            *(str(row.credits.get(kind, Decimal("0.00"))) for kind in kinds),
        ]
        for row in report.organizations
    ]
    return [header, *rows]
