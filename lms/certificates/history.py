"""A certificate's history for administrators: every id, name, date and reason of its claim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate
from lms.extensions import db

EVENT_LABELS = {"certificate.reissued": _l("Reissued"), "certificate.revoked": _l("Revoked")}


@dataclass(frozen=True)
class HistoryEntry:
    """One thing that happened to a certificate of a claim: issued, reissued or revoked."""

    at: datetime
    what: str
    certificate_id: str
    holder_name: str
    reason: str | None = None
    actor: str | None = None
    replacement_id: str | None = None
    new_name: str | None = None


def certificate_history(certificate: Certificate) -> list[HistoryEntry]:
    """Return what happened to every certificate of the same claim, oldest first."""
    certificates = db.session.scalars(
        select(Certificate)
        .where(Certificate.claim_id == certificate.claim_id)
        .order_by(Certificate.issued_at, Certificate.id)
    ).all()
    names = {c.public_id: c.holder_name for c in certificates}
    # A replacement's issue is told by the reissue that made it, with both names.
    replacements = {c.superseded_by_id for c in certificates}
    entries = [
        HistoryEntry(c.issued_at, _("Issued"), c.public_id, c.holder_name)
        for c in certificates
        if c.id not in replacements
    ]
    events = db.session.scalars(
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(
            AuditEvent.target_type == "certificate",
            AuditEvent.target_id.in_(names),
            AuditEvent.action.in_(EVENT_LABELS),
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    for event in events:
        details = event.details or {}
        entries.append(
            HistoryEntry(
                at=event.at,
                what=str(EVENT_LABELS[event.action]),
                certificate_id=event.target_id,
                # Older events did not record the name; the certificate still prints it.
                holder_name=details.get("old_name") or names[event.target_id],
                reason=details.get("reason"),
                actor=event.actor.full_name if event.actor is not None else None,
                replacement_id=details.get("replacement"),
                new_name=details.get("new_name") or names.get(details.get("replacement", "")),
            )
        )
    return sorted(entries, key=lambda e: e.at)
