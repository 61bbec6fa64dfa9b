"""Taking quizzes and evaluations in the reader, reviewing attempts, and results for authors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel.numbers import format_decimal, format_percent
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from lms.accounts.access import role_required
from lms.accounts.models import Role, User
from lms.charts import Bar, horizontal_bar_chart
from lms.content.model import Question
from lms.courses import editions, outline
from lms.courses.models import Course, CoursePage, CourseVersion
from lms.courses.views import get_course_or_404
from lms.extensions import db
from lms.i18n import current_language
from lms.progress.models import Enrolment
from lms.progress.views import PAGE_RENDERERS, Reading, find_page, load_reading, page_html
from lms.quizzes import analysis, grading, reports, second_chances, services
from lms.quizzes.forms import AnswerForm, AttemptRequestForm, DecisionForm, GrantForm
from lms.quizzes.models import AttemptRequest, QuizAttempt

bp = Blueprint("quizzes", __name__)


@bp.app_template_global()
def percent(value: float, digits: int = 0) -> str:
    """Format a percentage (0 to 100) in the reader's locale: "75%", "82.5%"."""
    pattern = "#,##0%" if digits == 0 else "#,##0." + "0" * digits + "%"
    return format_percent(value / 100, pattern, locale=get_locale())


@bp.app_template_global()
def signed(value: float, digits: int = 0) -> str:
    """Format a difference with its sign in the reader's locale: "+12", "-0.25"."""
    decimals = "." + "0" * digits if digits else ""
    return format_decimal(value, f"+#,##0{decimals};-#,##0{decimals}", locale=get_locale())


def _rules(reading: Reading, page: CoursePage) -> services.QuizRules:
    return services.rules_for(page, reading.enrolment.version.passing_score)


def read_responses(
    questions: list[Question], form: MultiDict[str, str]
) -> dict[str, grading.Response]:
    """Return the answers in a submitted form, keyed by question id (absent when unanswered)."""
    responses: dict[str, grading.Response] = {}
    for question in questions:
        key = f"q-{question.id}"
        if question.kind in ("short", "text"):
            text = form.get(key, "")
            if text.strip():
                responses[question.id] = text
        else:
            chosen = tuple(form.getlist(key))
            if chosen:
                responses[question.id] = chosen
    return responses


def _extra_answers(questions: list[Question], form: MultiDict[str, str]) -> bool:
    known = {f"q-{q.id}" for q in questions}
    return any(key.startswith("q-") and key not in known for key in form)


# --- the reader's quiz and evaluation pages -------------------------------------------------


def render_quiz_overview(reading: Reading, page: CoursePage, context: dict[str, Any]) -> str:
    """Show a quiz's rules, the learner's attempts so far, and a way to start or continue."""
    rules = _rules(reading, page)
    attempts = services.attempts_for(reading.enrolment.id, page.id)
    chances, left = second_chances.for_learner(reading.enrolment.id, page.id, rules, attempts)
    lessons = [p for p in reading.pages if p.kind == "lesson"]
    # A pre-test is meant to come first; any other quiz tests what the lessons teach.
    unread = [] if rules.role == "pretest" else [p for p in lessons if p.id not in reading.done]
    return render_template(
        "quizzes/overview.html",
        lessons=lessons,
        unread=unread,
        html=page_html(page, reading),
        rules=rules,
        attempts=attempts,
        open_attempt=next((a for a in attempts if a.is_open), None),
        passed=any(a.passed for a in attempts),
        left=left,
        chances=chances,
        request_form=AttemptRequestForm(),
        question_count=len([q for q in page.questions if q.kind in grading.GRADERS]),
        form=AnswerForm(),
        **context,
    )


def render_evaluation(reading: Reading, page: CoursePage, context: dict[str, Any]) -> str:
    """Show the evaluation form, or the learner's submitted answers."""
    return render_template(
        "quizzes/evaluation.html",
        html=page_html(page, reading),
        questions=page.questions,
        response=services.evaluation_for(reading.enrolment.id, page.id),
        answers={},
        form=AnswerForm(),
        **context,
    )


PAGE_RENDERERS["quiz"] = render_quiz_overview
PAGE_RENDERERS["evaluation"] = render_evaluation


@bp.post("/courses/<slug>/quiz/<page_slug>/start")
@login_required
def start(slug: str, page_slug: str) -> Response:
    """Start an attempt (or return to the open one) and show its questions."""
    reading = load_reading(slug)
    if isinstance(reading, Response):
        return reading
    page = find_page(reading, page_slug, "quiz")
    if not AnswerForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_attempt(
            reading.enrolment, page, _rules(reading, page), language=reading.version.language
        )
    except services.QuizError as error:
        flash(str(error), "info")
        return redirect(url_for("progress.page", slug=slug, page_slug=page_slug))
    db.session.commit()
    return redirect(
        url_for("quizzes.attempt", slug=slug, page_slug=page_slug, attempt_id=attempt.id)
    )


def _load_attempt(reading: Reading, page: CoursePage, attempt_id: int) -> QuizAttempt:
    """Return the signed-in learner's attempt at this page.

    :raise 404: for anyone else's attempt, so ids reveal nothing.
    """
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id or attempt.page_id != page.id:
        abort(404)
    return attempt


@bp.route("/courses/<slug>/quiz/<page_slug>/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(slug: str, page_slug: str, attempt_id: int) -> str | Response | tuple[str, int]:
    """Answer an open attempt, or review a submitted one with its feedback."""
    # A post mostly records and redirects: the progress rows are read only to show a page.
    reading = load_reading(slug, progress=request.method != "POST")
    if isinstance(reading, Response):
        return reading
    page = find_page(reading, page_slug, "quiz")
    attempt = _load_attempt(reading, page, attempt_id)
    if attempt.reset_at is not None:
        flash(_("This attempt was reset by the course team and no longer counts."), "info")
        return redirect(url_for("progress.page", slug=slug, page_slug=page_slug))
    rules = _rules(reading, page)
    questions = services.ordered_questions(attempt, page.questions)
    form = AnswerForm()
    context: dict[str, Any] = {
        "reading": reading,
        "course": reading.enrolment.course,
        "version": reading.version,
        "page": page,
        "attempt": attempt,
        "questions": questions,
        "rules": rules,
        "form": form,
    }
    if attempt.is_submitted:
        if request.method == "POST":
            flash(_("Your answers were already recorded; here is your result."), "info")
            return redirect(request.path)
        return _render_result(attempt, questions, rules, context)

    answers = services.draft_of(attempt)
    unanswered: list[Question] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if _extra_answers(questions, request.form):
            return _refuse(_("Your answers include a question that is not part of this attempt."))
        answers = read_responses(questions, request.form)
        unanswered = [q for q in questions if q.id not in answers]
        leaving = bool(request.form.get("save_and_leave"))
        if leaving or (unanswered and not request.form.get("submit_anyway")):
            # Not submitting: keep what was answered so nothing is lost when the learner goes.
            refused = _record(lambda: services.save_draft(attempt, answers))
            if refused is not None:
                return refused
            if leaving:
                flash(
                    _(
                        "Your answers are saved. Continue the attempt when you are ready, "
                        "on this or any other device."
                    ),
                    "success",
                )
                return redirect(url_for("progress.my_learning"))
        else:
            # The page in its own language, from memory: grading reads the primary questions.
            primary = outline.version_pages(reading.enrolment.version).by_id.get(page.id)
            refused = _record(
                lambda: services.submit_attempt(
                    attempt,
                    answers,
                    rules.passing_score,
                    language=reading.version.language,
                    page=primary,
                )
            )
            return refused if refused is not None else redirect(request.path)
    reading.read_progress()  # the outline shows what is done
    return render_template(
        "quizzes/take.html",
        draft_url=url_for(
            "quizzes.save_answers", slug=slug, page_slug=page_slug, attempt_id=attempt.id
        ),
        options=_ordered_options(attempt, questions),
        answers=answers,
        unanswered=unanswered,
        **context,
    )


@bp.post("/courses/<slug>/quiz/<page_slug>/attempts/<int:attempt_id>/draft")
@login_required
def save_answers(slug: str, page_slug: str, attempt_id: int) -> Response | tuple[Response, int]:
    """Save an open attempt's answers as the learner goes (the reader's script calls this)."""
    reading = load_reading(slug)
    if isinstance(reading, Response):
        return reading
    page = find_page(reading, page_slug, "quiz")
    attempt = _load_attempt(reading, page, attempt_id)
    if not AnswerForm().validate_on_submit():
        abort(400)
    questions = services.ordered_questions(attempt, page.questions)
    if _extra_answers(questions, request.form):
        message = _("Your answers include a question that is not part of this attempt.")
        return jsonify(error=message), 400
    try:
        saved_at = services.save_draft(attempt, read_responses(questions, request.form))
    except services.AlreadySubmitted as error:
        db.session.rollback()
        return jsonify(error=str(error)), 409
    except services.QuizError as error:
        db.session.rollback()
        return jsonify(error=str(error)), 400
    db.session.commit()
    return jsonify(saved_at=saved_at.isoformat())


def _record(write: Callable[[], object]) -> Response | tuple[str, int] | None:
    """Run a write on the open attempt and commit it; on refusal, roll back and answer."""
    try:
        write()
    except services.AlreadySubmitted:
        db.session.rollback()
        flash(_("Your answers were already recorded; here is your result."), "info")
        return redirect(request.path)
    except services.QuizError as error:
        db.session.rollback()
        return _refuse(str(error))
    db.session.commit()
    return None


def _refuse(message: str) -> tuple[str, int]:
    return render_template("quizzes/refused.html", message=message), 400


def _ordered_options(attempt: QuizAttempt, questions: list[Question]) -> dict[str, list[Any]]:
    ordered = {}
    for question in questions:
        by_id = {o.id: o for o in question.options}
        ids = attempt.option_order.get(question.id, list(by_id))
        ordered[question.id] = [by_id[i] for i in ids if i in by_id]
    return ordered


def _render_result(
    attempt: QuizAttempt,
    questions: list[Question],
    rules: services.QuizRules,
    context: dict[str, Any],
) -> str:
    saved = {a.question_id: a for a in attempt.answers}
    responses: dict[str, grading.Response] = {}
    for qid, answer in saved.items():
        value = answer.response
        responses[qid] = tuple(value) if isinstance(value, list) else value
    grade = grading.grade_attempt(questions, responses)
    attempts = services.attempts_for(attempt.enrolment_id, attempt.page_id)
    chances, left = second_chances.for_learner(
        attempt.enrolment_id, attempt.page_id, rules, attempts
    )
    # Show which answers were right once the learner passed or has no attempts left.
    reveal = bool(attempt.passed) or left == 0
    gain = None
    pair = reports.test_pair([p for p in context["reading"].pages if p.kind == "quiz"])
    if pair and pair[1].id == attempt.page_id:
        gain = reports.knowledge_gains(*pair).get(attempt.user_id)
    return render_template(
        "quizzes/result.html",
        grade=grade,
        results={r.question_id: r for r in grade.results},
        saved=saved,
        options=_ordered_options(attempt, questions),
        left=left,
        reveal=reveal,
        gain=gain,
        pretest=pair[0] if pair else None,
        request_form=AttemptRequestForm(),
        chances=chances,
        can_retry=not attempt.passed and left != 0 and not any(a.passed for a in attempts),
        lessons=[p for p in context["reading"].pages if p.kind == "lesson"],
        **context,
    )


@bp.post("/courses/<slug>/evaluation/<page_slug>")
@login_required
def submit_evaluation(slug: str, page_slug: str) -> str | Response | tuple[str, int]:
    """Record the learner's evaluation of the course."""
    reading = load_reading(slug)
    if isinstance(reading, Response):
        return reading
    page = find_page(reading, page_slug, "evaluation")
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    questions = page.questions
    if _extra_answers(questions, request.form):
        return _refuse(_("Your answers include a question that is not in this evaluation."))
    answers = read_responses(questions, request.form)
    try:
        services.submit_evaluation(reading.enrolment, page, answers)
    except services.AlreadySubmitted as error:
        db.session.rollback()
        flash(str(error), "info")
        return redirect(url_for("progress.page", slug=slug, page_slug=page_slug))
    except services.QuizError as error:
        db.session.rollback()
        return _refuse(str(error))
    db.session.commit()
    flash(_("Thank you. Your evaluation is recorded."), "success")
    return redirect(url_for("progress.page", slug=slug, page_slug=page_slug))


# --- results for authors and admins ---------------------------------------------------------


@bp.get("/courses/<slug>/results")
@role_required(Role.AUTHOR)
def results(slug: str) -> str:
    """List each version's quizzes and evaluation with headline numbers."""
    course = get_course_or_404(slug)
    versions = list(
        db.session.scalars(
            select(CourseVersion)
            .where(CourseVersion.course_id == course.id)
            .order_by(CourseVersion.number.desc())
        )
    )
    rows = []
    for version in versions:
        pages = [p for p in version.pages if p.kind != "lesson"]
        quizzes = [
            (p, analysis.summarise(reports.attempt_records(p.id)))
            for p in pages
            if p.kind == "quiz"
        ]
        evaluations = [
            (p, reports.evaluation_report(p).responses) for p in pages if p.kind == "evaluation"
        ]
        pair = reports.test_pair(pages)
        gain = analysis.average(reports.knowledge_gains(*pair).values()) if pair else None
        rows.append((version, quizzes, evaluations, pair is not None, gain))
    return render_template("quizzes/results.html", course=course, rows=rows)


def _results_page(course: Course, page_id: int) -> CoursePage:
    page = db.session.get(CoursePage, page_id)
    if page is None or page.version.course_id != course.id or page.kind == "lesson":
        abort(404)
    return page


@bp.get("/courses/<slug>/results/<int:page_id>")
@role_required(Role.AUTHOR)
def page_results(slug: str, page_id: int) -> str:
    """Show a quiz's item analysis, or an evaluation's answers, as a chart and a table."""
    course = get_course_or_404(slug)
    page = _results_page(course, page_id)
    if page.kind == "evaluation":
        report = reports.evaluation_report(page)
        charts = {
            item.question.id: horizontal_bar_chart(
                [Bar(rate.text, float(rate.chosen)) for rate in item.rates],
                title=_("Answers to: %(question)s", question=item.question.title),
                max_value=max([r.chosen for r in item.rates] + [1]),
                unit="",
            )
            for item in report.choices
        }
        return render_template(
            "quizzes/evaluation_results.html",
            course=course,
            page=page,
            report=report,
            charts=charts,
        )
    version = page.version
    languages = editions.languages_of(version)
    asked = request.args.get("language", "")
    language = asked if asked in languages and len(languages) > 1 else None
    shown = page
    if language is not None:
        # The questions as that language's learners read them: same ids, options and keys.
        shown = editions.page_in(page, editions.edition_for(version, language), version.language)
    report = reports.quiz_report(shown, language=language, primary_language=version.language)
    chart = horizontal_bar_chart(
        [
            Bar(_("Q%(number)d. %(title)s", number=i, title=item.title), item.percent_correct)
            for i, item in enumerate(report.items, 1)
        ],
        title=_("Percent correct per question: %(title)s", title=page.title),
    )
    return render_template(
        "quizzes/quiz_results.html",
        course=course,
        page=page,
        report=report,
        chart=chart,
        languages=languages if len(languages) > 1 else [],
        language=language,
        unknown_language=bool(asked) and language is None,
        language_name=lambda tag: editions.language_name(tag, current_language().code),
    )


# --- another try: learners ask, staff grant, reset or decline -------------------------------


@bp.post("/courses/<slug>/quiz/<page_slug>/request-attempt")
@login_required
def request_attempt(slug: str, page_slug: str) -> Response | tuple[str, int]:
    """Ask the course team for another try at a quiz (a second ask finds the first)."""
    reading = load_reading(slug)
    if isinstance(reading, Response):
        return reading
    page = find_page(reading, page_slug, "quiz")
    form = AttemptRequestForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _refuse(" ".join(str(e) for errors in form.errors.values() for e in errors))
    try:
        second_chances.request_attempt(reading.enrolment, page, form.message.data or "")
    except services.QuizError as error:
        db.session.rollback()
        return _refuse(str(error))
    db.session.commit()
    flash(
        _("Your request was sent. You will get an email when the course team answers it."),
        "success",
    )
    return redirect(url_for("progress.page", slug=slug, page_slug=page_slug))


def _grant_page(form: GrantForm, status: int = 200) -> tuple[str, int]:
    requests = second_chances.open_requests()
    return render_template(
        "quizzes/second_chances.html",
        form=form,
        requests=requests,
        decision_forms={r.id: DecisionForm(prefix=f"r{r.id}") for r in requests},
    ), status


@bp.get("/quiz-attempts")
@role_required(Role.AUTHOR)
def second_chance_queue() -> tuple[str, int]:
    """List learners' requests for another try, with a form to grant or reset attempts."""
    return _grant_page(GrantForm())


@bp.post("/quiz-attempts")
@role_required(Role.AUTHOR)
def grant() -> Response | tuple[str, int]:
    """Grant a learner extra attempts at a quiz, or reset their open attempt, with a reason."""
    form = GrantForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _grant_page(form, 422)
    user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
    course = db.session.scalar(select(Course).where(Course.slug == form.course.data.strip()))
    enrolment = None
    if user is not None and course is not None:
        enrolment = db.session.scalar(
            select(Enrolment).where(
                Enrolment.user_id == user.id,
                Enrolment.course_id == course.id,
                Enrolment.ended_at.is_(None),
            )
        )
    if enrolment is None:
        form.email.errors = [_("No learner with that email is taking that course.")]
        return _grant_page(form, 422)
    page = db.session.scalar(
        select(CoursePage).where(
            CoursePage.version_id == enrolment.version_id,
            CoursePage.slug == form.quiz.data.strip(),
            CoursePage.kind == "quiz",
        )
    )
    if page is None:
        form.quiz.errors = [_("That course version has no quiz with that name.")]
        return _grant_page(form, 422)
    try:
        if form.action.data == "reset":
            attempt = second_chances.open_attempt_of(enrolment, page)
            if attempt is None:
                raise services.QuizError(_("The learner has no open attempt at that quiz."))
            second_chances.reset_attempt(attempt, form.reason.data, actor=current_user)
            message = _("The open attempt was reset and the learner was told why.")
        else:
            second_chances.grant_attempts(
                enrolment, page, form.extra.data or 1, form.reason.data, actor=current_user
            )
            message = _("The extra attempts were granted and the learner was told why.")
    except services.QuizError as error:
        db.session.rollback()
        form.reason.errors = [str(error)]
        return _grant_page(form, 422)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("quizzes.second_chance_queue"))


@bp.post("/quiz-attempts/requests/<int:request_id>")
@role_required(Role.AUTHOR)
def decide(request_id: int) -> Response | tuple[str, int]:
    """Grant one extra attempt for a learner's request, or decline it, with a reason."""
    found = db.session.get(AttemptRequest, request_id)
    if found is None:
        abort(404)
    form = DecisionForm(prefix=f"r{request_id}")
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("quizzes.second_chance_queue"))
    try:
        locked = second_chances.lock_request(request_id)
        if locked is None:
            abort(404)
        second_chances.decide_request(
            locked, form.decision.data == "grant", form.reason.data, actor=current_user
        )
    except services.QuizError as error:
        db.session.rollback()
        flash(str(error), "info")
        return redirect(url_for("quizzes.second_chance_queue"))
    db.session.commit()
    flash(_("The request was answered and the learner was told."), "success")
    return redirect(url_for("quizzes.second_chance_queue"))
