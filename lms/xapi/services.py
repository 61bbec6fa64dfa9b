"""xAPI verbs: record statements with the facts they describe, and send them to the store.

Recording runs inside the fact's transaction (flush, never commit): a statement exists exactly
when its fact does. Sending runs in a job or `flask xapi flush` and commits its own short
transactions around each HTTP call; a statement stays pending until the store has it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.certificates.models import Certificate, Completion
from lms.courses.models import CoursePage, CourseVersion
from lms.database import utcnow, writing
from lms.extensions import db
from lms.links import DEVELOPMENT_BASE_URL
from lms.progress.models import Enrolment
from lms.quizzes.models import QuizAttempt
from lms.webinars.models import Webinar
from lms.xapi import statements as st
from lms.xapi.models import XapiStatement

XAPI_VERSION = "1.0.3"
LEASE = timedelta(minutes=5)
MAX_RETRY_DELAY = timedelta(hours=1)


def enabled() -> bool:
    """Return whether a learning record store is configured (else no statement is made)."""
    return bool(current_app.config.get("XAPI_ENDPOINT"))


def site() -> st.Site:
    """Return the site's statement settings, from configuration only (never a request)."""
    config = current_app.config
    home = (config.get("BASE_URL") or DEVELOPMENT_BASE_URL).rstrip("/")
    return st.Site(
        base_iri=(config.get("XAPI_BASE_IRI") or home).rstrip("/"),
        home_page=home,
        platform=config["SITE_NAME"],
    )


def opaque_id(user: User) -> str:
    """Return the learner's stable id in statements: keyed hash of the account id, not the email."""
    key = current_app.config.get("XAPI_ACTOR_KEY") or ""
    if key:
        secret = key.encode()
    else:
        secret = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"lms-xapi-actor"
        ).derive(current_app.config["SECRET_KEY"].encode())
    digest = hmac.new(secret, f"user:{user.id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode().lower()


def record(fact: str, build: Callable[[str], dict[str, Any]]) -> XapiStatement | None:
    """Record the statement `build(statement_id)` for `fact`, once; None when xAPI is off."""
    if not enabled():
        return None
    statement_id = str(uuid.uuid4())
    row = XapiStatement(
        statement_id=statement_id,
        fact=fact,
        body=json.dumps(build(statement_id), sort_keys=True, separators=(",", ":")),
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return None  # this fact already has its statement
    return row


def _version(version: CourseVersion) -> st.Version:
    return st.Version(version.number, version.content_hash)


def _course(where: st.Site, version: CourseVersion) -> dict[str, Any]:
    return st.activity(
        st.course_iri(where, version.course.slug), "course", version.title, version.language
    )


def record_page(enrolment: Enrolment, page: CoursePage, at: datetime) -> None:
    """Record that the learner experienced a lesson (when it is marked complete)."""
    where, version = site(), enrolment.version
    record(
        f"experienced:enrolment:{enrolment.id}:page:{page.id}",
        lambda statement_id: st.statement(
            statement_id,
            st.actor(where, opaque_id(enrolment.user)),
            "experienced",
            st.activity(
                st.page_iri(where, enrolment.course.slug, page.slug),
                "lesson",
                page.title,
                version.language,
            ),
            at,
            context=st.context(
                where,
                language=version.language,
                version=_version(version),
                parent=_course(where, version),
            ),
        ),
    )


def record_attempt(attempt: QuizAttempt) -> None:
    """Record a submitted quiz attempt: each question answered, then passed or failed."""
    where, page = site(), attempt.page
    version = page.version
    language = attempt.language or version.language
    who = st.actor(where, opaque_id(attempt.user))
    quiz_iri = st.page_iri(where, version.course.slug, page.slug)
    at = attempt.submitted_at or utcnow()
    quiz = st.activity(quiz_iri, "assessment", page.title, version.language)
    in_quiz = st.context(where, language=language, version=_version(version), parent=quiz)
    for answer in attempt.answers:
        record(
            f"answered:attempt:{attempt.id}:question:{answer.question_id}",
            lambda statement_id, answer=answer: st.statement(
                statement_id,
                who,
                "answered",
                st.activity(
                    f"{quiz_iri}/questions/{answer.question_id}",
                    "question",
                    answer.question_id,
                    version.language,
                ),
                at,
                result={"success": answer.correct, "completion": True},
                context=in_quiz,
            ),
        )
    graded = page.settings.get("role") != "pretest"  # a pre-test is taken, not passed
    verb = "completed" if not graded else ("passed" if attempt.passed else "failed")
    record(
        f"{verb}:attempt:{attempt.id}",
        lambda statement_id: st.statement(
            statement_id,
            who,
            verb,
            quiz,
            at,
            result=st.score(float(attempt.score or 0), passed=attempt.passed if graded else None),
            context=st.context(
                where,
                language=language,
                version=_version(version),
                parent=_course(where, version),
            ),
        ),
    )


def record_completion(completion: Completion) -> None:
    """Record that the learner completed a course version."""
    where, version = site(), completion.version
    record(
        f"completed:completion:{completion.id}",
        lambda statement_id: st.statement(
            statement_id,
            st.actor(where, opaque_id(completion.user)),
            "completed",
            _course(where, version),
            completion.completed_at,
            result={"completion": True},
            context=st.context(where, language=version.language, version=_version(version)),
        ),
    )


def record_attendance(webinar: Webinar, user: User, minutes: int, at: datetime) -> None:
    """Record that a registrant attended a live webinar (once: the first evidence of it)."""
    where = site()
    record(
        f"attended:webinar:{webinar.id}:user:{user.id}",
        lambda statement_id: st.statement(
            statement_id,
            st.actor(where, opaque_id(user)),
            "attended",
            st.activity(
                st.webinar_iri(where, webinar.slug), "meeting", webinar.title, webinar.language
            ),
            at,
            result={"duration": f"PT{minutes}M"},
            context=st.context(where, language=webinar.language),
        ),
    )


def record_certificate(certificate: Certificate) -> None:
    """Record that the learner earned a certificate for a course or webinar."""
    where = site()
    live = certificate.learning_format == "live-activity"
    what = st.activity(
        st.webinar_iri(where, certificate.course_slug)
        if live
        else st.course_iri(where, certificate.course_slug),
        "meeting" if live else "course",
        certificate.course_title,
        "en",
    )
    record(
        f"earned:certificate:{certificate.id}",
        lambda statement_id: st.statement(
            statement_id,
            st.actor(where, opaque_id(certificate.user)),
            "earned",
            what,
            certificate.issued_at,
            result={
                "completion": True,
                "extensions": {
                    st.extension(where, "certificate-id"): certificate.public_id,
                    st.extension(where, "credit-type"): certificate.credit_type,
                    st.extension(where, "credit-amount"): str(certificate.amount),
                },
            },
            context=st.context(where, language="en"),
        ),
    )


# --- sending ---------------------------------------------------------------------------------


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """Return how long to wait after `attempts` failed sends: `base_seconds`, doubling, <= 1 h."""
    seconds = base_seconds * 2 ** min(max(attempts - 1, 0), 20)
    return min(timedelta(seconds=seconds), MAX_RETRY_DELAY)


def _claim(row_id: int, now: datetime, *, due_only: bool) -> tuple[str, str, int] | None:
    with writing():
        conditions = [
            XapiStatement.id == row_id,
            XapiStatement.sent_at.is_(None),
            or_(XapiStatement.claimed_until.is_(None), XapiStatement.claimed_until < now),
        ]
        if due_only:
            conditions.append(XapiStatement.next_attempt_at <= now)
        claimed = db.session.execute(
            update(XapiStatement)
            .where(*conditions)
            .values(claimed_until=now + LEASE, attempts=XapiStatement.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        row = db.session.get(XapiStatement, row_id, populate_existing=True) if claimed else None
        result = (row.statement_id, row.body, row.attempts) if row is not None else None
        db.session.commit()
    return result


def send(row_id: int, config: Mapping[str, Any], *, due_only: bool = True) -> bool | None:
    """Send one pending statement; True if the store has it, False if it must wait, None if
    there was nothing to send (sent already, or another worker holds it). Commits.

    PUT with the statement's own id: a retry after a lost answer finds it stored (204 or 409),
    so the store keeps exactly one copy.
    """
    claimed = _claim(row_id, utcnow(), due_only=due_only)
    if claimed is None:
        return None
    statement_id, body, attempts = claimed
    error: str | None = None
    try:
        response = requests.put(
            config["XAPI_ENDPOINT"].rstrip("/") + "/statements",
            params={"statementId": statement_id},
            data=body.encode(),
            headers={
                "Content-Type": "application/json",
                "X-Experience-API-Version": XAPI_VERSION,
            },
            auth=(config["XAPI_USERNAME"], config["XAPI_PASSWORD"]),
            timeout=float(config["XAPI_TIMEOUT_SECONDS"]),
        )
        if not (200 <= response.status_code < 300 or response.status_code == 409):
            error = f"HTTP {response.status_code}: {response.text[:300]}"
    except requests.RequestException as failure:
        error = f"{type(failure).__name__}: {failure}"
    now = utcnow()
    values: dict[str, Any] = {"claimed_until": None, "last_error": error and error[:500]}
    if error is None:
        values["sent_at"] = now
    else:
        values["next_attempt_at"] = now + retry_delay(attempts, float(config["XAPI_RETRY_SECONDS"]))
    with writing():
        db.session.execute(
            update(XapiStatement)
            .where(XapiStatement.id == row_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return error is None


def pending_ids(now: datetime | None = None) -> list[int]:
    """Return unsent statements (due at `now`, or all when None) no worker holds, oldest first."""
    moment = now or utcnow()
    query = select(XapiStatement.id).where(
        XapiStatement.sent_at.is_(None),
        or_(XapiStatement.claimed_until.is_(None), XapiStatement.claimed_until < moment),
    )
    if now is not None:
        query = query.where(XapiStatement.next_attempt_at <= now)
    return list(db.session.scalars(query.order_by(XapiStatement.id)))


def counts() -> tuple[int, int]:
    """Return how many statements are sent and how many are pending."""
    sent = db.session.scalar(
        select(func.count()).select_from(XapiStatement).where(XapiStatement.sent_at.is_not(None))
    )
    pending = db.session.scalar(
        select(func.count()).select_from(XapiStatement).where(XapiStatement.sent_at.is_(None))
    )
    return int(sent or 0), int(pending or 0)
