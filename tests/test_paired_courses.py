"""A course in English and Spanish is one course: switch language anywhere, lose nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.courses.models import Course, CoursePage
from lms.extensions import db
from lms.progress.models import Enrolment, PageProgress
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from tests.content.test_editions import DISCLOSURES_ES, PAIRED, with_disclosures, write_course

SLUG = "welcoming"
ENGLISH_ONLY = {name: text for name, text in PAIRED.items() if ".es." not in name}


# Each request says its language with `?lang=`; the cookie such a link leaves is forgotten.
pytestmark = pytest.mark.usefixtures("language_per_request")


@pytest.fixture()
def courses(tmp_path, publish):
    """Publish the paired course and a course in English only."""
    root = tmp_path / "courses"
    write_course(root, PAIRED, SLUG)
    write_course(
        root,
        {
            **ENGLISH_ONLY,
            "course.md": ENGLISH_ONLY["course.md"].replace("Welcoming families", "Closing the day"),
        },
        "closing",
    )
    report = publish(root)
    assert not report.failed, [str(d) for r in report.failed for d in r.diagnostics]
    return root


@pytest.fixture()
def learner(courses, make_user, auth, client):
    user = make_user(name="Rosa Learner", profession="clinic-staff")
    auth.login_as(user)
    assert client.post(f"/courses/{SLUG}/start").status_code == 302
    return user


def page_of(slug: str) -> CoursePage:
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    return next(p for p in course.current_version.pages if p.slug == slug)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.data.decode()


def progress_rows(user) -> list[tuple[str, bool]]:
    rows = db.session.execute(
        select(CoursePage.slug, PageProgress.completed_at.is_not(None))
        .join(PageProgress, PageProgress.page_id == CoursePage.id)
        .join(Enrolment, Enrolment.id == PageProgress.enrolment_id)
        .where(Enrolment.user_id == user.id)
        .order_by(CoursePage.position)
    )
    return [tuple(row) for row in rows]


def title_of(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


# --- reading ---------------------------------------------------------------------------------


def test_switching_language_on_a_page_keeps_the_place_and_the_progress(client, learner):
    url = f"/courses/{SLUG}/learn/greeting"
    note = text(client.get(f"{url}?lang=es"))
    assert "Esta página menciona la lesión de un niño." in note
    client.post(f"/courses/{SLUG}/learn/greeting/continue?lang=es")

    spanish = text(client.get(f"{url}?lang=es"))
    assert "El primer saludo" in spanish and "Sonría y salude" in spanish
    assert "Smile and say hello" not in spanish
    assert '<div class="prose" lang="es">' in spanish  # the page's own words say their language
    assert "El primer saludo" in title_of(spanish)
    assert "Dar la bienvenida a las familias" in title_of(spanish)
    # The outline names every page in Spanish, marked as Spanish.
    assert re.search(r'lang="es">Compruebe lo que aprendió</a>', spanish)
    # The link to the Spanish quiz file leads to the one quiz page.
    assert f'href="/courses/{SLUG}/learn/check"' in spanish

    client.post(f"{url}/complete?lang=es", data={"seconds": "30"})
    before = progress_rows(learner)
    assert before[0] == ("greeting", True)

    english = text(client.get(f"{url}?lang=en"))
    assert "The first greeting" in english and "Smile and say hello" in english
    assert '<div class="prose" lang="en">' in english
    assert "You completed this page" in english
    assert progress_rows(learner) == before

    again = text(client.get(f"{url}?lang=es"))
    assert "El primer saludo" in again
    assert progress_rows(learner) == before
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_the_course_page_and_my_learning_show_the_spanish_words(client, learner):
    course = text(client.get(f"/courses/{SLUG}?lang=es"))
    assert "Dar la bienvenida a las familias" in title_of(course)
    assert '<h1 lang="es">Dar la bienvenida a las familias</h1>' in course
    assert '<div class="prose" lang="es">' in course  # the overview
    assert "Saludar a cada familia por su nombre." in course
    assert "Un curso breve para la recepción." in course
    assert "Certificado de participación por hasta 1.0 hora." in course
    assert "El primer saludo" in course

    english = text(client.get(f"/courses/{SLUG}"))
    assert "Welcoming families" in title_of(english)
    assert "Greet each family by name." in english

    mine = text(client.get("/my-learning?lang=es"))
    assert re.search(r'<h2 lang="es"><a [^>]*>Dar la bienvenida a las familias</a>', mine)
    assert "Welcoming families" in text(client.get("/my-learning"))


# --- quizzes ---------------------------------------------------------------------------------


def test_an_attempt_started_in_english_and_finished_in_spanish_is_one_attempt(client, learner):
    quiz = page_of("check")
    started = client.post(f"/courses/{SLUG}/quiz/check/start")
    assert started.status_code == 302
    attempt_url = started.headers["Location"]
    english = text(client.get(attempt_url))
    assert "What do you say first?" in english

    spanish = text(client.get(f"{attempt_url}?lang=es"))
    assert "¿Qué dice primero?" in spanish and "Hola, bienvenidos" in spanish
    assert 'class="reader-page" lang="es"' in spanish

    # The English answer to the short question counts in Spanish too: one set of answers.
    done = client.post(f"{attempt_url}?lang=es", data={"q-q1": "b", "q-q2": "Water"})
    assert done.status_code == 302
    attempts = list(db.session.scalars(select(QuizAttempt).where(QuizAttempt.page_id == quiz.id)))
    assert len(attempts) == 1
    attempt = attempts[0]
    assert attempt.passed and float(attempt.score) == 100.0 and attempt.language == "es"
    assert db.session.scalar(select(func.count()).select_from(AttemptAnswer)) == 2

    result = text(client.get(f"{attempt_url}?lang=es"))
    assert "¿Qué dice primero?" in result
    # Submitting again, in the other language, records nothing more.
    client.post(f"{attempt_url}?lang=en", data={"q-q1": "a", "q-q2": "nothing"})
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1
    assert ("check", True) in progress_rows(learner)


def take_quiz(client, auth, user, answers: dict[str, str], language: str) -> None:
    auth.login_as(user)
    client.post(f"/courses/{SLUG}/start")
    started = client.post(f"/courses/{SLUG}/quiz/check/start?lang={language}")
    assert client.post(f"{started.headers['Location']}?lang={language}", data=answers).status_code
    auth.logout()


def test_item_analysis_combines_both_languages_and_shows_each(client, auth, courses, make_user):
    quiz = page_of("check")
    for n, (answers, language) in enumerate(
        [
            ({"q-q1": "a", "q-q2": "water"}, "en"),
            ({"q-q1": "b", "q-q2": "agua"}, "es"),
            ({"q-q1": "b", "q-q2": "una silla"}, "es"),
        ]
    ):
        take_quiz(client, auth, make_user(f"learner{n}@example.org"), answers, language)
    auth.login_as(make_user("author@example.org", role=Role.AUTHOR))
    url = f"/courses/{SLUG}/results/{quiz.id}"

    combined = text(client.get(url))
    assert re.search(r"<dt>Attempts</dt><dd>3</dd>", combined)
    # The language filter offers exactly the course's languages, through the page's own form.
    select_html = re.search(r'<select id="language" name="language">(.*?)</select>', combined, re.S)
    assert re.findall(r'value="([^"]*)"', select_html.group(1)) == ["", "en", "es"]
    assert "Showing attempts in every language together" in combined

    spanish = text(client.get(url, query_string={"language": "es"}))
    assert re.search(r"<dt>Attempts</dt><dd>2</dd>", spanish)
    assert '<th scope="row" lang="es">Q1. ¿Qué dice primero?</th>' in spanish
    assert "100%" in spanish

    english = text(client.get(url, query_string={"language": "en"}))
    assert re.search(r"<dt>Attempts</dt><dd>1</dd>", english)
    assert "Q1. What do you say first?" in english

    unknown = text(client.get(url, query_string={"language": "<zz>"}))
    assert re.search(r"<dt>Attempts</dt><dd>3</dd>", unknown)
    assert "not available in that language" in unknown


def test_old_attempts_without_a_language_count_as_the_primary(client, auth, courses, make_user):
    quiz = page_of("check")
    take_quiz(client, auth, make_user(), {"q-q1": "b", "q-q2": "water"}, "en")
    db.session.execute(QuizAttempt.__table__.update().values(language=None))
    db.session.commit()
    auth.login_as(make_user(role=Role.AUTHOR))
    english = text(client.get(f"/courses/{SLUG}/results/{quiz.id}?language=en"))
    assert re.search(r"<dt>Attempts</dt><dd>1</dd>", english)


# --- catalog ---------------------------------------------------------------------------------


def catalog_titles(html: str) -> list[str]:
    return re.findall(r'<h2 lang="[^"]+"><a href="/courses/[^"]+">([^<]+)</a>', html)


def test_the_catalog_lists_each_course_s_languages_and_filters_by_language(client, courses):
    page = text(client.get("/courses"))
    assert catalog_titles(page) == ["Closing the day", "Welcoming families"]
    assert "Languages: English · Spanish" in page
    assert "Language: English<" in page
    form = re.search(r'<form method="get" class="search-form".*?</form>', page, re.S).group(0)
    choices = re.findall(r'<option[^>]*value="([^"]*)"', form)
    assert choices == ["", "en", "es"]

    spanish = text(client.get("/courses", query_string={"language": "es", "q": ""}))
    assert catalog_titles(spanish) == ["Welcoming families"]
    assert 'value="es" selected' in spanish or 'selected value="es"' in spanish

    # In a Spanish interface, the card shows the Spanish edition, marked as Spanish.
    in_spanish = text(client.get("/courses?language=es&lang=es"))
    assert '<h2 lang="es"><a href="/courses/welcoming">Dar la bienvenida a las familias</a>' in (
        in_spanish
    )
    assert '<p lang="es">Cómo saludar a las familias en la recepción.</p>' in in_spanish
    # Searching finds a course by its Spanish title too.
    found = text(client.get("/courses", query_string={"q": "bienvenida"}))
    assert catalog_titles(found) == ["Welcoming families"]


@pytest.mark.parametrize("hostile", ["zz", "<script>", "es' OR 1=1", "x" * 5000, "\u202e"])
def test_an_unknown_language_shows_every_course_with_a_note(client, courses, hostile):
    page = text(client.get("/courses", query_string={"language": hostile}))
    assert catalog_titles(page) == ["Closing the day", "Welcoming families"]
    assert "No course is offered in that language" in page


def test_the_home_page_features_the_course_in_the_reader_s_language(client, courses):
    home = text(client.get("/?lang=es"))
    assert '<p lang="es">Cómo saludar a las familias en la recepción.</p>' in home
    assert '<a href="/courses/welcoming">Dar la bienvenida a las familias</a>' in home
    # The course in English only stays in English, and says so.
    assert '<h3 lang="en"><a href="/courses/closing">Closing the day</a>' in home
    assert '<a href="/courses/welcoming">Welcoming families</a>' in text(client.get("/"))


def test_certificates_can_ask_for_the_title_and_statement_in_a_language(courses):
    from lms.courses.editions import accreditation_statement, course_title

    version = db.session.scalar(select(Course).where(Course.slug == SLUG)).current_version
    assert course_title(version, "es") == "Dar la bienvenida a las familias"
    assert course_title(version, "en") == "Welcoming families"
    assert course_title(version.compiled, "fr") == "Welcoming families"
    assert accreditation_statement(version, "es").startswith("Certificado de participación")
    assert accreditation_statement(version, "es-MX").startswith("Certificado de participación")
    assert accreditation_statement(version, "en").startswith("Certificate of participation")


def test_the_evaluation_is_answered_in_spanish_and_recorded_once(client, learner):
    from lms.quizzes.models import EvaluationResponse

    url = f"/courses/{SLUG}/learn/evaluation"
    spanish = text(client.get(f"{url}?lang=es"))
    assert "¿Le fue útil el curso?" in spanish and 'class="reader-page" lang="es"' in spanish
    missing = client.post(f"/courses/{SLUG}/evaluation/evaluation?lang=es", data={"q-q2": "Nada"})
    assert missing.status_code == 400
    assert "¿Le fue útil el curso?" in missing.data.decode()  # the question it names, in Spanish

    done = client.post(f"/courses/{SLUG}/evaluation/evaluation?lang=es", data={"q-q1": "a"})
    assert done.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(EvaluationResponse)) == 1
    assert "Was the course useful?" in text(client.get(url))


def test_courses_check_reports_a_page_missing_in_one_language(tmp_path, runner):
    root = tmp_path / "courses"
    write_course(root, {k: v for k, v in PAIRED.items() if k != "02-check.es.md"}, SLUG)

    result = runner.invoke(args=["courses", "check", str(root)])

    assert result.exit_code == 1
    assert (
        "welcoming/02-check.md:1: error: page has no 'es' edition: write 02-check.es.md"
        in result.output
    )


def test_adding_a_spanish_edition_publishes_a_new_version_with_its_sources(tmp_path, publish):
    from lms.courses.models import CourseVersionSource

    root = tmp_path / "courses"
    write_course(root, ENGLISH_ONLY, SLUG)
    assert [r.outcome for r in publish(root).results] == ["published"]
    write_course(root, PAIRED, SLUG)

    report = publish(root)

    assert [(r.outcome, r.version) for r in report.results] == [("published", 2)]
    version = db.session.scalar(select(Course).where(Course.slug == SLUG)).current_version
    assert list(version.compiled["editions"]) == ["es"]
    assert version.compiled["editions"]["es"]["page_titles"]["check"] == (
        "Compruebe lo que aprendió"
    )
    check = next(p for p in version.pages if p.slug == "check")
    assert check.settings["editions"]["es"]["title"] == "Compruebe lo que aprendió"
    sources = set(
        db.session.scalars(
            select(CourseVersionSource.path).where(CourseVersionSource.version_id == version.id)
        )
    )
    assert {"course.es.md", "02-check.es.md", "course.md", "02-check.md"} <= sources


def test_the_spanish_catalog_is_alphabetical_by_the_titles_it_shows(client, courses, publish):
    evening = ENGLISH_ONLY["course.md"].replace("Welcoming families", "Evening close")
    write_course(courses, {**ENGLISH_ONLY, "course.md": evening}, "evening")
    publish(courses)

    assert catalog_titles(text(client.get("/courses"))) == [
        "Closing the day",
        "Evening close",
        "Welcoming families",
    ]
    assert catalog_titles(text(client.get("/courses?lang=es"))) == [
        "Closing the day",
        "Dar la bienvenida a las familias",
        "Evening close",
    ]


def test_disclosure_words_an_edition_leaves_out_show_in_english_marked_so(
    tmp_path, publish, client
):
    # The Spanish edition translates the commercial support statement, not the notes.
    spanish = DISCLOSURES_ES[: DISCLOSURES_ES.index("  notes:")]
    root = tmp_path / "disclosed"
    write_course(root, with_disclosures(spanish), SLUG)
    report = publish(root)
    assert not report.failed, [str(d) for r in report.failed for d in r.diagnostics]

    course = text(client.get(f"/courses/{SLUG}?lang=es"))
    assert '<span lang="es">Este curso no recibió apoyo comercial.</span>' in course
    assert '<div class="prose" lang="en"><p><strong>Clinic policy comes first.' in course
    assert "This course received no commercial support." not in course
