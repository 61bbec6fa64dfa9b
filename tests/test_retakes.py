"""Taking a course again: retakes, moving to a new version, extra attempts and requests for one."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms import clock
from lms.admin.reports import funnels
from lms.audit import sentences
from lms.audit.models import AuditEvent
from lms.certificates.models import Completion
from lms.courses.changes import Changes, PageDigest, compare, describe
from lms.extensions import db
from lms.integrity import find_violations
from lms.progress.models import Enrolment
from lms.quizzes.models import AttemptRequest, QuizAttempt
from tests.served import run_together
from tests.test_certificates import complete, evaluate, pass_quiz, read_lessons, version_of
from tests.test_concurrency import fresh
from tests.test_organizations import subject
from tests.test_quizzes import CME, FRONT_DESK, quiz_page, wrong_answers
from tests.test_retraining import words

COURSES = Path(__file__).resolve().parents[1] / "courses"


@pytest.fixture()
def on_day():
    """Return a function that fixes the application's clock on a day; the clock runs after."""

    def run(day: date) -> None:
        clock.set_now(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))

    yield run
    clock.set_now(None)


def copy_courses(tmp_path: Path) -> Path:
    root = tmp_path / "courses"
    if not root.exists():
        shutil.copytree(COURSES, root)
    return root


def revise(root: Path, slug: str = FRONT_DESK) -> None:
    """Change two lessons and add one: what an author's yearly review might publish."""
    lessons = sorted(p for p in (root / slug).glob("0[1-4]-*.md") if ".es." not in p.name)
    for lesson in lessons[:2]:
        lesson.write_text(lesson.read_text() + "\n\nA paragraph added at the yearly review.\n")
    for suffix in (".md", ".es.md"):
        source = lessons[0].with_name(lessons[0].name.replace(".md", suffix))
        extra = root / slug / f"07-a-new-lesson{suffix}"
        extra.write_text(source.read_text().replace("title: ", "title: More on ", 1))


def enrolments(user) -> list[Enrolment]:
    fresh()
    return list(
        db.session.scalars(
            select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.id)
        )
    )


# --- the plain summary of what changed -------------------------------------------------------


def test_changes_are_counted_by_page_and_said_plainly(app):
    old = [
        PageDigest("a", "lesson", "1"),
        PageDigest("b", "lesson", "2"),
        PageDigest("c", "lesson", "3"),
        PageDigest("q", "quiz", "4"),
        PageDigest("e", "evaluation", "5"),
    ]
    new = [
        PageDigest("a", "lesson", "1x"),
        PageDigest("b", "lesson", "2x"),
        PageDigest("c", "lesson", "3"),
        PageDigest("d", "lesson", "9"),
        PageDigest("q", "quiz", "4x"),
        PageDigest("e", "evaluation", "5"),
    ]
    changes = compare(old, new)
    assert changes == Changes(lessons_changed=2, lessons_added=1, quiz_changed=True)
    with app.test_request_context():
        assert describe(changes) == (
            "What changed: 2 lessons changed, 1 lesson added, quiz updated."
        )
        assert "small corrections" in describe(compare(old, old))


# --- retakes ---------------------------------------------------------------------------------


def test_a_retake_leaves_two_completions_on_the_transcript(client, auth, make_user, publish):
    publish()
    learner = make_user(name="Rae Retake", profession="clinic-staff")
    auth.login_as(learner)
    complete(client, FRONT_DESK)
    page = words(client.get(f"/courses/{FRONT_DESK}").data.decode())
    assert "Take the course again" in page

    response = client.post(f"/courses/{FRONT_DESK}/start-again")
    assert response.status_code == 302
    first, second = enrolments(learner)
    assert (first.end_reason, first.ended_at is not None, second.ended_at) == (
        "retake",
        True,
        None,
    )
    # The new enrolment starts from the beginning; the old one keeps its pages.
    assert "Resume where you left off" in words(client.get(f"/courses/{FRONT_DESK}").data.decode())
    assert first.page_progress and not second.page_progress
    complete(client, FRONT_DESK)

    completions = db.session.scalars(
        select(Completion).where(Completion.user_id == learner.id).order_by(Completion.id)
    ).all()
    assert [c.enrolment_id for c in completions] == [first.id, second.id]
    transcript = words(client.get("/transcript").data.decode())
    assert transcript.count("Trauma-Informed Care at the Front Desk") >= 2
    assert find_violations() == []
    # The admin's funnel counts the learner once, however often they took the course.
    funnel = funnels([first.course_id])[first.course_id]
    assert (funnel.enrolled, funnel.started, funnel.evaluated) == (1, 1, 1)


def test_start_again_before_completing_is_refused_kindly(client, auth, make_user, publish):
    publish()
    learner = make_user(profession="clinic-staff")
    auth.login_as(learner)
    client.post(f"/courses/{FRONT_DESK}/start")
    response = client.post(f"/courses/{FRONT_DESK}/start-again", follow_redirects=True)
    assert "You are already taking this course" in words(response.data.decode())
    assert len(enrolments(learner)) == 1


def test_parallel_start_again_leaves_exactly_one_open_enrolment(served, make_user, publish):
    publish()
    learners = []
    for _ in range(4):
        learner = make_user(profession="clinic-staff")
        learners.append(learner)
    fresh()
    tabs = []
    for learner in learners:
        tab = served.browser()
        tab.login(learner.email)
        tabs.append(tab)
    # Each learner completes the course through the server, then presses "Start again" in
    # four tabs at the same instant.
    for tab in tabs:
        _complete_served(tab)
    calls = [
        (lambda t=tab: t.post(f"/courses/{FRONT_DESK}/start-again"))
        for tab in tabs
        for _ in range(4)
    ]
    responses = run_together(calls)
    assert all(r.status_code == 302 for r in responses)
    fresh()
    for learner in learners:
        rows = enrolments(learner)
        assert len([e for e in rows if e.ended_at is None]) == 1
        assert len(rows) == 2  # the completed one, and one retake
    assert find_violations() == []


def _complete_served(tab) -> None:
    version = version_of(FRONT_DESK)
    tab.post(f"/courses/{FRONT_DESK}/start")
    for page in version.pages:
        if page.kind == "lesson":
            tab.post(f"/courses/{FRONT_DESK}/learn/{page.slug}/continue")
            tab.post(f"/courses/{FRONT_DESK}/learn/{page.slug}/complete")
    quiz = quiz_page(FRONT_DESK)
    from tests.test_quizzes import right_answers

    url = tab.post(f"/courses/{FRONT_DESK}/quiz/{quiz.slug}/start").headers["Location"]
    tab.post(url, right_answers(quiz))
    evaluation = quiz_page(FRONT_DESK, kind="evaluation")
    data = {f"q-{q.id}": [q.options[0].id] for q in evaluation.questions if q.options}
    tab.post(f"/courses/{FRONT_DESK}/evaluation/{evaluation.slug}", data)


# --- new versions ----------------------------------------------------------------------------


def test_a_learner_moves_from_version_1_to_version_2_mid_course(
    client, auth, make_user, publish, tmp_path, on_day
):
    on_day(date(2026, 3, 1))
    root = copy_courses(tmp_path)
    publish(root)
    learner = make_user(profession="clinic-staff")
    auth.login_as(learner)
    client.post(f"/courses/{FRONT_DESK}/start")
    lessons = [p for p in version_of(FRONT_DESK).pages if p.kind == "lesson"]
    client.post(f"/courses/{FRONT_DESK}/learn/{lessons[0].slug}/complete")

    on_day(date(2026, 6, 1))
    revise(root)
    publish(root)
    assert version_of(FRONT_DESK).number == 2
    page = words(client.get(f"/courses/{FRONT_DESK}").data.decode())
    assert "Version 2 of this course is available" in page
    assert "What changed: 2 lessons changed, 1 lesson added." in page

    # Keeping the old version is remembered, and the offer goes away.
    client.post(f"/courses/{FRONT_DESK}/keep-version")
    page = words(client.get(f"/courses/{FRONT_DESK}").data.decode())
    assert "Version 2 of this course is available" not in page
    assert "continuing the version you started (version 1)" in page
    [kept] = enrolments(learner)
    assert kept.kept_over_version_id == version_of(FRONT_DESK).id

    # Changing their mind: move to version 2 (from the button the page no longer shows, as a
    # learner who kept the form open would).
    assert client.post(f"/courses/{FRONT_DESK}/move-to-new-version").status_code == 302
    old, new = enrolments(learner)
    assert old.end_reason == "new-version" and old.page_progress  # nothing is lost
    assert new.version.number == 2 and new.ended_at is None
    read_lessons(client, FRONT_DESK)
    pass_quiz(client, FRONT_DESK)
    evaluate(client, FRONT_DESK)
    [completion] = db.session.scalars(select(Completion)).all()
    assert completion.version.number == 2
    assert find_violations() == []


def test_moving_to_version_2_keeps_progress_on_unchanged_lessons_but_never_quiz_attempts(
    client, auth, make_user, publish, tmp_path
):
    root = copy_courses(tmp_path)
    publish(root)
    learner = make_user(profession="clinic-staff")
    auth.login_as(learner)
    client.post(f"/courses/{FRONT_DESK}/start")
    read_lessons(client, FRONT_DESK)
    quiz = next(p for p in version_of(FRONT_DESK).pages if p.kind == "quiz")
    client.post(f"/courses/{FRONT_DESK}/quiz/{quiz.slug}/start")  # an attempt left open
    v1_lessons = [p.slug for p in version_of(FRONT_DESK).pages if p.kind == "lesson"]

    revise(root)  # two lessons changed, one added
    publish(root)
    v2 = version_of(FRONT_DESK)
    changed = [p.title for p in v2.pages if p.kind == "lesson"][:2]
    page = client.get(f"/courses/{FRONT_DESK}").data.decode()
    said = words(page)
    kept, total = len(v1_lessons) - 2, len(v1_lessons) + 1
    assert (
        f"You keep your progress on {kept} of {total} pages; 3 new or changed pages to read."
        in said
    )
    to_read = words(page.split('id="pages-to-read"', 1)[1].split("</ul>", 1)[0])
    assert all(title in to_read for title in changed) and "More on" in to_read
    kept_list = words(page.split('id="pages-kept"', 1)[1].split("</ul>", 1)[0])
    assert not any(title in kept_list for title in changed)

    before = [(p.page_id, p.completed_at) for p in enrolments(learner)[0].page_progress]
    assert client.post(f"/courses/{FRONT_DESK}/move-to-new-version").status_code == 302
    old, new = enrolments(learner)
    # The old enrolment is as it was; the new one has the unchanged lessons read, nothing more.
    assert [(p.page_id, p.completed_at) for p in old.page_progress] == before
    carried = sorted(p.page.slug for p in new.page_progress if p.completed_at)
    assert carried == sorted(v1_lessons[2:])
    assert all(p.page.version_id == v2.id and p.seconds_spent == 0 for p in new.page_progress)
    attempts = db.session.scalars(select(QuizAttempt.enrolment_id)).all()
    assert attempts == [old.id]
    # The course page counts the carried lessons as done.
    page = words(client.get(f"/courses/{FRONT_DESK}").data.decode())
    assert "Resume where you left off" in page
    read_lessons(client, FRONT_DESK)
    pass_quiz(client, FRONT_DESK)
    evaluate(client, FRONT_DESK)
    [completion] = db.session.scalars(select(Completion)).all()
    assert completion.version.number == 2 and completion.enrolment_id == new.id
    assert find_violations() == []


def test_a_learner_finishes_version_1_after_version_2_is_published(
    client, auth, make_user, publish, tmp_path
):
    root = copy_courses(tmp_path)
    publish(root)
    learner = make_user(profession="clinic-staff")
    auth.login_as(learner)
    client.post(f"/courses/{FRONT_DESK}/start")
    v1 = version_of(FRONT_DESK)
    v1_pages = [(p.kind, p.slug) for p in v1.pages]
    revise(root)
    publish(root)
    # The learner chooses to keep version 1.
    assert client.post(f"/courses/{FRONT_DESK}/keep-version").status_code == 302

    for kind, slug in v1_pages:
        if kind == "lesson":
            client.post(f"/courses/{FRONT_DESK}/learn/{slug}/complete")
    quiz = next(slug for kind, slug in v1_pages if kind == "quiz")
    url = client.post(f"/courses/{FRONT_DESK}/quiz/{quiz}/start").headers["Location"]
    from tests.test_quizzes import right_answers

    v1_quiz = next(p for p in v1.pages if p.slug == quiz)
    client.post(url, data=right_answers(v1_quiz))
    evaluation = next(p for p in v1.pages if p.kind == "evaluation")
    client.post(
        f"/courses/{FRONT_DESK}/evaluation/{evaluation.slug}",
        data={f"q-{q.id}": [q.options[0].id] for q in evaluation.questions if q.options},
    )
    [completion] = db.session.scalars(select(Completion)).all()
    assert completion.version.number == 1
    [enrolment] = enrolments(learner)
    assert enrolment.version_id == v1.id and completion.enrolment_id == enrolment.id
    page = words(client.get(f"/courses/{FRONT_DESK}").data.decode())
    assert "You completed version 1. Starting again opens version 2" in page


# --- extra attempts, resets and requests -----------------------------------------------------


def use_every_attempt(client, slug: str = CME) -> None:
    page = quiz_page(slug)
    client.post(f"/courses/{slug}/learn/{page.slug}/continue")  # past the content note
    for _ in range(page.settings["max_attempts"]):
        url = client.post(f"/courses/{slug}/quiz/{page.slug}/start").headers["Location"]
        client.post(url, data=wrong_answers(page))


def grant_form(client, **data) -> object:
    """Submit the rendered grant form, as staff would, with the fields given."""
    page = client.get("/quiz-attempts")
    assert page.status_code == 200 and 'name="reason"' in page.data.decode()
    fields = {"action": "grant", "extra": "1", "course": CME, "quiz": quiz_page().slug}
    return client.post("/quiz-attempts", data={**fields, **data})


def test_extra_attempts_are_granted_audited_and_told_by_email_and_on_the_page(
    client, auth, make_user, publish, mailbox
):
    publish()
    learner = make_user(name="Lee Learner", profession="physician", locale="es")
    auth.login_as(learner)
    client.post(f"/courses/{CME}/start")
    use_every_attempt(client)
    quiz = quiz_page()
    # The learner reads in Spanish: the page offers the request form in their language.
    asking = client.get(f"/courses/{CME}/learn/{quiz.slug}").data.decode()
    assert 'name="message"' in asking and "Pedir otro intento" in asking
    auth.logout()

    author = make_user(role="author", name="Ari Author")
    auth.login_as(author)
    # A reason is required.
    refused = grant_form(client, email=learner.email, reason="  ")
    assert refused.status_code == 422 and "Give a reason." in refused.data.decode()
    response = grant_form(client, email=learner.email, extra="2", reason="Power cut mid-quiz")
    assert response.status_code == 302
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "quiz.attempts_granted")
    )
    assert event.actor_id == author.id and event.details["reason"] == "Power cut mid-quiz"
    names = sentences.names_for([event])
    assert "Ari Author gave Lee Learner" in sentences.describe(event, names).sentence
    [message] = mailbox.to(learner.email)
    assert "Tiene otro intento" in subject(message)  # in the learner's language
    assert "Power cut mid-quiz" in message.get_payload(decode=True).decode()
    auth.logout()

    auth.login_as(learner)
    page = words(client.get(f"/courses/{CME}/learn/{quiz.slug}").data.decode())
    assert "El equipo del curso le dio 2 intentos más: Power cut mid-quiz" in page
    start = client.post(f"/courses/{CME}/quiz/{quiz.slug}/start")
    assert "/attempts/" in start.headers["Location"]  # a fourth attempt


def test_an_open_attempt_is_reset_with_a_reason(client, auth, make_user, publish, mailbox):
    publish()
    learner = make_user(profession="physician")
    auth.login_as(learner)
    client.post(f"/courses/{CME}/start")
    quiz = quiz_page()
    url = client.post(f"/courses/{CME}/quiz/{quiz.slug}/start").headers["Location"]
    auth.logout()
    auth.login_as(make_user(role="admin"))
    response = grant_form(client, email=learner.email, action="reset", reason="Stuck attempt")
    assert response.status_code == 302
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.reset_at is not None and attempt.submitted_at is None
    assert (
        db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "quiz.attempt_reset")
        ).details["reason"]
        == "Stuck attempt"
    )
    assert "reset" in subject(mailbox.to(learner.email)[0])
    auth.logout()
    auth.login_as(learner)
    followed = client.get(url, follow_redirects=True)
    assert "was reset by the course team" in words(followed.data.decode())
    again = client.post(f"/courses/{CME}/quiz/{quiz.slug}/start").headers["Location"]
    assert again != url
    assert find_violations() == []


def test_a_request_for_another_try_is_queued_once_then_granted_or_declined(
    client, auth, make_user, publish, mailbox
):
    publish()
    quiz_slug = quiz_page().slug
    asker, other = make_user(profession="physician"), make_user(profession="physician")
    for learner in (asker, other):
        auth.login_as(learner)
        client.post(f"/courses/{CME}/start")
        use_every_attempt(client)
        result = client.get(f"/courses/{CME}/learn/{quiz_slug}").data.decode()
        assert 'name="message"' in result
        for _ in range(2):  # a double submit records one request
            response = client.post(
                f"/courses/{CME}/quiz/{quiz_slug}/request-attempt",
                data={"message": "<script>alert(1)</script> I lost my connection"},
            )
            assert response.status_code == 302
        auth.logout()
    assert db.session.scalar(select(func.count()).select_from(AttemptRequest)) == 2

    admin = make_user(role="admin")
    auth.login_as(admin)
    queue = client.get("/quiz-attempts").data.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; I lost my connection" in queue
    assert "<script>alert(1)" not in queue
    first, second = db.session.scalars(select(AttemptRequest).order_by(AttemptRequest.id)).all()
    refused = client.post(
        f"/quiz-attempts/requests/{first.id}",
        data={f"r{first.id}-decision": "grant", f"r{first.id}-reason": ""},
        follow_redirects=True,
    )
    assert "Give a reason." in refused.data.decode()
    client.post(
        f"/quiz-attempts/requests/{first.id}",
        data={f"r{first.id}-decision": "grant", f"r{first.id}-reason": "Connection trouble"},
    )
    client.post(
        f"/quiz-attempts/requests/{second.id}",
        data={f"r{second.id}-decision": "decline", f"r{second.id}-reason": "Please review first"},
    )
    # Answering twice changes nothing.
    again = client.post(
        f"/quiz-attempts/requests/{second.id}",
        data={f"r{second.id}-decision": "grant", f"r{second.id}-reason": "Changed my mind"},
        follow_redirects=True,
    )
    assert "already answered" in again.data.decode()
    fresh()
    assert [
        r.status for r in db.session.scalars(select(AttemptRequest).order_by(AttemptRequest.id))
    ] == [
        "granted",
        "declined",
    ]
    assert "No learner is waiting" in client.get("/quiz-attempts").data.decode()
    assert "Connection trouble" in mailbox.to(asker.email)[-1].get_payload(decode=True).decode()
    assert "declined" in mailbox.to(other.email)[-1].get_payload(decode=True).decode()
    auth.logout()

    auth.login_as(other)
    page = words(client.get(f"/courses/{CME}/learn/{quiz_slug}").data.decode())
    assert "was declined: Please review first" in page
    auth.logout()
    auth.login_as(asker)
    start = client.post(f"/courses/{CME}/quiz/{quiz_slug}/start")
    assert "/attempts/" in start.headers["Location"]


@pytest.mark.parametrize(
    "data",
    [
        {"email": "nobody@example.org", "reason": "x"},
        {"extra": "9", "reason": "x"},
        {"extra": "-1", "reason": "x"},
        {"action": "explode", "reason": "x"},
        {"quiz": "no-such-quiz", "reason": "x"},
        {"course": "../../etc", "reason": "x"},
        {"reason": "x" * 1001},
        {"reason": "ok\x00"},
    ],
)
def test_hostile_grant_forms_are_refused_kindly(client, auth, make_user, publish, data):
    publish()
    learner = make_user(profession="physician")
    auth.login_as(learner)
    client.post(f"/courses/{CME}/start")
    auth.logout()
    auth.login_as(make_user(role="admin"))
    response = grant_form(client, **{"email": learner.email, **data})
    assert 400 <= response.status_code < 500
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("quiz.%"))) is None


def test_a_too_long_request_message_is_refused(client, auth, make_user, publish):
    publish()
    auth.login_as(make_user(profession="physician"))
    client.post(f"/courses/{CME}/start")
    use_every_attempt(client)
    response = client.post(
        f"/courses/{CME}/quiz/{quiz_page().slug}/request-attempt", data={"message": "x" * 2001}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(AttemptRequest)) is None
