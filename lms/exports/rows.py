"""What a completion export contains: typed rows and the rules that make them. No database.

The CSV, the XLSX file and the admin report screen are all made from `CompletionRow`s, so they
cannot disagree about what a completion is. Board reporting (ABP MOC Part 2, uploaded through
the ACCME's PARS) is made from `ParsRow`s, and every claim left out of it is a
`SkippedLearner` with a reason an administrator can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

COLUMNS: tuple[str, ...] = (
    "learner_id",
    "email",
    "full_name",
    "profession",
    "organization",
    "course_slug",
    "course_title",
    "course_version",
    "started_at",
    "completed_at",
    "quiz_score",
    "passed",
    "credit_type",
    "credits_claimed",
    "certificate_id",
    # Provenance: which content the learner took, years later.
    "content_hash",
    "source_commit",
    # valid, revoked or superseded: a revoked certificate's credit no longer stands.
    "certificate_status",
)

PARS_COLUMNS: tuple[str, ...] = (
    "board_id",
    "first_name",
    "last_name",
    "birth_month",
    "birth_day",
    "completion_date",
    "credit_type",
    "credits",
)

# The only credit reported to a board from here: ABP Maintenance of Certification Part 2.
PARS_CREDIT_TYPE = "abp-moc-2"

ORGANIZATION_SEPARATOR = "; "

# Reasons shown to administrators; each names what to fix, and where.
SKIP_NO_CONSENT = "did not consent to report"
SKIP_NO_BOARD_ID = "no ABP ID in profile"
SKIP_BAD_BOARD_ID = "ABP ID in profile is not 4 to 10 digits (0-9)"
SKIP_NO_BIRTH_DATE = "birth month/day missing"
SKIP_REVOKED = "certificate revoked"


@dataclass(frozen=True)
class ExportFilters:
    """Which completions to export; None means "any". Dates are inclusive, in UTC."""

    course_slug: str | None = None
    organization: str | None = None
    since: date | None = None
    until: date | None = None

    @property
    def starts_at(self) -> datetime | None:
        """Return the first instant included, or None."""
        return datetime.combine(self.since, time(), UTC) if self.since else None

    @property
    def ends_before(self) -> datetime | None:
        """Return the first instant after the last included day, or None."""
        if self.until is None:
            return None
        return datetime.combine(self.until + timedelta(days=1), time(), UTC)

    def to_dict(self) -> dict[str, str | None]:
        """Return the filters as JSON-safe text, for the audit log and for links."""
        return {
            "course": self.course_slug,
            "organization": self.organization,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


@dataclass(frozen=True)
class CompletionRow:
    """One exported line: a completion with no claim, or one credit type claimed for it.

    `passed` is True when the completion has a post-test score: a course version counts as
    completed only once every graded quiz is passed, so a completion with a score is a pass.
    A version without a graded quiz has no score and nothing to pass, so `passed` is None
    (an empty cell) rather than False, which would read as a failure that never happened.

    `certificate_id` is the claim's current certificate: the one no reissue has superseded.
    A revoked certificate stays current (nothing replaced it), so its id is still exported,
    with `certificate_status` "revoked": that credit no longer stands.
    """

    learner_id: int
    email: str
    full_name: str
    profession: str
    organization: str
    course_slug: str
    course_title: str
    course_version: int
    started_at: datetime | None
    completed_at: datetime
    quiz_score: Decimal | None
    passed: bool | None
    credit_type: str | None
    credits_claimed: Decimal | None
    certificate_id: str | None
    content_hash: str | None = None
    source_commit: str | None = None
    certificate_status: str | None = None

    def values(self) -> tuple[object, ...]:
        """Return the cells in `COLUMNS` order."""
        # Spelled out rather than looped over COLUMNS: it runs once per exported row.
        return (
            self.learner_id,
            self.email,
            self.full_name,
            self.profession,
            self.organization,
            self.course_slug,
            self.course_title,
            self.course_version,
            self.started_at,
            self.completed_at,
            self.quiz_score,
            self.passed,
            self.credit_type,
            self.credits_claimed,
            self.certificate_id,
            self.content_hash,
            self.source_commit,
            self.certificate_status,
        )


def organization_cell(names: list[str] | tuple[str, ...] | set[str]) -> str:
    """Return a learner's organisation names as one cell: sorted, joined with "; "."""
    return ORGANIZATION_SEPARATOR.join(sorted(set(names)))


def passed_for(quiz_score: Decimal | None) -> bool | None:
    """Return `passed` for a completion (see `CompletionRow`)."""
    return True if quiz_score is not None else None


@dataclass(frozen=True)
class ParsRow:
    """One learner-completion reported to the ABP for MOC Part 2 points."""

    board_id: str
    first_name: str
    last_name: str
    birth_month: int
    birth_day: int
    completion_date: date
    credit_type: str
    amount: Decimal

    def values(self) -> tuple[object, ...]:
        """Return the cells in `PARS_COLUMNS` order."""
        return (
            self.board_id,
            self.first_name,
            self.last_name,
            self.birth_month,
            self.birth_day,
            self.completion_date,
            self.credit_type,
            self.amount,
        )


@dataclass(frozen=True)
class SkippedLearner:
    """A MOC claim left out of the board report, and why (one entry per claim)."""

    learner_id: int
    full_name: str
    reason: str
    course_slug: str = ""


@dataclass(frozen=True)
class MocClaim:
    """What the board report needs about one MOC claim, as loaded from the database."""

    learner_id: int
    full_name: str
    board_id: str | None
    birth_month: int | None
    birth_day: int | None
    consent_to_report: bool
    completed_at: datetime
    course_slug: str
    credit_type: str
    amount: Decimal
    certificate_revoked: bool = False


def split_name(full_name: str) -> tuple[str, str]:
    """Split a full name into (first name, last name) for the board.

    The last whitespace-separated word is the last name and the words before it the first
    name: "Ana María López" is ("Ana María", "López"). A name of one word is all last name,
    with an empty first name, because the boards match learners on last name. The rule cannot
    know every naming custom (a compound surname such as "García Márquez", a suffix such as
    "Jr."); the learner's full name is theirs to edit in their profile, and an administrator
    can correct the exported file before uploading it.
    """
    words = full_name.split()
    if not words:
        return "", ""
    if len(words) == 1:
        return "", words[0]
    return " ".join(words[:-1]), words[-1]


def is_board_id(text: str) -> bool:
    """Return whether `text` is an ABP ID the board accepts: 4 to 10 ASCII digits."""
    # str.isdigit() and \d also take "１２３４５" and "١٢٣"; the board's file takes only 0-9.
    return re.fullmatch(r"[0-9]{4,10}", text) is not None


def pars_record(claim: MocClaim) -> ParsRow | SkippedLearner:
    """Return the board-report row for a MOC claim, or why it must be left out.

    Consent comes first: without it nothing else about the learner may be reported.
    """
    board_id = (claim.board_id or "").strip()
    month, day = claim.birth_month, claim.birth_day
    if not claim.consent_to_report:
        reason = SKIP_NO_CONSENT
    elif not board_id:
        reason = SKIP_NO_BOARD_ID
    elif not is_board_id(board_id):
        reason = SKIP_BAD_BOARD_ID
    elif month is None or day is None:
        reason = SKIP_NO_BIRTH_DATE
    elif claim.certificate_revoked:
        # A revoked certificate means the credit was withdrawn; reporting it would be false.
        reason = SKIP_REVOKED
    else:
        first_name, last_name = split_name(claim.full_name)
        return ParsRow(
            board_id=board_id,
            first_name=first_name,
            last_name=last_name,
            birth_month=month,
            birth_day=day,
            completion_date=claim.completed_at.astimezone(UTC).date(),
            credit_type=claim.credit_type,
            amount=claim.amount,
        )
    return SkippedLearner(claim.learner_id, claim.full_name, reason, claim.course_slug)
