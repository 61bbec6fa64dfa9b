"""CME verbs: board-report batches, consent to report, MOC days, deadlines, outside credit.

Every function takes explicit arguments, flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.audit.services import record_event
from lms.certificates.models import Certificate, Completion, CreditClaim
from lms.cme import pars, rules
from lms.cme.models import (
    ExternalCredit,
    MocCreditDay,
    ReportBatch,
    ReportBatchItem,
    ReportCorrection,
)
from lms.courses.models import Course, CourseVersion
from lms.database import utcnow
from lms.extensions import db


class ReportingError(Exception):
    """A board-reporting request that cannot be carried out, said plainly."""


# --- consent --------------------------------------------------------------------------------


def withdraw_consent(user: User) -> bool:
    """Withdraw the learner's consent to report their credit to boards; audited.

    Return False when it was already withdrawn (nothing changes).
    """
    if user.board_consent_withdrawn_at is not None:
        return False
    user.board_consent_withdrawn_at = utcnow()
    record_event(user, "consent.withdrawn", "user", user.id, scope="board reporting")
    db.session.flush()
    return True


def give_consent(user: User) -> bool:
    """Give consent to board reporting again; audited. Return False if nothing changed."""
    if user.board_consent_withdrawn_at is None:
        return False
    user.board_consent_withdrawn_at = None
    record_event(user, "consent.given", "user", user.id, scope="board reporting")
    db.session.flush()
    return True


# --- MOC once per day -----------------------------------------------------------------------


def moc_credited_days(user_id: int, activity_id: str) -> set[date]:
    """Return the completion days on which the learner has MOC credit for this activity."""
    return set(
        db.session.scalars(
            select(MocCreditDay.completed_on).where(
                MocCreditDay.user_id == user_id, MocCreditDay.activity_id == activity_id
            )
        )
    )


def record_moc_day(claim: CreditClaim, activity_id: str | None, completed_on: date) -> None:
    """Hold the diplomate's one MOC credit for this activity and day.

    :raise ReportingError: when they already have it (the unique key decides under races).
    """
    if not activity_id:
        return
    problem = rules.moc_once_per_day_problem(
        moc_credited_days(claim.user_id, activity_id), completed_on
    )
    if problem:
        raise ReportingError(problem)
    try:
        with db.session.begin_nested():
            db.session.add(
                MocCreditDay(
                    user_id=claim.user_id,
                    activity_id=activity_id,
                    completed_on=completed_on,
                    claim_id=claim.id,
                )
            )
    except IntegrityError as error:
        raise ReportingError(str(rules.MSG_MOC_ONCE_PER_DAY)) from error


# --- reportable claims ----------------------------------------------------------------------


def _activity_ids(version_ids: set[int]) -> dict[int, str | None]:
    if not version_ids:
        return {}
    rows = db.session.execute(
        select(CourseVersion.id, CourseVersion.compiled).where(CourseVersion.id.in_(version_ids))
    )
    return {vid: (compiled or {}).get("pars_activity_id") for vid, compiled in rows}


def _revoked(claim_ids: list[int]) -> set[int]:
    """Return which claims' current certificate (the newest not superseded) is revoked."""
    if not claim_ids:
        return set()
    newest = (
        select(func.max(Certificate.id).label("id"))
        .where(Certificate.claim_id.in_(claim_ids), Certificate.status != "superseded")
        .group_by(Certificate.claim_id)
        .subquery()
    )
    return set(
        db.session.scalars(
            select(Certificate.claim_id)
            .join(newest, newest.c.id == Certificate.id)
            .where(Certificate.status == "revoked")
        )
    )


def _reported_claims(layout: str) -> Select:
    return select(ReportBatchItem.claim_id).where(ReportBatchItem.layout == layout)


def _open_corrections(layout: str) -> dict[int, ReportCorrection]:
    return {
        c.claim_id: c
        for c in db.session.scalars(
            select(ReportCorrection).where(
                ReportCorrection.layout == layout, ReportCorrection.batch_id.is_(None)
            )
        )
    }


def pending_claims(layout: pars.Layout) -> list[tuple[pars.ReportableClaim, bool]]:
    """Return the claims the next batch would consider, each with whether it is a correction.

    A claim is pending when no batch of this layout has reported it yet, or when an
    administrator asked for it to be reported again.
    """
    corrections = _open_corrections(layout.key)
    claim_ids = select(CreditClaim.id).where(
        CreditClaim.credit_type.in_(layout.credit_types),
        ~CreditClaim.id.in_(_reported_claims(layout.key)),
    )
    rows = db.session.execute(
        select(CreditClaim, Completion, User)
        .join(Completion, Completion.id == CreditClaim.completion_id)
        .join(User, User.id == CreditClaim.user_id)
        .where((CreditClaim.id.in_(claim_ids)) | (CreditClaim.id.in_(list(corrections) or [0])))
        .order_by(CreditClaim.id)
    ).all()
    activity = _activity_ids({completion.version_id for _, completion, _ in rows})
    slugs = dict(db.session.execute(select(Course.id, Course.slug)).all())
    revoked = _revoked([claim.id for claim, _, _ in rows])
    result = []
    for claim, completion, user in rows:
        result.append(
            (
                pars.ReportableClaim(
                    claim_id=claim.id,
                    learner_id=user.id,
                    full_name=user.full_name,
                    board_id=user.abp_id,
                    npi=user.npi,
                    birth_month=user.birth_month,
                    birth_day=user.birth_day,
                    consent_to_report=claim.consent_to_report,
                    consent_withdrawn=user.board_consent_withdrawn_at is not None,
                    completed_at=completion.completed_at,
                    course_slug=slugs.get(completion.course_id, ""),
                    activity_id=activity.get(completion.version_id),
                    amount=claim.amount,
                    certificate_revoked=claim.id in revoked,
                    credit_type=claim.credit_type,
                    completion_id=completion.id,
                    license_state=user.license_state,
                    license_number=user.license_number,
                ),
                claim.id in corrections,
            )
        )
    return result


@dataclass
class Preview:
    """What the next batch of a layout would hold, and what it would leave out.

    Each row is the claims it reports (one, or a completion's CME and MOC claims in a workbook
    layout), its cells, and whether it reports a correction.
    """

    layout: pars.Layout
    rows: list[tuple[tuple[pars.ReportableClaim, ...], tuple[Any, ...], bool]] = field(
        default_factory=list
    )
    skipped: list[pars.Skipped] = field(default_factory=list)

    def skip(self, claim: pars.ReportableClaim, reason: str) -> None:
        """Leave a claim out of the batch, saying why."""
        self.skipped.append(
            pars.Skipped(
                claim.claim_id, claim.learner_id, claim.full_name, claim.course_slug, reason
            )
        )


def preview_batch(layout: pars.Layout) -> Preview:
    """Return the rows the next batch of `layout` would report, and the claims skipped."""
    preview = Preview(layout)
    pending = pending_claims(layout)
    if layout.workbook:
        corrections = {claim.claim_id for claim, correction in pending if correction}
        by_completion: dict[object, list[pars.ReportableClaim]] = {}
        for claim, _correction in pending:
            by_completion.setdefault(claim.completion_id or -claim.claim_id, []).append(claim)
        for claims in by_completion.values():
            record, left_out = pars.record_skips(claims, layout)
            for claim, reason in left_out:
                preview.skip(claim, reason)
            if record is not None:
                correction = any(c.claim_id in corrections for c in record.claims)
                values = pars.record_values(record, layout)
                preview.rows.append((record.claims, values, correction))
        return preview
    for claim, correction in pending:
        reason = pars.skip_reason(claim, layout)
        if reason is None:
            preview.rows.append(((claim,), pars.row_values(claim, layout), correction))
        else:
            preview.skip(claim, reason)
    return preview


def create_batch(layout: pars.Layout, actor: User | None, *, today: date) -> ReportBatch:
    """Report every pending claim of `layout` in a new batch, keeping the file as made.

    :raise ReportingError: when there is nothing new to report.
    """
    preview = preview_batch(layout)
    if not preview.rows:
        raise ReportingError(_("There is nothing new to report."))
    values = [values for _, values, _ in preview.rows]
    if layout.workbook:
        data = pars.workbook_bytes(values, layout)
    else:
        data = pars.file_bytes(values, layout)
    batch = ReportBatch(
        layout=layout.key,
        created_at=utcnow(),
        created_by_id=actor.id if actor is not None else None,
        row_count=len(preview.rows),
        sha256=hashlib.sha256(data).hexdigest(),
        filename="",
        data=data,
        filters={"skipped": len(preview.skipped)},
    )
    db.session.add(batch)
    db.session.flush()
    batch.filename = layout.filename.format(date=today.isoformat(), batch=batch.id)
    corrections = _open_corrections(layout.key)
    for claims, _values, _correction in preview.rows:
        for claim in claims:
            correction = corrections.get(claim.claim_id)
            db.session.add(
                ReportBatchItem(
                    batch_id=batch.id,
                    claim_id=claim.claim_id,
                    layout=layout.key,
                    correction=correction is not None,
                )
            )
            if correction is not None:
                correction.batch_id = batch.id
    record_event(
        actor,
        "report.batch_created",
        "report_batch",
        batch.id,
        layout=layout.key,
        rows=batch.row_count,
        sha256=batch.sha256,
        skipped=len(preview.skipped),
    )
    db.session.flush()
    return batch


def request_correction(claim: CreditClaim, layout: pars.Layout, actor: User, reason: str) -> None:
    """Ask for an already-reported claim to be reported again in the next batch; audited."""
    reason = reason.strip()
    if not reason:
        raise ReportingError(_("Say what was corrected, for the audit log."))
    reported = db.session.scalar(
        select(
            exists().where(
                ReportBatchItem.claim_id == claim.id, ReportBatchItem.layout == layout.key
            )
        )
    )
    if not reported:
        raise ReportingError(
            _("This record has not been reported yet; the next batch includes it.")
        )
    if claim.id in _open_corrections(layout.key):
        raise ReportingError(_("This record is already waiting to be reported again."))
    db.session.add(
        ReportCorrection(
            claim_id=claim.id,
            layout=layout.key,
            requested_at=utcnow(),
            requested_by_id=actor.id,
            reason=reason,
        )
    )
    record_event(
        actor,
        "report.correction_requested",
        "credit_claim",
        claim.id,
        layout=layout.key,
        reason=reason,
    )
    db.session.flush()


def batches(layout: str | None = None) -> list[ReportBatch]:
    """Return report batches, newest first."""
    query = select(ReportBatch).order_by(ReportBatch.id.desc())
    if layout is not None:
        query = query.where(ReportBatch.layout == layout)
    return list(db.session.scalars(query))


def reported_in(claim_ids: list[int]) -> dict[int, list[ReportBatch]]:
    """Return, per claim, the batches that reported it."""
    found: dict[int, list[ReportBatch]] = {cid: [] for cid in claim_ids}
    if claim_ids:
        for item in db.session.scalars(
            select(ReportBatchItem).where(ReportBatchItem.claim_id.in_(claim_ids))
        ):
            found[item.claim_id].append(item.batch)
    return found


# --- deadlines ------------------------------------------------------------------------------


def due_reports(today: date) -> list[rules.Due]:
    """Return unreported MOC completions due within a week or overdue (consenting learners)."""
    layout = pars.LAYOUTS["abp-moc"]
    unreported = [
        (
            claim.claim_id,
            claim.full_name,
            claim.course_slug,
            claim.completed_at.astimezone(UTC).date(),
        )
        for claim, correction in pending_claims(layout)
        if not correction
        and pars.skip_reason(claim, layout)
        not in (
            pars.SKIP_NO_CONSENT,
            pars.SKIP_CONSENT_WITHDRAWN,
            pars.SKIP_REVOKED,
        )
    ]
    return rules.due_warnings(unreported, today)


# --- credit earned elsewhere ----------------------------------------------------------------

# Labels are lazy, read in the locale of the page or document that shows them; the AMA's
# trademark stays in English.
EXTERNAL_TYPES: dict[str, str] = {
    "ama-pra-1": "AMA PRA Category 1 Credit™",
    "abp-moc-2": _l("ABP MOC Part 2 points"),
    "ancc-contact-hours": _l("ANCC contact hours"),
    "other": _l("Other credit or hours"),
}  # type: ignore[dict-item]


def is_pdf(data: bytes) -> bool:
    """Return whether `data` is a PDF that opens and has at least one page."""
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        return False
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        return len(reader.pages) >= 1 and not reader.is_encrypted
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        return False


def add_external_credit(
    user: User,
    *,
    title: str,
    provider: str,
    completed_on: date,
    credit_type: str,
    amount: Decimal,
    pdf: bytes | None,
    filename: str | None,
) -> ExternalCredit:
    """Record credit the learner earned elsewhere, with their certificate when given."""
    if credit_type not in EXTERNAL_TYPES:
        raise ReportingError(_("Choose a kind of credit from the list."))
    if pdf is not None and not is_pdf(pdf):
        raise ReportingError(_("The certificate must be a PDF file that opens."))
    credit = ExternalCredit(
        user_id=user.id,
        title=title.strip(),
        provider=provider.strip(),
        completed_on=completed_on,
        credit_type=credit_type,
        amount=amount,
        created_at=utcnow(),
        certificate_pdf=pdf,
        certificate_filename=_safe_filename(filename) if pdf is not None else None,
        certificate_sha256=hashlib.sha256(pdf).hexdigest() if pdf is not None else None,
        certificate_size=len(pdf) if pdf is not None else None,
    )
    db.session.add(credit)
    record_event(user, "external_credit.added", "user", user.id, title=credit.title)
    db.session.flush()
    return credit


def delete_external_credit(credit: ExternalCredit, user: User) -> None:
    """Delete one of the learner's own self-reported entries; audited."""
    record_event(user, "external_credit.deleted", "external_credit", credit.id, title=credit.title)
    db.session.delete(credit)
    db.session.flush()


def external_credits(user: User) -> list[ExternalCredit]:
    """Return the learner's self-reported credit, oldest first."""
    return list(
        db.session.scalars(
            select(ExternalCredit)
            .where(ExternalCredit.user_id == user.id)
            .order_by(ExternalCredit.completed_on, ExternalCredit.id)
        )
    )


def _safe_filename(name: str | None) -> str:
    base = (name or "certificate.pdf").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "._- ") else "_" for c in base)
    cleaned = cleaned.strip(" .") or "certificate"
    if not cleaned.lower().endswith(".pdf"):
        cleaned += ".pdf"
    return cleaned[:120]
