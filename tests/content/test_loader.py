"""Checking and compiling course folders, told as the mistakes an author can make."""

import json
import shutil
import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lms.content import loader
from lms.content.loader import check_courses, compute_content_hash, load_course
from lms.content.model import Course, Diagnostic, Question
from lms.courses import services

SAMPLES = Path(__file__).resolve().parents[2] / "courses"

COURSE_MD = """\
---
title: Trauma-informed care basics
summary: What trauma is and how it shows up in clinic.
---
Welcome to the course.
"""

LESSON_MD = """\
---
title: What is trauma?
---
Trauma is an event, an experience and its effects.
"""


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write files (paths relative to root), dedenting text so tests can indent it."""
    for relpath, content in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


def course(tmp_path: Path, files: dict[str, str | bytes], *, slug: str = "intro") -> Path:
    """Write a course folder: a valid course.md and one lesson unless files replace them."""
    return write(tmp_path / slug, {"course.md": COURSE_MD, "01-what.md": LESSON_MD, **files})


def check(tmp_path: Path, files: dict[str, str | bytes], **kwargs) -> tuple[Course | None, list]:
    """Load one course written from files and return it with its diagnostics as strings."""
    folder = course(tmp_path, files)
    loaded, diagnostics = load_course(folder, root=tmp_path, **kwargs)
    return loaded, [str(item) for item in diagnostics]


def reported(diagnostics: list[str], prefix: str, text: str = "") -> bool:
    """Tell whether one diagnostic starts with prefix and mentions text."""
    return any(item.startswith(prefix) and text in item for item in diagnostics)


def quiz(body: str, front: str = "title: Check your understanding\nkind: quiz\n") -> str:
    """Return a page file with the given front matter and body."""
    return f"---\n{front}---\n{textwrap.dedent(body)}"


# --------------------------------------------------------------------------- a good course


def test_a_complete_course_compiles_without_diagnostics(tmp_path):
    loaded, diagnostics = check(
        tmp_path,
        {
            "course.md": """\
                ---
                title: Trauma-informed care basics
                summary: What trauma is and how it shows up in clinic.
                audience: [trainee, clinic-staff]
                language: en
                estimated_minutes: 45
                release_date: 2024-01-15
                expiration_date: "2026-01-15"
                objectives:
                  - Describe the four Fs
                  - Offer choice to patients
                credits:
                  - type: participation
                    max: 0.75
                accreditation: Certificate of participation; not CME.
                disclosures: |
                  Planners have **nothing** to disclose.
                passing_score: 70
                content_note: Discusses child abuse.
                ---
                ## Overview

                Welcome.
                """,
            "02-check.md": quiz(
                """\
                ## Which is a trauma response?
                - (x) Freeze
                - ( ) Sneeze
                """,
                "title: Check\nkind: quiz\nmax_attempts: 3\nshuffle: true\nrole: pretest\n",
            ),
        },
    )
    assert diagnostics == []
    assert loaded is not None
    assert loaded.slug == "intro"
    assert loaded.audience == ("trainee", "clinic-staff")
    assert loaded.estimated_minutes == 45
    assert loaded.release_date == date(2024, 1, 15)
    assert loaded.expiration_date == date(2026, 1, 15)
    assert loaded.objectives == ("Describe the four Fs", "Offer choice to patients")
    assert [(c.type, c.max) for c in loaded.credits] == [("participation", Decimal("0.75"))]
    assert loaded.disclosures_html == "<p>Planners have <strong>nothing</strong> to disclose.</p>"
    assert loaded.passing_score == 70
    assert '<h2 id="overview">Overview</h2>' in loaded.overview_html
    lesson, check_page = loaded.pages
    assert (lesson.slug, lesson.position, lesson.kind, lesson.required) == (
        "what",
        1,
        "lesson",
        True,
    )
    assert lesson.passing_score is None and lesson.role is None
    assert (check_page.slug, check_page.kind, check_page.passing_score) == ("check", "quiz", 70)
    assert (check_page.max_attempts, check_page.shuffle, check_page.role) == (3, True, "pretest")


def test_defaults_apply_when_optional_keys_are_left_out(tmp_path):
    loaded, diagnostics = check(tmp_path, {"02-check.md": quiz("## Q\n- (x) Yes\n- ( ) No\n")})
    assert diagnostics == []
    assert loaded.audience == ("trainee", "clinic-staff", "self-directed")
    assert loaded.language == "en"
    assert loaded.passing_score == 80
    assert loaded.credits == () and loaded.objectives == ()
    assert loaded.disclosures_html is None and loaded.release_date is None
    check_page = loaded.page("check")
    assert check_page.passing_score == 80
    assert check_page.max_attempts is None
    assert check_page.shuffle is False
    assert check_page.role == "posttest"


def test_compiled_course_round_trips_through_json(tmp_path):
    loaded, _ = check(
        tmp_path,
        {
            "course.md": COURSE_MD.replace(
                "---\nWelcome",
                "release_date: 2024-01-15\ncredits: [{type: participation, max: 2.5}]\n"
                "---\nWelcome ![Map](media/map.png)",
            ),
            "media/map.png": b"\x89PNG",
            "02-check.md": quiz("## Q\n- (x) Yes\n  > Right.\n- ( ) No\n\n> Because.\n"),
        },
    )
    stored = json.loads(json.dumps(loaded.to_dict()))
    assert stored["release_date"] == "2024-01-15"
    assert stored["credits"] == [{"type": "participation", "max": "2.5"}]
    assert Course.from_dict(stored) == loaded


def test_pages_are_ordered_by_number_and_slugged_without_it(tmp_path):
    loaded, diagnostics = check(
        tmp_path,
        {
            "01-what.md": LESSON_MD,
            "02-safety.md": LESSON_MD,
            "10-closing.md": LESSON_MD,
            "003-choice.md": LESSON_MD,
        },
    )
    assert diagnostics == []
    assert [(p.position, p.slug, p.filename) for p in loaded.pages] == [
        (1, "what", "01-what.md"),
        (2, "safety", "02-safety.md"),
        (3, "choice", "003-choice.md"),
        (4, "closing", "10-closing.md"),
    ]


# --------------------------------------------------------------------------- questions


def test_single_choice_question_with_feedback_and_explanation(tmp_path):
    loaded, diagnostics = check(
        tmp_path,
        {
            "02-check.md": quiz(
                """\
                Answer from what you have read.

                ## Which is a *trauma* response?

                Think about the body first.

                - ( ) Sneezing
                  > Not quite: sneezing is a reflex.
                - (x) Freezing
                  > Yes.
                - ( ) Humming a
                  long tune

                > Fight, flight, freeze and fawn are all responses.
                """
            )
        },
    )
    assert diagnostics == []
    page = loaded.page("check")
    assert page.html == "<p>Answer from what you have read.</p>"
    (question,) = page.questions
    assert (question.id, question.kind, question.line) == ("q1", "single", 7)
    assert question.title == "Which is a *trauma* response?"
    assert question.title_html == "Which is a <em>trauma</em> response?"
    assert question.stem_html == "<p>Think about the body first.</p>"
    assert [(o.id, o.text, o.correct) for o in question.options] == [
        ("a", "Sneezing", False),
        ("b", "Freezing", True),
        ("c", "Humming a\nlong tune", False),
    ]
    assert question.options[0].feedback_html == "<p>Not quite: sneezing is a reflex.</p>"
    assert question.options[1].feedback_html == "<p>Yes.</p>"
    assert question.options[2].feedback_html is None
    assert question.explanation_html == ("<p>Fight, flight, freeze and fawn are all responses.</p>")


def test_select_all_and_short_answer_questions(tmp_path):
    loaded, diagnostics = check(
        tmp_path,
        {
            "02-check.md": quiz(
                """\
                ## Which help a patient feel safe?
                - [x] Explaining each step
                - [ ] Rushing
                - [x] Offering choices

                ## What does TIC stand for?
                - = Trauma-informed care
                - = trauma informed care
                """
            )
        },
    )
    assert diagnostics == []
    select_all, short = loaded.page("check").questions
    assert (select_all.id, select_all.kind) == ("q1", "multiple")
    assert [o.correct for o in select_all.options] == [True, False, True]
    assert (short.id, short.kind, short.options) == ("q2", "short", ())
    assert short.answers == ("Trauma-informed care", "trauma informed care")
    assert short.accepts("  TRAUMA-INFORMED care ")
    assert not short.accepts("trauma care")


def test_evaluation_takes_likert_select_all_and_free_text_questions(tmp_path):
    loaded, diagnostics = check(
        tmp_path,
        {
            "09-evaluation.md": quiz(
                """\
                Your answers are anonymous.

                ## The course met its objectives
                - ( ) Agree
                - ( ) Neutral
                - ( ) Disagree

                ## Which parts were useful?
                - [ ] Videos
                - [ ] Cases

                ## What will you change in your practice?

                ##
                Anything else you would like to tell us?
                """,
                "title: Evaluation\nkind: evaluation\n",
            )
        },
    )
    assert diagnostics == ["intro/09-evaluation.md:18: error: question heading has no text"]
    assert loaded is None

    loaded, diagnostics = check(
        tmp_path,
        {
            "09-evaluation.md": quiz(
                """\
                ## The course met its objectives
                - ( ) Agree
                - ( ) Disagree

                ## Which parts were useful?
                - [ ] Videos
                - [ ] Cases

                ## What will you change in your practice?
                """,
                "title: Evaluation\nkind: evaluation\n",
            )
        },
    )
    assert diagnostics == []
    likert, useful, free_text = loaded.page("evaluation").questions
    assert likert.kind == "single" and not any(o.correct for o in likert.options)
    assert [o.html for o in likert.options] == ["Agree", "Disagree"]
    assert useful.kind == "multiple"
    assert (free_text.id, free_text.kind, free_text.options) == ("q3", "text", ())
    assert loaded.page("evaluation").passing_score is None


def test_headings_inside_fenced_code_are_not_questions(tmp_path):
    loaded, diagnostics = check(
        tmp_path,
        {
            "02-check.md": quiz(
                """\
                Markdown looks like this:

                ```markdown
                ## Not a question
                - (x) not an option
                ```

                ## A real question
                - (x) Yes
                - ( ) No
                """
            )
        },
    )
    assert diagnostics == []
    (question,) = loaded.page("check").questions
    assert question.title == "A real question"
    assert "## Not a question" in loaded.page("check").html


# --------------------------------------------------------------------------- front matter


def test_page_without_front_matter(tmp_path):
    loaded, diagnostics = check(tmp_path, {"01-what.md": "# What is trauma?\n"})
    assert loaded is None
    assert reported(diagnostics, "intro/01-what.md:1: error: ", "missing front matter")


def test_front_matter_that_is_never_closed(tmp_path):
    _, diagnostics = check(tmp_path, {"01-what.md": "---\ntitle: What\n\nBody\n"})
    assert reported(diagnostics, "intro/01-what.md:1: error: ", "not closed")


def test_unparsable_yaml_is_reported_at_the_line_of_the_error(tmp_path):
    _, diagnostics = check(
        tmp_path, {"01-what.md": "---\ntitle: What\nminutes: 10\nsummary: a: b\n---\nBody\n"}
    )
    assert reported(diagnostics, "intro/01-what.md:4: error: ", "not valid YAML")


def test_missing_course_md(tmp_path):
    write(tmp_path / "intro", {"01-what.md": LESSON_MD})
    loaded, diagnostics = load_course(tmp_path / "intro", root=tmp_path)
    assert loaded is None
    assert [str(d) for d in diagnostics] == ["intro/course.md:1: error: missing course.md"]


@pytest.mark.parametrize("key", ["title", "summary"])
def test_missing_required_course_key_is_reported_on_line_1(tmp_path, key):
    text = "\n".join(line for line in COURSE_MD.split("\n") if not line.startswith(key))
    loaded, diagnostics = check(tmp_path, {"course.md": text})
    assert loaded is None
    assert diagnostics == [f"intro/course.md:1: error: missing required key '{key}'"]


def test_missing_page_title(tmp_path):
    _, diagnostics = check(tmp_path, {"01-what.md": "---\nminutes: 5\n---\nBody\n"})
    assert diagnostics == ["intro/01-what.md:1: error: missing required key 'title'"]


def test_unknown_key_names_its_line_and_suggests_the_closest(tmp_path):
    _, diagnostics = check(
        tmp_path,
        {"course.md": COURSE_MD.replace("---\nWelcome", "pasing_score: 90\n---\nWelcome")},
    )
    assert diagnostics == [
        "intro/course.md:4: error: unknown key 'pasing_score' (did you mean 'passing_score'?)"
    ]


def test_unknown_audience_is_reported_at_its_list_item(tmp_path):
    course_md = COURSE_MD.replace(
        "---\nWelcome", "audience:\n  - trainee\n  - doctors\n---\nWelcome"
    )
    _, diagnostics = check(tmp_path, {"course.md": course_md})
    assert reported(diagnostics, "intro/course.md:6: error: ", "audience: unknown value 'doctors'")


def test_misspelt_page_kind(tmp_path):
    _, diagnostics = check(
        tmp_path, {"02-check.md": quiz("## Q\n- (x) a\n", "title: Check\nkind: quizz\n")}
    )
    assert diagnostics == [
        "intro/02-check.md:3: error: kind: unknown value 'quizz' (did you mean 'quiz'?); "
        "expected one of lesson, quiz, evaluation"
    ]


def test_unknown_credit_type_and_a_type_listed_twice(tmp_path):
    course_md = COURSE_MD.replace(
        "---\nWelcome",
        "credits:\n"
        "  - type: cme\n"
        "    max: 1\n"
        "  - type: participation\n"
        "    max: 1\n"
        "  - type: participation\n"
        "    max: 2\n"
        "---\nWelcome",
    )
    _, diagnostics = check(tmp_path, {"course.md": course_md})
    assert reported(diagnostics, "intro/course.md:5: error: ", "type: unknown value 'cme'")
    assert reported(diagnostics, "intro/course.md:9: error: ", "listed twice")


@pytest.mark.parametrize("amount", ["0.3", "0", "-1", "lots", "true"])
def test_credit_max_must_be_a_positive_multiple_of_a_quarter(tmp_path, amount):
    course_md = COURSE_MD.replace(
        "---\nWelcome", f"credits:\n  - type: ama-pra-1\n    max: {amount}\n---\nWelcome"
    )
    _, diagnostics = check(tmp_path, {"course.md": course_md})
    assert diagnostics == ["intro/course.md:6: error: max: must be a positive multiple of 0.25"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("passing_score: high", "passing_score: must be a whole number from 0 to 100"),
        ("passing_score: 101", "passing_score: must be a whole number from 0 to 100"),
        ("estimated_minutes: 0", "estimated_minutes: must be a whole number from 1 to 10,000"),
        ("objectives: Be kind", "objectives: must be a list"),
        ("language: English", "language: must be a language tag"),
        ("title: 1984", "title: must be text"),
    ],
)
def test_wrong_types_are_reported_at_the_value(tmp_path, line, message):
    course_md = COURSE_MD.replace("---\nWelcome", f"{line}\n---\nWelcome")
    if line.startswith("title"):
        course_md = course_md.replace("title: Trauma-informed care basics\n", "")
    _, diagnostics = check(tmp_path, {"course.md": course_md})
    expected_line = 3 if line.startswith("title") else 4
    assert reported(diagnostics, f"intro/course.md:{expected_line}: error: ", message)


def test_wrong_page_types(tmp_path):
    _, diagnostics = check(
        tmp_path,
        {
            "02-check.md": quiz(
                "## Q\n- (x) a\n",
                "title: Check\nkind: quiz\nmax_attempts: 0\nshuffle: maybe\nrole: final\n",
            )
        },
    )
    assert reported(diagnostics, "intro/02-check.md:4: error: ", "max_attempts")
    assert reported(diagnostics, "intro/02-check.md:5: error: ", "shuffle: must be true or false")
    assert reported(diagnostics, "intro/02-check.md:6: error: ", "role: unknown value 'final'")


def test_quiz_settings_on_a_lesson_are_errors(tmp_path):
    _, diagnostics = check(
        tmp_path, {"01-what.md": "---\ntitle: What\npassing_score: 80\n---\nBody\n"}
    )
    assert diagnostics == [
        "intro/01-what.md:3: error: passing_score: only quiz pages take this key"
    ]


@pytest.mark.parametrize(
    "value", ["2024-02-30", "'2024-02-30'", "'next spring'", "2024-01-01 10:00"]
)
def test_bad_dates(tmp_path, value):
    course_md = COURSE_MD.replace("---\nWelcome", f"release_date: {value}\n---\nWelcome")
    _, diagnostics = check(tmp_path, {"course.md": course_md})
    assert diagnostics == [
        "intro/course.md:4: error: release_date: must be a date written YYYY-MM-DD"
    ]


def test_expiration_must_come_after_release(tmp_path):
    course_md = COURSE_MD.replace(
        "---\nWelcome", "release_date: 2025-06-01\nexpiration_date: 2025-06-01\n---\nWelcome"
    )
    _, diagnostics = check(tmp_path, {"course.md": course_md})
    assert diagnostics == ["intro/course.md:5: error: expiration_date: must be after release_date"]


# --------------------------------------------------------------------------- question mistakes


@pytest.mark.parametrize("marks", [("( )", "( )"), ("(x)", "(x)")])
def test_single_choice_needs_exactly_one_correct_option(tmp_path, marks):
    body = f"Intro.\n\n## Which one?\n- {marks[0]} Yes\n- {marks[1]} No\n"
    loaded, diagnostics = check(tmp_path, {"02-check.md": quiz(body)})
    assert loaded is None
    found = 0 if marks[0] == "( )" else 2
    assert diagnostics == [
        f"intro/02-check.md:7: error: single-choice question needs exactly one (x); found {found}"
    ]


def test_select_all_needs_at_least_one_correct_option(tmp_path):
    _, diagnostics = check(
        tmp_path, {"02-check.md": quiz("## Q1\n- (x) a\n- ( ) b\n\n## Q2\n- [ ] a\n- [ ] b\n")}
    )
    assert diagnostics == ["intro/02-check.md:9: error: select-all question needs at least one [x]"]


def test_quiz_question_without_options_or_answers(tmp_path):
    _, diagnostics = check(
        tmp_path, {"02-check.md": quiz("## Why does choice matter?\n\nExplain in a sentence.\n")}
    )
    assert reported(diagnostics, "intro/02-check.md:5: error: ", "question has no options")


def test_empty_question_in_an_evaluation(tmp_path):
    _, diagnostics = check(
        tmp_path,
        {
            "09-evaluation.md": quiz(
                "## Comments?\n\n##\n\n## More?\n", "title: Evaluation\nkind: evaluation\n"
            )
        },
    )
    assert reported(diagnostics, "intro/09-evaluation.md:7: error: ", "empty question")


def test_evaluations_have_no_correct_answers(tmp_path):
    _, diagnostics = check(
        tmp_path,
        {
            "09-evaluation.md": quiz(
                "## Useful?\n- ( ) Yes\n- (x) No\n", "title: Evaluation\nkind: evaluation\n"
            )
        },
    )
    assert diagnostics == ["intro/09-evaluation.md:7: error: evaluations have no correct answers"]


def test_mixing_option_kinds_in_one_question(tmp_path):
    _, diagnostics = check(tmp_path, {"02-check.md": quiz("## Q\n- (x) a\n- [ ] b\n- = c\n")})
    assert reported(diagnostics, "intro/02-check.md:7: error: ", "mixes ( ), [ ] and =")


def test_text_after_the_options_that_is_not_a_blockquote(tmp_path):
    _, diagnostics = check(
        tmp_path, {"02-check.md": quiz("## Q\n- (x) a\n- ( ) b\n\nBecause a.\n")}
    )
    assert reported(
        diagnostics, "intro/02-check.md:9: error: ", "unexpected text after the options"
    )


def test_quiz_page_with_no_questions(tmp_path):
    _, diagnostics = check(tmp_path, {"02-check.md": quiz("Just some words.\n")})
    assert diagnostics == [
        "intro/02-check.md:1: error: quiz page has no questions: "
        "start each question with a ## heading"
    ]


# --------------------------------------------------------------------------- links and media


def test_links_are_rewritten_through_the_callbacks(tmp_path):
    loaded, diagnostics = check(
        tmp_path,
        {
            "01-what.md": """\
                ---
                title: What
                ---
                Read [the handout](media/handouts/grounding.pdf#page=2),
                then [the check](02-check.md#top) or [a guide](https://example.org/tic).

                ![Body map](./media/body%20map.png)
                """,
            "02-check.md": quiz("## Q\n- (x) a\n"),
            "media/handouts/grounding.pdf": b"%PDF",
            "media/body map.png": b"\x89PNG",
        },
        media_url=lambda slug, path, sha: f"/media/{slug}/{sha[:8]}/{path}",
        page_url=lambda slug, page: f"/courses/{slug}/{page}",
    )
    assert diagnostics == []
    html = loaded.page("what").html
    pdf = loaded.media["media/handouts/grounding.pdf"]
    assert pdf.size == 4 and pdf.content_type == "application/pdf"
    assert f'href="/media/intro/{pdf.sha256[:8]}/media/handouts/grounding.pdf#page=2"' in html
    assert 'href="/courses/intro/check#top"' in html
    assert 'href="https://example.org/tic"' in html
    png = loaded.media["media/body map.png"]
    assert f'src="/media/intro/{png.sha256[:8]}/media/body map.png"' in html


def test_broken_link_and_image_are_reported_at_their_lines(tmp_path):
    loaded, diagnostics = check(
        tmp_path,
        {
            "01-what.md": """\
                ---
                title: What
                ---
                First paragraph.

                See [the handout](media/missing.pdf).

                ![Body map](media/nowhere.png)
                """
        },
    )
    assert loaded is None
    assert diagnostics == [
        "intro/01-what.md:6: error: link target not found: media/missing.pdf",
        "intro/01-what.md:8: error: link target not found: media/nowhere.png",
    ]


def test_broken_link_inside_a_question_option(tmp_path):
    _, diagnostics = check(
        tmp_path, {"02-check.md": quiz("## Q\n- (x) a\n- ( ) see [b](03-nope.md)\n")}
    )
    assert diagnostics == ["intro/02-check.md:7: error: link target not found: 03-nope.md"]


def test_links_may_not_escape_the_course(tmp_path):
    write(tmp_path, {"other/media/x.png": b"x"})
    _, diagnostics = check(
        tmp_path, {"01-what.md": "---\ntitle: What\n---\n![Map](../other/media/x.png)\n"}
    )
    assert diagnostics == [
        "intro/01-what.md:4: error: link points outside the course folder: ../other/media/x.png"
    ]


def test_image_without_alt_text_is_only_a_warning(tmp_path):
    loaded, diagnostics = check(
        tmp_path,
        {
            "01-what.md": "---\ntitle: What\n---\nIntro.\n\n![](media/map.png)\n",
            "media/map.png": b"\x89PNG",
        },
    )
    assert diagnostics == ["intro/01-what.md:6: warning: image has no alt text"]
    assert loaded is not None


def test_broken_link_in_course_disclosures(tmp_path):
    course_md = COURSE_MD.replace(
        "---\nWelcome", "disclosures: |\n  See [policy](media/policy.pdf).\n---\nWelcome"
    )
    _, diagnostics = check(tmp_path, {"course.md": course_md})
    assert diagnostics == ["intro/course.md:5: error: link target not found: media/policy.pdf"]


# --------------------------------------------------------------------------- folders and slugs


def test_folder_name_must_be_a_valid_slug(tmp_path):
    course(tmp_path, {}, slug="My Course")
    courses, diagnostics = check_courses(tmp_path)
    assert courses == []
    assert [str(d) for d in diagnostics] == [
        "My Course/course.md:1: error: folder name 'My Course' is not a valid slug: "
        "slug must match [a-z0-9-]+"
    ]


def test_folders_differing_only_by_case_are_duplicates(tmp_path):
    course(tmp_path, {}, slug="intro")
    course(tmp_path, {}, slug="Intro")
    courses, diagnostics = check_courses(tmp_path)
    assert [c.slug for c in courses] == ["intro"]
    assert reported([str(d) for d in diagnostics], "Intro/course.md:1: error: ", "duplicate slug")


def test_duplicate_page_slugs(tmp_path):
    _, diagnostics = check(tmp_path, {"01-what.md": LESSON_MD, "05-what.md": LESSON_MD})
    assert diagnostics == [
        "intro/05-what.md:1: error: duplicate page slug 'what' (also 01-what.md)"
    ]


def test_badly_named_page_file_is_a_warning_and_ignored(tmp_path):
    loaded, diagnostics = check(tmp_path, {"notes.md": LESSON_MD})
    assert diagnostics == [
        "intro/notes.md:1: warning: file name does not match NN-name.md, so it is not a page; "
        "ignored"
    ]
    assert [p.filename for p in loaded.pages] == ["01-what.md"]


def test_course_with_no_pages(tmp_path):
    write(tmp_path / "intro", {"course.md": COURSE_MD})
    _, diagnostics = load_course(tmp_path / "intro", root=tmp_path)
    assert [str(d) for d in diagnostics] == [
        "intro/course.md:1: error: course has no pages: add files named like 01-introduction.md"
    ]


def test_only_one_evaluation_per_course(tmp_path):
    evaluation = quiz("## Comments?\n", "title: Evaluation\nkind: evaluation\n")
    _, diagnostics = check(tmp_path, {"08-evaluation.md": evaluation, "09-feedback.md": evaluation})
    assert diagnostics == [
        "intro/09-feedback.md:3: error: kind: a course has one evaluation page, "
        "and 08-evaluation.md is already one"
    ]


def test_hidden_and_underscored_folders_and_dotfiles_are_skipped(tmp_path):
    course(tmp_path, {".DS_Store": b"junk", "media/.DS_Store": b"junk"})
    course(tmp_path, {"01-what.md": "not even front matter"}, slug="_drafts")
    course(tmp_path, {"01-what.md": "not even front matter"}, slug=".git")
    courses, diagnostics = check_courses(tmp_path)
    assert diagnostics == []
    assert [c.slug for c in courses] == ["intro"]
    assert courses[0].media == {}


def test_symlinks_are_refused(tmp_path):
    write(tmp_path, {"secret.txt": "private"})
    folder = course(tmp_path, {})
    (folder / "media").mkdir()
    (folder / "media" / "secret.txt").symlink_to(tmp_path / "secret.txt")
    _, diagnostics = load_course(folder, root=tmp_path)
    assert [str(d) for d in diagnostics] == [
        "intro/media/secret.txt:1: error: symbolic links are not allowed in a course"
    ]


def test_diagnostic_prints_path_line_severity_and_message():
    problem = Diagnostic("intro/02-check.md", 7, "select-all question needs at least one [x]")
    assert str(problem) == "intro/02-check.md:7: error: select-all question needs at least one [x]"
    assert Diagnostic.from_dict(problem.to_dict()) == problem


def test_question_accepts_matches_ignoring_case_and_space():
    question = Question("q1", "short", "TIC?", "TIC?", "", answers=("Trauma-informed care",))
    assert question.accepts(" trauma-INFORMED care\n")


# --------------------------------------------------------------------------- content hash


def test_content_hash_is_stable_and_tracks_every_file(tmp_path):
    folder = course(tmp_path, {"media/map.png": b"\x89PNG"})
    first = compute_content_hash(folder)
    assert compute_content_hash(folder) == first
    assert len(first) == 64

    (folder / ".DS_Store").write_bytes(b"finder junk")
    assert compute_content_hash(folder) == first

    (folder / "media" / "map.png").write_bytes(b"\x89PNG changed")
    changed = compute_content_hash(folder)
    assert changed != first

    (folder / "media" / "map.png").write_bytes(b"\x89PNG")
    assert compute_content_hash(folder) == first
    (folder / "media" / "map.png").rename(folder / "media" / "map2.png")
    assert compute_content_hash(folder) != first


def test_loaded_course_carries_its_content_hash(tmp_path):
    folder = course(tmp_path, {})
    loaded, _ = load_course(folder, root=tmp_path)
    assert loaded.content_hash == compute_content_hash(folder)


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    ("front", "message"),
    [
        (f"title: {'T' * 301}", "title: must be at most 300 characters (this one has 301)"),
        ("estimated_minutes: 99999999999999999999", "estimated_minutes: must be a whole number"),
        ("language: en-" + "-".join(["abcdefgh"] * 3), "language: must be at most 20 characters"),
    ],
)
def test_course_values_the_database_cannot_hold_are_errors_at_their_line(tmp_path, front, message):
    course_md = COURSE_MD.replace("---\nWelcome", f"{front}\n---\nWelcome")
    line = 4
    if front.startswith("title"):
        course_md = course_md.replace("title: Trauma-informed care basics\n", "")
        line = 3
    loaded, diagnostics = check(tmp_path, {"course.md": course_md})
    assert loaded is None
    assert reported(diagnostics, f"intro/course.md:{line}: error: ", message), diagnostics


def test_a_title_of_exactly_300_characters_is_accepted(tmp_path):
    course_md = COURSE_MD.replace("Trauma-informed care basics", "T" * 300)
    loaded, diagnostics = check(tmp_path, {"course.md": course_md})
    assert diagnostics == []
    assert loaded.title == "T" * 300


@pytest.mark.parametrize(
    ("front", "message"),
    [
        (f"title: {'T' * 1000}", "title: must be at most 300 characters"),
        ("title: What\nminutes: 99999999999999999999", "minutes: must be a whole number from 1"),
    ],
)
def test_page_values_the_database_cannot_hold_are_errors(tmp_path, front, message):
    _, diagnostics = check(tmp_path, {"01-what.md": f"---\n{front}\n---\nBody\n"})
    assert any(message in item and item.startswith("intro/01-what.md:") for item in diagnostics), (
        diagnostics
    )


def test_a_course_folder_name_longer_than_100_characters_is_an_error(tmp_path):
    slug = "a" * 101
    folder = course(tmp_path, {}, slug=slug)
    loaded, diagnostics = load_course(folder, root=tmp_path)
    assert loaded is None
    assert (
        f"{slug}/course.md:1: error: folder name is 101 characters; a slug may have at most 100"
        in [str(item) for item in diagnostics]
    )


def test_a_page_name_longer_than_100_characters_is_an_error(tmp_path):
    name = "b" * 101
    _, diagnostics = check(tmp_path, {f"02-{name}.md": LESSON_MD})
    assert reported(
        diagnostics, f"intro/02-{name}.md:1: error: ", "page name is 101 characters; at most 100"
    )


def test_quiz_attempts_and_credits_are_bounded(tmp_path):
    course_md = COURSE_MD.replace(
        "---\nWelcome", "credits:\n  - type: ama-pra-1\n    max: 1000000\n---\nWelcome"
    )
    page = quiz("## Q\n- (x) a\n- ( ) b\n", "title: Check\nkind: quiz\nmax_attempts: 1000000\n")
    _, diagnostics = check(tmp_path, {"course.md": course_md, "02-check.md": page})
    assert reported(diagnostics, "intro/course.md:6: error: ", "max: must be at most 100")
    assert reported(diagnostics, "intro/02-check.md:4: error: ", "max_attempts: must be a whole")


def test_a_quiz_with_too_many_questions_is_an_error_naming_the_limit(tmp_path):
    body = "## Q\n- = a\n" * 50_000  # short-answer questions: 550 KB, under the size limit
    _, diagnostics = check(tmp_path, {"02-check.md": quiz(body)})
    assert (
        "intro/02-check.md:1: error: quiz page has 50,000 questions; the limit is 200: "
        "split them over several pages"
    ) in diagnostics


def test_a_lesson_over_the_size_limit_is_an_error_naming_the_limit(tmp_path):
    big = (LESSON_MD + ("All work and no play. " * 50 + "\n") * 28_000).encode()  # 31 MB
    loaded, diagnostics = check(tmp_path, {"02-big.md": big})
    assert loaded is None
    assert any(
        item.startswith("intro/02-big.md:1: error: file is ")
        and "the limit for a Markdown file is 1,048,576 bytes" in item
        for item in diagnostics
    ), diagnostics


def test_a_course_with_too_many_pages_is_an_error(tmp_path):
    pages = {f"{n:03d}-page-{n}.md": LESSON_MD for n in range(1, 202)}
    loaded, diagnostics = check(tmp_path, pages)
    assert loaded is None
    assert "intro/course.md:1: error: course has 202 pages; the limit is 200" in diagnostics


def test_a_media_path_longer_than_the_database_holds_is_an_error(tmp_path):
    deep = "/".join(["d" * 100] * 5)
    _, diagnostics = check(tmp_path, {f"media/{deep}/x.png": b"\x89PNG"})
    assert any("media path is" in item and "at most 500" in item for item in diagnostics), (
        diagnostics
    )


def test_a_media_file_name_that_is_not_utf8_is_an_error_not_a_crash(tmp_path):
    folder = course(tmp_path, {})
    (folder / "media").mkdir()
    (
        folder / "media" / "caf\xe9.png".encode("latin-1").decode("utf-8", "surrogateescape")
    ).write_bytes(b"\x89PNG")
    compute_content_hash(folder)  # must not raise
    loaded, diagnostics = load_course(folder, root=tmp_path)
    assert loaded is None
    assert [str(d) for d in diagnostics] == [
        "intro/media/caf\\xe9.png:1: error: file name is not valid UTF-8; rename the file"
    ]
    courses, diagnostics = check_courses(tmp_path)
    assert courses == []
    assert len(diagnostics) == 1


def test_compiling_in_several_processes_gives_the_same_courses_and_problems(tmp_path, monkeypatch):
    # A large publish compiles across processes; an author must see exactly what one process
    # would have said, in the same order, duplicates and broken courses included.
    root = tmp_path / "courses"
    shutil.copytree(SAMPLES, root)
    course(root, {}, slug="intro")
    course(root, {}, slug="Intro")
    course(root, {"01-what.md": "---\ntitle: [unclosed\n---\nBody"}, slug="broken")
    one = check_courses(root, page_url=services.page_url, media_url=services.media_url)
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 0)
    several = check_courses(
        root, page_url=services.page_url, media_url=services.media_url, workers=2
    )
    assert several == one
    assert {c.slug for c in one[0]} >= {"intro", "tic-pediatric-essentials"}
    assert any("duplicate slug" in d.message for d in one[1])
    assert any(d.path.startswith("broken/") for d in one[1])
