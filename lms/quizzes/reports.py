"""Results for authors: gather attempts and evaluations from the database for `analysis`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import or_, select

from lms.content.model import Question
from lms.courses.models import CoursePage
from lms.extensions import db
from lms.quizzes import analysis
from lms.quizzes.models import AttemptAnswer, EvaluationResponse, QuizAttempt


@dataclass(frozen=True)
class QuizReport:
    """A quiz page's summary and per-question statistics."""

    page: CoursePage
    summary: analysis.QuizSummary
    items: list[analysis.ItemStats]


@dataclass(frozen=True)
class LikertItem:
    """How learners answered one choice question of an evaluation."""

    question: Question
    rates: tuple[analysis.OptionRate, ...]


@dataclass(frozen=True)
class TextItem:
    """What learners wrote for one free-text question, without names."""

    question: Question
    answers: list[str]


@dataclass(frozen=True)
class EvaluationReport:
    """An evaluation page's answers, counted and listed anonymously."""

    page: CoursePage
    responses: int
    choices: list[LikertItem]
    texts: list[TextItem]


def attempt_records(
    page_id: int, *, language: str | None = None, primary_language: str | None = None
) -> list[analysis.AttemptRecord]:
    """Return every submitted attempt at a quiz page with its answers, in two queries.

    With `language`, only the attempts submitted in that language: attempts that recorded
    none predate editions, so they count as the course's `primary_language`.
    """
    query = (
        select(QuizAttempt)
        .where(QuizAttempt.page_id == page_id, QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.id)
    )
    if language is not None:
        same = QuizAttempt.language == language
        if language == primary_language:
            same = or_(same, QuizAttempt.language.is_(None))
        query = query.where(same)
    attempts = list(db.session.scalars(query))
    answers: dict[int, list[AttemptAnswer]] = defaultdict(list)
    if attempts:
        rows = db.session.scalars(
            select(AttemptAnswer).where(AttemptAnswer.attempt_id.in_([a.id for a in attempts]))
        )
        for row in rows:
            answers[row.attempt_id].append(row)
    return [
        analysis.AttemptRecord(
            learner_id=attempt.user_id,
            score=float(attempt.score or 0),
            passed=bool(attempt.passed),
            responses={
                a.question_id: tuple(a.response) if isinstance(a.response, list) else a.response
                for a in answers[attempt.id]
            },
            correct={a.question_id: a.correct for a in answers[attempt.id]},
        )
        for attempt in attempts
    ]


def quiz_report(
    page: CoursePage, *, language: str | None = None, primary_language: str | None = None
) -> QuizReport:
    """Return the summary and item analysis of a quiz page, in every language or in one.

    Editions share question and option ids, so attempts in any language count together;
    `page` may be shown in an edition (lms.courses.editions.page_in) for its words.
    """
    records = attempt_records(page.id, language=language, primary_language=primary_language)
    return QuizReport(
        page=page,
        summary=analysis.summarise(records),
        items=analysis.item_analysis(page.questions, records),
    )


def evaluation_report(page: CoursePage) -> EvaluationReport:
    """Return counts per choice and the free-text answers of an evaluation page."""
    responses = [
        r.answers
        for r in db.session.scalars(
            select(EvaluationResponse)
            .where(EvaluationResponse.page_id == page.id)
            .order_by(EvaluationResponse.submitted_at)
        )
    ]
    choices, texts = [], []
    for question in page.questions:
        if question.kind == "text":
            texts.append(TextItem(question, analysis.free_text_answers(question.id, responses)))
        else:
            given = [tuple(r[question.id]) for r in responses if r.get(question.id)]
            choices.append(LikertItem(question, analysis.likert_summary(question, given)))
    return EvaluationReport(page=page, responses=len(responses), choices=choices, texts=texts)


def first_scores(page_id: int) -> dict[int, float]:
    """Return each learner's first submitted score on a quiz page (a pre-test baseline)."""
    scores: dict[int, float] = {}
    for record in attempt_records(page_id):
        scores.setdefault(record.learner_id, record.score)
    return scores


def best_scores(page_id: int) -> dict[int, float]:
    """Return each learner's best submitted score on a quiz page."""
    scores: dict[int, float] = {}
    for record in attempt_records(page_id):
        scores[record.learner_id] = max(scores.get(record.learner_id, 0.0), record.score)
    return scores


def knowledge_gains(pretest: CoursePage, posttest: CoursePage) -> dict[int, float]:
    """Return each learner's gain: best post-test score minus first pre-test score."""
    return analysis.knowledge_gain(first_scores(pretest.id), best_scores(posttest.id))


def test_pair(pages: list[CoursePage]) -> tuple[CoursePage, CoursePage] | None:
    """Return a version's pre-test and post-test pages when it has both."""
    quizzes = [p for p in pages if p.kind == "quiz"]
    pre = next((p for p in quizzes if p.settings.get("role") == "pretest"), None)
    post = next((p for p in quizzes if p.settings.get("role") != "pretest"), None)
    return (pre, post) if pre and post else None
