"""Running the site on many processes and hosts: logs, request ids, metrics, readiness, schedules.

Nothing here is a page a person reads; it is what load balancers, log collectors, Prometheus and
the job worker's scheduler talk to (docs/operations.md).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Count and time requests, log slow queries, check migrations (logs: `logs.init_app`)."""
    from lms.operations import metrics, readiness, slow_queries

    metrics.init_app(app)
    slow_queries.init_app(app)
    readiness.init_app(app)
