"""Server-side grading of quiz answers against a page's questions.

Pure code: it sees `Question` objects and the learner's responses, never a request or a
database. A new question type is one entry in `GRADERS` (plus `CHOICE_KINDS` when its answer
is a set of option ids).

No grader gives partial credit: a question is right (score 1.0) or wrong (score 0.0).
An unanswered question is wrong, not an error, so a learner may submit a quiz unfinished.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from flask_babel import format_number
from flask_babel import gettext as _

from lms.content.model import Question

# Chosen option ids for single/multiple choice, free text for short and text questions.
Response = tuple[str, ...] | str

# Kinds whose answer is a tuple of option ids; every other kind is answered with a string.
CHOICE_KINDS: frozenset[str] = frozenset({"single", "multiple"})
# Kinds that collect opinions (evaluations) rather than knowledge, so have no right answer.
UNGRADED_KINDS: frozenset[str] = frozenset({"text"})


# A short answer is matched against a word or phrase (docs/authoring.md); the form's input
# stops at this length too, so only a hand-made request reaches the limit.
MAX_SHORT_ANSWER = 500


class AnswerError(ValueError):
    """A response that no honest form could send, with a message for the learner."""


@dataclass(frozen=True)
class QuestionResult:
    """How one question was answered and graded."""

    question_id: str
    correct: bool
    score: float  # 0.0-1.0
    response: Response  # choices normalised to option order; text as given
    feedback_html: tuple[str, ...]  # feedback of the chosen options, in option order
    explanation_html: str | None


@dataclass(frozen=True)
class AttemptGrade:
    """The grade of a whole attempt at a quiz."""

    score: float  # 0-100, rounded to 2 decimals
    correct: int
    total: int  # gradable questions only: "text" questions are not counted
    results: tuple[QuestionResult, ...]


def _name(question: Question) -> str:
    # Ids are "q1", "q2", ... so learners see the number printed next to the question.
    number = question.id.removeprefix("q")
    if number.isdigit():
        return _("Question %(number)s", number=number)
    return _("Question '%(id)s'", id=question.id)


def _choices(question: Question, response: Response) -> tuple[str, ...]:
    """Check a choice response and return the chosen ids in option order."""
    if not isinstance(response, tuple | list):
        raise AnswerError(
            _("%(question)s expects a choice of options, not text.", question=_name(question))
        )
    known = {option.id for option in question.options}
    seen: set[str] = set()
    for option_id in response:
        if not isinstance(option_id, str) or option_id not in known:
            raise AnswerError(
                _(
                    "%(question)s has no option '%(option)s'.",
                    question=_name(question),
                    option=option_id,
                )
            )
        if option_id in seen:
            raise AnswerError(
                _(
                    "%(question)s lists option '%(option)s' twice.",
                    question=_name(question),
                    option=option_id,
                )
            )
        seen.add(option_id)
    return tuple(option.id for option in question.options if option.id in seen)


def _text(question: Question, response: Response) -> str:
    """Check a text response and return it."""
    if not isinstance(response, str):
        raise AnswerError(
            _("%(question)s expects a written answer, not a choice.", question=_name(question))
        )
    if question.kind == "short" and len(response) > MAX_SHORT_ANSWER:
        raise AnswerError(
            _(
                "Please keep your answer to %(question)s under %(limit)s characters.",
                question=_name(question),
                limit=format_number(MAX_SHORT_ANSWER),
            )
        )
    return response


def _grade_choices(question: Question, chosen: tuple[str, ...]) -> QuestionResult:
    expected = {option.id for option in question.options if option.correct}
    # An empty choice never matches, even for a malformed question with no correct option.
    correct = bool(chosen) and set(chosen) == expected
    return QuestionResult(
        question_id=question.id,
        correct=correct,
        score=1.0 if correct else 0.0,
        response=chosen,
        feedback_html=tuple(
            option.feedback_html
            for option in question.options
            if option.id in chosen and option.feedback_html
        ),
        explanation_html=question.explanation_html,
    )


def grade_single(question: Question, response: Response) -> QuestionResult:
    """Grade a single-choice answer: right only when the one correct option is chosen."""
    chosen = _choices(question, response)
    if len(chosen) > 1:
        raise AnswerError(_("%(question)s takes only one answer.", question=_name(question)))
    return _grade_choices(question, chosen)


def grade_multiple(question: Question, response: Response) -> QuestionResult:
    """Grade a multiple-choice answer: right only when exactly the correct options are chosen."""
    return _grade_choices(question, _choices(question, response))


def grade_short(question: Question, response: Response) -> QuestionResult:
    """Grade a short answer against the accepted answers, ignoring case and outer space."""
    text = _text(question, response)
    correct = bool(text.strip()) and question.accepts(text)
    return QuestionResult(
        question_id=question.id,
        correct=correct,
        score=1.0 if correct else 0.0,
        response=text,
        feedback_html=(),
        explanation_html=question.explanation_html,
    )


GRADERS: dict[str, Callable[[Question, Response], QuestionResult]] = {
    "single": grade_single,
    "multiple": grade_multiple,
    "short": grade_short,
}


def validate_responses(questions: Sequence[Question], responses: Mapping[str, Response]) -> None:
    """Raise AnswerError unless every response fits a question of this quiz."""
    by_id = {question.id: question for question in questions}
    for question_id, response in responses.items():
        question = by_id.get(question_id)
        if question is None:
            raise AnswerError(_("This quiz has no question '%(id)s'.", id=question_id))
        if question.kind in CHOICE_KINDS:
            _choices(question, response)
        else:
            _text(question, response)


def _unanswered(question: Question) -> Response:
    return () if question.kind in CHOICE_KINDS else ""


def grade_attempt(questions: Sequence[Question], responses: Mapping[str, Response]) -> AttemptGrade:
    """Grade every gradable question of a quiz; missing answers count as wrong."""
    validate_responses(questions, responses)
    results = tuple(
        GRADERS[question.kind](question, responses.get(question.id, _unanswered(question)))
        for question in questions
        # An unknown kind fails loudly (KeyError) rather than silently scoring as skipped.
        if question.kind not in UNGRADED_KINDS
    )
    total = len(results)
    # A quiz with nothing to grade cannot be passed by default.
    score = round(100 * sum(result.score for result in results) / total, 2) if total else 0.0
    return AttemptGrade(
        score=score,
        correct=sum(result.correct for result in results),
        total=total,
        results=results,
    )


def passed(score: float, passing_score: int) -> bool:
    """Tell whether a score reaches the passing score."""
    return score >= passing_score
