"""`flask courses check`: an author plants one mistake in the sample courses and is told where.

Every scenario copies the real `courses/` folder, breaks one thing and expects the checker to
print `<course>/<file>:<line>: error:` for exactly that line, computed from the edited file.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "courses"
CME = "tic-pediatric-essentials"
FRONT_DESK = "trauma-informed-front-desk"
FRONT_DESK_QUIZ = f"{FRONT_DESK}/05-check-your-understanding.md"
# Problems with a whole file (no front matter, a missing key, a bad name) point at its line 1.
WHOLE_FILE = 1


@pytest.fixture()
def courses(tmp_path: Path) -> Path:
    """Return a fresh copy of the sample courses that a test may break."""
    root = tmp_path / "courses"
    shutil.copytree(SAMPLES, root)
    return root


@pytest.fixture()
def app_config(app_config, courses):
    app_config["COURSES_DIR"] = str(courses)
    return app_config


def edit(path: Path, old: str, new: str, *, count: int = 1) -> None:
    """Replace `old` (which must be in the file) with `new`, `count` times (-1: all)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, text: str, *, exact: bool = False) -> int:
    """Return the 1-based number of the one line of `path` containing (or equal to) `text`."""
    lines = path.read_text(encoding="utf-8").split("\n")
    found = [
        number
        for number, line in enumerate(lines, start=1)
        if (line == text if exact else text in line)
    ]
    assert len(found) == 1, f"{text!r} is on lines {found} of {path}"
    return found[0]


def check(runner, *args: str):
    return runner.invoke(args=["courses", "check", *args])


def reported(result, path: str, line: int, severity: str = "error") -> str:
    """Return the message printed for `path:line`, failing if there is none."""
    prefix = f"{path}:{line}: {severity}: "
    messages = [out[len(prefix) :] for out in result.output.splitlines() if out.startswith(prefix)]
    assert messages, f"no {prefix!r} in:\n{result.output}"
    return messages[0]


def assert_one_error_at(result, path: str, line: int) -> str:
    """Assert the check failed because of exactly one error, at `path:line`; return it."""
    assert result.exit_code == 1, result.output
    assert " 1 error(s)" in result.output, result.output
    return reported(result, path, line)


# --- the samples ----------------------------------------------------------------------------


def test_checking_the_untouched_samples_finds_no_errors(runner, courses):
    result = check(runner, str(courses))
    assert result.exit_code == 0, result.output
    assert "2 course(s) checked: 0 error(s), 0 warning(s)." in result.output


def test_check_without_a_folder_checks_the_configured_courses_dir(runner, courses):
    page = courses / FRONT_DESK / "01-a-welcoming-first-moment.md"
    edit(page, "minutes: 12", "minuts: 12")
    result = check(runner)
    assert_one_error_at(result, f"{FRONT_DESK}/{page.name}", line_of(page, "minuts: 12"))


@pytest.mark.parametrize("name", ["no-such-folder", "a-file.md"])
def test_checking_a_folder_that_does_not_exist_is_a_clear_error(runner, tmp_path, name):
    (tmp_path / "a-file.md").write_text("---\ntitle: Not a folder\n---\n", encoding="utf-8")
    missing = tmp_path / name
    result = check(runner, str(missing))
    assert result.exit_code != 0
    assert str(missing) in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


# --- front matter ---------------------------------------------------------------------------


def test_front_matter_that_is_not_valid_yaml_points_at_the_bad_line(runner, courses):
    # The classic mistake: a colon followed by a space in unquoted text.
    page = courses / CME / "04-asking-about-adversity.md"
    edit(
        page,
        'title: "Asking about adversity: beyond the ACE score"',
        "title: Asking about adversity: beyond the ACE score",
    )
    result = check(runner, str(courses))
    message = assert_one_error_at(
        result, f"{CME}/{page.name}", line_of(page, "title: Asking about adversity:")
    )
    assert "front matter is not valid YAML" in message


def test_a_page_without_front_matter_is_an_error(runner, courses):
    page = courses / FRONT_DESK / "02-a-predictable-private-front-desk.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.split("---\n", 2)[2], encoding="utf-8")
    result = check(runner, str(courses))
    message = assert_one_error_at(result, f"{FRONT_DESK}/{page.name}", WHOLE_FILE)
    assert "missing front matter" in message


def test_a_course_without_a_summary_is_an_error(runner, courses):
    course_md = courses / CME / "course.md"
    text = course_md.read_text(encoding="utf-8")
    text, removed = re.subn(r"summary: >-\n(?:  .*\n)+", "", text)
    assert removed == 1
    course_md.write_text(text, encoding="utf-8")
    result = check(runner, str(courses))
    message = assert_one_error_at(result, f"{CME}/course.md", WHOLE_FILE)
    assert message == "missing required key 'summary'"


def test_a_page_without_a_title_is_an_error(runner, courses):
    page = courses / FRONT_DESK / "03-when-someone-is-upset.md"
    edit(page, "title: When a caregiver is upset, and when you are worried about a child\n", "")
    result = check(runner, str(courses))
    message = assert_one_error_at(result, f"{FRONT_DESK}/{page.name}", WHOLE_FILE)
    assert message == "missing required key 'title'"


def test_an_unknown_key_is_an_error_with_a_suggestion(runner, courses):
    page = courses / CME / "06-post-test.md"
    edit(page, "passing_score: 80", "pasing_score: 80")
    result = check(runner, str(courses))
    message = assert_one_error_at(result, f"{CME}/{page.name}", line_of(page, "pasing_score"))
    assert message == "unknown key 'pasing_score' (did you mean 'passing_score'?)"


@pytest.mark.parametrize(
    ("file", "old", "new", "key", "suggestion"),
    [
        ("course.md", "  - trainee\n", "  - trainees\n", "audience", "trainee"),
        (
            "02-stress-and-the-developing-child.md",
            "kind: lesson",
            "kind: lessons",
            "kind",
            "lesson",
        ),
        ("course.md", "  - type: abp-moc-2", "  - type: abp-moc2", "type", "abp-moc-2"),
    ],
    ids=["audience", "kind", "credit-type"],
)
def test_an_unknown_value_is_an_error_with_a_suggestion(
    runner, courses, file, old, new, key, suggestion
):
    path = courses / CME / file
    edit(path, old, new)
    result = check(runner, str(courses))
    message = assert_one_error_at(result, f"{CME}/{file}", line_of(path, new.strip()))
    assert message.startswith(f"{key}: unknown value '{new.split()[-1]}'")
    assert f"(did you mean '{suggestion}'?)" in message


def test_a_passing_score_that_is_not_a_number_is_an_error(runner, courses):
    course_md = courses / FRONT_DESK / "course.md"
    edit(course_md, "passing_score: 80", 'passing_score: "high"')
    result = check(runner, str(courses))
    message = assert_one_error_at(
        result, f"{FRONT_DESK}/course.md", line_of(course_md, 'passing_score: "high"')
    )
    assert message == "passing_score: must be a whole number from 0 to 100"


def test_a_credit_that_is_not_a_multiple_of_a_quarter_is_an_error(runner, courses):
    course_md = courses / FRONT_DESK / "course.md"
    edit(course_md, "    max: 1.0", "    max: 0.3")
    result = check(runner, str(courses))
    message = assert_one_error_at(result, f"{FRONT_DESK}/course.md", line_of(course_md, "max: 0.3"))
    assert message == "max: must be a positive multiple of 0.25"


# --- questions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "heading", "expected"),
    [
        (
            "- (x) \"I'm glad you made it.",
            "- ( ) \"I'm glad you made it.",
            "## A mother arrives 15 minutes late",
            "single-choice question needs exactly one (x); found 0",
        ),
        (
            "- ( ) Ask the grandmother about it",
            "- (x) Ask the grandmother about it",
            "## A child tells you something worrying",
            "single-choice question needs exactly one (x); found 2",
        ),
        (
            "- [x] ",
            "- [ ] ",
            "## Which of these should you avoid saying out loud",
            "select-all question needs at least one [x]",
        ),
    ],
    ids=["no-correct-option", "two-correct-options", "select-all-none-marked"],
)
def test_a_quiz_question_with_the_wrong_answer_key_is_an_error(
    runner, courses, old, new, heading, expected
):
    quiz = courses / FRONT_DESK_QUIZ
    edit(quiz, old, new, count=-1)
    result = check(runner, str(courses))
    message = assert_one_error_at(result, FRONT_DESK_QUIZ, line_of(quiz, heading))
    assert message == expected


def test_a_spanish_quiz_that_marks_a_different_answer_is_an_error(runner, courses):
    # The front-desk course has a Spanish edition; its quiz must keep the English answer key.
    quiz_es = courses / FRONT_DESK / "05-check-your-understanding.es.md"
    edit(quiz_es, '- (x) "Qué bueno que pudo llegar.', '- ( ) "Qué bueno que pudo llegar.')
    edit(quiz_es, "- ( ) No decir nada", "- (x) No decir nada")
    result = check(runner, str(courses))
    message = assert_one_error_at(
        result, f"{FRONT_DESK}/{quiz_es.name}", line_of(quiz_es, "## Una madre llega")
    )
    assert "the correct options here (c) differ from 05-check-your-understanding.md" in message


def test_an_empty_question_is_an_error(runner, courses):
    quiz = courses / FRONT_DESK_QUIZ
    edit(quiz, "## A father at the desk", "##\n\n## A father at the desk")
    result = check(runner, str(courses))
    message = assert_one_error_at(result, FRONT_DESK_QUIZ, line_of(quiz, "##", exact=True))
    assert message.startswith("empty question")


# --- links and media ------------------------------------------------------------------------


def test_a_link_to_a_missing_file_is_an_error(runner, courses):
    page = courses / CME / "05-responding-and-building-resilience.md"
    edit(page, "](media/pocket-card.txt)", "](media/pocket-cards.txt)")
    result = check(runner, str(courses))
    message = assert_one_error_at(result, f"{CME}/{page.name}", line_of(page, "pocket-cards.txt"))
    assert message == "link target not found: media/pocket-cards.txt"


def test_an_image_of_a_missing_file_is_an_error(runner, courses):
    page = courses / CME / "02-stress-and-the-developing-child.md"
    edit(page, "](media/stress-responses.svg)", "](media/stress-response.svg)")
    result = check(runner, str(courses))
    message = assert_one_error_at(
        result, f"{CME}/{page.name}", line_of(page, "media/stress-response.svg")
    )
    assert message == "link target not found: media/stress-response.svg"


def test_an_image_without_alt_text_is_only_a_warning(runner, courses):
    page = courses / CME / "01-why-trauma-informed-care.md"
    text = page.read_text(encoding="utf-8")
    text, replaced = re.subn(r"!\[[^\]]+\]\(media/four-rs\.svg\)", "![](media/four-rs.svg)", text)
    assert replaced == 1
    page.write_text(text, encoding="utf-8")
    result = check(runner, str(courses))
    assert result.exit_code == 0, result.output
    line = line_of(page, "![](media/four-rs.svg)")
    assert reported(result, f"{CME}/{page.name}", line, "warning") == "image has no alt text"
    assert "2 course(s) checked: 0 error(s), 1 warning(s)." in result.output


def test_a_short_link_target_is_reported_on_its_own_line(runner, courses):
    page = courses / FRONT_DESK / "01-a-welcoming-first-moment.md"
    with page.open("a", encoding="utf-8") as file:
        file.write("\nSee [the handout](x).\n")
    result = check(runner, str(courses))
    assert_one_error_at(result, f"{FRONT_DESK}/{page.name}", line_of(page, "](x)"))


# --- names ----------------------------------------------------------------------------------


def test_two_pages_with_the_same_slug_are_an_error(runner, courses):
    first = courses / FRONT_DESK / "01-a-welcoming-first-moment.md"
    shutil.copy(first, courses / FRONT_DESK / "07-a-welcoming-first-moment.md")
    result = check(runner, str(courses))
    message = assert_one_error_at(
        result, f"{FRONT_DESK}/07-a-welcoming-first-moment.md", WHOLE_FILE
    )
    assert message == (
        "duplicate page slug 'a-welcoming-first-moment' (also 01-a-welcoming-first-moment.md)"
    )


def test_two_course_folders_differing_only_by_case_are_a_duplicate_slug(runner, courses):
    twin = courses / "Trauma-Informed-Front-Desk"
    if twin.exists():
        pytest.skip("this file system ignores case, so the twin folder cannot exist")
    shutil.copytree(courses / FRONT_DESK, twin)
    result = check(runner, str(courses))
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    # Only the twin is wrong: its name is not a slug, and it takes the original's slug.
    assert all(line.startswith(f"{twin.name}/course.md:{WHOLE_FILE}: error: ") for line in errors)
    assert (
        f"{twin.name}/course.md:{WHOLE_FILE}: error: "
        f"duplicate slug '{FRONT_DESK}' (also {FRONT_DESK})"
    ) in errors


def test_a_folder_name_that_is_not_a_slug_is_an_error(runner, courses):
    (courses / FRONT_DESK).rename(courses / "front_desk")
    result = check(runner, str(courses))
    message = assert_one_error_at(result, "front_desk/course.md", WHOLE_FILE)
    assert message == "folder name 'front_desk' is not a valid slug: slug must match [a-z0-9-]+"


# --- limits ---------------------------------------------------------------------------------


def test_values_too_big_for_the_database_are_errors_at_their_lines(runner, courses):
    course_md = courses / FRONT_DESK / "course.md"
    edit(course_md, 'title: "Trauma-Informed Care at the Front Desk"', f"title: {'T' * 1000}")
    page = courses / FRONT_DESK / "01-a-welcoming-first-moment.md"
    edit(page, "minutes: 12", "minutes: 99999999999999999999")
    long_slug = "a" * 150
    (courses / CME).rename(courses / long_slug)

    result = check(runner, str(courses))

    assert result.exit_code == 1, result.output
    assert "3 error(s)" in result.output, result.output
    assert "at most 300 characters" in reported(
        result, f"{FRONT_DESK}/course.md", line_of(course_md, "title: TTT")
    )
    assert "from 1 to 1,440" in reported(
        result, f"{FRONT_DESK}/{page.name}", line_of(page, "minutes: 9999")
    )
    assert "at most 100" in reported(result, f"{long_slug}/course.md", WHOLE_FILE)
    assert "Traceback" not in result.output
