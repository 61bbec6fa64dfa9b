"""The invariants the records must keep, checked against the database: `flask db verify`.

An audit may come years after a course was taken, so these are the promises the data makes to
an auditor. Concurrency tests run `find_violations()` after their parallel requests; operators
run `flask db verify` after a restore or an incident.
"""

from __future__ import annotations

import sys
from collections import defaultdict

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from lms.certificates import eligibility
from lms.certificates.models import Certificate, Completion, CreditClaim
from lms.certificates.services import course_state
from lms.extensions import db
from lms.progress.models import Enrolment
from lms.quizzes.models import QuizAttempt


def find_violations() -> list[str]:
    """Return one line per broken invariant in the database; empty when every record is sound."""
    return [
        *_certificates_per_claim(),
        *_revocations(),
        *_claims_without_certificate(),
        *_missing_completions(),
        *_duplicate_completions(),
        *_attempt_numbers(),
        *_open_enrolments(),
    ]


def _open_enrolments() -> list[str]:
    # A learner takes a course again by ending one enrolment and opening another: never two.
    rows = db.session.execute(
        select(Enrolment.user_id, Enrolment.course_id, func.count())
        .where(Enrolment.ended_at.is_(None))
        .group_by(Enrolment.user_id, Enrolment.course_id)
        .having(func.count() > 1)
        .order_by(Enrolment.user_id, Enrolment.course_id)
    ).all()
    return [
        f"user {user_id}: {count} open enrolments in course {course_id}"
        for user_id, course_id, count in rows
    ]


def _certificates_per_claim() -> list[str]:
    # Superseded certificates stay verifiable as history; only one may speak for the claim now.
    current = db.session.execute(
        select(Certificate.claim_id, func.count())
        .where(Certificate.status != "superseded")
        .group_by(Certificate.claim_id)
        .having(func.count() > 1)
        .order_by(Certificate.claim_id)
    ).all()
    return [f"claim {claim_id}: {count} current certificates" for claim_id, count in current]


def _revocations() -> list[str]:
    problems: list[str] = []
    certificates = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    by_claim: dict[int, list[Certificate]] = defaultdict(list)
    for certificate in certificates:
        by_claim[certificate.claim_id].append(certificate)
        name = f"certificate {certificate.public_id}"
        if certificate.revoked_at is not None and certificate.status != "revoked":
            problems.append(f"{name}: has a revocation date but is {certificate.status}")
        if certificate.status == "revoked" and certificate.superseded_by_id is not None:
            problems.append(f"{name}: revoked but has a successor")
        if certificate.status == "superseded" and certificate.superseded_by_id is None:
            problems.append(f"{name}: superseded by nothing")
    for claim_id, siblings in sorted(by_claim.items()):
        statuses = {c.status for c in siblings}
        if "revoked" in statuses and "valid" in statuses:
            problems.append(f"claim {claim_id}: a revoked certificate and a valid one")
    return problems


def _claims_without_certificate() -> list[str]:
    claims = db.session.scalars(
        select(CreditClaim.id)
        .where(~select(Certificate.id).where(Certificate.claim_id == CreditClaim.id).exists())
        .order_by(CreditClaim.id)
    ).all()
    return [f"claim {claim_id}: no certificate" for claim_id in claims]


def _missing_completions() -> list[str]:
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(~select(Completion.id).where(Completion.enrolment_id == Enrolment.id).exists())
        .order_by(Enrolment.id)
    ).all()
    return [
        f"enrolment {e.id}: user {e.user_id} met every requirement of course version "
        f"{e.version_id} but has no completion"
        for e in enrolments
        if not eligibility.completion_problems(course_state(e))
    ]


def _duplicate_completions() -> list[str]:
    # One completion per enrolment: a retake is a new enrolment with a completion of its own.
    duplicates = db.session.execute(
        select(Completion.enrolment_id, func.count())
        .group_by(Completion.enrolment_id)
        .having(func.count() > 1)
        .order_by(Completion.enrolment_id)
    ).all()
    return [f"enrolment {enrolment_id}: {count} completions" for enrolment_id, count in duplicates]


def _attempt_numbers() -> list[str]:
    rows = db.session.execute(
        select(
            QuizAttempt.user_id,
            QuizAttempt.page_id,
            QuizAttempt.number,
            QuizAttempt.submitted_at,
            QuizAttempt.reset_at,
        ).order_by(QuizAttempt.user_id, QuizAttempt.page_id, QuizAttempt.number)
    ).all()
    numbers: dict[tuple[int, int], list[int]] = defaultdict(list)
    open_attempts: dict[tuple[int, int], int] = defaultdict(int)
    for user_id, page_id, number, submitted_at, reset_at in rows:
        numbers[(user_id, page_id)].append(number)
        open_attempts[(user_id, page_id)] += submitted_at is None and reset_at is None
    problems: list[str] = []
    for (user_id, page_id), seen in numbers.items():
        if seen != list(range(1, len(seen) + 1)):
            problems.append(
                f"user {user_id}, quiz page {page_id}: attempt numbers "
                f"{', '.join(map(str, seen))} have gaps"
            )
        if open_attempts[(user_id, page_id)] > 1:
            problems.append(
                f"user {user_id}, quiz page {page_id}: "
                f"{open_attempts[(user_id, page_id)]} open attempts"
            )
    return problems


@click.command("verify")
@with_appcontext
def verify_command() -> None:
    """Check that the records keep their invariants; print each violation and exit 1 if any."""
    problems = find_violations()
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("Every record keeps its invariants.")
