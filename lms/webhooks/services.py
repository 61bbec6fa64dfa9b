"""Webhook verbs: register endpoints, record events for them, deliver, retry and replay.

Recording runs inside the transaction of the event (flush, never commit). Delivering runs in a
job, outside any request, and commits its own short transactions around the HTTP call.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.audit.services import record_event
from lms.database import utcnow, writing
from lms.extensions import db
from lms.sso.vault import decrypt_secret, encrypt_secret
from lms.webhooks import signing
from lms.webhooks.models import EVENT_TYPES, WebhookAttempt, WebhookDelivery, WebhookEndpoint

MAX_URL_LENGTH = 2000
EXCERPT_CHARS = 1000
LEASE = timedelta(minutes=5)
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class WebhookError(Exception):
    """An endpoint that cannot be registered as asked, said kindly."""


def check_url(url: str, *, allow_loopback_http: bool) -> str:
    """Return the endpoint URL as stored; raise WebhookError unless it is an https address."""
    url = (url or "").strip()
    if not url:
        raise WebhookError(_("Enter the endpoint's address."))
    if len(url) > MAX_URL_LENGTH:
        raise WebhookError(
            _("The address is too long (at most %(num)d characters).", num=MAX_URL_LENGTH)
        )
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in url):
        raise WebhookError(_("The address cannot contain spaces or control characters."))
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises ValueError on a port out of range)
    except ValueError as error:
        raise WebhookError(_("Enter the endpoint as a web address.")) from error
    if not host or parts.username or parts.password or parts.fragment:
        raise WebhookError(
            _(
                "Enter the endpoint as a web address without a user name, like https://hr.example.org/hooks."
            )
        )
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and allow_loopback_http and _is_loopback(host):
        return url
    raise WebhookError(_("The endpoint must be an https:// address."))


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_events(events: Iterable[str]) -> list[str]:
    """Return the chosen event types in a fixed order; raise WebhookError if none or unknown."""
    chosen = set(events)
    if not chosen:
        raise WebhookError(_("Choose at least one event."))
    if chosen - set(EVENT_TYPES):
        raise WebhookError(_("Choose events from the list."))
    return [event for event in EVENT_TYPES if event in chosen]


def create_endpoint(
    url: str, description: str, events: list[str], *, actor: User
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; return it and its signing secret (shown once, stored encrypted)."""
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        url=url,
        description=description.strip(),
        events=" ".join(events),
        secret_encrypted=encrypt_secret(secret),
        created_by_id=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    record_event(actor, "webhook.created", "webhook", endpoint.id, url=url, events=events)
    db.session.flush()
    return endpoint, secret


def set_enabled(endpoint: WebhookEndpoint, enabled: bool, *, actor: User) -> None:
    """Turn an endpoint on or off; while off, no new events are recorded for it."""
    endpoint.enabled = enabled
    if enabled:
        record_event(actor, "webhook.enabled", "webhook", endpoint.id, url=endpoint.url)
    else:
        record_event(actor, "webhook.disabled", "webhook", endpoint.id, url=endpoint.url)
    db.session.flush()


def delete_endpoint(endpoint: WebhookEndpoint, *, actor: User) -> None:
    """Delete an endpoint with its deliveries and their attempts."""
    record_event(actor, "webhook.deleted", "webhook", endpoint.id, url=endpoint.url)
    db.session.delete(endpoint)
    db.session.flush()


def record_webhook_event(event_type: str, event_id: str, data: Mapping[str, Any]) -> int:
    """Owe the event to every enabled endpoint that subscribes to it; return how many.

    The unique (endpoint, event id) pair makes a second recording of one event a no-op.
    """
    endpoints = db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))
    ).all()
    body = json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "timestamp": utcnow().isoformat().replace("+00:00", "Z"),
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    recorded = 0
    for endpoint in endpoints:
        if event_type not in endpoint.event_types:
            continue
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id, event_id=event_id, event_type=event_type, body=body
        )
        try:
            with db.session.begin_nested():
                db.session.add(delivery)
        except IntegrityError:
            continue  # already owed to this endpoint
        recorded += 1
    return recorded


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """Return how long to wait after `attempts` failed tries: `base_seconds`, doubling, <= 1 day."""
    return min(
        timedelta(seconds=base_seconds * 2 ** min(max(attempts - 1, 0), 20)), timedelta(days=1)
    )


@dataclass(frozen=True)
class _Claimed:
    id: int
    event_id: str
    url: str
    secret_encrypted: str
    body: str
    attempts: int
    replay: bool


def _claim(delivery_id: int, now: datetime) -> _Claimed | None:
    # A short transaction, ended before the endpoint is called: no lock is held meanwhile.
    with writing():
        claimed = db.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.delivered_at.is_(None),
                WebhookDelivery.failed_at.is_(None),
                WebhookDelivery.next_attempt_at <= now,
                or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
            )
            .values(claimed_until=now + LEASE, attempts=WebhookDelivery.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        row = (
            db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
            if claimed
            else None
        )
        result = None
        if row is not None and row.endpoint.enabled:
            result = _Claimed(
                row.id,
                row.event_id,
                row.endpoint.url,
                row.endpoint.secret_encrypted,
                row.body,
                row.attempts,
                row.replay_requested,
            )
        elif row is not None:
            # Disabled meanwhile: leave it waiting; turning the endpoint on sends it.
            row.claimed_until = None
            row.attempts -= 1
        db.session.commit()
    return result


@dataclass(frozen=True)
class Outcome:
    """What one try at a delivery came to."""

    delivered: bool
    retry_at: datetime | None  # when to try again, if at all


def deliver(delivery_id: int, config: Mapping[str, Any]) -> Outcome | None:
    """Try one due delivery unless it is done or being tried; None if there was nothing to do.

    Commits (it runs in a job). Records the try with the receiver's status and an excerpt of
    its answer; schedules the next try with exponential backoff, or gives up after
    WEBHOOK_MAX_ATTEMPTS.
    """
    claimed = _claim(delivery_id, utcnow())
    if claimed is None:
        return None
    timestamp = int(time.time())
    headers = signing.headers(
        decrypt_secret(claimed.secret_encrypted), claimed.event_id, timestamp, claimed.body
    )
    headers["User-Agent"] = "LMS-Webhooks/1"
    started = time.monotonic()
    status: int | None = None
    excerpt = ""
    error: str | None = None
    try:
        response = requests.post(
            claimed.url,
            data=claimed.body.encode(),
            headers=headers,
            timeout=float(config["WEBHOOK_TIMEOUT_SECONDS"]),
            allow_redirects=False,  # a redirect could take the signed body elsewhere
            stream=True,
        )
        try:
            status = response.status_code
            raw = response.raw.read(EXCERPT_CHARS * 4, decode_content=True) or b""
            excerpt = raw.decode("utf-8", "replace")[:EXCERPT_CHARS]
        finally:
            response.close()
    except requests.RequestException as failure:
        error = f"{type(failure).__name__}: {failure}"[:500]
    duration_ms = int((time.monotonic() - started) * 1000)
    delivered = status is not None and 200 <= status < 300
    now = utcnow()
    retry_at = None
    values: dict[str, Any] = {"claimed_until": None, "replay_requested": False}
    if delivered:
        values.update(delivered_at=now, next_attempt_at=None)
    elif claimed.attempts >= int(config["WEBHOOK_MAX_ATTEMPTS"]):
        values.update(failed_at=now, next_attempt_at=None)
    else:
        retry_at = now + retry_delay(claimed.attempts, float(config["WEBHOOK_RETRY_SECONDS"]))
        values.update(next_attempt_at=retry_at)
    with writing():
        db.session.add(
            WebhookAttempt(
                delivery_id=claimed.id,
                attempted_at=now,
                status_code=status,
                response_excerpt=excerpt,
                duration_ms=duration_ms,
                error=error
                or (None if delivered else _("The receiver answered %(status)s.", status=status)),
                replay=claimed.replay,
            )
        )
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == claimed.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return Outcome(delivered, retry_at)


def due_delivery_ids(now: datetime) -> list[int]:
    """Return the deliveries due for a try that no worker holds, oldest first."""
    return list(
        db.session.scalars(
            select(WebhookDelivery.id)
            .join(WebhookEndpoint)
            .where(
                WebhookEndpoint.enabled.is_(True),
                WebhookDelivery.delivered_at.is_(None),
                WebhookDelivery.failed_at.is_(None),
                WebhookDelivery.next_attempt_at <= now,
                or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
            )
            .order_by(WebhookDelivery.id)
        )
    )


def replay(delivery: WebhookDelivery, *, actor: User) -> None:
    """Send a delivery again now, with the same id and body, whatever became of it before."""
    delivery.delivered_at = None
    delivery.failed_at = None
    delivery.claimed_until = None
    delivery.next_attempt_at = utcnow()
    delivery.replay_requested = True
    # Counted afresh: a replay gets the full number of retries.
    delivery.attempts = 0
    record_event(
        actor, "webhook.replayed", "webhook", delivery.endpoint_id, event=delivery.event_id
    )
    db.session.flush()
