"""Log statements slower than LMS_SLOW_QUERY_MS, without their parameters (personal data)."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger("lms.slow_queries")

_STARTED = "lms_query_started"


def init_app(app: Flask) -> None:
    """Time each statement on the app's engines; 0 (or less) turns the log off."""
    threshold_ms = float(app.config["SLOW_QUERY_MS"] or 0)
    if threshold_ms <= 0:
        return
    from lms.extensions import db

    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        watch(engine, threshold_ms)


def watch(engine: Engine, threshold_ms: float) -> None:
    """Log `engine`'s statements that take longer than `threshold_ms`."""

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        conn.info.setdefault(_STARTED, []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _finish(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        started = conn.info.get(_STARTED)
        if not started:
            return
        elapsed_ms = (time.perf_counter() - started.pop()) * 1000
        if elapsed_ms >= threshold_ms:
            # The statement only: its parameters are names, emails and answers.
            logger.warning(
                "slow query: %.0f ms: %s",
                elapsed_ms,
                " ".join(statement.split())[:2000],
                extra={"duration_ms": round(elapsed_ms, 1)},
            )
