"""Answers on an open attempt are kept as drafts: saved, restored, never graded, never reopened."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from tests.test_quizzes import CME, quiz_page, right_answers, start_attempt


@pytest.fixture()
def enrolled(client, auth, make_user, publish):
    publish()
    user = make_user(name="Dana Draft")
    auth.login_as(user)
    client.post(f"/courses/{CME}/start")
    client.post(f"/courses/{CME}/learn/{quiz_page().slug}/continue")  # past the content note
    return user


def first_choice_answer(page) -> tuple[str, str]:
    question = next(q for q in page.questions if q.kind == "single")
    return f"q-{question.id}", question.options[0].id


def test_save_and_leave_keeps_the_answers_ungraded_and_shows_them_on_return(client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    key, option = first_choice_answer(page)
    response = client.post(url, data={key: option, "save_and_leave": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my-learning")
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.submitted_at is None and attempt.score is None
    assert attempt.draft_answers == {key.removeprefix("q-"): [option]}
    assert db.session.scalar(select(func.count(AttemptAnswer.id))) == 0
    html = client.get(url).data.decode()
    assert f'id="{key}-{option}" value="{option}" checked' in html


def test_the_autosave_endpoint_saves_and_refuses_after_submission(client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    key, option = first_choice_answer(page)
    saved = client.post(url + "/draft", data={key: option})
    assert saved.status_code == 200 and "saved_at" in saved.get_json()
    client.post(url, data=right_answers(page))
    late = client.post(url + "/draft", data={key: option})
    assert late.status_code == 409
    attempt = db.session.scalar(select(QuizAttempt))
    assert float(attempt.score) == 100.0
    assert attempt.draft_answers is None


def test_drafts_refuse_unknown_questions_and_choices_without_a_500(client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    key, _ = first_choice_answer(page)
    assert client.post(url + "/draft", data={"q-nope": "a"}).status_code == 400
    assert client.post(url + "/draft", data={key: "no-such-option"}).status_code == 400
    assert db.session.scalar(select(QuizAttempt)).draft_answers is None


def test_another_learners_draft_endpoint_is_404(client, auth, enrolled, make_user):
    page = quiz_page()
    url = start_attempt(client, page)
    auth.logout()
    other = make_user(name="Other Drafter")
    auth.login_as(other)
    client.post(f"/courses/{CME}/start")
    key, option = first_choice_answer(page)
    assert client.post(url + "/draft", data={key: option}).status_code == 404
    assert db.session.scalar(select(QuizAttempt)).draft_answers is None
