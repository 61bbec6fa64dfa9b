"""Records survive real parallel requests to the app served by gunicorn, on both databases.

Each test sets the scene in the database, fires pairs of requests at the same instant from
separate signed-in browsers, then checks what people would see and the records' invariants.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.accounts.models import Role
from lms.certificates.models import Certificate, Completion
from lms.courses.models import Course
from lms.database import utcnow
from lms.extensions import db
from lms.integrity import find_violations
from lms.progress import services as progress_services
from lms.progress.models import Enrolment, PageProgress
from lms.quizzes.models import EvaluationResponse, QuizAttempt
from tests.served import run_together
from tests.test_integrity import certify
from tests.test_quizzes import CME, quiz_page

PAIRS = 10


def fresh() -> None:
    """End the test's transaction and forget its cache, to read what the server committed.

    On SQLite a read transaction left open would also stop the test writing after the server
    wrote ("database is locked"): its snapshot would be out of date.
    """
    db.session.rollback()
    db.session.expire_all()


@pytest.fixture()
def certificates(make_user, publish) -> list[str]:
    publish()
    return [certify(make_user(profession="physician")).public_id for _ in range(PAIRS)]


@pytest.fixture()
def admins(served, make_user):
    """Return a factory of browsers signed in as one of two administrators."""
    people = [make_user(role=Role.ADMIN), make_user(role=Role.ADMIN)]

    def browser(n: int):
        tab = served.browser()
        tab.login(people[n % 2].email)
        return tab

    return browser


def test_two_admins_reissuing_one_certificate_at_once_leave_one_valid(certificates, admins):
    calls = []
    for public_id in certificates:
        for n in range(2):
            tab = admins(n)
            url = f"/admin/certificates/{public_id}/reissue"
            calls.append(lambda tab=tab, url=url: tab.post(url, {"reason": "typo in name"}))
    responses = run_together(calls)

    assert [r.status_code for r in responses] == [302] * len(calls)
    fresh()
    for public_id in certificates:
        original = db.session.scalar(select(Certificate).where(Certificate.public_id == public_id))
        siblings = original.claim.certificates
        assert [c.status for c in siblings].count("valid") == 1, public_id
        assert len(siblings) == 2, "one reissue wins, the other is refused"
    assert find_violations() == []


def test_the_admin_who_lost_the_reissue_race_is_told_so(certificates, admins):
    first, second = admins(0), admins(1)
    url = f"/admin/certificates/{certificates[0]}/reissue"
    winner = first.post(url, {"reason": "typo"})
    loser = second.post(url, {"reason": "typo"})
    assert winner.status_code == loser.status_code == 302
    page = second.get(loser.headers["Location"]).text
    assert "already replaced by a newer one" in page


def test_revoking_while_another_admin_reissues_never_undoes_the_revocation(
    certificates, admins, served
):
    calls = []
    for public_id in certificates:
        revoker, reissuer, checker = admins(0), admins(1), served.browser()
        base = f"/admin/certificates/{public_id}"
        calls.append(lambda t=revoker, b=base: t.post(f"{b}/revoke", {"reason": "fraud"}))
        calls.append(lambda t=reissuer, b=base: t.post(f"{b}/reissue", {"reason": "typo"}))
        # Someone checks the certificate while the admins act.
        calls.append(lambda t=checker, p=public_id: t.get(f"/verify/{p}.json"))
    responses = run_together(calls)

    assert [r.status_code for r in responses] == [302, 302, 200] * len(certificates)
    for record in (r.json() for r in responses[2::3]):
        assert not (record["revoked_on"] and record["superseded_by"]), record
    fresh()
    public = served.browser()
    for public_id in certificates:
        original = db.session.scalar(select(Certificate).where(Certificate.public_id == public_id))
        statuses = sorted(c.status for c in original.claim.certificates)
        # Either the revocation came first and the reissue was refused, or the reissue came
        # first and the revocation (of a replaced certificate) was refused.
        assert statuses in (["revoked"], ["superseded", "valid"]), (public_id, statuses)
        for certificate in original.claim.certificates:
            record = public.get(f"/verify/{certificate.public_id}.json").json()
            assert not (record["revoked_on"] and record["superseded_by"]), record
            assert (record["status"] == "revoked") == bool(record["revoked_on"]), record
    assert find_violations() == []


def test_revoking_a_replaced_certificate_is_refused_with_a_pointer_to_the_current_one(
    certificates, admins
):
    tab = admins(0)
    base = f"/admin/certificates/{certificates[0]}"
    replacement = tab.post(f"{base}/reissue", {"reason": "typo"}).headers["Location"]
    response = tab.post(f"{base}/revoke", {"reason": "fraud"})
    assert response.status_code == 302
    page = tab.get(response.headers["Location"]).text
    new_id = replacement.rsplit("/", 1)[-1]
    assert f"was replaced by {new_id}" in page
    fresh()
    assert find_violations() == []


# --- the last lesson and the evaluation sent at the same moment ------------------------------


def nearly_done(user) -> tuple[str, str]:
    """Bring a learner to one lesson and the evaluation short of completion; return their URLs."""
    course = db.session.scalar(select(Course).where(Course.slug == CME))
    version = course.current_version
    enrolment = progress_services.enrol(user, course, version)
    lessons = [p for p in version.pages if p.kind == "lesson"]
    for lesson in lessons[:-1]:
        progress_services.complete_page(enrolment, lesson)
    quiz = quiz_page()
    db.session.add(
        QuizAttempt(
            user_id=user.id,
            enrolment_id=enrolment.id,
            page_id=quiz.id,
            number=1,
            started_at=utcnow(),
            submitted_at=utcnow(),
            score=100,
            passed=True,
            question_order=[],
            option_order={},
        )
    )
    progress_services.complete_assessment(enrolment, quiz)
    db.session.commit()
    evaluation = quiz_page(kind="evaluation")
    return (
        f"/courses/{CME}/learn/{lessons[-1].slug}/complete",
        f"/courses/{CME}/evaluation/{evaluation.slug}",
    )


def test_the_last_lesson_and_the_evaluation_at_once_complete_the_course(served, make_user, publish):
    publish()
    evaluation = quiz_page(kind="evaluation")
    answers = {f"q-{q.id}": [q.options[0].id] for q in evaluation.questions if q.options}
    learners = []
    for _ in range(PAIRS):
        learner = make_user(profession="physician")
        learners.append((learner.id, learner.email, *nearly_done(learner)))
    fresh()  # the server writes next (sign-in): hold no snapshot it would invalidate
    calls = []
    for _, email, lesson_url, evaluation_url in learners:
        tab = served.browser()
        tab.login(email)
        other = tab.tab()
        calls.append(lambda t=tab, u=lesson_url: t.post(u))
        calls.append(lambda t=other, u=evaluation_url: t.post(u, answers))
    responses = run_together(calls)

    assert [r.status_code for r in responses] == [302] * len(calls)
    fresh()
    for user_id, *_ in learners:
        completion = db.session.scalar(select(Completion).where(Completion.user_id == user_id))
        assert completion is not None, f"learner {user_id} met every requirement, no completion"
        enrolment = completion.enrolment
        last_met = max(
            max(row.completed_at for row in enrolment.page_progress if row.completed_at),
            db.session.scalar(
                select(EvaluationResponse.submitted_at).where(EvaluationResponse.user_id == user_id)
            ),
        )
        # Dated when the last requirement was met, by the request that met it.
        assert last_met <= completion.completed_at < last_met + timedelta(seconds=5)
    assert find_violations() == []


# --- two tabs opening a page for the first time ---------------------------------------------


def test_two_tabs_opening_a_page_for_the_first_time_both_show_it(served, make_user, publish):
    publish()
    course = db.session.scalar(select(Course).where(Course.slug == CME))
    version = course.current_version
    page = next(p for p in version.pages if p.kind == "lesson")
    page_id, url = page.id, f"/courses/{CME}/learn/{page.slug}"
    learners = []
    for _ in range(PAIRS):
        learner = make_user(profession="physician")
        progress_services.enrol(learner, course, version)
        db.session.commit()
        learners.append((learner.id, learner.email))
    fresh()
    calls = []
    for _, email in learners:
        tab = served.browser()
        tab.login(email)
        for other in (tab, tab.tab()):
            calls.append(lambda t=other: t.get(url))
    responses = run_together(calls)

    assert [r.status_code for r in responses] == [200] * len(calls)

    def progress_rows(user_id: int) -> list[PageProgress]:
        fresh()
        return db.session.scalars(
            select(PageProgress)
            .join(Enrolment)
            .where(Enrolment.user_id == user_id, PageProgress.page_id == page_id)
        ).all()

    # Reading writes nothing: the page's first reading report records it, and both tabs send
    # theirs at the same moment. Insert-or-nothing keeps it to one row per learner, never a 500.
    assert all(progress_rows(user_id) == [] for user_id, _ in learners)
    tabs = [(tab, tab.tab()) for tab in [served.browser() for _ in learners]]
    reports = []
    for (first, second), (_, email) in zip(tabs, learners, strict=True):
        first.login(email)
        for other in (first, second):
            other._token = first.csrf_token()
            other.session.cookies.update(first.session.cookies)
            reports.append(lambda t=other: t.post(f"{url}/time", {"seconds": "5"}))
    responses = run_together(reports)

    assert [r.status_code for r in responses] == [204] * len(reports)
    for user_id, _ in learners:
        [row] = progress_rows(user_id)
        assert row.seconds_spent >= 5
    assert find_violations() == []
