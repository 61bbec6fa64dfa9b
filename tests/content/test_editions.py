"""Courses in two languages: an edition beside each file, checked against its pair."""

import json
import textwrap
from pathlib import Path

from lms.content.loader import load_course
from lms.content.model import Course

# A small course in English with its Spanish edition: a lesson, a quiz and an evaluation.
PAIRED = {
    "course.md": """\
        ---
        title: Welcoming families
        summary: How to greet families at the front desk.
        language: en
        objectives:
          - Greet each family by name.
        accreditation: Certificate of participation for up to 1.0 hour.
        credits:
          - type: participation
            max: 1.0
        ---
        A short course for the front desk.
        """,
    "course.es.md": """\
        ---
        title: Dar la bienvenida a las familias
        summary: Cómo saludar a las familias en la recepción.
        objectives:
          - Saludar a cada familia por su nombre.
        accreditation: Certificado de participación por hasta 1.0 hora.
        ---
        Un curso breve para la recepción.
        """,
    "01-greeting.md": """\
        ---
        title: The first greeting
        minutes: 5
        content_note: This page mentions a child's injury.
        ---
        Smile and say hello. See [the check](02-check.md).
        """,
    "01-greeting.es.md": """\
        ---
        title: El primer saludo
        content_note: Esta página menciona la lesión de un niño.
        ---
        Sonría y salude. Vea [la prueba](02-check.es.md).
        """,
    "02-check.md": """\
        ---
        title: Check your understanding
        kind: quiz
        passing_score: 50
        ---
        ## What do you say first?

        - ( ) Nothing
        - (x) Hello, welcome

        ## Name one thing to offer a waiting family

        - = water
        - = a seat
        """,
    "02-check.es.md": """\
        ---
        title: Compruebe lo que aprendió
        kind: quiz
        ---
        ## ¿Qué dice primero?

        - ( ) Nada
        - (x) Hola, bienvenidos

        ## Nombre algo que puede ofrecer a una familia que espera

        - = agua
        - = una silla
        """,
    "03-evaluation.md": """\
        ---
        title: Tell us what you think
        kind: evaluation
        ---
        ## Was the course useful? (required)

        - ( ) Yes
        - ( ) No

        ## Anything else?
        """,
    "03-evaluation.es.md": """\
        ---
        title: Díganos qué le pareció
        ---
        ## ¿Le fue útil el curso? (required)

        - ( ) Sí
        - ( ) No

        ## ¿Algo más?
        """,
}
PAIRED = {name: textwrap.dedent(text) for name, text in PAIRED.items()}


def write_course(root: Path, files: dict[str, str], slug: str = "welcoming") -> Path:
    """Write a course folder under root and return it."""
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def errors_of(tmp_path: Path, **changes: str | None) -> list[str]:
    """Load the paired course with some files changed (None removes one); return its errors."""
    files = {**PAIRED, **changes}
    folder = write_course(tmp_path, {k: v for k, v in files.items() if v is not None})
    course, diagnostics = load_course(folder)
    found = [str(d) for d in diagnostics if d.severity == "error"]
    assert (course is None) == bool(found)
    return found


def test_a_paired_course_compiles_with_its_spanish_edition(tmp_path):
    course, diagnostics = load_course(write_course(tmp_path, PAIRED))

    assert [str(d) for d in diagnostics] == []
    assert course is not None
    assert [page.slug for page in course.pages] == ["greeting", "check", "evaluation"]
    spanish = course.editions["es"]
    assert spanish.title == "Dar la bienvenida a las familias"
    assert spanish.objectives == ("Saludar a cada familia por su nombre.",)
    assert spanish.accreditation.startswith("Certificado de participación")
    assert "Un curso breve" in spanish.overview_html
    greeting = spanish.pages["greeting"]
    assert greeting.title == "El primer saludo"
    assert greeting.content_note == "Esta página menciona la lesión de un niño."
    # The link to the Spanish quiz page leads to the one quiz page, as the English link does.
    assert 'href="check"' in greeting.html
    check = spanish.pages["check"]
    assert [q.id for q in check.questions] == ["q1", "q2"]
    assert [o.id for o in check.questions[0].options] == ["a", "b"]


def test_short_answers_accept_both_editions_answers(tmp_path):
    course, _ = load_course(write_course(tmp_path, PAIRED))

    english = course.page("check").questions[1]
    spanish = course.editions["es"].pages["check"].questions[1]
    for question in (english, spanish):
        assert question.accepts("Water") and question.accepts(" una silla ")
    assert not english.accepts("juice")


def test_a_paired_course_round_trips_through_json(tmp_path):
    course, _ = load_course(write_course(tmp_path, PAIRED))

    again = Course.from_dict(json.loads(json.dumps(course.to_dict())))

    assert again == course
    assert again.editions["es"].pages["check"].questions[1].also_accepts == ("water", "a seat")


def test_a_course_without_editions_has_none(tmp_path):
    files = {k: v for k, v in PAIRED.items() if ".es." not in k}
    course, diagnostics = load_course(write_course(tmp_path, files))

    assert course is not None and course.editions == {}
    assert Course.from_dict({**course.to_dict(), "editions": None} | {"editions": {}}) == course


def test_an_edition_repeating_a_course_setting_is_an_error(tmp_path):
    spanish = PAIRED["course.es.md"].replace(
        "summary:", "credits:\n  - type: participation\n    max: 1.0\nsummary:"
    )
    assert errors_of(tmp_path, **{"course.es.md": spanish}) == [
        "welcoming/course.es.md:3: error: `credits` belongs in course.md; "
        "an edition only translates words"
    ]


def test_a_page_missing_in_the_edition_is_an_error(tmp_path):
    assert errors_of(tmp_path, **{"01-greeting.es.md": None}) == [
        "welcoming/01-greeting.md:1: error: page has no 'es' edition: write "
        "01-greeting.es.md (course.es.md offers the course in 'es', so every page needs its pair)"
    ]


def test_an_edition_page_without_its_primary_page_is_an_error(tmp_path):
    extra = "---\ntitle: Extra\n---\nMás.\n"
    assert errors_of(tmp_path, **{"04-extra.es.md": extra}) == [
        "welcoming/04-extra.es.md:1: error: no page 04-extra.md for this edition to "
        "translate: a page in one language needs its pair in the other"
    ]


def test_an_edition_page_numbered_differently_is_an_error(tmp_path):
    found = errors_of(
        tmp_path, **{"01-greeting.es.md": None, "05-greeting.es.md": PAIRED["01-greeting.es.md"]}
    )
    assert (
        "welcoming/05-greeting.es.md:1: error: this translates 01-greeting.md: name it "
        "01-greeting.es.md so the two pair up" in found
    )


def test_page_editions_without_a_course_edition_are_errors(tmp_path):
    found = errors_of(tmp_path, **{"course.es.md": None})
    assert (
        "welcoming/01-greeting.es.md:1: error: no course.es.md: an edition starts with "
        "course.es.md, which gives the course's title and summary in 'es'"
    ) in found


def test_an_edition_in_the_course_s_own_language_is_an_error(tmp_path):
    assert errors_of(tmp_path, **{"course.en.md": PAIRED["course.es.md"]}) == [
        "welcoming/course.en.md:1: error: this file's name makes it an edition, but 'en' is "
        "the course's own language (course.md: language: en); an edition is for another language"
    ]


def test_a_page_setting_that_differs_from_the_primary_is_an_error(tmp_path):
    page = PAIRED["02-check.es.md"].replace("kind: quiz", "kind: quiz\npassing_score: 80")
    assert errors_of(tmp_path, **{"02-check.es.md": page}) == [
        "welcoming/02-check.es.md:4: error: passing_score: 02-check.md says 50; "
        "an edition only translates words, so leave passing_score out here"
    ]


def test_a_missing_content_note_translation_is_an_error(tmp_path):
    page = PAIRED["01-greeting.es.md"].replace(
        "content_note: Esta página menciona la lesión de un niño.\n", ""
    )
    assert errors_of(tmp_path, **{"01-greeting.es.md": page}) == [
        "welcoming/01-greeting.es.md:1: error: content_note: 01-greeting.md has a content "
        "note; translate it here"
    ]


def test_a_question_missing_in_one_edition_is_an_error(tmp_path):
    page = PAIRED["02-check.es.md"].split("## Nombre")[0]
    assert errors_of(tmp_path, **{"02-check.es.md": page}) == [
        "welcoming/02-check.es.md:9: error: question 2 of 02-check.md (line 11) is missing "
        "here: each question needs its pair in the other language"
    ]


def test_an_extra_question_in_an_edition_is_an_error(tmp_path):
    page = PAIRED["02-check.es.md"] + "\n## ¿Otra?\n\n- (x) Sí\n- ( ) No\n"
    found = errors_of(tmp_path, **{"02-check.es.md": page})
    assert found == [
        "welcoming/02-check.es.md:15: error: question 3 has no pair in 02-check.md, which has "
        "2: each question needs its pair in the other language"
    ]


def test_differing_correct_options_are_an_error(tmp_path):
    page = PAIRED["02-check.es.md"].replace("( ) Nada", "(x) Nada").replace("(x) Hola", "( ) Hola")
    assert errors_of(tmp_path, **{"02-check.es.md": page}) == [
        "welcoming/02-check.es.md:5: error: question 1: the correct options here (a) differ "
        "from 02-check.md (line 6: b); mark the same letters"
    ]


def test_a_differing_option_count_is_an_error(tmp_path):
    page = PAIRED["02-check.es.md"].replace("- (x) Hola, bienvenidos", "- (x) Hola\n- ( ) Adiós")
    assert errors_of(tmp_path, **{"02-check.es.md": page}) == [
        "welcoming/02-check.es.md:5: error: question 1 has 3 options here and 2 in "
        "02-check.md (line 6): give the same options, in the same order"
    ]


def test_a_differing_question_kind_is_an_error(tmp_path):
    page = PAIRED["02-check.es.md"].replace("( ) Nada", "[ ] Nada").replace("(x) Hola", "[x] Hola")
    assert errors_of(tmp_path, **{"02-check.es.md": page}) == [
        "welcoming/02-check.es.md:5: error: question 1 is a select-all question here but a "
        "single-choice question in 02-check.md (line 6): ask the same kind of question in "
        "every edition"
    ]


def test_a_differing_required_marker_is_an_error(tmp_path):
    page = PAIRED["03-evaluation.es.md"].replace(" (required)", "")
    assert errors_of(tmp_path, **{"03-evaluation.es.md": page}) == [
        "welcoming/03-evaluation.es.md:4: error: question 1 is marked (required) in "
        "03-evaluation.md but not here: mark it the same way in every edition"
    ]


def test_an_edition_translating_a_word_course_md_lacks_is_an_error(tmp_path):
    spanish = PAIRED["course.es.md"].replace(
        "objectives:", "requirements: Un navegador.\nobjectives:"
    )
    assert errors_of(tmp_path, **{"course.es.md": spanish}) == [
        "welcoming/course.es.md:4: error: requirements: course.md has none to translate"
    ]


def test_an_edition_with_a_different_number_of_objectives_is_an_error(tmp_path):
    spanish = PAIRED["course.es.md"].replace(
        "- Saludar a cada familia por su nombre.",
        "- Saludar a cada familia.\n  - Sonreír.",
    )
    assert errors_of(tmp_path, **{"course.es.md": spanish}) == [
        "welcoming/course.es.md:5: error: objectives: course.md lists 1 and this edition 2: "
        "translate each one, in the same order"
    ]


def test_an_untranslated_statement_is_a_warning_not_an_error(tmp_path):
    spanish = PAIRED["course.es.md"].replace(
        "accreditation: Certificado de participación por hasta 1.0 hora.\n", ""
    )
    course, diagnostics = load_course(write_course(tmp_path, {**PAIRED, "course.es.md": spanish}))
    assert course is not None
    assert [str(d) for d in diagnostics] == [
        "welcoming/course.es.md:1: warning: accreditation: course.md has one; translate it "
        "here (until then learners reading in 'es' see it in 'en')"
    ]


def test_a_cover_s_alt_text_is_translated_and_a_decorative_one_may_stay_empty(tmp_path):
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"></svg>'
    cover = "cover: media/cover.svg\ncover_alt: {alt}\nlanguage: en"
    for primary_alt, edition, expected in [
        ('"Two people at a desk"', 'cover_alt: "Dos personas en un escritorio"\n', []),
        ('""', 'cover_alt: ""\n', []),
        ('""', "", []),
    ]:
        files = {
            **PAIRED,
            "course.md": PAIRED["course.md"].replace("language: en", cover.format(alt=primary_alt)),
            "course.es.md": PAIRED["course.es.md"].replace("objectives:", edition + "objectives:"),
        }
        folder = write_course(tmp_path, files)
        (folder / "media").mkdir(exist_ok=True)
        (folder / "media" / "cover.svg").write_text(svg, encoding="utf-8")
        course, diagnostics = load_course(folder)
        assert [str(d) for d in diagnostics] == expected
        if edition.startswith('cover_alt: "Dos'):
            assert course.editions["es"].cover_alt == "Dos personas en un escritorio"


def test_an_edition_giving_alt_text_for_a_missing_cover_is_an_error(tmp_path):
    spanish = PAIRED["course.es.md"].replace("objectives:", 'cover_alt: "Una foto"\nobjectives:')
    assert errors_of(tmp_path, **{"course.es.md": spanish}) == [
        "welcoming/course.es.md:4: error: cover_alt: course.md has none to translate"
    ]


def test_a_translated_note_that_is_not_a_page_is_ignored_with_a_warning(tmp_path):
    folder = write_course(tmp_path, {**PAIRED, "notes.es.md": "Notas para el equipo.\n"})
    course, diagnostics = load_course(folder)
    assert course is not None
    assert [str(d) for d in diagnostics] == [
        "welcoming/notes.es.md:1: warning: file name does not match NN-name.md, so it is not a "
        "page; ignored"
    ]


# Disclosures: the people stay in course.md; an edition translates only the words around them.
DISCLOSURES = """\
disclosures:
  people:
    - name: Alex Morgan
      credentials: BSN, RN
      roles: [planner, author]
      relationships: none
  commercial_support: This course received no commercial support.
  notes: |
    **Clinic policy comes first.** Your clinic's policies decide what you do.
"""
DISCLOSURES_ES = """\
disclosures:
  commercial_support: Este curso no recibió apoyo comercial.
  notes: |
    **La política de la clínica va primero.** Las políticas de su clínica deciden lo que hace.
    <script>alert("hola")</script>
"""


def with_disclosures(spanish: str | None = DISCLOSURES_ES) -> dict[str, str]:
    """Return the paired course with disclosures in course.md and, if given, course.es.md."""
    files = {
        **PAIRED,
        "course.md": PAIRED["course.md"].replace("credits:", DISCLOSURES + "credits:"),
    }
    if spanish is not None:
        files["course.es.md"] = PAIRED["course.es.md"].replace(
            "objectives:", spanish + "objectives:"
        )
    return files


def test_an_edition_translates_the_disclosure_words_compiled_and_sanitised(tmp_path):
    course, diagnostics = load_course(write_course(tmp_path, with_disclosures()))

    assert diagnostics == []
    assert course is not None
    spanish = course.editions["es"]
    assert spanish.commercial_support == "Este curso no recibió apoyo comercial."
    assert "<strong>La política de la clínica va primero.</strong>" in spanish.disclosures_html
    # Sanitised like course.md's notes: the script is gone, words and all.
    assert "script" not in spanish.disclosures_html and "alert" not in spanish.disclosures_html
    # The people, and the primary's words, are course.md's alone.
    assert [person.name for person in course.disclosure.people] == ["Alex Morgan"]
    assert "Clinic policy comes first" in course.disclosures_html
    assert Course.from_dict(json.loads(json.dumps(course.to_dict()))) == course


def test_an_edition_repeating_the_disclosed_people_is_an_error(tmp_path):
    spanish = DISCLOSURES_ES.replace(
        "disclosures:\n",
        "disclosures:\n  people:\n    - name: Alex Morgan\n      roles: [author]\n"
        "      relationships: none\n",
    )
    files = with_disclosures(spanish)
    folder = write_course(tmp_path, files)
    course, diagnostics = load_course(folder)

    assert course is None
    assert [str(d) for d in diagnostics if d.severity == "error"] == [
        "welcoming/course.es.md:5: error: `disclosures.people` belongs in course.md; "
        "an edition only translates words"
    ]


def test_untranslated_disclosure_words_are_warnings(tmp_path):
    course, diagnostics = load_course(write_course(tmp_path, with_disclosures(spanish=None)))

    assert course is not None and course.editions["es"].disclosures_html is None
    assert [str(d) for d in diagnostics] == [
        "welcoming/course.es.md:1: warning: disclosures.commercial_support: course.md has one; "
        "translate it here (until then learners reading in 'es' see it in 'en')",
        "welcoming/course.es.md:1: warning: disclosures.notes: course.md has one; "
        "translate it here (until then learners reading in 'es' see it in 'en')",
    ]


def test_an_edition_translating_disclosures_course_md_lacks_is_an_error(tmp_path):
    spanish = PAIRED["course.es.md"].replace("objectives:", DISCLOSURES_ES + "objectives:")
    assert errors_of(tmp_path, **{"course.es.md": spanish}) == [
        "welcoming/course.es.md:5: error: disclosures.commercial_support: "
        "course.md has none to translate",
        "welcoming/course.es.md:6: error: disclosures.notes: course.md has none to translate",
    ]
