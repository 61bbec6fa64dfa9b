"""Learners take quizzes and evaluations; the server grades, records once and explains."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from lms.courses.models import Course, CoursePage
from lms.extensions import db
from lms.progress.models import PageProgress
from lms.quizzes.models import AttemptAnswer, EvaluationResponse, QuizAttempt

CME = "tic-pediatric-essentials"
FRONT_DESK = "trauma-informed-front-desk"


def quiz_page(slug: str = CME, kind: str = "quiz") -> CoursePage:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    return next(p for p in course.current_version.pages if p.kind == kind)


def right_answers(page: CoursePage) -> dict[str, object]:
    """Return form data answering every question correctly."""
    data: dict[str, object] = {}
    for q in page.questions:
        if q.kind == "short":
            data[f"q-{q.id}"] = f"  {q.answers[0].upper()} "
        elif q.kind in ("single", "multiple"):
            data[f"q-{q.id}"] = [o.id for o in q.options if o.correct]
    return data


def wrong_answers(page: CoursePage) -> dict[str, object]:
    """Return form data answering every question incorrectly."""
    data: dict[str, object] = {}
    for q in page.questions:
        if q.kind == "short":
            data[f"q-{q.id}"] = "not the answer"
        elif q.kind in ("single", "multiple"):
            data[f"q-{q.id}"] = [next(o.id for o in q.options if not o.correct)]
    return data


@pytest.fixture()
def enrolled(client, auth, make_user, publish):
    publish()
    user = make_user(name="Quinn Quiz")
    auth.login_as(user)
    client.post(f"/courses/{CME}/start")
    page = quiz_page()
    client.post(f"/courses/{CME}/learn/{page.slug}/continue")  # past the content note
    return user


def start_attempt(client, page: CoursePage, slug: str = CME) -> str:
    response = client.post(f"/courses/{slug}/quiz/{page.slug}/start")
    assert response.status_code == 302, response.data
    return response.headers["Location"]


# --- before starting ------------------------------------------------------------------------


def test_quiz_page_tells_pass_mark_and_attempts_before_starting(client, enrolled):
    page = quiz_page()
    html = client.get(f"/courses/{CME}/learn/{page.slug}").data.decode()
    assert "Pass mark: 80%." in html
    assert "Attempts allowed: 3 (3 left)." in html
    assert "There is no timer." in html
    assert "Start the quiz" in html


def test_answer_keys_and_feedback_never_reach_the_page_before_submitting(client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    html = client.get(url).data.decode()
    for q in page.questions:
        if q.explanation_html:
            assert q.explanation_html not in html
        for option in q.options:
            if option.feedback_html:
                assert option.feedback_html not in html
        for answer in q.answers:
            assert f'value="{answer}"' not in html
    assert "correct" not in html.lower()


def test_questions_are_accessible_form_controls(client, enrolled):
    url = start_attempt(client, quiz_page())
    page_html = client.get(url).data.decode()
    # The quiz is the page's main content (the footer has the newsletter's own fieldsets).
    html = page_html[page_html.index("<main") : page_html.index("</main>")]
    assert html.count("<fieldset") == len(quiz_page().questions)
    assert html.count("<legend>") == html.count("<fieldset")
    for control in re.findall(r'<input type="(?:radio|checkbox|text)"[^>]*id="([^"]+)"', html):
        assert f'for="{control}"' in html


# --- taking, failing, retrying, passing -----------------------------------------------------


def test_fail_read_feedback_retry_and_pass(client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    response = client.post(url, data=wrong_answers(page))
    assert response.status_code == 302
    result = client.get(url).data.decode()
    assert "You scored 0%" in result
    assert "Not passed this time." in result
    assert "you have 2 attempts left" in result
    first = page.questions[0]
    chosen = next(o for o in first.options if not o.correct)
    if chosen.feedback_html:
        assert chosen.feedback_html in result
    assert first.explanation_html in result
    assert "Correct answer" not in result  # the key is not revealed while attempts remain

    url2 = start_attempt(client, page)
    assert url2 != url
    client.post(url2, data=right_answers(page))
    result = client.get(url2).data.decode()
    assert "You scored 100%" in result and "You passed." in result

    attempts = db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.number)).all()
    assert [(a.number, float(a.score), a.passed) for a in attempts] == [
        (1, 0.0, False),
        (2, 100.0, True),
    ]
    progress = db.session.scalar(select(PageProgress).where(PageProgress.page_id == page.id))
    assert progress.completed_at is not None


def test_every_answer_is_stored_exactly_as_given(client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    data = right_answers(page)
    client.post(url, data=data)
    answers = db.session.scalars(select(AttemptAnswer)).all()
    assert len(answers) == len([q for q in page.questions if q.kind != "text"])
    short = next(q for q in page.questions if q.kind == "short")
    stored = next(a for a in answers if a.question_id == short.id)
    assert stored.response == data[f"q-{short.id}"] and stored.correct


def test_unanswered_questions_are_pointed_out_and_nothing_typed_is_lost(client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    data = right_answers(page)
    skipped = page.questions[1]
    del data[f"q-{skipped.id}"]
    response = client.post(url, data=data)
    html = response.data.decode()
    assert response.status_code == 200
    assert "1 question not answered yet" in html
    short = next(q for q in page.questions if q.kind == "short")
    assert f'value="{data[f"q-{short.id}"]}"' in html  # kept
    assert db.session.scalar(select(QuizAttempt)).submitted_at is None

    client.post(url, data={**data, "submit_anyway": "1"})
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.submitted_at is not None
    assert float(attempt.score) == pytest.approx(
        100 * (len(page.questions) - 1) / len(page.questions), abs=0.01
    )


def test_shuffled_order_is_kept_across_reloads(client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    first = re.findall(r'id="question-(q\d+)"', client.get(url).data.decode())
    again = re.findall(r'id="question-(q\d+)"', client.get(url).data.decode())
    assert first == again
    assert sorted(first) == sorted(q.id for q in page.questions)
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.question_order == first
    # Starting again while the attempt is open returns the same attempt.
    assert start_attempt(client, page) == url


def test_max_attempts_is_enforced_on_the_server(client, enrolled):
    page = quiz_page()
    for _ in range(3):
        url = start_attempt(client, page)
        client.post(url, data=wrong_answers(page))
    response = client.post(f"/courses/{CME}/quiz/{page.slug}/start", follow_redirects=True)
    assert b"You have used all 3 attempts" in response.data
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 3
    result = client.get(url).data.decode()
    assert "Correct answer" in result  # no attempts left: show the key


def test_no_new_attempt_after_passing(client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    client.post(url, data=right_answers(page))
    response = client.post(f"/courses/{CME}/quiz/{page.slug}/start", follow_redirects=True)
    assert b"You have already passed this quiz." in response.data
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_an_attempt_is_graded_against_the_version_it_started_on(
    client, enrolled, publish, tmp_path
):
    import shutil

    page = quiz_page()
    url = start_attempt(client, page)
    copy = tmp_path / "courses"
    shutil.copytree(client.application.config["COURSES_DIR"], copy)
    quiz_file = next((copy / CME).glob("*post-test.md"))
    text = quiz_file.read_text()
    # Republish with the first question's right answer moved to another option.
    quiz_file.write_text(text.replace("- (x)", "- ( )", 1).replace("- ( )", "- (x)", 1))
    report = publish(copy)
    assert any(r.outcome == "published" for r in report.results)

    client.post(url, data=right_answers(page))
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.passed and float(attempt.score) == 100.0
    assert attempt.page_id == page.id


# --- tampering ------------------------------------------------------------------------------


def test_an_option_that_does_not_exist_is_refused_and_nothing_changes(client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    data = right_answers(page)
    single = next(q for q in page.questions if q.kind == "single")
    data[f"q-{single.id}"] = ["zz"]
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert b"Those answers could not be recorded" in response.data
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.submitted_at is None
    assert db.session.scalar(select(func.count(AttemptAnswer.id))) == 0


def test_answering_a_question_not_in_the_attempt_is_refused(client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    response = client.post(url, data={**right_answers(page), "q-q99": "a"})
    assert response.status_code == 400
    assert b"not part of this attempt" in response.data
    assert db.session.scalar(select(QuizAttempt)).submitted_at is None


def test_two_choices_on_a_single_choice_question_are_refused(client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    single = next(q for q in page.questions if q.kind == "single")
    data = {**right_answers(page), f"q-{single.id}": [o.id for o in single.options[:2]]}
    assert client.post(url, data=data).status_code == 400
    assert db.session.scalar(select(QuizAttempt)).submitted_at is None


def test_submitting_after_the_last_allowed_attempt_changes_nothing(client, enrolled):
    page = quiz_page()
    urls = []
    for _ in range(3):
        urls.append(start_attempt(client, page))
        client.post(urls[-1], data=wrong_answers(page))
    response = client.post(urls[-1], data=right_answers(page))
    assert response.status_code == 302
    scores = [float(a.score) for a in db.session.scalars(select(QuizAttempt))]
    assert scores == [0.0, 0.0, 0.0]
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 3


def test_another_learners_attempt_is_404(client, auth, enrolled, make_user):
    page = quiz_page()
    url = start_attempt(client, page)
    auth.logout()
    other = make_user(name="Other Learner")
    auth.login_as(other)
    client.post(f"/courses/{CME}/start")
    assert client.get(url).status_code == 404
    assert client.post(url, data=right_answers(page)).status_code == 404
    assert db.session.scalar(select(QuizAttempt)).submitted_at is None


def test_the_same_attempt_submitted_twice_is_recorded_once(client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    client.post(url, data=right_answers(page))
    again = client.post(url, data=wrong_answers(page), follow_redirects=True)
    assert b"Your answers were already recorded" in again.data
    attempt = db.session.scalar(select(QuizAttempt))
    assert float(attempt.score) == 100.0
    assert db.session.scalar(select(func.count(AttemptAnswer.id))) == len(
        [q for q in page.questions if q.kind != "text"]
    )


def test_twenty_parallel_submissions_record_exactly_one(app, client, enrolled):
    page = quiz_page()
    url = start_attempt(client, page)
    data = {**right_answers(page), "csrf_token": client.csrf_token()}
    cookie = client.get_cookie("session").value
    db.session.commit()
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def submit() -> None:
        browser = app.test_client()
        browser.set_cookie("session", cookie)
        barrier.wait()
        statuses.append(browser.post(url, data=data).status_code)

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * 20
    db.session.expire_all()
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
    assert db.session.scalar(select(func.count(AttemptAnswer.id))) == len(
        [q for q in page.questions if q.kind != "text"]
    )


# --- evaluations ----------------------------------------------------------------------------


def evaluation_answers(page: CoursePage) -> dict[str, object]:
    data: dict[str, object] = {}
    for q in page.questions:
        data[f"q-{q.id}"] = [q.options[0].id] if q.options else "More case studies, please."
    return data


def test_evaluation_is_stored_once_per_learner_and_version(client, enrolled):
    page = quiz_page(kind="evaluation")
    url = f"/courses/{CME}/evaluation/{page.slug}"
    response = client.post(url, data=evaluation_answers(page))
    assert response.status_code == 302
    again = client.post(url, data=evaluation_answers(page), follow_redirects=True)
    assert b"already submitted this evaluation" in again.data
    responses = db.session.scalars(select(EvaluationResponse)).all()
    assert len(responses) == 1
    free_text = next(q for q in page.questions if q.kind == "text")
    assert responses[0].answers[free_text.id] == "More case studies, please."
    html = client.get(f"/courses/{CME}/learn/{page.slug}").data.decode()
    assert "You submitted this evaluation" in html


def test_evaluation_with_an_unknown_choice_is_refused(client, enrolled):
    page = quiz_page(kind="evaluation")
    likert = next(q for q in page.questions if q.options)
    data = {**evaluation_answers(page), f"q-{likert.id}": ["zz"]}
    response = client.post(f"/courses/{CME}/evaluation/{page.slug}", data=data)
    assert response.status_code == 400
    assert db.session.scalar(select(EvaluationResponse)) is None


def test_evaluation_shows_likert_choices_as_radio_buttons(client, enrolled):
    page = quiz_page(kind="evaluation")
    html = client.get(f"/courses/{CME}/learn/{page.slug}").data.decode()
    assert 'type="radio"' in html and "<textarea" in html
    assert "Questions marked required must be answered; the others are optional." in html


def test_an_evaluation_missing_required_answers_is_refused_and_named(client, enrolled):
    page = quiz_page(kind="evaluation")
    html = client.get(f"/courses/{CME}/learn/{page.slug}").data.decode()
    required = [q for q in page.questions if q.required]
    assert required and html.count("(required)") >= len(required)
    url = f"/courses/{CME}/evaluation/{page.slug}"
    empty = client.post(url, data={})
    assert empty.status_code == 400
    assert "Please answer the questions marked required" in empty.data.decode()
    partial = {k: v for k, v in evaluation_answers(page).items() if k != f"q-{required[0].id}"}
    refused = client.post(url, data=partial)
    assert refused.status_code == 400 and required[0].title in refused.data.decode()
    assert db.session.scalar(select(EvaluationResponse)) is None
    assert client.post(url, data=evaluation_answers(page)).status_code == 302


# --- cost per page --------------------------------------------------------------------------


def test_quiz_and_result_pages_run_a_bounded_number_of_queries(client, enrolled, count_queries):
    page = quiz_page()
    url = start_attempt(client, page)
    with count_queries() as taking:
        assert client.get(url).status_code == 200
    client.post(url, data=wrong_answers(page))
    with count_queries() as result:
        assert client.get(url).status_code == 200
    with count_queries() as overview:
        assert client.get(f"/courses/{CME}/learn/{page.slug}").status_code == 200
    assert len(taking) <= 10, "\n".join(taking)
    assert len(result) <= 12, "\n".join(result)
    assert len(overview) <= 12, "\n".join(overview)
