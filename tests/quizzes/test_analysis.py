"""Statistics for authors, checked against figures worked out by hand."""

from __future__ import annotations

import pytest

from lms.content.model import Option, Question
from lms.quizzes.analysis import (
    AttemptRecord,
    ItemStats,
    OptionRate,
    QuizSummary,
    average,
    discrimination_index,
    free_text_answers,
    item_analysis,
    knowledge_gain,
    likert_summary,
    summarise,
)


def option(option_id: str, correct: bool = False) -> Option:
    return Option(option_id, f"Text {option_id}", f"Text {option_id}", correct)


Q1 = Question(
    "q1", "single", "Triggers", "Triggers", "", (option("a", True), option("b"), option("c"))
)
Q2 = Question(
    "q2", "multiple", "Signs", "Signs", "", (option("a", True), option("b", True), option("c"))
)
Q3 = Question("q3", "short", "Name it", "Name it", "", answers=("safety",))
Q4 = Question("q4", "text", "Comments", "Comments", "")
QUESTIONS = [Q1, Q2, Q3, Q4]


def record(learner: int, score: float, responses: dict[str, object], correct: str) -> AttemptRecord:
    # `correct` is one letter per graded question q1..q3: T right, F wrong.
    return AttemptRecord(
        learner_id=learner,
        score=score,
        passed=score >= 80,
        responses=responses,  # type: ignore[arg-type]
        correct={f"q{n}": flag == "T" for n, flag in enumerate(correct, start=1)},
    )


# Ten attempts by eight learners (learner 3 tried twice, learner 8 twice), listed out of score
# order so the ranking is exercised. Choice responses are lists, as they come back from JSON.
#
#   attempt  learner score  q1            q2               q3
#   A1       1       95     a       T     a        F       safety  T
#   A2       2       90     a       T     a,b,c    F       Safety  T
#   A3       3       85     b       F     a,b      T       safety  T
#   A4       4       70     a       T     a,b      T       safety  T
#   A5       5       65     c       F     b        F       safety  T
#   A6       6       60     a       T     (none)   F       "  "    F
#   A7       7       50     b       F     a,b      T       -       F
#   A8       8       40     a       T     a,b      T       wrong   F
#   A9       3       30     (none)  F     a,b      T       x       F
#   A10      8       20     -       F     b,a      T       y       F
#
# n = 10, so each group has k = max(1, round(0.27 * 10)) = round(2.7) = 3 attempts:
# upper = A1, A2, A3 (95, 90, 85); lower = A8, A9, A10 (40, 30, 20).
#   q1: upper right 2/3 (A1, A2), lower right 1/3 (A8)  -> D = 2/3 - 1/3 = 1/3
#   q2: upper right 1/3 (A3),     lower right 3/3       -> D = 1/3 - 1   = -2/3
#   q3: upper right 3/3,          lower right 0/3       -> D = 1 - 0     = 1
A = {
    1: record(1, 95, {"q1": ["a"], "q2": ["a"], "q3": "safety"}, "TFT"),
    2: record(2, 90, {"q1": ["a"], "q2": ["a", "b", "c"], "q3": "Safety"}, "TFT"),
    3: record(3, 85, {"q1": ["b"], "q2": ["a", "b"], "q3": "safety"}, "FTT"),
    4: record(4, 70, {"q1": ["a"], "q2": ["a", "b"], "q3": "safety"}, "TTT"),
    5: record(5, 65, {"q1": ["c"], "q2": ["b"], "q3": "safety"}, "FFT"),
    6: record(6, 60, {"q1": ["a"], "q2": [], "q3": "  ", "q4": "Good"}, "TFF"),
    7: record(7, 50, {"q1": ["b"], "q2": ["a", "b"]}, "FTF"),
    8: record(8, 40, {"q1": ["a"], "q2": ["a", "b"], "q3": "wrong"}, "TTF"),
    9: record(3, 30, {"q1": [], "q2": ["a", "b"], "q3": "x"}, "FTF"),
    10: record(8, 20, {"q2": ["b", "a"], "q3": "y"}, "FTF"),
}
ATTEMPTS = [A[n] for n in (5, 9, 1, 10, 3, 7, 2, 6, 8, 4)]


def test_summarise_counts_learners_who_passed_at_least_once() -> None:
    # Passed (>= 80): A1, A2, A3 -> learners 1, 2, 3 of 8; learner 3 also failed once.
    # Mean score: (95 + 90 + 85 + 70 + 65 + 60 + 50 + 40 + 30 + 20) / 10 = 605 / 10.
    assert summarise(ATTEMPTS) == QuizSummary(
        attempts=10, learners=8, pass_rate=37.5, average_score=60.5, passed_learners=3
    )


def test_summarise_a_retry_that_passes_counts_as_passed() -> None:
    attempts = [record(1, 50, {}, ""), record(1, 90, {}, ""), record(2, 60, {}, "")]
    summary = summarise(attempts)
    assert (summary.passed_learners, summary.learners, summary.pass_rate) == (1, 2, 50.0)


def test_summarise_nothing() -> None:
    assert summarise([]) == QuizSummary(0, 0, None, None, 0)


def test_item_analysis_by_hand() -> None:
    q1, q2, q3 = item_analysis(QUESTIONS, ATTEMPTS)

    # q1: answered by all but A9 (empty) and A10 (missing) = 8; right 5 of 10 graded.
    assert (q1.question_id, q1.title, q1.answered) == ("q1", "Triggers", 8)
    assert q1.percent_correct == 50.0
    assert q1.option_rates == (
        OptionRate("a", "Text a", True, 5, 62.5),
        OptionRate("b", "Text b", False, 2, 25.0),
        OptionRate("c", "Text c", False, 1, 12.5),
    )
    assert q1.discrimination == pytest.approx(1 / 3)

    # q2: A6 chose nothing, so 9 answered; right 6 of 10. Shares of the 9 can exceed 100 in sum.
    assert (q2.answered, q2.percent_correct) == (9, 60.0)
    assert [(r.option_id, r.chosen) for r in q2.option_rates] == [("a", 8), ("b", 8), ("c", 1)]
    assert [r.percent for r in q2.option_rates] == pytest.approx([800 / 9, 800 / 9, 100 / 9])
    assert q2.discrimination == pytest.approx(-2 / 3)

    # q3: blank (A6) and missing (A7) are unanswered, so 8 answered; right 5 of 10.
    assert q3 == ItemStats("q3", "Name it", 8, 50.0, (), 1.0)


def test_item_analysis_skips_text_questions() -> None:
    assert [item.question_id for item in item_analysis(QUESTIONS, ATTEMPTS)] == ["q1", "q2", "q3"]


def test_item_analysis_without_attempts() -> None:
    (q1,) = item_analysis([Q1], [])
    assert (q1.answered, q1.percent_correct, q1.discrimination) == (0, None, None)
    assert [rate.percent for rate in q1.option_rates] == [None, None, None]
    assert [rate.chosen for rate in q1.option_rates] == [0, 0, 0]


def test_item_analysis_ignores_text_given_to_a_choice_question() -> None:
    (q1,) = item_analysis([Q1], [record(1, 0, {"q1": "a"}, "F")])
    assert q1.answered == 0
    assert [rate.chosen for rate in q1.option_rates] == [0, 0, 0]


def test_discrimination_needs_four_attempts() -> None:
    three = [
        record(n, score, {}, flag) for n, score, flag in [(1, 90, "T"), (2, 50, "F"), (3, 10, "F")]
    ]
    assert discrimination_index("q1", three) is None
    # With 4, k = max(1, round(1.08)) = 1: top (90, right) minus bottom (10, wrong) = 1.
    four = [*three, record(4, 30, {}, "T")]
    assert discrimination_index("q1", four) == 1.0


def test_discrimination_counts_only_attempts_that_graded_the_question() -> None:
    # Four attempts without q2 leave three with it: too few.
    attempts = [record(n, 10 * n, {}, "TT" if n <= 3 else "T") for n in range(1, 8)]
    assert discrimination_index("q2", attempts) is None


def test_discrimination_ties_keep_the_given_order() -> None:
    # All scores equal: upper = first k, lower = last k. n = 4, k = 1: right (first) - wrong (last).
    attempts = [record(n, 50, {}, flag) for n, flag in enumerate("TFTF", start=1)]
    assert discrimination_index("q1", attempts) == 1.0
    assert discrimination_index("q1", attempts[::-1]) == -1.0


def test_discrimination_groups_for_larger_counts() -> None:
    # n = 20 -> k = round(5.4) = 5. The top 5 are all right, the bottom 5 have 2 right: 1 - 0.4.
    flags = "TTTTT" + "FFFFFFFFFF" + "TFTFF"
    attempts = [record(n, 100 - n, {}, flag) for n, flag in enumerate(flags)]
    assert discrimination_index("q1", attempts) == pytest.approx(0.6)


def test_likert_summary_counts_each_option() -> None:
    scale = Question(
        "q1",
        "single",
        "Useful?",
        "Useful?",
        "",
        (option("agree"), option("neutral"), option("disagree")),
    )
    responses = [("agree",), ["neutral"], ("agree",), (), ["agree"], "stray text"]
    # Four responses chose something: agree 3/4, neutral 1/4, disagree 0/4.
    assert likert_summary(scale, responses) == (  # type: ignore[arg-type]
        OptionRate("agree", "Text agree", False, 3, 75.0),
        OptionRate("neutral", "Text neutral", False, 1, 25.0),
        OptionRate("disagree", "Text disagree", False, 0, 0.0),
    )


def test_likert_summary_ignores_options_the_question_no_longer_has() -> None:
    # ("z",) chose nothing that exists, so only one response counts as answered.
    rates = likert_summary(Q1, [("z",), ("a", "z")])
    assert [(rate.chosen, rate.percent) for rate in rates] == [(1, 100.0), (0, 0.0), (0, 0.0)]


def test_likert_summary_without_responses() -> None:
    assert [rate.percent for rate in likert_summary(Q1, [])] == [None, None, None]


def test_free_text_answers_are_stripped_non_blank_and_in_order() -> None:
    responses = [
        {"q4": "  Helpful examples  "},
        {"q4": ""},
        {"q1": ["a"]},
        {"q4": " \n "},
        {"q4": "More on\nself-care\n"},
        {"q4": ["a"]},
    ]
    assert free_text_answers("q4", responses) == ["Helpful examples", "More on\nself-care"]


def test_knowledge_gain_for_learners_with_both_scores() -> None:
    gain = knowledge_gain({3: 50.0, 1: 40.0, 2: 60.0}, {2: 80.0, 3: 45.0, 4: 90.0})
    assert gain == {2: 20.0, 3: -5.0}
    assert list(gain) == [2, 3]


def test_average() -> None:
    assert average([]) is None
    assert average([20.0, -5.0]) == 7.5
    assert average(value for value in (1.0, 2.0, 4.0)) == pytest.approx(7 / 3)
