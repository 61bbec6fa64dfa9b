"""Queue a job for each outbox row once the transaction that wrote it commits, and only then.

The row is the promise (written with the event, in the same transaction); the job only hurries
it along. A row whose job was lost is picked up by its domain's periodic sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

logger = logging.getLogger(__name__)

_routes: dict[type, Callable[[int], Any]] = {}
_PENDING = "outbox_rows_pending"


def route(model: type, job: Callable[[int], Any]) -> None:
    """Call `job(row_id)` for each new `model` row after its transaction commits."""
    _routes[model] = job
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _dispatch)
        event.listen(Session, "after_transaction_end", _forget)


def _collect(session: Session, flush_context: Any) -> None:
    for obj in session.new:
        if type(obj) in _routes:
            session.info.setdefault(_PENDING, []).append((type(obj), obj.id))


def _dispatch(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: nothing is committed until the outer transaction is
    for model, row_id in session.info.pop(_PENDING, []):
        try:
            _routes[model](row_id)
        except Exception:
            # The row is safely committed; the sweep sends it.
            logger.exception("Could not queue %s %s; the sweep will retry.", model.__name__, row_id)


def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
