"""Structured logs: one JSON object a line, each with the request's id, and no personal data.

The request id comes from a sane `X-Request-ID` header (a proxy's or load balancer's) or is
made here, is sent back in the response, and is on every line logged while the request runs,
including the access line this module writes itself (so a proxy's or gunicorn's own access log
with its query strings can be turned off). Jobs log with their task's id instead.

Redaction is a safety net, not the rule: code logs ids, never emails, names or tokens; the
filter still rewrites anything that looks like an email address, a token or a query string.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import IO, Any

from flask import Flask, Response, g, request
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators, as load balancers and tracing systems make them; anything
# else (a newline forging a log line, a 10 kB header) is replaced by an id of our own.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=-]{8,128}")

request_id_var: ContextVar[str | None] = ContextVar("lms_request_id", default=None)

access_logger = logging.getLogger("lms.access")

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# The value of every query parameter and of `token`-like path segments: reset, confirmation
# and manage links carry their secret in the URL.
_QUERY_VALUE = re.compile(r"([?&][^=\s&#]+=)[^&\s#\"']+")
# Signed links (itsdangerous), random tokens and hashes: long runs of URL-safe characters in
# mixed case (base64), or longer ones with digits (hex). Job and module names (snake_case),
# migration ids and Huey's task UUIDs stay readable.
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w~=-])"
_RUN = r"(?<![\w~=-])(?!{uuid})(?={look})[\w~=-]{{{least},}}"
_TOKEN = re.compile(
    "|".join(
        [
            _RUN.format(uuid=_UUID, look=r"[\w~=-]*[A-Z])(?=[\w~=-]*[a-z]", least=24),
            _RUN.format(uuid=_UUID, look=r"[\w~=-]*\d", least=32),
        ]
    )
)


def redact(text: str) -> str:
    """Replace email addresses, query-string values and long tokens in `text`."""
    text = _EMAIL.sub("[email]", text)
    text = _QUERY_VALUE.sub(r"\1[redacted]", text)
    return _TOKEN.sub("[token]", text)


def new_request_id(header: str | None) -> str:
    """Return the header's id when it is sane, else a fresh random one."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """Return the id of the request or job being served, if any."""
    return request_id_var.get()


class ContextFilter(logging.Filter):
    """Add the request (or job) id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Stamp `record`; never drop it."""
        record.request_id = request_id_var.get() or "-"
        return True


class _Redacting:
    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        return redact(super().formatException(ei))  # type: ignore[misc]

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 (logging's name)
        return redact(super().formatStack(stack_info))  # type: ignore[misc]


class JsonLogFormatter(_Redacting, JsonFormatter):
    """One JSON object a line: time, level, logger, message, request id (and any extras)."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        """Redact the message (the record itself is left alone for other handlers)."""
        log_data["message"] = redact(str(log_data.get("message", "")))
        return log_data


class TextLogFormatter(_Redacting, logging.Formatter):
    """A readable line for development, with the request id."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        """Redact the message, not the request id: a 32-digit id looks like a token."""
        message = record.message
        record.message = redact(message)
        try:
            return super().formatMessage(record)
        finally:
            record.message = message  # the record is shared with other handlers


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to whatever `sys.stderr` is at the time (gunicorn and test runners replace it)."""

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        pass


JSON_FIELDS = ["asctime", "levelname", "name", "message", "request_id"]


def make_handler(log_format: str, stream: IO[str] | None = None) -> logging.Handler:
    """Return a handler writing `log_format` ("json" or "text") lines to `stream` (stderr)."""
    handler = logging.StreamHandler(stream) if stream else _StderrHandler()
    if log_format == "json":
        handler.setFormatter(
            JsonLogFormatter(
                JSON_FIELDS,
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(
            TextLogFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    handler.addFilter(ContextFilter())
    handler.set_name("lms")
    return handler


def configure(log_format: str, level: str = "INFO", stream: IO[str] | None = None) -> None:
    """Send every logger's records (the app's, gunicorn's, Huey's) through one LMS handler."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == "lms":
            root.removeHandler(handler)
    root.addHandler(make_handler(log_format, stream))
    root.setLevel(level.upper())
    # Flask gives the app's logger ("lms") a plain stderr handler of its own when it is first
    # used: lines would be written twice, once without the JSON and the request id.
    logging.getLogger("lms").removeHandler(default_handler)
    logging.getLogger("lms").setLevel(level.upper())
    # Werkzeug's development access line prints the raw path and query string; ours replaces it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # a line per CSS step otherwise


def _job_started(task: Any) -> None:
    from lms.extensions import queue

    if not queue.immediate:  # immediate (tests): the job runs inside the request, keep its id
        request_id_var.set(f"job-{task.id}")


def _job_finished(task: Any, task_value: Any, exc: BaseException | None) -> None:
    from lms.extensions import queue

    if not queue.immediate:
        request_id_var.set(None)


def init_app(app: Flask) -> None:
    """Log as LOG_FORMAT says; give each request an id (header in and out) and an access line."""
    if app.config["LOG_FORMAT"] and not app.testing:
        configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    from lms.extensions import queue

    # A job's lines carry "job-<task id>", so one run of a job can be followed in the log.
    queue.pre_execute(name="lms_log_job_id")(_job_started)  # by name: registered once
    queue.post_execute(name="lms_log_job_id")(_job_finished)

    @app.before_request
    def _start() -> None:
        g.request_id = new_request_id(request.headers.get(REQUEST_ID_HEADER))
        g.request_token = request_id_var.set(g.request_id)
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
            elapsed = time.perf_counter() - g.request_started
            # The endpoint, not the path: paths carry tokens (reset links) and ids.
            access_logger.info(
                "%s %s %s %.1f ms",
                request.method,
                request.endpoint or "-",
                response.status_code,
                elapsed * 1000,
                extra={
                    "endpoint": request.endpoint or "-",
                    "method": request.method,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
        return response

    @app.teardown_request
    def _forget(error: BaseException | None) -> None:
        token = g.pop("request_token", None)
        if token is not None:
            request_id_var.reset(token)
