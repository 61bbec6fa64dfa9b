"""Newsletter verbs: subscribe, confirm, unsubscribe, draft and send issues, send course notices.

Services flush and never commit, except the sending loop (`send_batch`), which runs in a job
and commits each delivery on its own so that an interrupted send resumes where it stopped.
"""

from __future__ import annotations

import email.policy
import smtplib
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.certificates.models import Completion
from lms.courses.catalog import audience_for, suits
from lms.courses.editions import edition_for
from lms.courses.models import Course, CourseVersion
from lms.database import utcnow, writing
from lms.extensions import db
from lms.i18n import LANGUAGES, language_for_code, locale_for
from lms.links import external_url
from lms.mail import queue_email
from lms.mail.services import SMTP_TIMEOUT, retry_delay
from lms.newsletter import sources, tokens
from lms.newsletter.models import (
    CourseNotice,
    Delivery,
    DeliveryStatus,
    Issue,
    IssueStatus,
    NoticePreference,
    Status,
    Subscriber,
    Topic,
)

# RFC 5322 allows header lines of 998 characters; the default 78 makes Python encode a long
# URL (which has no space to fold at) as an RFC 2047 word, which no mail client opens as a URL.
HEADER_POLICY = email.policy.SMTP.clone(max_line_length=998)
MAX_ATTEMPTS = 5
DELIVERY_LEASE = timedelta(minutes=5)
ISSUE_LEASE = timedelta(minutes=3)  # longer than one batch (a minute) with room to spare


def normalise_email(email: str) -> str:
    """Return an email address as stored and compared."""
    return email.strip().lower()


def find_subscriber(subscriber_id: int, email: str) -> Subscriber | None:
    """Return the subscriber a token names, if it still exists with that address."""
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.email != email:
        return None
    return subscriber


# --- subscribing ----------------------------------------------------------------------------


def subscribe(
    email: str,
    language: str,
    topics: list[str],
    *,
    source: str,
    consent_text: str,
    now: datetime,
) -> None:
    """Record a wish to subscribe and email the confirmation link (or a reminder to manage).

    The caller shows the same answer whatever happened, so nobody learns who is subscribed:
    a confirmed address is left as it is and its owner gets a link to manage it instead.
    """
    address = normalise_email(email)
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == address))
    if subscriber is None:
        subscriber = Subscriber(email=address, status=Status.PENDING.value)
        _record_consent(subscriber, language, topics, source, consent_text, now)
        try:
            with db.session.begin_nested():
                db.session.add(subscriber)
        except IntegrityError:
            # Someone subscribed the same address at the same moment: theirs stands.
            subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == address))
            if subscriber is None:
                raise
            _send_already(subscriber)
            return
        _send_confirmation(subscriber)
    elif subscriber.is_confirmed:
        _send_already(subscriber)
    else:
        subscriber.status = Status.PENDING.value
        _record_consent(subscriber, language, topics, source, consent_text, now)
        db.session.flush()
        _send_confirmation(subscriber)


def _record_consent(
    subscriber: Subscriber,
    language: str,
    topics: list[str],
    source: str,
    consent_text: str,
    now: datetime,
) -> None:
    subscriber.language = language
    subscriber.topics = sorted(set(topics))
    subscriber.consent_at = now
    subscriber.consent_source = source[:200]
    subscriber.consent_text = consent_text
    subscriber.consent_language = language


def _send_confirmation(subscriber: Subscriber) -> None:
    token = tokens.make_token("confirm", subscriber.id, subscriber.email)
    _queue(
        subscriber,
        _l("Please confirm your subscription"),
        "confirm",
        link=external_url("newsletter.confirm", token=token),
    )


def _send_already(subscriber: Subscriber) -> None:
    _queue(
        subscriber,
        _l("You are already subscribed"),
        "already",
        link=manage_url(subscriber),
    )


def _queue(subscriber: Subscriber, subject: Any, template: str, **context: Any) -> None:
    site = current_app.config["SITE_NAME"]
    with force_locale(locale_for(None, subscriber.language)):
        body = render_template(f"newsletter/email/{template}.txt", site=site, **context)
        queue_email(subscriber.email, f"{subject} – {site}", body)


def manage_url(subscriber: Subscriber) -> str:
    """Return the link that lets a subscriber manage or delete their subscription."""
    return external_url(
        "newsletter.manage", token=tokens.make_token("manage", subscriber.id, subscriber.email)
    )


def unsubscribe_url(subscriber: Subscriber) -> str:
    """Return the one-click unsubscribe link (RFC 8058) for a subscriber."""
    return external_url(
        "newsletter.unsubscribe",
        token=tokens.make_token("unsubscribe", subscriber.id, subscriber.email),
    )


class LinkUnusable(Exception):
    """A confirmation link that no longer applies (the subscription changed since)."""


def confirm(subscriber: Subscriber | None, issued_at: datetime, now: datetime) -> Subscriber:
    """Confirm a pending subscription from its emailed link; confirming twice changes nothing.

    :raise LinkUnusable: the subscription is gone, or was given again (or ended) after the link.
    """
    if subscriber is None:
        raise LinkUnusable()
    if subscriber.is_confirmed:
        return subscriber
    # Timestamps in tokens are whole seconds.
    if subscriber.status != Status.PENDING.value or issued_at < subscriber.consent_at.replace(
        microsecond=0
    ):
        raise LinkUnusable()
    subscriber.status = Status.CONFIRMED.value
    subscriber.confirmed_at = now
    subscriber.unsubscribed_at = None
    db.session.flush()
    return subscriber


def unsubscribe(subscriber: Subscriber | None, now: datetime) -> None:
    """Stop every issue to this subscriber; doing it twice, or for nobody, is fine."""
    if subscriber is None or subscriber.status == Status.UNSUBSCRIBED.value:
        return
    subscriber.status = Status.UNSUBSCRIBED.value
    subscriber.unsubscribed_at = now
    db.session.flush()


def update_preferences(subscriber: Subscriber, language: str, topics: list[str]) -> None:
    """Change the language and topics of a subscription."""
    subscriber.language = language
    subscriber.topics = sorted(set(topics))
    db.session.flush()


def delete_subscriber(subscriber: Subscriber) -> None:
    """Forget a subscriber: the address, the consent and the record of what was sent."""
    db.session.execute(delete(Delivery).where(Delivery.subscriber_id == subscriber.id))
    db.session.delete(subscriber)
    db.session.flush()


def stored_record(subscriber: Subscriber) -> dict[str, Any]:
    """Return everything stored about a subscriber (the deliveries counted, not listed)."""
    sent = db.session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.subscriber_id == subscriber.id,
            Delivery.status == DeliveryStatus.SENT.value,
        )
    )
    return {"subscriber": subscriber, "issues_sent": sent or 0}


def subscriber_counts() -> dict[str, int]:
    """Return how many subscribers are pending, confirmed and unsubscribed."""
    counts = {status.value: 0 for status in Status}
    rows = db.session.execute(
        select(Subscriber.status, func.count()).group_by(Subscriber.status)
    ).all()
    counts.update({status: count for status, count in rows})
    return counts


def subscriber_rows() -> Iterator[list[object]]:
    """Yield the subscriber list for the admin export: a header row, then one row each."""
    yield [
        "email",
        "status",
        "language",
        "topics",
        "consent_at",
        "consent_source",
        "consent_language",
        "consent_text",
        "confirmed_at",
        "unsubscribed_at",
    ]
    for subscriber in db.session.scalars(select(Subscriber).order_by(Subscriber.id)):
        yield [
            subscriber.email,
            subscriber.status,
            subscriber.language,
            " ".join(subscriber.topics),
            subscriber.consent_at,
            subscriber.consent_source,
            subscriber.consent_language,
            subscriber.consent_text,
            subscriber.confirmed_at,
            subscriber.unsubscribed_at,
        ]


# --- issues ---------------------------------------------------------------------------------


class NothingNew(Exception):
    """No source published anything since the last issue."""


def last_period_end(now: datetime, first_issue_days: int) -> datetime:
    """Return when the news of the next issue starts: the end of the last issue sent."""
    last = db.session.scalar(
        select(func.max(Issue.period_end)).where(Issue.status != IssueStatus.DRAFT.value)
    )
    return last or now - timedelta(days=first_issue_days)


def draft_issue(now: datetime, *, first_issue_days: int = 61) -> Issue:
    """Compose an issue from what was published since the last one, one rendering per language.

    Any earlier draft is replaced. :raise NothingNew: when there is nothing to tell.
    """
    since = last_period_end(now, first_issue_days)
    content: dict[str, Any] = {}
    for code, language in LANGUAGES.items():
        items = sources.items_since(since, code)
        with force_locale(language.locale):
            subject = str(_l("What is new at %(site)s", site=current_app.config["SITE_NAME"]))
        content[code] = {"subject": subject, "items": [item.as_dict() for item in items]}
    if not any(part["items"] for part in content.values()):
        raise NothingNew()
    db.session.execute(
        delete(Issue).where(
            Issue.status == IssueStatus.DRAFT.value, ~exists().where(Delivery.issue_id == Issue.id)
        )
    )
    issue = Issue(period_start=since, period_end=now, content=content)
    db.session.add(issue)
    db.session.flush()
    return issue


def issue_language(issue: Issue, language: str) -> str:
    """Return the language of the issue's rendering a reader of `language` gets."""
    return language if language in issue.content else next(iter(issue.content))


@dataclass(frozen=True)
class Rendered:
    """One rendering of an issue: what a subscriber (or the preview) gets."""

    subject: str
    html: str
    text: str


def render_issue(issue: Issue, language: str, subscriber: Subscriber | None = None) -> Rendered:
    """Render an issue in `language`, with the subscriber's own links (or placeholders)."""
    language = issue_language(issue, language)
    part = issue.content[language]
    topics = set(subscriber.topics) if subscriber is not None else None
    items = [item for item in part["items"] if topics is None or item["kind"] in topics]
    context = {
        "issue": issue,
        "items": items,
        "sections": _sections(items),
        "site": current_app.config["SITE_NAME"],
        "archive_url": external_url("newsletter.archive_issue", issue_id=issue.id, lang=language),
        "manage_url": manage_url(subscriber) if subscriber else None,
        "unsubscribe_url": unsubscribe_url(subscriber) if subscriber else None,
    }
    with force_locale(LANGUAGES[language].locale):
        return Rendered(
            subject=part["subject"],
            html=render_template("newsletter/email/issue.html", **context),
            text=render_template("newsletter/email/issue.txt", **context),
        )


SECTION_TITLES = {
    Topic.COURSES.value: _l("New courses"),
    Topic.WEBINARS.value: _l("Upcoming webinars"),
    Topic.RESOURCES.value: _l("New family resources"),
}


def sections(items: list[dict[str, Any]], language: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Return an issue's items grouped by topic, each under its heading in `language`."""
    with force_locale(LANGUAGES[language].locale):
        return [(str(title), group) for title, group in _sections(items)]


def _sections(items: list[dict[str, Any]]) -> list[tuple[Any, list[dict[str, Any]]]]:
    kinds = list(dict.fromkeys([*SECTION_TITLES, *(item["kind"] for item in items)]))
    return [
        (SECTION_TITLES.get(kind, kind), [item for item in items if item["kind"] == kind])
        for kind in kinds
        if any(item["kind"] == kind for item in items)
    ]


def start_sending(issue: Issue, now: datetime) -> bool:
    """Mark a draft for sending; return False if it was already on its way or sent."""
    if issue.status != IssueStatus.DRAFT.value:
        return False
    issue.status = IssueStatus.SENDING.value
    issue.send_started_at = now
    db.session.flush()
    return True


def create_deliveries(issue_id: int) -> int:
    """Add a pending delivery for each confirmed subscriber who wants this issue's news.

    Idempotent: subscribers who already have a delivery row are skipped, and the unique
    (issue, subscriber) pair stops a concurrent run from adding a second one. Commits.
    """
    issue = db.session.get(Issue, issue_id)
    if issue is None:
        return 0
    added = 0
    for language in issue.content:
        topics = issue.topics(language)
        candidates = select(Subscriber.id, Subscriber.topics).where(
            Subscriber.status == Status.CONFIRMED.value,
            Subscriber.language == language,
            ~exists().where(Delivery.issue_id == issue_id, Delivery.subscriber_id == Subscriber.id),
        )
        ids = [sid for sid, wanted in db.session.execute(candidates) if topics & set(wanted)]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            try:
                with writing():
                    db.session.execute(
                        insert(Delivery),
                        [
                            {
                                "issue_id": issue_id,
                                "subscriber_id": sid,
                                "status": DeliveryStatus.PENDING.value,
                                "attempts": 0,
                                "next_attempt_at": utcnow(),
                            }
                            for sid in chunk
                        ],
                    )
                    db.session.commit()
                added += len(chunk)
            except IntegrityError:
                # Another run added some of these at the same moment: add the rest one by one.
                db.session.rollback()
                added += _create_one_by_one(issue_id, chunk)
    return added


def _create_one_by_one(issue_id: int, ids: list[int]) -> int:
    added = 0
    for sid in ids:
        try:
            with writing():
                db.session.add(
                    Delivery(issue_id=issue_id, subscriber_id=sid, next_attempt_at=utcnow())
                )
                db.session.commit()
            added += 1
        except IntegrityError:
            db.session.rollback()
    return added


@dataclass
class BatchResult:
    """What one run of the sending loop did, and whether more is left."""

    sent: int = 0
    failed: int = 0
    retrying: int = 0
    remaining: int = 0
    next_due: datetime | None = None
    busy: bool = False  # another job holds the issue


def _claim_issue(issue_id: int, now: datetime) -> bool:
    with writing():
        claimed = db.session.execute(
            update(Issue)
            .where(
                Issue.id == issue_id,
                Issue.status == IssueStatus.SENDING.value,
                or_(Issue.claimed_until.is_(None), Issue.claimed_until < now),
            )
            .values(claimed_until=now + ISSUE_LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
    return bool(claimed)


def _release_issue(issue_id: int) -> None:
    with writing():
        db.session.execute(
            update(Issue)
            .where(Issue.id == issue_id)
            .values(claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def _claim_deliveries(issue_id: int, now: datetime, count: int) -> list[tuple[int, int, int]]:
    """Take up to `count` due deliveries: [(delivery id, subscriber id, attempts so far)]."""
    lease = now + DELIVERY_LEASE
    with writing():
        ids = list(
            db.session.scalars(
                select(Delivery.id)
                .where(
                    Delivery.issue_id == issue_id,
                    Delivery.status == DeliveryStatus.PENDING.value,
                    Delivery.next_attempt_at <= now,
                    or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
                )
                .order_by(Delivery.id)
                .limit(count)
            )
        )
        if not ids:
            db.session.commit()
            return []
        db.session.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(ids),
                Delivery.status == DeliveryStatus.PENDING.value,
                or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            )
            .values(claimed_until=lease)
            .execution_options(synchronize_session=False)
        )
        rows = db.session.execute(
            select(Delivery.id, Delivery.subscriber_id, Delivery.attempts)
            .where(Delivery.id.in_(ids), Delivery.claimed_until == lease)
            .order_by(Delivery.id)
        ).all()
        # The issue stays held while its copies are being sent, however long the batch takes.
        db.session.execute(
            update(Issue)
            .where(Issue.id == issue_id)
            .values(claimed_until=now + ISSUE_LEASE)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return [(row.id, row.subscriber_id, row.attempts) for row in rows]


def _release_deliveries(ids: list[int]) -> None:
    if not ids:
        return
    with writing():
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.status == DeliveryStatus.PENDING.value)
            .values(claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def _finish_delivery(delivery_id: int, **values: Any) -> None:
    with writing():
        db.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id)
            .values(claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


class Mailer:
    """One SMTP connection reused for a batch of messages (or printing, without a server)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the mail server, connecting first if needed."""
        if not self.config["MAIL_SERVER"]:
            print(
                f"--- newsletter (not sent) to {message['To']}: {message['Subject']}",
                file=sys.stderr,
            )
            return
        if self.smtp is None:
            smtp = smtplib.SMTP(
                self.config["MAIL_SERVER"], int(self.config["MAIL_PORT"]), timeout=SMTP_TIMEOUT
            )
            if self.config["MAIL_USE_TLS"]:
                smtp.starttls()
            if self.config["MAIL_USERNAME"]:
                smtp.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"])
            self.smtp = smtp
        try:
            self.smtp.send_message(message)
        except (OSError, smtplib.SMTPServerDisconnected):
            self.close()
            raise

    def close(self) -> None:
        """Say goodbye to the mail server."""
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None


@contextmanager
def mailer(config: Mapping[str, Any]) -> Iterator[Mailer]:
    """Open a reusable SMTP session for a batch."""
    session = Mailer(config)
    try:
        yield session
    finally:
        session.close()


def build_issue_message(
    issue: Issue, subscriber: Subscriber, delivery_id: int, sender: str
) -> EmailMessage:
    """Build one subscriber's copy: plain text and HTML, with RFC 8058 one-click headers."""
    rendered = render_issue(issue, subscriber.language, subscriber)
    message = EmailMessage(policy=HEADER_POLICY)
    message["From"] = sender
    message["To"] = subscriber.email
    message["Subject"] = rendered.subject
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    # The same on every try, so a copy sent twice after a crash can be recognized by clients.
    message["Message-ID"] = f"<newsletter.{issue.id}.{delivery_id}@{domain}>"
    message["List-Id"] = f"<newsletter.{domain}>"
    # RFC 8058 (https://www.rfc-editor.org/rfc/rfc8058): an HTTPS URI in List-Unsubscribe plus
    # "List-Unsubscribe-Post: List-Unsubscribe=One-Click" lets the mail client unsubscribe with
    # one POST, without the person visiting the site. The URL comes from BASE_URL (lms.links).
    message["List-Unsubscribe"] = f"<{unsubscribe_url(subscriber)}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


def send_batch(
    issue_id: int,
    config: Mapping[str, Any],
    *,
    limit: int,
    per_minute: int,
    clock: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], None] = time.sleep,
) -> BatchResult:
    """Send up to `limit` due copies of an issue, spaced to stay within `per_minute`. Commits.

    Each copy is claimed (committed), sent, then marked sent (committed): a send stopped at
    any point resumes with the copies still pending, and no subscriber gets a second one
    unless the worker dies in the instant between the server's acceptance and the mark
    (the Message-ID then stays the same, see lms.mail.services).
    """
    result = BatchResult()
    if not _claim_issue(issue_id, clock()):
        result.busy = True
        return result
    interval = 60.0 / max(per_minute, 1)
    try:
        issue = db.session.get(Issue, issue_id)
        if issue is None:
            return result
        # Claimed a few seconds' worth at a time: fewer transactions, and short leases.
        chunk = max(1, min(50, per_minute // 12))
        with mailer(config) as session:
            next_slot = time.monotonic()
            stopped = False
            while not stopped and (done := result.sent + result.failed + result.retrying) < limit:
                claimed = _claim_deliveries(issue_id, clock(), min(chunk, limit - done))
                if not claimed:
                    break
                subscribers = {
                    subscriber.id: subscriber
                    for subscriber in db.session.scalars(
                        select(Subscriber).where(Subscriber.id.in_([c[1] for c in claimed]))
                    )
                }
                for position, (delivery_id, subscriber_id, attempts) in enumerate(claimed):
                    subscriber = subscribers.get(subscriber_id)
                    if subscriber is None or not subscriber.is_confirmed:
                        # Unsubscribed since the send began: nothing goes, nothing is retried.
                        _finish_delivery(
                            delivery_id,
                            status=DeliveryStatus.FAILED.value,
                            last_error="unsubscribed",
                        )
                        continue
                    wait = next_slot - time.monotonic()
                    if wait > 0:
                        sleep(wait)
                    next_slot = max(next_slot, time.monotonic()) + interval
                    outcome = _send_one(
                        session, issue, subscriber, delivery_id, attempts + 1, config, clock
                    )
                    setattr(result, outcome, getattr(result, outcome) + 1)
                    if outcome == "retrying":
                        # The server is down or refusing: stop; the job tries again later.
                        _release_deliveries([c[0] for c in claimed[position + 1 :]])
                        stopped = True
                        break
    finally:
        _release_issue(issue_id)
    _finish_if_done(issue_id, clock(), result)
    return result


def _send_one(
    session: Mailer,
    issue: Issue,
    subscriber: Subscriber,
    delivery_id: int,
    attempt: int,
    config: Mapping[str, Any],
    clock: Callable[[], datetime],
) -> str:
    """Send one copy and record the outcome: "sent", "failed" or "retrying"."""
    message = build_issue_message(issue, subscriber, delivery_id, config["MAIL_SENDER"])
    try:
        session.send(message)
    except smtplib.SMTPRecipientsRefused as error:
        _finish_delivery(
            delivery_id,
            status=DeliveryStatus.FAILED.value,
            attempts=attempt,
            last_error=str(error)[:500],
        )
        return "failed"
    except (OSError, smtplib.SMTPException) as error:
        reason = f"{type(error).__name__}: {error}"[:500]
        if attempt >= MAX_ATTEMPTS:
            _finish_delivery(
                delivery_id,
                status=DeliveryStatus.FAILED.value,
                attempts=attempt,
                last_error=reason,
            )
            return "failed"
        delay = retry_delay(attempt, float(config["MAIL_RETRY_SECONDS"]))
        _finish_delivery(
            delivery_id, next_attempt_at=clock() + delay, attempts=attempt, last_error=reason
        )
        return "retrying"
    _finish_delivery(
        delivery_id,
        status=DeliveryStatus.SENT.value,
        sent_at=clock(),
        attempts=attempt,
        last_error=None,
    )
    return "sent"


def _finish_if_done(issue_id: int, now: datetime, result: BatchResult) -> None:
    pending = and_(Delivery.issue_id == issue_id, Delivery.status == DeliveryStatus.PENDING.value)
    result.remaining = db.session.scalar(select(func.count()).where(pending)) or 0
    result.next_due = db.session.scalar(select(func.min(Delivery.next_attempt_at)).where(pending))
    if result.remaining == 0:
        with writing():
            db.session.execute(
                update(Issue)
                .where(Issue.id == issue_id, Issue.status == IssueStatus.SENDING.value)
                .values(status=IssueStatus.SENT.value, sent_at=now)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()


def retry_failed(issue: Issue, now: datetime) -> int:
    """Put an issue's failed copies back in the queue (not those to people who left)."""
    count = db.session.execute(
        update(Delivery)
        .where(
            Delivery.issue_id == issue.id,
            Delivery.status == DeliveryStatus.FAILED.value,
            Delivery.subscriber_id.in_(
                select(Subscriber.id).where(Subscriber.status == Status.CONFIRMED.value)
            ),
        )
        .values(status=DeliveryStatus.PENDING.value, attempts=0, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if count:
        issue.status = IssueStatus.SENDING.value
    db.session.flush()
    return count


def delivery_counts(issue_id: int) -> dict[str, int]:
    """Return how many copies of an issue are pending, sent and failed."""
    rows = db.session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.issue_id == issue_id)
        .group_by(Delivery.status)
    )
    counts = {status.value: 0 for status in DeliveryStatus}
    counts.update({status: count for status, count in rows})
    return counts


# --- "notify me" for signed-in learners ------------------------------------------------------


def notice_preference(user: User) -> NoticePreference | None:
    """Return a learner's course notice preference, if they set one."""
    return db.session.get(NoticePreference, user.id)


def set_notice_preference(
    user: User, *, new_courses: bool, new_versions: bool, now: datetime
) -> NoticePreference:
    """Record which course notices a learner wants; news from now on counts."""
    preference = db.session.get(NoticePreference, user.id)
    if preference is None:
        preference = NoticePreference(user_id=user.id, since=now)
        db.session.add(preference)
    elif not (preference.new_courses or preference.new_versions):
        preference.since = now
    preference.new_courses = new_courses
    preference.new_versions = new_versions
    db.session.flush()
    return preference


def _current_versions() -> list[CourseVersion]:
    return list(
        db.session.scalars(
            select(CourseVersion)
            .join(Course, Course.current_version_id == CourseVersion.id)
            .where(Course.withdrawn_at.is_(None))
        )
    )


def send_course_notices(now: datetime) -> int:
    """Email each learner who asked about each new course or new version, once; return count.

    The unique (learner, version) notice row is written with the email, in one savepoint, so a
    second run (or two at once) sends nothing twice.
    """
    preferences = list(
        db.session.scalars(
            select(NoticePreference).where(
                or_(NoticePreference.new_courses, NoticePreference.new_versions)
            )
        )
    )
    if not preferences:
        return 0
    versions = _current_versions()
    sent = 0
    for preference in preferences:
        user = db.session.get(User, preference.user_id)
        if user is None or not user.active:
            continue
        noticed = set(
            db.session.scalars(
                select(CourseNotice.version_id).where(CourseNotice.user_id == user.id)
            )
        )
        completed = dict(
            db.session.execute(
                select(Completion.course_id, func.max(CourseVersion.number))
                .join(CourseVersion, CourseVersion.id == Completion.version_id)
                .where(Completion.user_id == user.id)
                .group_by(Completion.course_id)
            ).all()
        )
        audience = audience_for(user.profession)
        for version in versions:
            if version.id in noticed or version.published_at <= preference.since:
                continue
            if preference.new_versions and completed.get(version.course_id, version.number) < (
                version.number
            ):
                kind = "new-version"
            elif (
                preference.new_courses
                and version.number == 1
                and version.course_id not in completed
                and suits(version.audience, audience)
            ):
                kind = "new-course"
            else:
                continue
            if _send_notice(user, version, kind, now):
                sent += 1
    return sent


def _send_notice(user: User, version: CourseVersion, kind: str, now: datetime) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add(
                CourseNotice(user_id=user.id, version_id=version.id, kind=kind, sent_at=now)
            )
            db.session.flush()
            locale = locale_for(user)
            language = (language_for_code(locale.split("_")[0]) or LANGUAGES["en"]).code
            words = edition_for(version, language)
            site = current_app.config["SITE_NAME"]
            subject = (
                _l("A new course for you")
                if kind == "new-course"
                else _l("A course you completed has been updated")
            )
            with force_locale(locale):
                body = render_template(
                    "newsletter/email/notice.txt",
                    site=site,
                    kind=kind,
                    name=user.full_name,
                    title=words.title,
                    summary=words.summary,
                    link=external_url("courses.detail", slug=version.course.slug),
                    settings=external_url("newsletter.notices"),
                )
                queue_email(user.email, f"{subject} – {site}", body)
    except IntegrityError:
        return False  # another run sent this one
    return True


def issues_being_sent(now: datetime) -> list[int]:
    """Return issues still being sent that no job holds right now."""
    return list(
        db.session.scalars(
            select(Issue.id).where(
                Issue.status == IssueStatus.SENDING.value,
                or_(Issue.claimed_until.is_(None), Issue.claimed_until < now),
            )
        )
    )
