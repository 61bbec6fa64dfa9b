"""xAPI: learning becomes statements in a real learning record store (ralph), with stable
activity ids, the content version, an opaque learner id, and nothing lost while it is down."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select

from lms.courses.models import Course
from lms.extensions import db
from lms.xapi import statements as st
from lms.xapi.models import XapiStatement
from tests.test_certificates import claim, complete, pass_quiz
from tests.test_quizzes import CME, quiz_page

BASE = "https://learn.example.org"
VERB = "http://adlnet.gov/expapi/verbs/"


def rows() -> list[XapiStatement]:
    return list(db.session.scalars(select(XapiStatement).order_by(XapiStatement.id)))


def by_verb(stored: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for statement in stored:
        grouped.setdefault(statement["verb"]["id"].rsplit("/", 1)[1], []).append(statement)
    return grouped


def test_a_learners_course_arrives_in_the_store_as_valid_statements(
    client, auth, make_user, publish, lrs
):
    publish()
    learner = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(learner)
    complete(client)
    claim(client)

    recorded = rows()
    assert recorded and all(row.sent_at is not None for row in recorded)
    # Read back from the store, which accepted each one under the xAPI 1.0.3 rules it enforces.
    stored = [lrs.get(row.statement_id) for row in recorded]
    assert None not in stored
    verbs = by_verb(stored)
    assert {"experienced", "answered", "passed", "completed", "earned"} <= set(verbs)

    version = db.session.scalar(select(Course).where(Course.slug == CME)).current_version
    lessons = [page for page in version.pages if page.kind == "lesson"]
    assert sorted(s["object"]["id"] for s in verbs["experienced"]) == sorted(
        f"{BASE}/courses/{CME}/pages/{page.slug}" for page in lessons
    )
    for statement in stored:
        # Not the email, not the name: an opaque id on the site's configured address.
        assert statement["actor"]["account"]["homePage"] == BASE
        name = statement["actor"]["account"]["name"]
        assert "@" not in name and "Dana" not in name and learner.email not in json.dumps(statement)
    assert len({s["actor"]["account"]["name"] for s in stored}) == 1
    (course_done,) = verbs["completed"]
    assert course_done["object"]["id"] == f"{BASE}/courses/{CME}"
    assert course_done["context"]["revision"] == str(version.number)
    extensions = course_done["context"]["extensions"]
    assert extensions[f"{BASE}/xapi/extensions/content-hash"] == version.content_hash
    quiz = quiz_page(CME)
    (passed,) = verbs["passed"]
    assert passed["object"]["id"] == f"{BASE}/courses/{CME}/pages/{quiz.slug}"
    assert passed["result"]["success"] is True and passed["result"]["score"]["scaled"] == 1
    assert passed["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE}/courses/{CME}"
    assert len(verbs["answered"]) == len(quiz.questions)
    (earned,) = verbs["earned"]
    assert earned["object"]["id"] == f"{BASE}/courses/{CME}"


def test_a_failed_quiz_is_a_failed_statement(client, auth, make_user, publish, lrs):
    publish()
    auth.login_as(make_user(profession="physician"))
    client.post(f"/courses/{CME}/start")
    pass_quiz(client, CME, right=False)
    failed = [lrs.get(row.statement_id) for row in rows() if row.fact.startswith("failed:")]
    assert len(failed) == 1
    assert failed[0]["verb"]["id"] == VERB + "failed"
    assert failed[0]["result"]["success"] is False and failed[0]["result"]["score"]["raw"] == 0


def test_nothing_is_lost_while_the_store_is_down_and_each_arrives_once(
    client, auth, make_user, publish, lrs, runner
):
    publish()
    auth.login_as(make_user(name="Olu Outage", profession="physician"))
    lrs.stop()
    try:
        client.post(f"/courses/{CME}/start")
        page = next(p for p in quiz_page(CME).version.pages if p.kind == "lesson")
        # The learner's requests succeed while the store is unreachable.
        response = client.post(f"/courses/{CME}/learn/{page.slug}/complete")
        assert response.status_code in (200, 302, 303)
        complete(client)
        pending = rows()
        assert pending and all(row.sent_at is None for row in pending)
        assert all("ConnectionError" in (row.last_error or "") for row in pending)
        assert "still waiting" in runner.invoke(args=["xapi", "flush"]).output
    finally:
        lrs.start()

    result = runner.invoke(args=["xapi", "flush"])
    assert f"{len(pending)} statement(s) sent; 0 still waiting." in result.output, result.output
    assert all(row.sent_at is not None for row in rows())
    # A send whose answer was lost (sent, but not marked): sent again, stored once.
    lost = pending[0]
    db.session.execute(
        XapiStatement.__table__.update().where(XapiStatement.id == lost.id).values(sent_at=None)
    )
    db.session.commit()
    assert "1 statement(s) sent" in runner.invoke(args=["xapi", "flush"]).output
    stored_ids = lrs.all_ids()
    for row in pending:
        assert stored_ids.count(row.statement_id) == 1
        assert lrs.get(row.statement_id)["id"] == row.statement_id
    assert "0 pending" in runner.invoke(args=["xapi", "status"]).output


def test_without_a_store_no_statements_are_made(app, client, auth, make_user, publish):
    app.config["XAPI_ENDPOINT"] = ""
    publish()
    auth.login_as(make_user(profession="physician"))
    complete(client)
    assert db.session.scalar(select(func.count()).select_from(XapiStatement)) == 0


def test_activity_ids_come_from_the_configured_base_never_the_request():
    site = st.Site(base_iri="https://learn.example.org/", home_page=BASE, platform="LMS")
    assert st.page_iri(site, "course", "page") == f"{BASE}/courses/course/pages/page"
    statement = st.statement(
        "0b7e7a3c-8f0e-4c59-9d0c-2f0f8f5e2c11",
        st.actor(site, "opaque"),
        "experienced",
        st.activity(st.course_iri(site, "course"), "course", "Curso", "es_US"),
        datetime.fromisoformat("2026-11-30T12:00:00+00:00"),
    )
    assert statement["timestamp"] == "2026-11-30T12:00:00Z"
    assert statement["object"]["definition"]["name"] == {"es-US": "Curso"}
