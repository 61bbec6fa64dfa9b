"""Completion and credit-claim rules, as learners meet them.

Messages are asserted word for word: learners read them, so a change of wording should be a
deliberate edit here too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.accounts.models import Profession
from lms.certificates.eligibility import (
    PROFESSIONS,
    ClaimRequest,
    CourseState,
    LearnerProfile,
    claim_problems,
    completion_problems,
    credit_options,
    is_quarter_step,
    parse_amount,
)
from lms.content.model import CREDIT_TYPES

D = Decimal
RELEASE = date(2026, 1, 15)
EXPIRATION = date(2026, 12, 31)
MIDYEAR = date(2026, 6, 1)
ONE = D("1.0")
ALL_CREDITS: tuple[tuple[str, Decimal], ...] = tuple((t, ONE) for t in CREDIT_TYPES)

# A physician with every detail MOC needs, so only the thing under test can refuse a claim.
PHYSICIAN = LearnerProfile(profession="physician", abp_id="1234567", birth_month=3, birth_day=14)
NURSE = LearnerProfile(profession="nurse", abp_id=None, birth_month=None, birth_day=None)
GOOD_REQUEST = ClaimRequest(
    credit_type="ama-pra-1", amount=ONE, attested=True, consent_to_report=False
)

NOT_COMPLETE = "Credit can be claimed once every part of the course is complete."
AMOUNT_MISSING = "Enter the amount of credit you are claiming as a number, such as 0.75."
AMOUNT_NOT_POSITIVE = "Enter an amount greater than 0."
AMOUNT_STEP = "Enter the amount in steps of 0.25, such as 0.5 or 0.75."
OVER_MAX = "The most you can claim is 1.0."
ATTESTATION = "Confirm that the amount you are claiming matches the time you spent on the course."
MOC_CONSENT = (
    "To claim MOC points, agree to let us report your completion to the "
    "American Board of Pediatrics."
)
UPDATE_HINT = "If your profession has changed, you can update it in your profile."

# Hypothesis would otherwise keep an example database in the working tree.
PROPERTY = settings(database=None, max_examples=300)


def finished(**changes: Any) -> CourseState:
    """Return the state of a learner who has done everything in a credit course, with changes."""
    state = CourseState(
        disclosures_acknowledged=True,
        lessons_total=5,
        lessons_done=5,
        quizzes=(("Knowledge check", True), ("Post-test", True)),
        has_evaluation=True,
        evaluation_submitted=True,
        has_credits=True,
    )
    return replace(state, **changes)


def claim(request: ClaimRequest = GOOD_REQUEST, **context: Any) -> list[str]:
    """Run claim_problems in an open, completed, fully offered course unless told otherwise."""
    arguments: dict[str, Any] = {
        "offered": ALL_CREDITS,
        "profile": PHYSICIAN,
        "already_claimed": frozenset(),
        "today": MIDYEAR,
        "release_date": RELEASE,
        "expiration_date": EXPIRATION,
        "completed": True,
    }
    arguments.update(context)
    return claim_problems(request, **arguments)


def asking(**changes: Any) -> ClaimRequest:
    """Return the good AMA request with changes."""
    return replace(GOOD_REQUEST, **changes)


# --- completion -----------------------------------------------------------------------------


def test_a_learner_who_has_done_everything_has_completed_the_course() -> None:
    assert completion_problems(finished()) == []


def test_a_learner_who_has_not_acknowledged_the_disclosures_is_asked_to_read_them() -> None:
    state = finished(disclosures_acknowledged=False, lessons_done=0)

    assert completion_problems(state)[0] == (
        "Read and acknowledge the disclosures at the start of the course."
    )


def test_a_learner_part_way_through_is_told_how_many_lessons_are_complete() -> None:
    assert completion_problems(finished(lessons_done=3)) == ["3 of 5 lessons are complete."]


def test_a_course_with_one_lesson_counts_it_in_the_singular() -> None:
    state = finished(lessons_total=1, lessons_done=0)

    assert completion_problems(state) == ["0 of 1 lesson is complete."]


def test_a_learner_who_has_not_passed_a_quiz_is_asked_to_pass_it_by_name() -> None:
    state = finished(quizzes=(("Knowledge check", True), ("Post-test", False)))

    assert completion_problems(state) == ["Pass the Post-test."]


def test_two_unpassed_quizzes_with_one_title_are_mentioned_once() -> None:
    state = finished(quizzes=(("Quiz", False), ("Quiz", False)))

    assert completion_problems(state) == ["Pass the Quiz."]


def test_a_credit_course_asks_for_the_evaluation() -> None:
    assert completion_problems(finished(evaluation_submitted=False)) == [
        "Submit the course evaluation."
    ]


def test_a_course_without_credit_does_not_wait_for_the_evaluation() -> None:
    assert completion_problems(finished(has_credits=False, evaluation_submitted=False)) == []


def test_a_credit_course_with_no_evaluation_page_does_not_hold_the_learner_back() -> None:
    state = finished(has_evaluation=False, evaluation_submitted=False)

    assert completion_problems(state) == []


def test_a_course_with_no_required_lessons_or_quizzes_is_complete_once_acknowledged() -> None:
    state = finished(lessons_total=0, lessons_done=0, quizzes=())

    assert completion_problems(state) == []


def test_a_learner_who_has_just_enrolled_sees_every_step_in_course_order() -> None:
    state = finished(
        disclosures_acknowledged=False,
        lessons_done=0,
        quizzes=(("Knowledge check", False), ("Post-test", False)),
        evaluation_submitted=False,
    )

    assert completion_problems(state) == [
        "Read and acknowledge the disclosures at the start of the course.",
        "0 of 5 lessons are complete.",
        "Pass the Knowledge check.",
        "Pass the Post-test.",
        "Submit the course evaluation.",
    ]


@pytest.mark.parametrize(("total", "done"), [(-1, 0), (5, -1), (5, 6)])
def test_impossible_lesson_counts_are_a_programming_error(total: int, done: int) -> None:
    with pytest.raises(ValueError, match="lessons_done"):
        finished(lessons_total=total, lessons_done=done)


# --- which credit each learner can claim ----------------------------------------------------

AVAILABLE = {
    "pediatric-trainee": {"ama-pra-1", "participation"},
    "physician": {"ama-pra-1", "abp-moc-2", "participation"},
    "nurse": {"ancc-contact-hours", "participation"},
    "social-worker": {"participation"},
    "clinic-staff": {"participation"},
    "other": {"participation"},
}


def test_the_rules_know_exactly_the_professions_learners_can_choose() -> None:
    assert set(PROFESSIONS) == {profession.value for profession in Profession} == set(AVAILABLE)


@pytest.mark.parametrize(
    ("profession", "credit_type", "available"),
    [
        (profession, credit_type, credit_type in AVAILABLE[profession])
        for profession in AVAILABLE
        for credit_type in CREDIT_TYPES
    ],
)
def test_each_profession_sees_the_credit_types_it_can_claim(
    profession: str, credit_type: str, available: bool
) -> None:
    profile = replace(PHYSICIAN, profession=profession)

    [option] = credit_options([(credit_type, ONE)], profile)

    assert option.available is available
    assert (option.reason is None) is available


@pytest.mark.parametrize(
    ("credit_type", "profession", "reason"),
    [
        (
            "ama-pra-1",
            "nurse",
            f"AMA PRA Category 1 Credit™ is for physicians and pediatric trainees. {UPDATE_HINT}",
        ),
        (
            "abp-moc-2",
            "pediatric-trainee",
            f"ABP MOC Part 2 points are for physicians. {UPDATE_HINT}",
        ),
        ("ancc-contact-hours", "physician", f"ANCC contact hours are for nurses. {UPDATE_HINT}"),
    ],
)
def test_a_learner_outside_a_credits_profession_is_told_who_it_is_for(
    credit_type: str, profession: str, reason: str
) -> None:
    [option] = credit_options([(credit_type, ONE)], replace(PHYSICIAN, profession=profession))

    assert option.reason == reason


@pytest.mark.parametrize(
    ("abp_id", "month", "day", "missing"),
    [
        (None, None, None, "ABP ID and birth month and day"),
        (None, 3, 14, "ABP ID"),
        ("   ", 3, 14, "ABP ID"),
        ("1234567", None, None, "birth month and day"),
        ("1234567", None, 14, "birth month"),
        ("1234567", 3, None, "birth day"),
        (None, 3, None, "ABP ID and birth day"),
    ],
)
def test_a_physician_is_told_exactly_what_to_add_to_their_profile_for_moc(
    abp_id: str | None, month: int | None, day: int | None, missing: str
) -> None:
    profile = LearnerProfile("physician", abp_id=abp_id, birth_month=month, birth_day=day)

    [option] = credit_options([("abp-moc-2", ONE)], profile)

    assert not option.available
    assert option.reason == f"Add your {missing} to your profile to claim MOC points."


def test_the_options_follow_the_course_order_and_carry_each_maximum() -> None:
    offered = [("participation", D("2.0")), ("ama-pra-1", D("1.5"))]

    options = credit_options(offered, NURSE)

    assert [(o.credit_type, o.max, o.available) for o in options] == [
        ("participation", D("2.0"), True),
        ("ama-pra-1", D("1.5"), False),
    ]


@pytest.mark.parametrize(
    "offered",
    [
        [("cme-hours", ONE)],
        [("participation", ONE), ("participation", ONE)],
        [("participation", D("0"))],
        [("participation", D("-1"))],
        [("participation", D("NaN"))],
    ],
)
def test_broken_course_credit_data_is_a_programming_error(offered: list[Any]) -> None:
    with pytest.raises(ValueError):
        credit_options(offered, PHYSICIAN)


@pytest.mark.parametrize(
    ("profession", "month", "day"),
    [("dentist", None, None), ("physician", 13, 1), ("physician", 1, 0), ("physician", 2, 30)],
)
def test_an_impossible_profile_is_a_programming_error(
    profession: str, month: int | None, day: int | None
) -> None:
    with pytest.raises(ValueError):
        LearnerProfile(profession, abp_id=None, birth_month=month, birth_day=day)


def test_a_learner_born_on_february_29_can_claim_moc() -> None:
    profile = LearnerProfile("physician", abp_id="1234567", birth_month=2, birth_day=29)

    assert credit_options([("abp-moc-2", ONE)], profile)[0].available


# --- claiming -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "profile"),
    [
        (GOOD_REQUEST, PHYSICIAN),
        (asking(credit_type="abp-moc-2", consent_to_report=True), PHYSICIAN),
        (asking(credit_type="ancc-contact-hours"), NURSE),
        (asking(credit_type="participation"), NURSE),
    ],
)
def test_an_eligible_learner_with_a_complete_claim_is_accepted(
    request_: ClaimRequest, profile: LearnerProfile
) -> None:
    assert claim(request_, profile=profile) == []


def test_a_learner_who_has_not_finished_the_course_cannot_claim_yet() -> None:
    assert claim(completed=False) == [NOT_COMPLETE]


def test_a_learner_cannot_claim_a_type_the_course_does_not_offer() -> None:
    assert claim(offered=[("participation", ONE)]) == [
        "This course does not offer AMA PRA Category 1 Credit™."
    ]


def test_a_claim_for_an_unknown_credit_type_is_refused_gently() -> None:
    assert claim(asking(credit_type="cme-hours")) == [
        "This course does not offer that kind of credit."
    ]


def test_a_learner_cannot_claim_a_type_their_profession_cannot_receive() -> None:
    [reason] = [
        o.reason for o in credit_options(ALL_CREDITS, NURSE) if o.credit_type == "ama-pra-1"
    ]

    assert claim(profile=NURSE) == [reason]


def test_a_physician_without_moc_details_is_told_what_to_add_when_claiming() -> None:
    profile = replace(PHYSICIAN, abp_id=None, birth_month=None, birth_day=None)

    assert claim(asking(credit_type="abp-moc-2", consent_to_report=True), profile=profile) == [
        "Add your ABP ID and birth month and day to your profile to claim MOC points."
    ]


def test_a_learner_cannot_claim_the_same_type_twice_for_one_course_version() -> None:
    assert claim(already_claimed={"ama-pra-1"}) == [
        "You have already claimed AMA PRA Category 1 Credit™ for this course. "
        "A claim cannot be changed or raised later."
    ]


def test_an_earlier_claim_of_another_type_does_not_block_this_one() -> None:
    assert claim(already_claimed={"participation"}) == []


def test_a_claim_without_an_amount_asks_for_one() -> None:
    assert claim(asking(amount=None)) == [AMOUNT_MISSING]


def test_a_claim_of_a_non_number_decimal_asks_for_an_amount() -> None:
    assert claim(asking(amount=D("NaN"))) == [AMOUNT_MISSING]


def test_a_claim_of_zero_is_refused() -> None:
    assert claim(asking(amount=D("0"))) == [AMOUNT_NOT_POSITIVE]


def test_a_negative_claim_is_refused() -> None:
    assert claim(asking(amount=D("-0.25"))) == [AMOUNT_NOT_POSITIVE]


def test_a_claim_over_the_maximum_is_refused_with_the_maximum() -> None:
    assert claim(asking(amount=D("1.25"))) == [OVER_MAX]


def test_a_claim_that_is_not_a_quarter_step_is_refused() -> None:
    assert claim(asking(amount=D("0.3"))) == [AMOUNT_STEP]


def test_an_amount_both_too_high_and_off_step_gets_both_messages() -> None:
    assert claim(asking(amount=D("1.3"))) == [OVER_MAX, AMOUNT_STEP]


@pytest.mark.parametrize(
    ("maximum", "shown"), [(D("2"), "2.0"), (D("1.50"), "1.5"), (D("10"), "10.0")]
)
def test_the_maximum_is_shown_in_one_style_however_the_author_wrote_it(
    maximum: Decimal, shown: str
) -> None:
    problems = claim(asking(amount=D("20")), offered=[("ama-pra-1", maximum)])

    assert problems == [f"The most you can claim is {shown}."]


def test_a_claim_before_the_release_date_says_when_credit_opens() -> None:
    assert claim(today=RELEASE - timedelta(days=1)) == [
        "Credit for this course opens on January 15, 2026."
    ]


def test_a_claim_after_the_expiration_date_says_when_credit_closed() -> None:
    assert claim(today=EXPIRATION + timedelta(days=1)) == [
        "Credit for this course closed on December 31, 2026."
    ]


@pytest.mark.parametrize("today", [RELEASE, EXPIRATION], ids=["release-day", "expiration-day"])
def test_a_claim_on_the_release_or_expiration_date_is_allowed(today: date) -> None:
    assert claim(today=today) == []


def test_a_course_without_dates_takes_claims_at_any_time() -> None:
    assert claim(today=date(2099, 1, 1), release_date=None, expiration_date=None) == []


def test_a_course_released_after_it_expires_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="release_date"):
        claim(release_date=EXPIRATION, expiration_date=RELEASE)


def test_a_claim_without_the_attestation_asks_for_it() -> None:
    assert claim(asking(attested=False)) == [ATTESTATION]


def test_an_moc_claim_without_consent_to_report_asks_for_it() -> None:
    assert claim(asking(credit_type="abp-moc-2", consent_to_report=False)) == [MOC_CONSENT]


def test_only_moc_needs_consent_to_report() -> None:
    assert claim(asking(consent_to_report=False)) == []


def test_form_mistakes_are_listed_together_so_they_can_be_fixed_at_once() -> None:
    request = asking(credit_type="abp-moc-2", amount=D("0.3"), attested=False)

    assert claim(request) == [AMOUNT_STEP, ATTESTATION, MOC_CONSENT]


def test_when_a_claim_cannot_be_made_the_form_details_are_not_raised_as_well() -> None:
    request = asking(amount=None, attested=False)

    problems = claim(request, completed=False, today=EXPIRATION + timedelta(days=1))

    assert problems == [NOT_COMPLETE, "Credit for this course closed on December 31, 2026."]


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("0.25", []),
        ("0.5", []),
        ("0.75", []),
        ("1.0", []),
        ("1", []),
        ("0.3", [AMOUNT_STEP]),
        ("0", [AMOUNT_NOT_POSITIVE]),
        ("-0.25", [AMOUNT_NOT_POSITIVE]),
        ("1.25", [OVER_MAX]),
        ("", [AMOUNT_MISSING]),
        ("abc", [AMOUNT_MISSING]),
    ],
)
def test_amounts_typed_on_the_form_with_a_maximum_of_one(text: str, problems: list[str]) -> None:
    assert claim(asking(amount=parse_amount(text))) == problems


# --- reading and checking amounts -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("0.75", D("0.75")),
        (" 1.0 ", D("1.0")),
        (".5", D("0.5")),
        ("1.", D("1")),
        ("+0.25", D("0.25")),
        ("-1", D("-1")),
        ("0", D("0")),
    ],
)
def test_plain_decimals_are_read_exactly(text: str, amount: Decimal) -> None:
    parsed = parse_amount(text)

    assert parsed == amount
    assert isinstance(parsed, Decimal)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "1e3",
        "1E-2",
        "0,75",
        "1.2.3",
        "1 000",
        "\u0663",
        "0x10",
        "1" * 40,
    ],
)
def test_text_that_is_not_a_plain_decimal_is_not_an_amount(text: str) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    "amount",
    ["0", "0.25", "1", "1.00", "2.75", "-0.25", "1E+2", "0.2500000000000000000000000000000"],
)
def test_whole_quarters_are_quarter_steps(amount: str) -> None:
    assert is_quarter_step(D(amount))


@pytest.mark.parametrize(
    "amount", ["0.3", "0.1", "0.2500000000000000000000000000001", "NaN", "sNaN", "Infinity"]
)
def test_anything_between_quarters_is_not_a_quarter_step(amount: str) -> None:
    assert not is_quarter_step(D(amount))


# --- properties -----------------------------------------------------------------------------

amount_texts = st.one_of(
    st.text(max_size=12),
    st.from_regex(r"\A[+-]?[0-9]{0,3}(\.[0-9]{0,4})?\Z"),
    st.integers(min_value=-8, max_value=48).map(lambda k: str(D(k) / 4)),
)
maxima = st.one_of(
    st.integers(min_value=1, max_value=40).map(lambda k: D(k) / 4),
    st.decimals(min_value=D("0.01"), max_value=D("10"), places=2),
)


@PROPERTY
@given(text=amount_texts, maximum=maxima)
def test_any_amount_that_passes_is_a_positive_quarter_step_within_the_maximum(
    text: str, maximum: Decimal
) -> None:
    amount = parse_amount(text)

    if claim(asking(amount=amount), offered=[("ama-pra-1", maximum)]) == []:
        assert amount is not None
        assert 0 < amount <= maximum
        assert is_quarter_step(amount)


@PROPERTY
@given(
    quarters=st.integers(min_value=1, max_value=40), extra=st.integers(min_value=0, max_value=40)
)
def test_every_quarter_step_up_to_the_maximum_is_accepted(quarters: int, extra: int) -> None:
    maximum = D(quarters + extra) / 4

    assert claim(asking(amount=D(quarters) / 4), offered=[("ama-pra-1", maximum)]) == []


@PROPERTY
@given(text=st.text())
def test_reading_any_text_gives_a_finite_amount_or_none(text: str) -> None:
    amount = parse_amount(text)

    assert amount is None or amount.is_finite()
