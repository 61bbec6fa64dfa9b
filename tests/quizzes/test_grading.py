"""Grading of quiz answers: each grader, whole attempts, and properties over generated quizzes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.content.model import Option, Question
from lms.quizzes.grading import (
    GRADERS,
    AnswerError,
    AttemptGrade,
    QuestionResult,
    grade_attempt,
    grade_multiple,
    grade_short,
    grade_single,
    passed,
    validate_responses,
)

# No example database: failures are reproduced from the printed seed, not from files in the repo.
properties = settings(database=None, max_examples=200)


def choice(
    qid: str, kind: str, correct: str, ids: str = "abcd", explanation: str | None = None
) -> Question:
    return Question(
        id=qid,
        kind=kind,  # type: ignore[arg-type]
        title=f"Title {qid}",
        title_html=f"Title {qid}",
        stem_html="",
        options=tuple(
            Option(
                id=option_id,
                html=f"Option {option_id}",
                text=f"Option {option_id}",
                correct=option_id in correct,
                feedback_html=f"<p>Feedback {option_id}</p>" if option_id != "d" else None,
            )
            for option_id in ids
        ),
        explanation_html=explanation,
    )


def short(qid: str, *answers: str) -> Question:
    return Question(id=qid, kind="short", title=qid, title_html=qid, stem_html="", answers=answers)


def text(qid: str) -> Question:
    return Question(id=qid, kind="text", title=qid, title_html=qid, stem_html="")


SINGLE = choice("q1", "single", "b", explanation="<p>Because b.</p>")
MULTIPLE = choice("q2", "multiple", "ac")
SHORT = short("q3", "Safety", "feeling safe")


# grade_single


def test_single_right_when_the_correct_option_is_chosen() -> None:
    assert grade_single(SINGLE, ("b",)) == QuestionResult(
        question_id="q1",
        correct=True,
        score=1.0,
        response=("b",),
        feedback_html=("<p>Feedback b</p>",),
        explanation_html="<p>Because b.</p>",
    )


def test_single_wrong_option_is_wrong_with_its_feedback() -> None:
    result = grade_single(SINGLE, ("a",))
    assert (result.correct, result.score, result.feedback_html) == (
        False,
        0.0,
        ("<p>Feedback a</p>",),
    )


def test_single_option_without_feedback_gives_none() -> None:
    assert grade_single(SINGLE, ("d",)).feedback_html == ()


def test_single_empty_answer_is_wrong_not_an_error() -> None:
    result = grade_single(SINGLE, ())
    assert (result.correct, result.score, result.response, result.feedback_html) == (
        False,
        0.0,
        (),
        (),
    )


def test_single_two_options_is_an_error() -> None:
    with pytest.raises(AnswerError, match="Question 1 takes only one answer"):
        grade_single(SINGLE, ("a", "b"))


def test_single_unknown_option_is_an_error() -> None:
    with pytest.raises(AnswerError, match="Question 1 has no option 'z'"):
        grade_single(SINGLE, ("z",))


def test_single_text_is_an_error() -> None:
    with pytest.raises(AnswerError, match="expects a choice"):
        grade_single(SINGLE, "b")


def test_single_accepts_a_list_and_returns_a_tuple() -> None:
    assert grade_single(SINGLE, ["b"]).response == ("b",)  # type: ignore[arg-type]


# grade_multiple


def test_multiple_right_only_for_the_exact_set_in_any_order() -> None:
    result = grade_multiple(MULTIPLE, ("c", "a"))
    assert result.correct and result.score == 1.0
    # Normalised to option order, and feedback follows option order too.
    assert result.response == ("a", "c")
    assert result.feedback_html == ("<p>Feedback a</p>", "<p>Feedback c</p>")


@pytest.mark.parametrize("response", [("a",), ("c",), ("a", "b", "c"), ("a", "b", "c", "d"), ()])
def test_multiple_subset_superset_or_empty_is_wrong(response: tuple[str, ...]) -> None:
    result = grade_multiple(MULTIPLE, response)
    assert not result.correct and result.score == 0.0


def test_multiple_duplicate_option_is_an_error() -> None:
    with pytest.raises(AnswerError, match="Question 2 lists option 'a' twice"):
        grade_multiple(MULTIPLE, ("a", "a", "c"))


def test_multiple_unknown_option_is_an_error() -> None:
    with pytest.raises(AnswerError, match="Question 2 has no option 'e'"):
        grade_multiple(MULTIPLE, ("a", "e"))


def test_multiple_non_string_option_is_an_error() -> None:
    with pytest.raises(AnswerError, match="has no option '1'"):
        grade_multiple(MULTIPLE, (1,))  # type: ignore[arg-type]


def test_question_with_an_odd_id_is_named_by_its_id() -> None:
    with pytest.raises(AnswerError, match="Question 'intro' has no option 'z'"):
        grade_single(choice("intro", "single", "a"), ("z",))


# grade_short


@pytest.mark.parametrize(
    "answer", ["Safety", "safety", "  SAFETY \n", "Feeling Safe", "\tfeeling safe"]
)
def test_short_ignores_case_and_outer_space(answer: str) -> None:
    result = grade_short(SHORT, answer)
    assert result.correct and result.score == 1.0
    assert result.response == answer
    assert result.feedback_html == ()


@pytest.mark.parametrize("answer", ["", "   ", "\n", "safe", "feeling  safe", "safety first"])
def test_short_blank_or_different_is_wrong(answer: str) -> None:
    result = grade_short(SHORT, answer)
    assert not result.correct and result.score == 0.0


def test_short_blank_is_wrong_even_if_a_blank_answer_was_listed() -> None:
    assert not grade_short(short("q1", " "), "").correct


@pytest.mark.parametrize("answer", [("a",), (), None, 3])
def test_short_non_string_is_an_error(answer: object) -> None:
    with pytest.raises(AnswerError, match="Question 3 expects a written answer"):
        grade_short(SHORT, answer)  # type: ignore[arg-type]


def test_registry_maps_each_gradable_kind() -> None:
    assert GRADERS == {"single": grade_single, "multiple": grade_multiple, "short": grade_short}


# validate_responses


def test_validate_accepts_matching_responses() -> None:
    validate_responses([SINGLE, MULTIPLE, SHORT, text("q4")], {"q1": ("b",), "q3": "x", "q4": ""})


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        ({"q9": ("a",)}, "This quiz has no question 'q9'"),
        ({"q1": ("e",)}, "Question 1 has no option 'e'"),
        ({"q2": ("a", "a")}, "Question 2 lists option 'a' twice"),
        ({"q3": ("a",)}, "Question 3 expects a written answer"),
        ({"q4": ("a",)}, "Question 4 expects a written answer"),
        ({"q1": "b"}, "Question 1 expects a choice"),
        ({"q2": "a,c"}, "Question 2 expects a choice"),
        # An option id that exists on another question is still unknown here.
        ({"q1": ("b",), "q2": ("a",), "q5": ("b",)}, "Question 5 has no option 'b'"),
    ],
)
def test_validate_rejects(responses: dict[str, object], message: str) -> None:
    questions = [SINGLE, MULTIPLE, SHORT, text("q4"), choice("q5", "single", "x", ids="xy")]
    with pytest.raises(AnswerError, match=message):
        validate_responses(questions, responses)  # type: ignore[arg-type]


def test_answer_error_is_a_value_error() -> None:
    assert issubclass(AnswerError, ValueError)


# grade_attempt


def test_attempt_scores_the_share_of_gradable_questions_right() -> None:
    questions = [SINGLE, MULTIPLE, SHORT, text("q4")]
    grade = grade_attempt(questions, {"q1": ("b",), "q2": ("a",), "q3": " safety ", "q4": "hi"})
    assert (grade.score, grade.correct, grade.total) == (66.67, 2, 3)
    assert [result.question_id for result in grade.results] == ["q1", "q2", "q3"]
    assert [result.correct for result in grade.results] == [True, False, True]


def test_attempt_missing_responses_are_wrong() -> None:
    grade = grade_attempt([SINGLE, MULTIPLE, SHORT], {"q2": ("a", "c")})
    assert (grade.score, grade.correct, grade.total) == (33.33, 1, 3)
    assert [result.response for result in grade.results] == [(), ("a", "c"), ""]


def test_attempt_all_right_scores_100_and_none_right_scores_0() -> None:
    questions = [SINGLE, MULTIPLE, SHORT]
    assert grade_attempt(questions, {"q1": ("b",), "q2": ("a", "c"), "q3": "safety"}).score == 100
    assert grade_attempt(questions, {}).score == 0


def test_attempt_without_gradable_questions_scores_0() -> None:
    assert grade_attempt([text("q1")], {"q1": "thoughts"}) == AttemptGrade(0.0, 0, 0, ())
    assert grade_attempt([], {}) == AttemptGrade(0.0, 0, 0, ())


def test_attempt_validates_before_grading() -> None:
    with pytest.raises(AnswerError, match="no question 'q7'"):
        grade_attempt([SINGLE], {"q1": ("b",), "q7": ("a",)})
    with pytest.raises(AnswerError, match="takes only one answer"):
        grade_attempt([SINGLE], {"q1": ("a", "b")})


def test_attempt_unknown_kind_fails_loudly() -> None:
    odd = Question(id="q1", kind="essay", title="", title_html="", stem_html="")  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        grade_attempt([odd], {})


@pytest.mark.parametrize(
    ("score", "passing", "expected"),
    [(80.0, 80, True), (79.99, 80, False), (100, 80, True), (0, 0, True)],
)
def test_passed_at_or_above_the_passing_score(score: float, passing: int, expected: bool) -> None:
    assert passed(score, passing) is expected


# Properties over generated quizzes

OPTION_IDS = "abcdefgh"
# A fixed alphabet with mixed case, accents, ß and inner whitespace keeps generation fast.
ANSWER_TEXT = st.text(alphabet="aAbBzZéÉßİ 12-\t", max_size=12)


@st.composite
def questions(draw: st.DrawFn, qid: str) -> Question:
    kind = draw(st.sampled_from(["single", "multiple", "short", "text"]))
    if kind == "short":
        answers = draw(st.lists(ANSWER_TEXT.filter(str.strip), min_size=1, max_size=3))
        return short(qid, *answers)
    if kind == "text":
        return text(qid)
    ids = OPTION_IDS[: draw(st.integers(2, len(OPTION_IDS)))]
    if kind == "single":
        correct = draw(st.sampled_from(ids))
    else:
        correct = "".join(draw(st.sets(st.sampled_from(ids), min_size=1)))
    return choice(qid, kind, correct, ids=ids)


@st.composite
def quizzes(draw: st.DrawFn) -> list[Question]:
    count = draw(st.integers(0, 8))
    return [draw(questions(f"q{number}")) for number in range(1, count + 1)]


@st.composite
def valid_response(draw: st.DrawFn, question: Question) -> tuple[str, ...] | str:
    ids = [option.id for option in question.options]
    if question.kind == "single":
        return tuple(draw(st.lists(st.sampled_from(ids), max_size=1)))
    if question.kind == "multiple":
        return tuple(draw(st.permutations(ids))[: draw(st.integers(0, len(ids)))])
    return draw(ANSWER_TEXT)


def correct_response(question: Question, padding: str, upper: bool) -> tuple[str, ...] | str:
    if question.kind == "short":
        answer = question.answers[0]
        return padding + (answer.upper() if upper else answer) + padding
    return tuple(option.id for option in question.options if option.correct)


@properties
@given(data=st.data(), quiz=quizzes())
def test_score_is_always_between_0_and_100(data: st.DataObject, quiz: list[Question]) -> None:
    answered = data.draw(st.sets(st.sampled_from([q.id for q in quiz]))) if quiz else set()
    responses = {q.id: data.draw(valid_response(q)) for q in quiz if q.id in answered}
    grade = grade_attempt(quiz, responses)
    assert 0 <= grade.score <= 100
    assert 0 <= grade.correct <= grade.total == sum(q.kind != "text" for q in quiz)
    assert all(result.score in (0.0, 1.0) for result in grade.results)


@properties
@given(quiz=quizzes(), padding=st.sampled_from(["", " ", "\t ", "\n"]), upper=st.booleans())
def test_all_correct_responses_score_100(quiz: list[Question], padding: str, upper: bool) -> None:
    # Upper-casing can change length or meaning for some scripts; only use it where casefold agrees.
    responses = {
        q.id: correct_response(
            q, padding, upper and q.kind == "short" and q.accepts(q.answers[0].upper())
        )
        for q in quiz
        if q.kind != "text"
    }
    grade = grade_attempt(quiz, responses)
    gradable = sum(q.kind != "text" for q in quiz)
    assert grade.correct == grade.total == gradable
    assert grade.score == (100 if gradable else 0)
