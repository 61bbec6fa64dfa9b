"""Prometheus metrics: only for a scraper with the token, named as documented, bounded labels."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from tests.test_certificates import claim, complete, physician  # noqa: F401 (fixture)

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture()
def app_config(app_config):
    return {**app_config, "METRICS_TOKEN": TOKEN}


def scrape(client) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return response.data.decode()


def sample(text: str, name: str, **labels: str) -> float:
    """Return one sample's value (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = rf"^{re.escape(name)}(?:\{{{re.escape(wanted)}\}})? (\S+)$" if labels else None
    for line in text.splitlines():
        if labels and re.match(pattern, line):
            return float(line.rsplit(" ", 1)[1])
        if not labels and line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"X-Forwarded-For": "::1"}],
)
def test_metrics_are_not_public(client, headers):
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 404
    assert b"lms_http" not in response.data


def test_without_a_configured_token_nobody_gets_metrics(app, client):
    app.config["METRICS_TOKEN"] = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_requests_are_timed_and_counted_per_endpoint_not_per_path(client):
    before = scrape(client)
    client.get("/healthz")
    client.get("/courses/no-such-course")
    client.get("/no/such/page/12345")
    text = scrape(client)
    label = {"endpoint": "main.healthz", "method": "GET"}
    assert sample(text, "lms_http_request_duration_seconds_count", **label) == 1 + sample(
        before, "lms_http_request_duration_seconds_count", **label
    )
    assert 'lms_http_requests_total{endpoint="main.healthz",method="GET",status="200"}' in text
    assert 'endpoint="none",method="GET",status="404"' in text
    # Paths never become labels. (Only label values are looked at: a sample's timestamp such as
    # 1796123450.99 can hold "12345" itself.)
    labels = " ".join(re.findall(r'="([^"]*)"', text))
    assert "no-such-course" not in labels and "12345" not in labels
    for name in ["lms_http_server_errors_total", "lms_jobs_pending", "lms_emails_sent_total"]:
        assert f"# TYPE {name.removesuffix('_total')}" in text, name
    assert 'lms_jobs_pending{state="queued"}' in text


def test_server_errors_are_counted(app, client):
    @app.get("/_boom")
    def _boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer 500, as in production
    before = sample(scrape(client), "lms_http_server_errors_total", endpoint="_boom")
    assert client.get("/_boom").status_code == 500
    after = sample(scrape(client), "lms_http_server_errors_total", endpoint="_boom")
    assert after == before + 1


def test_emails_and_certificates_are_counted(client, physician, mailbox):  # noqa: F811
    before = scrape(client)
    complete(client)
    assert claim(client).status_code == 302
    assert db.session.scalar(select(Certificate)) is not None
    client.post("/reset", data={"email": "someone.else@example.org"})  # no account: no email
    client.post("/logout")
    client.post("/reset", data={"email": physician.email})
    text = scrape(client)
    assert sample(text, "lms_certificates_issued_total") == 1 + sample(
        before, "lms_certificates_issued_total"
    )
    sent = len(mailbox.messages)
    assert sent >= 1
    assert sample(text, "lms_emails_sent_total") >= sample(before, "lms_emails_sent_total") + sent
    assert sample(text, "lms_jobs_completed_total", job="send_email_job") >= sent


def test_a_mail_server_outage_counts_failed_emails_and_failed_jobs(app, client):
    from tests.conftest import free_port

    app.config["MAIL_PORT"] = free_port()  # nothing listens: every send fails, to be retried
    before = scrape(client)
    client.post("/reset", data={"email": "nobody.here@example.org"})
    client.post(
        "/signup",
        data={
            "email": "new.person@example.org",
            "full_name": "New Person",
            "profession": "physician",
            "password": "a long enough phrase",
        },
    )
    text = scrape(client)
    assert sample(text, "lms_emails_failed_total", reason="retry") == 1 + sample(
        before, "lms_emails_failed_total", reason="retry"
    )
    assert sample(text, "lms_job_failures_total", job="send_email_job") == 1 + sample(
        before, "lms_job_failures_total", job="send_email_job"
    )
