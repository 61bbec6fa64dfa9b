"""Statistics on quiz attempts and evaluation answers, for course authors.

Pure code over plain records: the caller loads attempts and chooses which ones count (for
example only first attempts, or only one course version). Percentages are 0-100 and left
unrounded; None means there was nothing to measure, which is not the same as 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lms.content.model import Question
from lms.quizzes.grading import CHOICE_KINDS, UNGRADED_KINDS, Response

# Share of attempts in each of the upper and lower groups of the discrimination index
# (Kelley's 27%, which maximises the difference between groups for normal scores).
GROUP_SHARE = 0.27
# Below this many attempts the upper and lower groups are one or two people: too noisy.
MIN_ATTEMPTS_FOR_DISCRIMINATION = 4


@dataclass(frozen=True)
class AttemptRecord:
    """One submitted attempt, as analysis needs it."""

    learner_id: int
    score: float  # 0-100
    passed: bool
    responses: Mapping[str, Response]  # question id -> chosen ids (tuple or list) or text
    correct: Mapping[str, bool]  # question id -> right or wrong, for every graded question


@dataclass(frozen=True)
class QuizSummary:
    """Headline figures for one quiz."""

    attempts: int
    learners: int
    pass_rate: float | None  # 0-100, share of learners who passed at least once
    average_score: float | None  # 0-100, mean over attempts
    passed_learners: int


@dataclass(frozen=True)
class OptionRate:
    """How often one option was chosen."""

    option_id: str
    text: str
    correct: bool
    chosen: int
    percent: float | None  # 0-100 of the responses that chose anything


@dataclass(frozen=True)
class ItemStats:
    """How one question performed across attempts."""

    question_id: str
    title: str
    answered: int  # attempts with a non-blank response
    percent_correct: float | None  # 0-100 of the attempts that graded it; blanks count as wrong
    option_rates: tuple[OptionRate, ...]  # empty for short-answer questions
    discrimination: float | None  # -1.0 to 1.0, see `discrimination_index`


def average(values: Iterable[float]) -> float | None:
    """Return the arithmetic mean, or None when there are no values."""
    items = list(values)
    return sum(items) / len(items) if items else None


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def summarise(attempts: Sequence[AttemptRecord]) -> QuizSummary:
    """Return attempt and learner counts, the learner pass rate and the mean score."""
    learners = {attempt.learner_id for attempt in attempts}
    # A learner who passes on a later try has passed: counting attempts would punish retries.
    passed_learners = {attempt.learner_id for attempt in attempts if attempt.passed}
    return QuizSummary(
        attempts=len(attempts),
        learners=len(learners),
        pass_rate=_percent(len(passed_learners), len(learners)),
        average_score=average(attempt.score for attempt in attempts),
        passed_learners=len(passed_learners),
    )


def _chosen(question: Question, response: Response | None) -> set[str]:
    # Stored responses come back from JSON as lists; text given to a choice question, or an
    # id the question no longer has, is noise rather than an answer.
    if isinstance(response, tuple | list):
        return {option.id for option in question.options if option.id in response}
    return set()


def _is_answered(question: Question, response: Response | None) -> bool:
    if question.kind in CHOICE_KINDS:
        return bool(_chosen(question, response))
    return isinstance(response, str) and bool(response.strip())


def _option_rates(
    question: Question, responses: Iterable[Response | None]
) -> tuple[OptionRate, ...]:
    choices = [_chosen(question, response) for response in responses]
    answered = sum(1 for chosen in choices if chosen)
    rates = []
    for option in question.options:
        count = sum(option.id in chosen for chosen in choices)
        rates.append(
            OptionRate(option.id, option.text, option.correct, count, _percent(count, answered))
        )
    return tuple(rates)


def discrimination_index(question_id: str, attempts: Sequence[AttemptRecord]) -> float | None:
    """Return the upper-lower 27% discrimination index of one question, or None if too few.

    Attempts that graded the question are ranked by total score, highest first; ties keep
    the order given. With n attempts, the upper group is the first k and the lower group
    the last k, where k = max(1, round(0.27 * n)). The index is the proportion of the upper
    group who got the question right minus the proportion of the lower group who did, so
    it runs from -1 to 1: near 0 the question does not separate strong from weak learners,
    below 0 weaker learners do better (often a wrong key or a misleading stem). Fewer than
    4 attempts give None.
    """
    graded = [attempt for attempt in attempts if question_id in attempt.correct]
    n = len(graded)
    if n < MIN_ATTEMPTS_FOR_DISCRIMINATION:
        return None
    k = max(1, round(GROUP_SHARE * n))
    ranked = sorted(graded, key=lambda attempt: attempt.score, reverse=True)
    upper = sum(attempt.correct[question_id] for attempt in ranked[:k]) / k
    lower = sum(attempt.correct[question_id] for attempt in ranked[-k:]) / k
    return upper - lower


def item_analysis(
    questions: Sequence[Question], attempts: Sequence[AttemptRecord]
) -> list[ItemStats]:
    """Return difficulty, option choice rates and discrimination for each graded question.

    `percent_correct` is the share of attempts that graded the question and got it right
    (unanswered counts as wrong, as in grading). `option_rates` give, per option, how many
    attempts chose it and what share of the attempts that answered that is; for
    multiple-choice questions the shares can add up to more than 100. `discrimination` is
    the upper-lower 27% index described in `discrimination_index`. Ungraded ("text")
    questions are skipped.
    """
    stats = []
    for question in questions:
        if question.kind in UNGRADED_KINDS:
            continue
        responses = [attempt.responses.get(question.id) for attempt in attempts]
        graded = [
            attempt.correct[question.id] for attempt in attempts if question.id in attempt.correct
        ]
        stats.append(
            ItemStats(
                question_id=question.id,
                title=question.title,
                answered=sum(_is_answered(question, response) for response in responses),
                percent_correct=_percent(sum(graded), len(graded)),
                option_rates=(
                    _option_rates(question, responses) if question.kind in CHOICE_KINDS else ()
                ),
                discrimination=discrimination_index(question.id, attempts),
            )
        )
    return stats


def likert_summary(question: Question, responses: Sequence[Response]) -> tuple[OptionRate, ...]:
    """Count how many responses chose each option of an evaluation choice question."""
    return _option_rates(question, responses)


def free_text_answers(question_id: str, responses: Iterable[Mapping[str, Response]]) -> list[str]:
    """Return the non-blank written answers to one question, stripped, in the order given."""
    answers = []
    for response in responses:
        answer = response.get(question_id)
        if isinstance(answer, str) and answer.strip():
            answers.append(answer.strip())
    return answers


def knowledge_gain(pre: Mapping[int, float], post: Mapping[int, float]) -> dict[int, float]:
    """Return post-test minus pre-test score for each learner who took both, by learner id."""
    return {learner: post[learner] - pre[learner] for learner in sorted(pre.keys() & post.keys())}
