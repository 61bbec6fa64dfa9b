"""The sample front-desk course in Spanish: staff read it and pass its quiz in Spanish."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.courses.models import Course, CoursePage
from lms.extensions import db
from lms.quizzes.models import QuizAttempt

FRONT_DESK = "trauma-informed-front-desk"


@pytest.fixture()
def staff(publish, make_user, auth, client):
    report = publish()
    assert not report.failed, [str(d) for r in report.failed for d in r.diagnostics]
    user = make_user(name="Marisol Front Desk", profession="clinic-staff")
    auth.login_as(user)
    assert client.post(f"/courses/{FRONT_DESK}/start").status_code == 302
    return user


def front_desk_page(slug: str) -> CoursePage:
    course = db.session.scalar(select(Course).where(Course.slug == FRONT_DESK))
    return next(page for page in course.current_version.pages if page.slug == slug)


def spanish(client, url: str) -> str:
    response = client.get(url, query_string={"lang": "es"})
    assert response.status_code == 200, response.status_code
    return response.data.decode()


def test_the_course_page_and_a_lesson_read_in_spanish(client, staff):
    course = spanish(client, f"/courses/{FRONT_DESK}")
    assert "Atención informada sobre el trauma en la recepción" in course
    assert "certificado de participación" in course

    lesson = spanish(client, f"/courses/{FRONT_DESK}/learn/a-welcoming-first-moment")
    assert '<div class="prose" lang="es">' in lesson  # the lesson itself says it is Spanish
    assert "Un primer momento acogedor" in lesson
    assert "Palabras que ayudan" in lesson

    # Lesson 3's content note is shown, in Spanish, before the lesson.
    note = spanish(client, f"/courses/{FRONT_DESK}/learn/when-someone-is-upset")
    assert "Esta lección describe conductas enojadas o amenazantes" in note


def test_the_spanish_quiz_is_graded_with_the_english_answer_key(client, staff):
    quiz = front_desk_page("check-your-understanding")
    started = client.post(f"/courses/{FRONT_DESK}/quiz/{quiz.slug}/start?lang=es")
    assert started.status_code == 302
    attempt_url = started.headers["Location"]
    questions = spanish(client, attempt_url)
    assert "Una madre llega 15 minutos tarde" in questions
    assert "Marque todas las que correspondan." in questions

    # The correct options are at the same letters in both editions, so the key is shared.
    answers: dict[str, object] = {}
    for question in quiz.questions:
        if question.kind == "short":
            answers[f"q-{question.id}"] = "988"
        else:
            answers[f"q-{question.id}"] = [o.id for o in question.options if o.correct]
    assert client.post(f"{attempt_url}?lang=es", data=answers).status_code == 302

    attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.page_id == quiz.id))
    assert attempt.passed and float(attempt.score) == 100.0
    assert attempt.language == "es"


def test_the_disclosures_read_in_spanish_and_the_english_page_is_unchanged(client, staff):
    course = spanish(client, f"/courses/{FRONT_DESK}")
    disclosures = course[course.index('id="disclosures"') :]
    assert '<div class="prose" lang="es"><p><strong>La política de la clínica va primero.' in (
        disclosures
    )
    assert "Acerca de este ejemplo." in disclosures
    assert '<span lang="es">Este curso no recibió apoyo comercial.</span>' in disclosures
    for sentence in (
        "Clinic policy comes first.",
        "About this sample.",
        "This course received no commercial support.",
    ):
        assert sentence not in course
    # Names and credentials stay as written; "none" is the interface's word.
    assert "Alex Morgan, BSN, RN" in disclosures
    assert "Ninguna" in disclosures

    english = client.get(f"/courses/{FRONT_DESK}", query_string={"lang": "en"}).data.decode()
    assert '<div class="prose" lang="en"><p><strong>Clinic policy comes first.</strong>' in english
    assert '<span lang="en">This course received no commercial support.</span>' in english
    assert "La política de la clínica" not in english
