"""Authors and admins read quiz results, item analysis, evaluations and knowledge gain."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from lms.courses.models import Course
from lms.extensions import db
from tests.test_quizzes import CME, quiz_page, right_answers, wrong_answers

PRETEST = """---
title: Pre-test
kind: quiz
role: pretest
---

See what you already know. This does not count towards passing.

## Which principle is about predictability and clear explanations?

- ( ) Peer support
- (x) Trustworthiness and transparency
"""


def take(client, auth, user, slug, page, data):
    auth.login_as(user)
    client.post(f"/courses/{slug}/start")
    url = client.post(f"/courses/{slug}/quiz/{page.slug}/start").headers["Location"]
    client.post(url, data=data)
    auth.logout()


@pytest.fixture()
def results_url(publish):
    publish()
    return f"/courses/{CME}/results"


@pytest.mark.parametrize(("role", "status"), [("learner", 403), ("author", 200), ("admin", 200)])
def test_results_are_for_authors_and_admins(client, auth, make_user, results_url, role, status):
    auth.login_as(make_user(role=role))
    assert client.get(results_url).status_code == status
    page_url = f"{results_url}/{quiz_page().id}"
    assert client.get(page_url).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, results_url):
    assert client.get(results_url).headers["Location"].startswith("/login")


def test_item_analysis_counts_what_learners_chose(client, auth, make_user, results_url):
    page = quiz_page()
    for _ in range(3):
        take(client, auth, make_user(), CME, page, right_answers(page))
    take(client, auth, make_user(), CME, page, wrong_answers(page))

    auth.login_as(make_user(role="author"))
    overview = client.get(results_url).data.decode()
    assert "75%" in overview  # pass rate: 3 of 4 learners
    html = client.get(f"{results_url}/{page.id}").data.decode()
    assert "<svg" in html and 'role="img"' in html
    assert "Per question (the same data as the chart)" in html
    assert "75%" in html  # each question: 3 of 4 correct
    assert "+1.00" in html  # top attempts right, bottom attempt wrong
    first = page.questions[0]
    right = next(o for o in first.options if o.correct)
    assert f"{right.id}. {right.text} <strong>(correct)</strong>: 3 (75%)" in html


def test_evaluation_summary_lists_answers_without_names(client, auth, make_user, results_url):
    evaluation = quiz_page(kind="evaluation")
    likert = next(q for q in evaluation.questions if q.options)
    text = next(q for q in evaluation.questions if q.kind == "text")
    for name, comment in [
        ("Ana Named", "Loved the case studies"),
        ("Ben Named", "More on de-escalation"),
    ]:
        user = make_user(name=name)
        auth.login_as(user)
        client.post(f"/courses/{CME}/start")
        required = {f"q-{q.id}": [q.options[0].id] for q in evaluation.questions if q.required}
        client.post(
            f"/courses/{CME}/evaluation/{evaluation.slug}",
            data={**required, f"q-{likert.id}": [likert.options[0].id], f"q-{text.id}": comment},
        )
        auth.logout()

    auth.login_as(make_user(role="author"))
    html = client.get(f"{results_url}/{evaluation.id}").data.decode()
    assert "2 responses" in html
    assert "Loved the case studies" in html and "More on de-escalation" in html
    assert "Ana Named" not in html and "Ben Named" not in html
    first = likert.options[0].text
    assert f'<th scope="row">{first}</th><td data-label="Count" class="num">2</td>' in html


def test_results_of_a_lesson_or_another_course_are_404(client, auth, make_user, results_url):
    auth.login_as(make_user(role="author"))
    other = db.session.scalar(select(Course).where(Course.slug == "trauma-informed-front-desk"))
    other_quiz = next(p for p in other.current_version.pages if p.kind == "quiz")
    assert client.get(f"{results_url}/{other_quiz.id}").status_code == 404
    lesson = db.session.scalar(select(Course).where(Course.slug == CME)).current_version.pages[0]
    assert client.get(f"{results_url}/{lesson.id}").status_code == 404


def test_knowledge_gain_for_learners_and_authors(app, client, auth, make_user, publish, tmp_path):
    copy = tmp_path / "courses"
    shutil.copytree(app.config["COURSES_DIR"], copy)
    (copy / CME / "00-pre-test.md").write_text(PRETEST)
    publish(copy)
    course = db.session.scalar(select(Course).where(Course.slug == CME))
    pre = next(p for p in course.current_version.pages if p.slug == "pre-test")
    post = next(p for p in course.current_version.pages if p.slug == "post-test")

    learner = make_user()
    auth.login_as(learner)
    client.post(f"/courses/{CME}/start")
    url = client.post(f"/courses/{CME}/quiz/{pre.slug}/start").headers["Location"]
    client.post(url, data=wrong_answers(pre))  # 0% before the lessons
    progress = client.get(f"/courses/{CME}/learn/{pre.slug}").data.decode()
    assert "1 of 8 pages done" in progress  # taking the pre-test completes it, pass or not
    client.post(f"/courses/{CME}/learn/{post.slug}/continue")
    url = client.post(f"/courses/{CME}/quiz/{post.slug}/start").headers["Location"]
    client.post(url, data=right_answers(post))  # 100% after
    result = client.get(url).data.decode()
    assert "+100 percentage points" in result
    auth.logout()

    auth.login_as(make_user(role="author"))
    overview = client.get(f"/courses/{CME}/results").data.decode()
    assert (
        "Average knowledge gain (best post-test minus first pre-test): <strong>+100.0 points"
        in overview
    )
