"""A learning path completed again each retraining cycle, and path certificates in a new name."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms import clock
from lms.audit.models import AuditEvent
from lms.certificates.models import Completion
from lms.certificates.services import new_public_id
from lms.courses.models import Course
from lms.database import utcnow
from lms.extensions import db
from lms.paths.models import LearningPath, PathCompletion
from lms.progress import retakes
from lms.progress import services as progress_services
from lms.quizzes.models import QuizAttempt
from tests.served import run_together
from tests.test_certificates import complete
from tests.test_concurrency import fresh
from tests.test_paths import PATH, publish_paths, text_of
from tests.test_quizzes import CME, FRONT_DESK, quiz_page


@pytest.fixture()
def set_clock():
    """Return a function that fixes the application's clock on a day; the clock runs again after."""

    def run(day: date) -> None:
        clock.set_now(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))

    yield run
    clock.set_now(None)


@pytest.fixture()
def path_done(client, auth, make_user, publish, set_clock):
    """A learner who completed the sample path on 20 January 2026, signed in."""
    set_clock(date(2026, 1, 20))
    publish()
    publish_paths()
    learner = make_user(name="Pat Path", profession="physician")
    auth.login_as(learner)
    complete(client, FRONT_DESK)
    complete(client, CME)
    return learner


def completions_of(user_id: int) -> list[PathCompletion]:
    return list(
        db.session.scalars(
            select(PathCompletion)
            .where(PathCompletion.user_id == user_id)
            .order_by(PathCompletion.id)
        )
    )


def retake(client, slug: str) -> None:
    assert client.post(f"/courses/{slug}/start-again").status_code == 302
    complete(client, slug)


def test_a_path_retaken_a_year_later_earns_a_second_certificate_both_kept_and_verifiable(
    client, auth, path_done, set_clock
):
    (first,) = completions_of(path_done.id)
    set_clock(date(2027, 1, 21))
    retake(client, FRONT_DESK)
    assert len(completions_of(path_done.id)) == 1  # one course of two: not yet again
    retake(client, CME)

    first, second = completions_of(path_done.id)
    assert (first.sequence, second.sequence) == (1, 2)
    assert second.certificate_id and second.certificate_id != first.certificate_id
    assert second.completed_at.date() == date(2027, 1, 21)

    page = text_of(client.get("/transcript").get_data(as_text=True))
    assert first.certificate_id in page and second.certificate_id in page
    detail = text_of(client.get(f"/paths/{PATH}").get_data(as_text=True))
    assert second.certificate_id in detail and "Earlier completions of this path" in detail
    assert first.certificate_id in detail
    # Each year's certificate downloads; the latest without naming it.
    for public_id in (first.certificate_id, second.certificate_id):
        pdf = client.get(f"/paths/{PATH}/certificate.pdf?certificate={public_id}")
        assert pdf.status_code == 200 and public_id in pdf.headers["Content-Disposition"]
    latest = client.get(f"/paths/{PATH}/certificate.pdf")
    assert second.certificate_id in latest.headers["Content-Disposition"]
    assert client.get(f"/paths/{PATH}/certificate.pdf?certificate=NOPE").status_code == 404
    auth.logout()
    for completion in (first, second):
        record = client.get(f"/verify/{completion.certificate_id}.json").get_json()
        assert record["status"] == "valid" and record["holder_name"] == "Pat Path"
        assert record["completion_date"] == completion.completed_at.date().isoformat()
        assert "Status: Valid" in text_of(
            client.get(f"/verify/{completion.certificate_id}").get_data(as_text=True)
        )


def test_retaking_only_one_course_of_the_path_completes_it_no_second_time(
    client, path_done, set_clock
):
    set_clock(date(2027, 1, 21))
    retake(client, CME)
    set_clock(date(2027, 3, 1))
    retake(client, CME)  # the same course twice is still one course of two
    assert len(completions_of(path_done.id)) == 1
    path = db.session.scalar(select(LearningPath))
    assert path is not None
    detail = text_of(client.get(f"/paths/{PATH}").get_data(as_text=True))
    assert "Earlier completions" not in detail


def test_a_name_change_reissues_the_path_certificate_and_the_old_id_verifies_as_replaced(
    client, auth, path_done
):
    (old,) = completions_of(path_done.id)
    response = client.post(
        "/account", data={"full_name": "Pat Path-Rivera", "profession": "physician"}
    )
    assert response.status_code in (200, 302)
    db.session.expire_all()
    old, new = completions_of(path_done.id)
    assert old.status == "superseded" and old.superseded_by_id == new.id
    assert (new.status, new.holder_name, new.sequence) == ("valid", "Pat Path-Rivera", 1)
    assert new.certificate_id != old.certificate_id
    assert new.completed_at == old.completed_at
    (event,) = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "certificate.reissued",
            AuditEvent.target_id == old.certificate_id,
        )
    ).all()
    assert event.details["reason"] == "name changed"
    assert event.details["replacement"] == new.certificate_id
    assert (event.details["old_name"], event.details["new_name"]) == ("Pat Path", "Pat Path-Rivera")
    assert event.details["path"] == PATH

    # The transcript and the path page show the current certificate, once.
    page = text_of(client.get("/transcript").get_data(as_text=True))
    assert new.certificate_id in page and old.certificate_id not in page
    pdf = client.get(f"/paths/{PATH}/certificate.pdf")
    assert new.certificate_id in pdf.headers["Content-Disposition"]
    auth.logout()

    verified = text_of(client.get(f"/verify/{old.certificate_id}").get_data(as_text=True))
    assert "Reissued (replaced by a newer certificate)" in verified
    assert "Pat Path" in verified
    # The old id does not lead to the holder's new name, as with a course certificate.
    assert new.certificate_id not in verified and "Pat Path-Rivera" not in verified
    record = client.get(f"/verify/{old.certificate_id}.json").get_json()
    assert record["status"] == "superseded" and record["current_status"] == "valid"
    assert record["reissued_on"] and record["superseded_by"] is None
    renewed = client.get(f"/verify/{new.certificate_id}.json").get_json()
    assert (renewed["status"], renewed["holder_name"]) == ("valid", "Pat Path-Rivera")


def test_a_reissue_in_the_same_name_points_the_old_id_to_the_new_one(client, auth, path_done):
    from lms.certificates.services import reissue_path_certificate

    (old,) = completions_of(path_done.id)
    new = reissue_path_certificate(old, actor=None, reason="printer jam")
    db.session.commit()
    auth.logout()
    record = client.get(f"/verify/{old.certificate_id}.json").get_json()
    assert record["status"] == "superseded" and record["superseded_by"] == new.certificate_id
    verified = text_of(client.get(f"/verify/{old.certificate_id}").get_data(as_text=True))
    assert f"Replaced by {new.certificate_id}" in verified


# --- two courses finishing the path again at once ------------------------------------------

LEARNERS = 4


def completed_a_year_ago(user) -> None:
    """Record the path's first cycle 400 days ago: both courses and the path completed."""
    past = utcnow() - timedelta(days=400)
    for slug in (FRONT_DESK, CME):
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        enrolment = progress_services.enrol(user, course, course.current_version)
        db.session.flush()
        db.session.add(
            Completion(
                user_id=user.id,
                course_id=course.id,
                version_id=course.current_version_id,
                enrolment_id=enrolment.id,
                completed_at=past,
            )
        )
    path = db.session.scalar(select(LearningPath))
    db.session.add(
        PathCompletion(
            user_id=user.id,
            path_id=path.id,
            sequence=1,
            completed_at=past,
            path_title=path.title,
            course_slugs=list(path.course_slugs),
            certificate_id=new_public_id(),
            certificate_title=path.certificate_title,
            holder_name=user.full_name,
            provider_name="Example Institute",
        )
    )
    db.session.flush()


def retaken_but_the_evaluation(user, slug: str) -> str:
    """Start a course again and do all of it but its evaluation; return the evaluation's URL."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    version = course.current_version
    enrolment = retakes.start_again(user, course, version)
    db.session.flush()
    for lesson in [p for p in version.pages if p.kind == "lesson"]:
        progress_services.complete_page(enrolment, lesson)
    for quiz in [p for p in version.pages if p.kind == "quiz"]:
        db.session.add(
            QuizAttempt(
                user_id=user.id,
                enrolment_id=enrolment.id,
                page_id=quiz.id,
                number=1,
                started_at=utcnow(),
                submitted_at=utcnow(),
                score=100,
                passed=True,
                question_order=[],
                option_order={},
            )
        )
        progress_services.complete_assessment(enrolment, quiz)
    evaluation = quiz_page(slug, kind="evaluation")
    return f"/courses/{slug}/evaluation/{evaluation.slug}"


def evaluation_answers(slug: str) -> dict[str, list[int]]:
    evaluation = quiz_page(slug, kind="evaluation")
    return {f"q-{q.id}": [q.options[0].id] for q in evaluation.questions if q.options}


def test_both_courses_finishing_the_path_again_at_once_record_one_new_completion(
    served, make_user, publish
):
    publish()
    publish_paths()
    learners = []
    for _ in range(LEARNERS):
        learner = make_user(profession="physician")
        completed_a_year_ago(learner)
        urls = [retaken_but_the_evaluation(learner, slug) for slug in (FRONT_DESK, CME)]
        learners.append((learner.id, learner.email, urls))
    db.session.commit()
    answers = {slug: evaluation_answers(slug) for slug in (FRONT_DESK, CME)}
    fresh()
    calls = []
    for _, email, (front_desk_url, cme_url) in learners:
        tab = served.browser()
        tab.login(email)
        other = tab.tab()
        calls.append(lambda t=tab, u=front_desk_url: t.post(u, answers[FRONT_DESK]))
        calls.append(lambda t=other, u=cme_url: t.post(u, answers[CME]))
    responses = run_together(calls)

    assert [r.status_code for r in responses] == [302] * len(calls)
    fresh()
    for user_id, *_ in learners:
        courses_done = db.session.scalar(
            select(func.count(Completion.id)).where(Completion.user_id == user_id)
        )
        assert courses_done == 4, f"learner {user_id}: {courses_done} course completions"
        recorded = completions_of(user_id)
        assert [c.sequence for c in recorded] == [1, 2], f"learner {user_id}: {recorded}"
        assert recorded[1].certificate_id


def test_the_personal_data_export_lists_every_completion_of_the_path(client, path_done, set_clock):
    from lms.privacy.export import collect_records, path_completion_row

    set_clock(date(2027, 1, 21))
    retake(client, FRONT_DESK)
    retake(client, CME)
    client.post("/account", data={"full_name": "Pat Path-Rivera", "profession": "physician"})
    db.session.expire_all()
    rows = [path_completion_row(c) for c in collect_records(path_done).path_completions]
    assert [(r["cycle"], r["status"], r["holder_name"]) for r in rows] == [
        (1, "superseded", "Pat Path"),
        (1, "valid", "Pat Path-Rivera"),
        (2, "superseded", "Pat Path"),
        (2, "valid", "Pat Path-Rivera"),
    ]
    assert rows[0]["replaced_by"] == rows[1]["certificate_id"]
