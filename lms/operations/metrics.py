"""Prometheus metrics (prometheus-client), served only to a scraper holding LMS_METRICS_TOKEN.

Several gunicorn workers and job workers each count in their own process; with
`PROMETHEUS_MULTIPROC_DIR` set (an empty folder, wiped before each start) they write their
counts there and any one process adds them up when scraped. gunicorn must then call
`child_exit` below when a worker exits (docs/operations.md).

Labels are bounded: an endpoint name (never a path, which carries ids and tokens), a method, a
status code, a job's name.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from huey.signals import SIGNAL_COMPLETE
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.extensions import queue

# Declared once per process (prometheus-client's registry is global, as the process is).
REQUEST_SECONDS = Histogram(
    "lms_http_request_duration_seconds",
    "Time to answer a request, by endpoint.",
    ["endpoint", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUESTS = Counter(
    "lms_http_requests",
    "Requests answered, by endpoint and status.",
    ["endpoint", "method", "status"],
)
SERVER_ERRORS = Counter(
    "lms_http_server_errors", "Requests answered with a 5xx status, by endpoint.", ["endpoint"]
)
JOBS_RUN = Counter("lms_jobs_completed", "Background jobs finished without error.", ["job"])
JOB_FAILURES = Counter("lms_job_failures", "Background job runs that raised an error.", ["job"])
EMAILS_SENT = Counter("lms_emails_sent", "Emails the mail server accepted.")
EMAILS_FAILED = Counter(
    "lms_emails_failed",
    "Emails the mail server did not take: refused for good, or to be tried again.",
    ["reason"],
)
CERTIFICATES_ISSUED = Counter("lms_certificates_issued", "Certificates issued (committed).")
SCHEDULED_RUNS = Counter(
    "lms_scheduled_runs",
    "Scheduled jobs by outcome: ran, or skipped because another worker had run that period.",
    ["job", "outcome"],
)

_NEW_CERTIFICATES = "lms_new_certificates"


class QueueCollector:
    """Report the job queue's backlog when scraped (a gauge no process has to keep updating)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield `lms_jobs_pending`: jobs waiting, and scheduled ones (retries, later sends)."""
        gauge = GaugeMetricFamily(
            "lms_jobs_pending", "Jobs waiting in the queue, by state.", labels=["state"]
        )
        try:
            gauge.add_metric(["queued"], queue.pending_count())
            gauge.add_metric(["scheduled"], queue.scheduled_count())
        except Exception:  # noqa: BLE001 (a queue outage shows as a missing gauge, and in /readyz)
            return
        yield gauge


def child_exit(server: Any, worker: Any) -> None:
    """gunicorn hook: drop an exited worker's live gauges from the multiprocess folder."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        mark_process_dead(worker.pid)


def exposition() -> bytes:
    """Return every metric of every process (multiprocess mode) or of this one."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        counts = generate_latest(registry)
    else:
        counts = generate_latest(REGISTRY)
    backlog = CollectorRegistry()
    backlog.register(QueueCollector())
    return counts + generate_latest(backlog)


def authorised(header: str | None, token: str) -> bool:
    """Tell whether an `Authorization` header carries the metrics bearer token."""
    if not token or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())


def serve_metrics() -> Response:
    """Answer a scrape, or 404 to anyone without the token (the page does not exist for them).

    :raise 404: no `LMS_METRICS_TOKEN` is set, or the request does not carry it.
    """
    if not authorised(request.headers.get("Authorization"), current_app.config["METRICS_TOKEN"]):
        abort(404)
    return Response(exposition(), mimetype=CONTENT_TYPE_LATEST)


def _count_new_certificates(session: Session, flush_context: Any) -> None:
    from lms.certificates.models import Certificate

    new = sum(isinstance(obj, Certificate) for obj in session.new)
    if new:
        session.info[_NEW_CERTIFICATES] = session.info.get(_NEW_CERTIFICATES, 0) + new


def _certificates_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return
    issued = session.info.pop(_NEW_CERTIFICATES, 0)
    if issued:
        CERTIFICATES_ISSUED.inc(issued)


def _certificates_rolled_back(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_NEW_CERTIFICATES, None)


@queue.signal(SIGNAL_COMPLETE)
def _job_done(signal: str, task: Any) -> None:
    JOBS_RUN.labels(task.name).inc()


# After every run, retried or not (Huey's error signal misses runs that ask for a retry, such
# as an email whose mail server is down).
@queue.post_execute(name="lms_metrics_job_failures")
def _job_ran(task: Any, task_value: Any, exc: BaseException | None) -> None:
    if exc is not None:
        JOB_FAILURES.labels(task.name).inc()


def init_app(app: Flask) -> None:
    """Time and count every request by endpoint; count certificates as they are committed."""

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("metrics_started")
        if started is not None:
            endpoint = request.endpoint or "none"  # unknown URLs share one label
            REQUEST_SECONDS.labels(endpoint, request.method).observe(time.perf_counter() - started)
            REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
            if response.status_code >= 500:
                SERVER_ERRORS.labels(endpoint).inc()
        return response

    if not event.contains(Session, "after_flush", _count_new_certificates):
        event.listen(Session, "after_flush", _count_new_certificates)
        event.listen(Session, "after_commit", _certificates_committed)
        event.listen(Session, "after_transaction_end", _certificates_rolled_back)
