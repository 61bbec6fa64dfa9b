"""Reading never writes: every GET route, for every kind of visitor, runs no INSERT/UPDATE/DELETE.

A write per read costs a commit on every page view and, on SQLite, takes the single write lock
that every form post waits for. The test walks the app's URL map, so a route added later is
covered without a line here: it builds each route's URL from VALUES (real ids from the lived-in
site of tests/site_pages.py), and fails for a route whose arguments it cannot fill until the
argument gets a value or the route a reviewed line in SKIP.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

from lms.accounts.models import User
from lms.certificates.models import Certificate, CreditClaim
from lms.chapters.models import Chapter
from lms.courses.models import CoursePage, VersionMedia
from lms.extensions import db
from lms.newsletter.models import Issue
from lms.organizations.models import Assignment, Membership, Organization
from lms.quizzes.models import QuizAttempt
from lms.resources.models import FamilyResource
from lms.sso.models import IdentityProvider
from lms.webhooks.models import WebhookEndpoint
from lms.webinars.models import Webinar
from tests.site_pages import build_site
from tests.test_certificates import version_of
from tests.test_quizzes import CME, FRONT_DESK

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|TRUNCATE|UPSERT)\b", re.IGNORECASE)

# The REST API (/api/v1) is walked too, with the visitor's session cookie, which it ignores:
# every call answers 401 and writes nothing. Calls with a bearer token do write, on purpose and
# outside the view's transaction: one row per request in the token's use log, and its last-use
# time at most once a minute (the issue asks for both); tests/test_api.py checks those rows.
# Routes not walked, each with the reason it was reviewed and left out. Keep this short.
SKIP: dict[str, str] = {}

# GET routes that write on purpose, with the reason. Reviewed: none of them is a page.
# Downloads of personal data leave one audit event each (who took which records, when): the
# download is the action the audit log exists to record, not a side effect of reading.
AUDITED_DOWNLOAD = "a download of personal data is recorded in the audit log"
WRITES_ON_PURPOSE: dict[str, str] = {
    "cme.certificates_archive": AUDITED_DOWNLOAD,
    "exports.download": AUDITED_DOWNLOAD,
}


@contextmanager
def writes_recorded() -> Iterator[list[str]]:
    """Collect every INSERT/UPDATE/DELETE the app's engine runs inside the block."""
    writes: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if WRITE.match(statement):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield writes
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def route_values() -> dict[str, list[Any]]:
    """Return real values for every URL argument name the app's routes use."""
    cme = version_of(CME)
    pages = {page.kind: page for page in reversed(cme.pages)}  # the first page of each kind
    noted = next((p for p in cme.pages if p.content_note and p.kind == "lesson"), pages["lesson"])
    attempt = db.session.scalar(select(QuizAttempt))
    certificate = db.session.scalar(select(Certificate))
    media = db.session.scalar(select(VersionMedia))
    organization = db.session.scalar(select(Organization))
    membership = db.session.scalar(select(Membership))
    assignment = db.session.scalar(select(Assignment))
    claim = db.session.scalar(select(CreditClaim))
    quiz = db.session.scalar(select(CoursePage).where(CoursePage.id == pages["quiz"].id))
    webinar = db.session.scalar(select(Webinar.slug).order_by(Webinar.id))
    resource = db.session.scalar(select(FamilyResource.slug).order_by(FamilyResource.id))

    def some(model: Any) -> list[int]:
        # A real row when the site has one; otherwise an id that answers 404, which still walks
        # the route's code up to its lookup.
        found = db.session.scalar(select(model.id).order_by(model.id))
        return [found if found is not None else 999999]

    return {
        "slug": [
            CME,
            FRONT_DESK,
            webinar or "no-such-webinar",
            resource or "calm-routines",
            "trauma-informed-clinic",  # the sample learning path
        ],
        "page_slug": sorted(
            {pages["lesson"].slug, noted.slug, quiz.slug, pages["evaluation"].slug}
        ),
        "attempt_id": [attempt.id],
        "page_id": [quiz.id, pages["evaluation"].id],
        "public_id": [certificate.public_id],
        "sha256": [media.sha256] if media else ["0" * 64],
        "name": [media.path] if media else ["nothing.png"],
        "organization_id": [organization.id],
        "membership_id": [membership.id],
        "assignment_id": [assignment.id if assignment else 999999],
        "claim_id": [claim.id if claim else 999999],
        "layout_key": ["abp-moc"],
        "batch_id": [999999],
        "credit_id": [999999],
        "token": ["not-a-token"],
        "filename": ["css/site.css"],
        "issue_id": some(Issue),
        "provider_id": some(IdentityProvider),
        "chapter_id": some(Chapter),
        "endpoint_id": some(WebhookEndpoint),
        # A learner: the admin's page for deleting an account on the person's request.
        "user_id": [
            db.session.scalar(select(User.id).where(User.role == "learner").order_by(User.id))
        ],
        "language": ["en", "es"],
        "fmt": ["csv", "xlsx"],
        "webinar_id": some(Webinar),
        "token_id": [999999],
    }


def get_urls(app: Any, values: dict[str, list[Any]]) -> tuple[list[tuple[str, str]], list[str]]:
    """Return (endpoint, url) for every GET route, and the routes no value could build."""
    adapter = app.url_map.bind("localhost")
    urls: list[tuple[str, str]] = []
    unbuildable: list[str] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in SKIP:
            continue
        needed = sorted(rule.arguments - set(rule.defaults or {}))
        missing = [name for name in needed if name not in values]
        if missing:
            unbuildable.append(f"{rule.rule} (no value for {', '.join(missing)})")
            continue
        for combination in itertools.product(*(values[name] for name in needed)):
            built = adapter.build(
                rule.endpoint,
                {**(rule.defaults or {}), **dict(zip(needed, combination, strict=True))},
            )
            urls.append((rule.endpoint, built))
    return list(dict.fromkeys(urls)), unbuildable


@pytest.mark.parametrize("who", ["anonymous", "learner", "manager", "admin", "author"])
def test_no_get_route_writes_to_the_database(app, client, auth, make_user, publish, who):
    site = build_site(client, auth, make_user, publish)
    user = site.users[who]
    if user is not None:
        auth.login_as(user)
    # The learner has a course they only started, too: its first pages are not yet read.
    if who == "learner":
        client.post(f"/courses/{FRONT_DESK}/start")
    values = route_values()
    db.session.rollback()
    urls, unbuildable = get_urls(app, values)
    assert unbuildable == [], (
        "give these URL arguments a value in route_values() or the route a reviewed line in "
        f"SKIP ({__file__}): {unbuildable}"
    )
    assert len(urls) > 40

    offenders = []
    for endpoint, url in urls:
        with writes_recorded() as writes:
            response = client.get(url)
            response.close()  # downloads hold a temporary file until closed
        assert response.status_code < 500, (url, response.status_code)
        if writes and endpoint not in WRITES_ON_PURPOSE:
            offenders.append(f"{url} ({response.status_code}): {writes}")
    assert offenders == [], "GET routes that wrote:\n" + "\n".join(offenders)
