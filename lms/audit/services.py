"""Recording audit events."""

from __future__ import annotations

from typing import Any

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.database import utcnow
from lms.extensions import db


def record_event(
    actor: User | None, action: str, target_type: str, target_id: object, **details: Any
) -> AuditEvent:
    """Append an event to the audit log (flushed with the change it describes)."""
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details,
    )
    db.session.add(event)
    return event
