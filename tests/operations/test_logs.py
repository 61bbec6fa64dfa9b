"""Request ids travel through the logs, and no log line names a learner or carries a token."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.operations import logs
from tests.test_certificates import claim, complete

SIGNUP = {
    "email": "Rosa.Quintero@Example.org",
    "full_name": "Rosa Quintero-Velasco",
    "profession": "physician",
    "password": "a long enough phrase",
}


@pytest.fixture()
def log_lines():
    """Capture every logger's records, at DEBUG, as the production JSON handler writes them."""
    stream = io.StringIO()
    handler = logs.make_handler("json", stream)
    raw = RawMessages()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "lms", "werkzeug")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(raw)  # before the JSON handler redacts: what the code itself logs
    root.addHandler(handler)
    try:
        yield Captured(stream, raw)
    finally:
        root.removeHandler(handler)
        root.removeHandler(raw)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


class RawMessages(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("mail.log"):
            return  # the test's SMTP server (aiosmtpd), standing in for the mail provider
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.messages.append(text)


class Captured:
    def __init__(self, stream: io.StringIO, raw: RawMessages) -> None:
        self.stream, self.raw = stream, raw

    def lines(self) -> list[dict]:
        lines = [json.loads(line) for line in self.stream.getvalue().splitlines()]
        return [line for line in lines if not line["logger"].startswith("mail.log")]


def test_a_sane_request_id_is_kept_returned_and_on_every_line(client, log_lines):
    response = client.get("/support", headers={"X-Request-ID": "lb-7f3a9c21-0001"})
    assert response.headers["X-Request-ID"] == "lb-7f3a9c21-0001"
    [access] = [line for line in log_lines.lines() if line["logger"] == "lms.access"]
    assert access["request_id"] == "lb-7f3a9c21-0001"
    assert access["endpoint"] == "main.support"
    assert access["status"] == 200
    assert {"time", "level", "message"} <= access.keys()


@pytest.mark.parametrize("header", ["x", "a" * 200, "id with spaces", "line\\nforged"])
def test_an_insane_request_id_is_replaced(client, header):
    response = client.get("/healthz", headers={"X-Request-ID": header})
    assert response.headers["X-Request-ID"] != header
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_each_request_gets_its_own_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    assert client.get("/healthz").headers["X-Request-ID"] != first


def test_lines_logged_by_the_code_carry_the_request_id(app, client, log_lines):
    @app.get("/_log_something")
    def _log_something():
        logging.getLogger("lms.test").warning("something happened")
        return "ok"

    client.get("/_log_something", headers={"X-Request-ID": "req-12345678"})
    [line] = [line for line in log_lines.lines() if line["logger"] == "lms.test"]
    assert line["request_id"] == "req-12345678"
    assert line["message"] == "something happened"


def test_the_redaction_net_catches_emails_tokens_and_query_strings():
    text = logs.redact(
        "sent to ana@example.org: /reset/IjEyMyI.Zx9aQw.kP3m2b7QbX1nYc8dRf5-Tg_hq?next=/x&t=abc"
    )
    assert "ana@example.org" not in text
    assert "kP3m2b7QbX1nYc8dRf5" not in text  # the signature: what makes the link work
    assert "abc" not in text
    assert "[email]" in text


def test_a_full_learner_path_logs_no_email_name_or_token(client, mailbox, publish, log_lines):
    publish()
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 302
    link = mailbox.last_link("rosa.quintero@example.org")
    confirm = link.split("localhost", 1)[1]
    client.get(confirm)
    client.post(confirm)
    client.post("/logout")
    # Sign in again, with a wrong password first (a log-worthy event).
    client.post("/login", data={"email": SIGNUP["email"], "password": "not the password"})
    response = client.post(
        "/login", data={"email": SIGNUP["email"], "password": SIGNUP["password"]}
    )
    assert response.status_code == 302
    complete(client)
    assert claim(client).status_code == 302
    certificate = db.session.scalar(select(Certificate))
    assert client.get(f"/certificates/{certificate.public_id}.pdf").status_code == 200
    assert client.get(f"/verify/{certificate.public_id}").status_code == 200
    # Password reset: its link carries a token.
    client.post("/logout")
    client.post("/reset", data={"email": SIGNUP["email"]})
    reset_link = mailbox.last_link("rosa.quintero@example.org")
    client.get(reset_link.split("localhost", 1)[1] + "?utm=x")

    token = confirm.rstrip("/").rsplit("/", 1)[-1]
    reset_token = reset_link.rstrip("/").rsplit("/", 1)[-1]
    forbidden = [
        "rosa.quintero",
        "Rosa",
        "Quintero",
        SIGNUP["password"],
        "not the password",
        token,
        reset_token,
    ]
    lines = log_lines.lines()
    assert sum(line["logger"] == "lms.access" for line in lines) > 20  # the path was logged
    for text in [*log_lines.raw.messages, *map(json.dumps, lines)]:
        for secret in forbidden:
            assert secret.lower() not in text.lower(), (secret, text[:300])


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_both_formats_redact_the_message_and_the_traceback(log_format):
    stream = io.StringIO()
    logger = logging.getLogger("lms.test.formats")
    handler = logs.make_handler(log_format, stream)
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("no account for pat@example.org")
        except ValueError:
            logger.exception("lookup failed for %s", "pat@example.org")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "lookup failed for [email]" in output
    assert "ValueError: no account for [email]" in output.replace("\\n", "\n")
    assert "pat@example.org" not in output


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_both_formats_keep_the_request_id_readable(client, log_format):
    # The id is what ties a person's report to the lines; the redaction net must not eat it.
    stream = io.StringIO()
    handler = logs.make_handler(log_format, stream)
    root, app_logger = logging.getLogger(), logging.getLogger("lms")
    levels = root.level, app_logger.level
    root.setLevel(logging.INFO)
    app_logger.setLevel(logging.INFO)
    root.addHandler(handler)
    try:
        request_id = client.get("/healthz").headers["X-Request-ID"]
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        app_logger.setLevel(levels[1])
    assert len(request_id) >= 32
    assert request_id in stream.getvalue()
