"""Spanish readers get the public, account, catalog, course and reader pages in Spanish.

`?lang=es` asks for Spanish (the language choice keeps honouring it); without it every page
stays in US English. Course content (titles, summaries, lessons) is the author's, in the course's
language or its Spanish edition's, so these tests look at the interface's words around it.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.courses.models import Course, CoursePage
from lms.extensions import db

CME = "tic-pediatric-essentials"
FRONT_DESK = "trauma-informed-front-desk"


def main(html: str) -> str:
    """Return the page's <main>, the part these pages write (the layout around it is shared)."""
    return re.search(r"<main\b.*?</main>", html, re.S).group(0)


def assert_reads(html: str, present: list[str], absent: list[str]) -> None:
    """Assert the page's main part says every phrase of `present` and none of `absent`."""
    text = main(html)
    missing = [phrase for phrase in present if phrase not in text]
    left = [phrase for phrase in absent if phrase in text]
    assert missing == [] and left == [], f"missing {missing}, still there {left}"


def first_lesson(slug: str) -> CoursePage:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    return next(p for p in course.current_version.pages if p.kind == "lesson")


def lesson_with_note(slug: str) -> CoursePage:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    return next(p for p in course.current_version.pages if p.kind == "lesson" and p.content_note)


# Phrases each page says in both languages: (Spanish, English).
HOME = [
    ("Aprender a reconocer el trauma infantil y a responder ante él", "Learning to recognize"),
    ("Para quién es este sitio", "Who this site is for"),
    ("Cursos destacados", "Featured courses"),
    ("Aproximadamente 1 hora", "About 1 hour"),
    ("Cómo se aprende aquí", "How learning works here"),
    ("Está bien hacer una pausa; su progreso queda guardado.", "your progress is saved."),
]
CATALOG = [
    ("Buscar cursos por título", "Search courses by title"),
    ("Duración: aproximadamente 1 hora", "Time: about 1 hour"),
    ("Calificación para aprobar: 80%", "Pass mark: 80%"),
    ("Créditos: hasta", "Credit: up to"),
]
COURSE = [
    ("Antes de comenzar", "Before you start"),
    ("aproximadamente 1 hora, a su propio ritmo.", "about 1 hour, at your own pace."),
    ("80% en la prueba final; sin límite de tiempo.", "80% on the post-test; no timer."),
    ("Inicie sesión para comenzar", "Sign in to start"),
    ("Declaraciones de relaciones financieras", "Disclosures"),
    (
        "Puede hacer una pausa en cualquier momento; guardamos el lugar donde se quedó.",
        "You can step away at any time; your place is kept.",
    ),
    ("lección, 10 min", "lesson, 10 min"),
]
SIGNUP = [
    ("Su cuenta guarda su progreso", "Your account keeps your progress"),
    ("Correo electrónico", "Email address"),
    ("Elija su profesión", "Choose your profession"),
    (
        "Médico/a en formación en pediatría (residente o fellow)",
        "Pediatric trainee (resident or fellow)",
    ),
    ("Una frase corta es fácil de recordar.", "A short phrase is easy to remember."),
    ("Crear cuenta", "Create account"),
]
LOGIN = [
    ("Mantener mi sesión iniciada en este dispositivo", "Keep me signed in on this device"),
    ("¿Olvidó su contraseña?", "Forgot your password?"),
]


def spanish(pairs):
    return [es for es, _ in pairs]


def english(pairs):
    return [en for _, en in pairs]


@pytest.mark.parametrize(
    ("path", "pairs"),
    [
        ("/", HOME),
        ("/courses", CATALOG),
        (f"/courses/{CME}", COURSE),
        ("/signup", SIGNUP),
        ("/login", LOGIN),
    ],
)
def test_a_visitor_reads_the_public_pages_in_spanish_and_by_default_in_english(
    client, publish, path, pairs
):
    publish()
    assert_reads(client.get(f"{path}?lang=es").text, spanish(pairs), english(pairs))
    assert_reads(client.get(path).text, english(pairs), spanish(pairs))


def test_sign_up_mistakes_are_explained_in_spanish_on_the_form(client, publish):
    answers = {"email": "not-an-address", "full_name": "", "profession": "nurse"}
    page = client.post("/signup?lang=es", data={**answers, "password": "short"}).text
    assert_reads(
        page,
        [
            "Escriba un correo electrónico como nombre@example.org.",
            "Escriba su nombre completo tal como debe aparecer en los certificados.",
            "Use al menos 10 caracteres.",
        ],
        ["Enter an email address like", "Enter your full name", "Use at least"],
    )
    # Each message sits by its field, tied to it for screen readers, in Spanish.
    assert re.search(r'id="email-error"[^>]*>.*?Escriba un correo electrónico', page, re.S)

    guessable = client.post("/signup?lang=es", data={**answers, "password": "abcabcabcabc"}).text
    assert_reads(
        guessable,
        [
            "Las repeticiones como &#34;abcabcabc&#34; son apenas un poco más difíciles de "
            "adivinar que &#34;abc&#34;. Elija otra contraseña"
        ],
        ["easy to guess", "harder to guess"],  # zxcvbn's English never reaches a Spanish page
    )
    common = client.post("/signup?lang=es", data={**answers, "password": "password123"}).text
    assert "Esta contraseña aparece en listas de contraseñas comunes o filtradas" in main(common)


def test_wtforms_own_messages_are_in_spanish_too(client):
    # A profession the list does not offer: WTForms' built-in message, from its own catalogue.
    page = client.post(
        "/signup?lang=es",
        data={"email": "ana@example.org", "full_name": "Ana", "profession": "astronaut"},
    ).text
    assert_reads(page, ["Opción inválida."], ["Not a valid choice"])


def test_a_failed_sign_in_says_so_in_spanish(client, make_user):
    make_user("ana@example.org")
    page = client.post(
        "/login?lang=es", data={"email": "ana@example.org", "password": "not the password"}
    ).text
    assert_reads(
        page,
        ["no coinciden con ninguna cuenta activa. Revíselos e inténtelo de nuevo"],
        ["do not match an active account"],
    )


def test_a_learner_reads_a_course_and_my_learning_in_spanish(client, auth, make_user, publish):
    publish()
    auth.login_as(make_user(name="Ana Pérez", profession="clinic-staff"))
    client.post(f"/courses/{FRONT_DESK}/start")
    lesson = first_lesson(FRONT_DESK)
    url = f"/courses/{FRONT_DESK}/learn/{lesson.slug}"

    reader = [
        ("Contenido · página 1 de 6", "Contents · page 1 of 6"),
        ("Página 1 de 6 · aproximadamente 12 minutos", "Page 1 of 6 · about 12 minutes"),
        ("0 de 6 páginas completadas (0%)", "0 of 6 pages done (0%)"),
        ("Leyendo ahora", "Reading now"),
        ("Marcar como completada y continuar", "Mark complete and continue"),
        ("¿Necesita un descanso? Guardamos el lugar donde se quedó.", "Need a break?"),
        ("Salir por ahora", "Leave for now"),
    ]
    page = client.get(f"{url}?lang=es").text
    assert_reads(page, spanish(reader), english(reader))
    # The course has a Spanish edition, so the lesson is in Spanish too, and says so.
    assert re.search(r'<h1 lang="es">[^<]+</h1>', page) and lesson.title not in main(page)
    assert '<div class="prose" lang="es">' in page
    assert not re.search(r"<article[^>]*\slang=", page)
    assert_reads(client.get(url).text, english(reader), spanish(reader))

    client.post(f"{url}/complete", data={"seconds": "60"})
    done = client.get(f"{url}?lang=es").text
    assert_reads(done, ["Completó esta página.", "1 de 6 páginas completadas (16%)"], ["Done"])

    noted = lesson_with_note(FRONT_DESK)
    note = [
        ('Antes de leer: <span lang="es">', "Before you read:"),
        ("Aviso sobre el contenido", "Content note"),
        ("Usted decide qué sigue.", "You choose what happens next."),
        ("Continuar a la página", "Continue to the page"),
        ("Hacer una pausa por ahora", "Step away for now"),
    ]
    note_url = f"/courses/{FRONT_DESK}/learn/{noted.slug}"
    assert_reads(client.get(f"{note_url}?lang=es").text, spanish(note), english(note))

    learning = [
        ("Sus cursos", "Your courses"),
        (
            "Su historial de créditos: cursos completados, créditos y certificados",
            "Your transcript",
        ),
        ("1 de 6 páginas completadas", "1 of 6 pages done"),
        ("En curso", "In progress"),
        ("Continuar donde lo dejó", "Resume"),
    ]
    page = client.get("/my-learning?lang=es").text
    assert_reads(page, spanish(learning), english(learning))
    # Dates in Spanish words: "30 de noviembre de 2026".
    assert re.search(r"Lo comenzó el <time [^>]+>\d{1,2} de [a-z]+ de \d{4}</time>", page)
    assert_reads(client.get("/my-learning").text, english(learning), spanish(learning))

    course_page = client.get(f"/courses/{FRONT_DESK}?lang=es").text
    assert_reads(
        course_page,
        ["Continuar donde lo dejó", "Créditos y certificado", "Su progreso en"],
        ["Resume where you left off", "Your progress in"],
    )
    home = client.get("/?lang=es").text
    assert_reads(
        home, ["Nos alegra verle de nuevo, Ana Pérez.", "Continúe donde lo dejó"], ["Welcome back"]
    )


def test_a_spanish_course_page_marks_the_english_course_text_as_english(client, publish):
    publish()
    page = client.get(f"/courses/{CME}?lang=es").text
    course = db.session.scalar(select(Course).where(Course.slug == CME)).current_version
    assert f'<h1 lang="en">{course.title}</h1>' in page
    assert '<div class="prose" lang="en">' in page  # the overview
    # The interface's Spanish is not inside an element that says it is English.
    assert not re.search(r"<article[^>]*\slang=", page)
    assert '<h2 id="facts-heading">Antes de comenzar</h2>' in page
