"""The last course of a path completed by two requests at once records the path once."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.certificates.models import Completion
from lms.courses.models import Course
from lms.extensions import db
from lms.paths.models import PathCompletion
from lms.progress import services as progress_services
from tests.served import run_together
from tests.test_concurrency import PAIRS, fresh, nearly_done
from tests.test_paths import publish_paths
from tests.test_quizzes import FRONT_DESK, quiz_page


def completed_front_desk(user) -> None:
    """Record a completion of the path's first course (how is not the point here)."""
    course = db.session.scalar(select(Course).where(Course.slug == FRONT_DESK))
    enrolment = progress_services.enrol(user, course, course.current_version)
    db.session.flush()
    db.session.add(
        Completion(
            user_id=user.id,
            course_id=course.id,
            version_id=course.current_version_id,
            enrolment_id=enrolment.id,
        )
    )


def test_finishing_the_paths_last_course_in_two_tabs_at_once_completes_the_path_once(
    served, make_user, publish
):
    publish()
    publish_paths()
    evaluation = quiz_page(kind="evaluation")
    answers = {f"q-{q.id}": [q.options[0].id] for q in evaluation.questions if q.options}
    learners = []
    for _ in range(PAIRS):
        learner = make_user(profession="physician")
        completed_front_desk(learner)
        learners.append((learner.id, learner.email, *nearly_done(learner)))
    fresh()
    calls = []
    for _, email, lesson_url, evaluation_url in learners:
        tab = served.browser()
        tab.login(email)
        other = tab.tab()
        calls.append(lambda t=tab, u=lesson_url: t.post(u))
        calls.append(lambda t=other, u=evaluation_url: t.post(u, answers))
    responses = run_together(calls)

    assert [r.status_code for r in responses] == [302] * len(calls)
    fresh()
    for user_id, *_ in learners:
        recorded = db.session.scalars(
            select(PathCompletion).where(PathCompletion.user_id == user_id)
        ).all()
        assert len(recorded) == 1, f"learner {user_id}: {len(recorded)} path completions"
        assert recorded[0].certificate_id
    assert db.session.scalar(select(func.count(PathCompletion.id))) == PAIRS
