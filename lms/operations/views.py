"""`/readyz` for load balancers and `/metrics` for Prometheus: machine-read, never linked."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from lms.operations import metrics, readiness

bp = Blueprint("operations", __name__)


@bp.get("/readyz")
def readyz() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Tell a load balancer whether to send this process traffic: 200 ready, 503 not."""
    checks = readiness.readiness_checks()
    ready = all(check.ok for check in checks)
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    return body, 200 if ready else 503, {"Cache-Control": "no-store"}


@bp.get("/metrics")
def prometheus_metrics() -> Response:
    """Give Prometheus this site's metrics; 404 without the bearer token.

    :raise 404: without `Authorization: Bearer <LMS_METRICS_TOKEN>`.
    """
    response = metrics.serve_metrics()
    response.headers["Cache-Control"] = "no-store"
    return response
