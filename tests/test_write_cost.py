"""What recording progress costs the database: "mark complete" and a quiz submission.

Counts, not timings (timings are in bench/ and docs/performance.md). The version's pages,
quiz questions and credits come from memory (lms.courses.outline.version_pages), and nothing
is read only to decide that nothing needs doing. PostgreSQL runs one statement more each: the
enrolment's row lock (lms.progress.services.lock_enrolment); SQLite's form posts already run
one at a time.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.certificates.models import Completion
from lms.extensions import db
from lms.progress.models import PageProgress
from lms.quizzes.grading import GRADERS
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from tests.test_quizzes import CME, quiz_page, right_answers, start_attempt
from tests.test_reader import lesson_slugs


@pytest.fixture()
def enrolled(client, auth, make_user, publish):
    """Return a learner who started the CME course and passed the quiz's content note."""
    publish()
    user = make_user(name="Wren Writer")
    auth.login_as(user)
    client.post(f"/courses/{CME}/start")
    client.post(f"/courses/{CME}/learn/{quiz_page().slug}/continue")
    return user


def _lock() -> int:
    return int(db.engine.dialect.name == "postgresql")


def _reads_of(table: str, statements: list[str]) -> list[str]:
    return [sql for sql in statements if f"FROM {table}" in sql]


def test_marking_a_lesson_complete_runs_a_bounded_number_of_statements(
    client, enrolled, count_queries
):
    lessons = lesson_slugs(CME)
    client.post(f"/courses/{CME}/learn/{lessons[0]}/complete", data={"seconds": "30"})
    with count_queries() as statements:
        response = client.post(
            f"/courses/{CME}/learn/{lessons[1]}/complete", data={"seconds": "30"}
        )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/learn/{lessons[2]}")
    # The person, the enrolment; the page's progress row (none yet: read, inserted, read);
    # the place and the row written; the completed pages. Required lessons are left, so no
    # completion is looked for, and the version's pages come from memory.
    assert len(statements) <= 8 + _lock(), "\n".join(statements)
    assert not _reads_of("course_pages", statements), "\n".join(statements)
    assert not _reads_of("course_versions", statements), "\n".join(statements)
    assert not _reads_of("completions", statements), "\n".join(statements)
    assert not [sql for sql in statements if "FROM users" in sql][1:], "the user read twice"


def test_completing_the_last_lesson_judges_completion_in_a_few_statements(
    client, enrolled, count_queries
):
    lessons = lesson_slugs(CME)
    for lesson in lessons[:-1]:
        client.post(f"/courses/{CME}/learn/{lesson}/complete")
    with count_queries() as statements:
        response = client.post(f"/courses/{CME}/learn/{lessons[-1]}/complete")
    assert response.status_code == 302
    # As above, then the completion looked for and the quizzes passed and evaluation sent
    # (one statement); the version's credits come from memory.
    assert len(statements) <= 10 + _lock(), "\n".join(statements)
    assert not _reads_of("course_pages", statements), "\n".join(statements)
    assert not _reads_of("course_versions", statements), "\n".join(statements)
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 0  # quiz not passed


def test_a_quiz_submission_runs_a_bounded_number_of_statements(client, enrolled, count_queries):
    page = quiz_page()
    answered = right_answers(page)
    client.post(f"/courses/{CME}/learn/{lesson_slugs(CME)[0]}/complete")  # the version read once
    url = start_attempt(client, page)
    with count_queries() as statements:
        response = client.post(url, data=answered)
    assert response.status_code == 302
    # The person, the enrolment, the attempt; the guarded UPDATE and one
    # INSERT of every answer; the quiz page's progress row read and written with the place;
    # the completed pages. No quiz page row or questions read (they come from memory), no
    # refresh of the attempt, nothing read for an xAPI statement when no store is set.
    assert len(statements) <= 9 + _lock(), "\n".join(statements)
    assert not _reads_of("course_pages", statements), "\n".join(statements)
    assert not _reads_of("attempt_answers", statements), "\n".join(statements)
    assert len(_reads_of("quiz_attempts", statements)) == 1, "\n".join(statements)
    assert not [sql for sql in statements if "FROM users" in sql][1:], "the user read twice"
    attempt = db.session.scalars(select(QuizAttempt)).one()
    assert attempt.passed and attempt.submitted_at is not None
    answers = db.session.scalar(select(func.count()).select_from(AttemptAnswer))
    assert answers == len([q for q in page.questions if q.kind in GRADERS])
    row = db.session.scalar(select(PageProgress).where(PageProgress.page_id == page.id))
    assert row.completed_at is not None


def test_the_signed_in_response_to_a_form_post_is_still_not_stored(client, enrolled):
    lessons = lesson_slugs(CME)
    response = client.post(f"/courses/{CME}/learn/{lessons[0]}/complete")
    assert response.headers["Cache-Control"] == "no-store"
