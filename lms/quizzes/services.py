"""Quiz and evaluation verbs: start an attempt, submit it once, record an evaluation."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, null, select, update
from sqlalchemy.exc import IntegrityError

from lms.content.model import Question
from lms.courses.models import CoursePage
from lms.courses.outline import OutlinePage
from lms.database import utcnow
from lms.extensions import db
from lms.progress.models import Enrolment
from lms.progress.services import complete_assessment, note_place
from lms.quizzes import grading
from lms.quizzes.models import AttemptAnswer, AttemptGrant, EvaluationResponse, QuizAttempt
from lms.quizzes.signals import attempt_submitted

MAX_TEXT_ANSWER = 5000


class QuizError(Exception):
    """A quiz action that cannot be carried out, with a message for the learner."""


class AlreadySubmitted(QuizError):
    """The attempt or evaluation was already recorded (double click, back button, two tabs)."""


@dataclass(frozen=True)
class QuizRules:
    """What a learner is told before starting a quiz."""

    passing_score: int
    max_attempts: int | None
    shuffle: bool
    role: str


def rules_for(page: CoursePage, course_passing_score: int) -> QuizRules:
    """Return a quiz page's pass mark, attempt limit, shuffling and role."""
    settings = page.settings
    return QuizRules(
        passing_score=settings.get("passing_score") or course_passing_score,
        max_attempts=settings.get("max_attempts"),
        shuffle=bool(settings.get("shuffle")),
        role=settings.get("role") or "posttest",
    )


def attempts_for(enrolment_id: int, page_id: int) -> list[QuizAttempt]:
    """Return a learner's attempts at a quiz page in one enrolment, oldest first.

    A retake is a new enrolment and starts with a full set of attempts; the earlier ones stay
    on the record with their enrolment.
    """
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.enrolment_id == enrolment_id, QuizAttempt.page_id == page_id)
            .order_by(QuizAttempt.number)
        )
    )


def extra_attempts(enrolment_id: int, page_id: int) -> int:
    """Return how many extra attempts staff granted this enrolment at a quiz page."""
    total = db.session.scalar(
        select(func.sum(AttemptGrant.extra)).where(
            AttemptGrant.enrolment_id == enrolment_id, AttemptGrant.page_id == page_id
        )
    )
    return int(total or 0)


def attempts_left(rules: QuizRules, attempts: list[QuizAttempt], extra: int = 0) -> int | None:
    """Return how many attempts may still be started, or None when unlimited.

    Attempts reset by staff do not count; `extra` attempts granted by staff add to the limit.
    """
    if rules.max_attempts is None:
        return None
    used = sum(a.reset_at is None for a in attempts)
    return max(0, rules.max_attempts + extra - used)


def _next_number(user_id: int, page_id: int) -> int:
    # Numbers run on across enrolments (a retake's first attempt is the learner's third at the
    # page), so every attempt at a page version keeps a number of its own.
    last = db.session.scalar(
        select(func.max(QuizAttempt.number)).where(
            QuizAttempt.user_id == user_id, QuizAttempt.page_id == page_id
        )
    )
    return int(last or 0) + 1


def start_attempt(
    enrolment: Enrolment,
    page: CoursePage,
    rules: QuizRules,
    *,
    rng: random.Random | None = None,
    language: str | None = None,
) -> QuizAttempt:
    """Return the learner's open attempt, or start a new one if the rules allow.

    `language` is the language the questions are shown in; submitting records the final one.
    """
    if page.kind != "quiz" or page.version_id != enrolment.version_id:
        raise QuizError(_("This page is not a quiz of your course."))
    note_place(enrolment, page)
    attempts = attempts_for(enrolment.id, page.id)
    open_attempt = next((a for a in attempts if a.is_open), None)
    if open_attempt is not None:
        return open_attempt
    if any(a.passed for a in attempts):
        raise QuizError(_("You have already passed this quiz."))
    if attempts_left(rules, attempts, extra_attempts(enrolment.id, page.id)) == 0:
        raise QuizError(
            ngettext(
                "You have used your %(num)d attempt at this quiz. "
                "Please contact support if you need help.",
                "You have used all %(num)d attempts at this quiz. "
                "Please contact support if you need help.",
                rules.max_attempts or 0,
            )
        )
    questions = [q for q in page.questions if q.kind in grading.GRADERS]
    rng = rng or random.SystemRandom()
    order = [q.id for q in questions]
    options = {q.id: [o.id for o in q.options] for q in questions}
    if rules.shuffle:
        rng.shuffle(order)
        for ids in options.values():
            rng.shuffle(ids)
    attempt = QuizAttempt(
        user_id=enrolment.user_id,
        enrolment_id=enrolment.id,
        page_id=page.id,
        number=_next_number(enrolment.user_id, page.id),
        started_at=utcnow(),
        question_order=order,
        option_order=options,
        language=language,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # Another tab started the same attempt at the same moment: use that one.
        existing = next((a for a in attempts_for(enrolment.id, page.id) if a.is_open), None)
        if existing is None:
            raise
        return existing
    return attempt


def ordered_questions(attempt: QuizAttempt, questions: list[Question]) -> list[Question]:
    """Return the attempt's questions in the order this learner sees them."""
    by_id = {q.id: q for q in questions}
    return [by_id[qid] for qid in attempt.question_order if qid in by_id]


def save_draft(
    attempt: QuizAttempt, responses: Mapping[str, grading.Response], *, now: datetime | None = None
) -> datetime:
    """Keep an open attempt's answers so far, ungraded, and return when they were saved."""
    questions = {q.id: q for q in ordered_questions(attempt, attempt.page.questions)}
    clean: dict[str, Any] = {}
    for qid, value in responses.items():
        question = questions.get(qid)
        if question is None:
            raise QuizError(_("Your answers include a question that is not part of this attempt."))
        if isinstance(value, str):
            if len(value) > MAX_TEXT_ANSWER:
                raise QuizError(_too_long())
            clean[qid] = value
        else:
            valid = {o.id for o in question.options}
            chosen = [c for c in value if c in valid]
            if len(chosen) != len(value) or (question.kind == "single" and len(chosen) > 1):
                raise QuizError(_("Question “%(title)s” has no such choice.", title=question.title))
            clean[qid] = chosen
    saved_at = now or utcnow()
    # Guarded like submitting: a draft that arrives after the submission changes nothing.
    saved = db.session.execute(
        update(QuizAttempt)
        .where(
            QuizAttempt.id == attempt.id,
            QuizAttempt.submitted_at.is_(None),
            QuizAttempt.reset_at.is_(None),
        )
        .values(draft_answers=clean, draft_saved_at=saved_at)
        .execution_options(synchronize_session=False)
    )
    if saved.rowcount != 1:
        raise AlreadySubmitted(_("This attempt was already submitted."))
    db.session.expire(attempt, ["draft_answers", "draft_saved_at"])
    return saved_at


def draft_of(attempt: QuizAttempt) -> dict[str, grading.Response]:
    """Return the saved draft answers of an open attempt, ready to show in the form."""
    if attempt.is_submitted or not attempt.draft_answers:
        return {}
    return {
        qid: tuple(value) if isinstance(value, list) else value
        for qid, value in attempt.draft_answers.items()
    }


# Composed once, with bound parameters (composing cost more CPU than running them).
_CLAIM = (
    update(QuizAttempt)
    .where(
        QuizAttempt.id == bindparam("attempt_id"),
        QuizAttempt.submitted_at.is_(None),
        QuizAttempt.reset_at.is_(None),
    )
    .values(
        submitted_at=bindparam("submitted_at", type_=QuizAttempt.submitted_at.type),
        score=bindparam("score", type_=QuizAttempt.score.type),
        passed=bindparam("passed", type_=QuizAttempt.passed.type),
        # The submission is the record; the draft was only a convenience.
        draft_answers=null(),
        language=bindparam("language", type_=QuizAttempt.language.type),
    )
    .execution_options(synchronize_session=False)
)
_INSERT_ANSWERS = insert(AttemptAnswer)


def submit_attempt(
    attempt: QuizAttempt,
    responses: Mapping[str, grading.Response],
    passing_score: int,
    *,
    language: str | None = None,
    page: CoursePage | OutlinePage | None = None,
) -> grading.AttemptGrade:
    """Grade an attempt and record it, exactly once, with every answer.

    Grading reads the primary page's questions: every edition shares their ids, option ids
    and keys, and their short answers accept every edition's. `language` is the language the
    attempt was submitted in (kept as it was when None). `page` is the attempt's page in its
    primary language when the caller holds it (lms.courses.outline.version_pages), so that
    its row and questions are not read and compiled again.
    """
    if page is None or page.id != attempt.page_id:
        page = attempt.page
    questions = ordered_questions(attempt, page.questions)
    unknown = set(responses) - set(attempt.question_order)
    if unknown:
        raise QuizError(_("Your answers include a question that is not part of this attempt."))
    try:
        grade = grading.grade_attempt(questions, responses)
    except grading.AnswerError as error:
        raise QuizError(str(error)) from error
    passed = grading.passed(grade.score, passing_score)
    # The guarded UPDATE is the lock: of many simultaneous submissions only one matches.
    claimed = db.session.execute(
        _CLAIM,
        {
            "attempt_id": attempt.id,
            "submitted_at": utcnow(),
            "score": Decimal(str(grade.score)),
            "passed": passed,
            "language": language or attempt.language,
        },
    )
    if claimed.rowcount != 1:
        raise AlreadySubmitted(_("This attempt was already submitted."))
    # One multi-row INSERT, not one INSERT ... RETURNING per answer: nothing here needs the
    # answers' ids, and the attempt's answers are read back from the database when used.
    db.session.execute(
        _INSERT_ANSWERS,
        [
            {
                "attempt_id": attempt.id,
                "question_id": result.question_id,
                "position": position,
                "response": (
                    list(result.response) if isinstance(result.response, tuple) else result.response
                ),
                "correct": result.correct,
            }
            for position, result in enumerate(grade.results, start=1)
        ],
    )
    # What the UPDATE wrote and the answers are read again only if something uses them (the
    # xAPI statement does, when a store is configured); refreshing read them all, every time.
    db.session.expire(attempt, [*_SUBMITTED, "answers"])
    attempt_submitted.send(attempt)
    # A pre-test measures the starting point: taking it is what completes it, not passing it.
    if passed or page.settings.get("role") == "pretest":
        complete_assessment(attempt.enrolment, page)
    return grade


# The attempt's columns that submitting writes.
_SUBMITTED = ("submitted_at", "score", "passed", "draft_answers", "draft_saved_at", "language")


def evaluation_for(enrolment_id: int, page_id: int) -> EvaluationResponse | None:
    """Return the learner's evaluation of this page in one enrolment, or None."""
    return db.session.scalar(
        select(EvaluationResponse).where(
            EvaluationResponse.enrolment_id == enrolment_id, EvaluationResponse.page_id == page_id
        )
    )


def submit_evaluation(
    enrolment: Enrolment, page: CoursePage, answers: Mapping[str, Any]
) -> EvaluationResponse:
    """Record a learner's evaluation once per course version."""
    if page.kind != "evaluation" or page.version_id != enrolment.version_id:
        raise QuizError(_("This page is not the evaluation of your course."))
    questions = {q.id: q for q in page.questions}
    clean: dict[str, Any] = {}
    for qid, value in answers.items():
        question = questions.get(qid)
        if question is None:
            raise QuizError(_("Your answers include a question that is not in this evaluation."))
        if question.kind == "text":
            text = str(value or "").strip()
            if len(text) > MAX_TEXT_ANSWER:
                raise QuizError(_too_long())
            clean[qid] = text
        else:
            chosen = list(value)
            valid = {o.id for o in question.options}
            if any(c not in valid for c in chosen) or (
                question.kind == "single" and len(chosen) > 1
            ):
                raise QuizError(_("Question “%(title)s” has no such choice.", title=question.title))
            clean[qid] = chosen
    # An evaluation submitted empty does not count: required questions must be answered,
    # and an evaluation with none marked needs at least one answer.
    missing = [q for q in page.questions if q.required and not clean.get(q.id)]
    if missing:
        raise QuizError(
            _(
                "Please answer the questions marked required: %(titles)s.",
                titles="; ".join(f"“{q.title}”" for q in missing),
            )
        )
    if not any(clean.values()):
        raise QuizError(_("Please answer at least one question before submitting the evaluation."))
    if evaluation_for(enrolment.id, page.id) is not None:
        raise AlreadySubmitted(_("You have already submitted this evaluation. Thank you!"))
    response = EvaluationResponse(
        user_id=enrolment.user_id,
        enrolment_id=enrolment.id,
        page_id=page.id,
        submitted_at=utcnow(),
        answers=clean,
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError as error:
        raise AlreadySubmitted(
            _("You have already submitted this evaluation. Thank you!")
        ) from error
    complete_assessment(enrolment, page)
    return response


def _too_long() -> str:
    # The limit is a number as the reader's locale writes it: "5,000".
    return _(
        "Please keep each answer under %(limit)s characters.",
        limit=format_decimal(MAX_TEXT_ANSWER, locale=get_locale()),
    )
