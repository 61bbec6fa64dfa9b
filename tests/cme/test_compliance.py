"""Credit-bearing courses that cannot be published non-compliant: one test per checker rule.

Each test starts from the compliant sample CME course, removes or breaks one required
element, and expects the error at the path and line an author would fix.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lms.content.compliance import quarter_hours
from lms.content.loader import check_courses, load_course

ROOT = Path(__file__).resolve().parents[2] / "courses"
CME = "tic-pediatric-essentials"
FRONT_DESK = "trauma-informed-front-desk"
PROVIDER = "Example Pediatric Education Institute"


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    """Return a writable copy of the sample CME course."""
    shutil.copytree(ROOT / CME, tmp_path / CME)
    return tmp_path / CME


def course_md(folder: Path) -> str:
    return (folder / "course.md").read_text()


def edit(folder: Path, old: str, new: str, file: str = "course.md") -> None:
    """Replace text in one of the course's files; the text must be there once."""
    path = folder / file
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def remove_key(folder: Path, key: str, file: str = "course.md") -> None:
    """Delete a top-level key of course.md (or `file`) with its indented continuation lines."""
    lines = (folder / file).read_text().split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    end = start + 1
    # Blank lines inside a literal block (|) belong to the key too.
    while end < len(lines) and (lines[end].startswith(" ") or lines[end] == ""):
        if lines[end] == "" and not any(line.startswith(" ") for line in lines[end : end + 2]):
            break
        end += 1
    (folder / file).write_text("\n".join(lines[:start] + lines[end:]))


def line_of(folder: Path, text: str, file: str = "course.md") -> int:
    """Return the 1-based line of the first line containing `text`."""
    lines = (folder / file).read_text().split("\n")
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def errors(folder: Path) -> list[str]:
    _, diagnostics = load_course(folder, provider_name=PROVIDER)
    return [str(d) for d in diagnostics if d.severity == "error"]


def assert_error(folder: Path, line: int, message: str, file: str = "course.md") -> None:
    found = errors(folder)
    prefix = f"{CME}/{file}:{line}: error: "
    assert any(e.startswith(prefix) and message in e for e in found), found


# --- the samples ----------------------------------------------------------------------------


def test_both_sample_courses_comply_with_no_errors_or_warnings():
    courses, diagnostics = check_courses(ROOT, provider_name=PROVIDER)
    assert [str(d) for d in diagnostics] == []
    assert {c.slug for c in courses} == {CME, FRONT_DESK}
    cme = next(c for c in courses if c.slug == CME)
    assert cme.designation and cme.moc_statement and cme.pars_activity_id == "900000001"
    assert {role for p in cme.disclosure.people for role in p.roles} >= {"planner", "author"}
    assert any(q.required for p in cme.pages for q in p.questions)


def test_the_compliant_copy_passes(sample):
    assert errors(sample) == []


# --- every credit-bearing course ------------------------------------------------------------


def test_objectives_are_required(sample):
    remove_key(sample, "objectives")
    assert_error(sample, line_of(sample, "type: ama-pra-1"), "at least one learning objective")


def test_target_audience_is_required(sample):
    remove_key(sample, "target_audience")
    assert_error(sample, line_of(sample, "type: ama-pra-1"), "target_audience:")


def test_estimated_time_is_required(sample):
    remove_key(sample, "estimated_minutes")
    assert_error(sample, line_of(sample, "type: ama-pra-1"), "estimated_minutes:")


def test_estimated_time_that_disagrees_with_the_maximum_is_a_warning(sample):
    edit(sample, "estimated_minutes: 60", "estimated_minutes: 90")
    _, diagnostics = load_course(sample, provider_name=PROVIDER)
    [warning] = [d for d in diagnostics if d.severity == "warning"]
    assert warning.line == line_of(sample, "estimated_minutes:")
    assert "1.5 hours" in warning.message and errors(sample) == []
    assert quarter_hours(50) == Decimal("0.75") and quarter_hours(60) == Decimal("1")


@pytest.mark.parametrize("key", ["release_date", "review_date", "expiration_date"])
def test_release_review_and_termination_dates_are_required(sample, key):
    remove_key(sample, key)
    assert_error(sample, line_of(sample, "type: ama-pra-1"), f"{key}: credit-bearing")


def test_termination_is_no_more_than_three_years_after_the_last_review(sample):
    edit(sample, "expiration_date: 2029-01-14", "expiration_date: 2029-01-16")
    assert_error(sample, line_of(sample, "expiration_date:"), "no more than 3 years")


def test_free_text_disclosures_are_refused_for_credit(sample):
    remove_key(sample, "disclosures")
    (sample / "course.md").write_text(
        course_md(sample).replace(
            "passing_score: 80", "disclosures: Nothing to disclose.\npassing_score: 80"
        )
    )
    assert_error(sample, line_of(sample, "disclosures:"), "list people")


def test_disclosures_need_a_planner_and_an_author(sample):
    edit(sample, "roles: [planner, author]", "roles: [reviewer]")
    edit(sample, "roles: [planner, reviewer]", "roles: [reviewer]")
    edit(sample, "      roles: [author]\n", "      roles: [reviewer]\n")
    line = line_of(sample, "  people:")
    assert_error(sample, line, "at least one planner")
    assert_error(sample, line, "at least one author")


def test_every_person_gives_relationships_or_an_explicit_none(sample):
    edit(sample, "      roles: [author]\n      relationships: none\n", "      roles: [author]\n")
    assert_error(sample, line_of(sample, "- name: Priya Shah"), "needs 'relationships'")


def test_authors_give_their_credentials(sample):
    edit(sample, "      credentials: MD\n", "")
    assert_error(sample, line_of(sample, "- name: Priya Shah"), "credentials of Priya Shah")


def test_relationships_need_a_mitigation_statement(sample):
    edit(
        sample,
        "      roles: [author]\n      relationships: none\n",
        "      roles: [author]\n      relationships:\n"
        "        - company: Acme Pharmaceuticals\n          nature: consultant\n",
    )
    assert_error(sample, line_of(sample, "  people:"), "add 'mitigation'")
    edit(
        sample,
        "  commercial_support:",
        "  mitigation: Peer review by a planner.\n  commercial_support:",
    )
    assert errors(sample) == []


def test_ineligible_companies_are_named_in_plain_text_only(sample):
    edit(
        sample,
        "      roles: [author]\n      relationships: none\n",
        "      roles: [author]\n      relationships:\n"
        '        - company: "[Acme](https://acme.example)"\n          nature: speaker\n',
    )
    edit(sample, "  commercial_support:", "  mitigation: Peer review.\n  commercial_support:")
    assert_error(sample, line_of(sample, "- company:"), "plain text only")


def test_an_evaluation_page_is_required(sample):
    (sample / "07-evaluation.md").unlink()
    assert_error(sample, line_of(sample, "type: ama-pra-1"), "add an evaluation page")


def test_the_evaluation_marks_a_question_required(sample):
    text = (sample / "07-evaluation.md").read_text().replace(" (required)", "")
    (sample / "07-evaluation.md").write_text(text)
    first = line_of(sample, "## ", "07-evaluation.md")
    assert_error(sample, first, "(required)", "07-evaluation.md")


def test_participation_only_courses_keep_the_relaxed_rules(tmp_path):
    shutil.copytree(ROOT / FRONT_DESK, tmp_path / FRONT_DESK)
    folder = tmp_path / FRONT_DESK
    for key in ("objectives", "release_date", "expiration_date", "disclosures"):
        remove_key(folder, key)
    # The course's Spanish edition translates the objectives and the disclosures' words, and
    # marks the same questions.
    remove_key(folder, "objectives", "course.es.md")
    remove_key(folder, "disclosures", "course.es.md")
    for page in ("06-evaluation.md", "06-evaluation.es.md"):
        text = (folder / page).read_text().replace(" (required)", "")
        (folder / page).write_text(text)
    _, diagnostics = load_course(folder, provider_name=PROVIDER)
    assert diagnostics == []


# --- AMA PRA Category 1 Credit --------------------------------------------------------------


def test_ama_needs_the_designation_statement(sample):
    remove_key(sample, "designation")
    assert_error(sample, line_of(sample, "type: ama-pra-1"), "designation statement")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "Example Pediatric Education Institute designates",
            "The provider designates",
            f"must name the accredited provider, {PROVIDER}",
        ),
        ("this enduring material for", "this activity for", "learning format, 'enduring material'"),
        ("maximum of 1.0\n", "maximum of 1.5\n", "a maximum of 1.0"),
        ("AMA PRA Category 1 Credit(s)™", "credits", "AMA PRA Category 1 Credit"),
        ("commensurate with the\n  extent of their participation", "they earned", "commensurate"),
    ],
)
def test_the_designation_statement_has_every_required_part(sample, old, new, message):
    edit(sample, old, new)
    assert_error(sample, line_of(sample, "designation:"), message)


def test_ama_and_moc_need_the_accreditation_statement(sample):
    remove_key(sample, "accreditation")
    assert_error(sample, line_of(sample, "type: ama-pra-1"), "accreditation statement")


def test_ama_needs_a_post_test_with_a_passing_score(sample):
    edit(sample, "kind: quiz\n", "kind: lesson\n", "06-post-test.md")
    text = (sample / "06-post-test.md").read_text()
    text = re.sub(r"(role|passing_score|max_attempts|shuffle): .*\n", "", text)
    (sample / "06-post-test.md").write_text(text.replace("## ", "### "))
    assert_error(sample, line_of(sample, "type: ama-pra-1"), "add a post-test")


def test_a_post_test_with_a_zero_passing_score_is_refused(sample):
    edit(sample, "passing_score: 80\n", "passing_score: 0\n", "06-post-test.md")
    assert_error(sample, 1, "passing score above 0", "06-post-test.md")


def test_missing_bibliography_is_a_warning_for_ama(sample):
    remove_key(sample, "bibliography")
    _, diagnostics = load_course(sample, provider_name=PROVIDER)
    assert [(d.severity, d.line) for d in diagnostics] == [
        ("warning", line_of(sample, "type: ama-pra-1"))
    ]


# --- ABP MOC Part 2 -------------------------------------------------------------------------


def test_moc_needs_a_pars_activity_id(sample):
    remove_key(sample, "pars_activity_id")
    assert_error(sample, line_of(sample, "type: abp-moc-2"), "PARS ID")


def test_moc_needs_the_abp_statement(sample):
    remove_key(sample, "moc_statement")
    assert_error(sample, line_of(sample, "type: abp-moc-2"), "ABP MOC statement")


def test_the_moc_statement_names_the_points(sample):
    edit(sample, "up to 1.0 MOC points", "up to 2.0 MOC points")
    assert_error(sample, line_of(sample, "moc_statement:"), "up to 1.0 MOC points")


def test_moc_points_equal_the_ama_credits(sample):
    edit(sample, "  - type: abp-moc-2\n    max: 1.0", "  - type: abp-moc-2\n    max: 0.5")
    edit(sample, "up to 1.0 MOC points", "up to 0.5 MOC points")
    assert_error(sample, line_of(sample, "type: abp-moc-2"), "must equal the ama-pra-1 max")


def test_moc_post_test_options_each_carry_feedback(sample):
    path = sample / "06-post-test.md"
    lines = path.read_text().split("\n")
    option = next(i for i, line in enumerate(lines) if line.startswith("- ( )"))
    assert lines[option + 1].startswith("  > ")
    del lines[option + 1]
    path.write_text("\n".join(lines))
    heading = max(n for n, line in enumerate(lines[:option], start=1) if line.startswith("## "))
    assert_error(sample, heading, "every option needs its own feedback", "06-post-test.md")


# --- ANCC contact hours ---------------------------------------------------------------------


def test_ancc_needs_its_statement_and_60_minute_hours(sample):
    edit(
        sample,
        "  - type: participation\n",
        "  - type: ancc-contact-hours\n    max: 1.5\n  - type: participation\n",
    )
    line = line_of(sample, "type: ancc-contact-hours")
    assert_error(sample, line, "ANCC statement")
    assert_error(sample, line, "max must be 1")
    edit(sample, "    max: 1.5\n", "    max: 1.0\n")
    edit(sample, "requirements:", "ancc_statement: Accredited by the nursing board.\nrequirements:")
    assert_error(sample, line_of(sample, "ancc_statement:"), "American Nurses Credentialing Center")


def test_structured_disclosures_round_trip_through_json(sample):
    course, _ = load_course(sample, provider_name=PROVIDER)
    from lms.content.model import Course

    assert Course.from_dict(course.to_dict()) == course
    assert course.review_date == date(2026, 1, 15)
