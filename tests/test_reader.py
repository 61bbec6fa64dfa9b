"""Learners find a course, start it, read, leave, come back and resume."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.courses.models import Course, CoursePage
from lms.extensions import db
from lms.progress.models import Enrolment, PageProgress

CME = "tic-pediatric-essentials"
FRONT_DESK = "trauma-informed-front-desk"


def lesson_slugs(slug: str) -> list[str]:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    return [p.slug for p in course.current_version.pages if p.kind == "lesson"]


def page_with_note(slug: str) -> CoursePage:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    return next(p for p in course.current_version.pages if p.content_note and p.kind == "lesson")


@pytest.fixture()
def learner(make_user, auth, publish):
    publish()
    user = make_user(name="Lee Learner", profession="pediatric-trainee")
    auth.login_as(user)
    return user


def start(client, slug=CME):
    return client.post(f"/courses/{slug}/start")


# --- catalog --------------------------------------------------------------------------------


def test_catalog_shows_courses_for_the_learners_audience_first(client, auth, make_user, publish):
    publish()
    auth.login_as(make_user(profession="clinic-staff"))
    page = client.get("/courses").data.decode()
    assert "Trauma-Informed Care at the Front Desk" in page
    assert "Essentials for Pediatric Trainees" not in page
    assert "1 more for other audiences" in page

    everything = client.get("/courses?all=y").data.decode()
    assert "Essentials for Pediatric Trainees" in everything


def test_catalog_search_by_title(client, publish):
    publish()
    page = client.get("/courses?q=front+desk").data.decode()
    assert "Trauma-Informed Care at the Front Desk" in page
    assert "Essentials for Pediatric Trainees" not in page
    none = client.get("/courses?q=cardiology").data.decode()
    assert "No courses match “cardiology”" in none


def test_anyone_can_read_what_a_course_involves_before_starting(client, publish):
    publish()
    page = client.get(f"/courses/{CME}").data.decode()
    for text in [
        "Before you start",
        "Pass mark",
        "80%",
        "Up to 1.0 AMA PRA Category 1 Credit™",
        "2026-01-15",  # release
        "2029-01-14",  # expiration
        "Disclosures",
        "Content note",
        "What you will be able to do",
        "Sign in to start",
    ]:
        assert text in page, text


def test_unknown_course_is_404(client, publish):
    publish()
    assert client.get("/courses/no-such-course").status_code == 404
    assert client.get("/courses/no-such-course/learn").status_code == 302  # sign in first


# --- starting and reading -------------------------------------------------------------------


def test_starting_acknowledges_disclosures_and_opens_the_first_lesson(client, learner):
    response = start(client)
    assert response.status_code == 302
    first = client.get(response.headers["Location"], follow_redirects=True)
    assert b"Why a universal trauma-informed approach" in first.data
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.disclosures_acknowledged_at is not None
    assert enrolment.user_id == learner.id
    assert enrolment.version.number == 1


def test_starting_twice_keeps_one_enrolment(client, learner):
    start(client)
    start(client)
    assert len(db.session.scalars(select(Enrolment)).all()) == 1


def test_reading_requires_starting_first(client, learner):
    lesson = lesson_slugs(CME)[0]
    response = client.get(f"/courses/{CME}/learn/{lesson}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/courses/{CME}"


def test_start_without_csrf_token_is_refused(client, learner):
    assert client.post(f"/courses/{CME}/start", csrf=False).status_code == 400
    assert db.session.scalar(select(Enrolment)) is None


def test_mark_complete_and_continue_moves_on_and_fills_the_progress_bar(client, learner):
    start(client)
    lessons = lesson_slugs(CME)
    response = client.post(f"/courses/{CME}/learn/{lessons[0]}/complete", data={"seconds": "95"})
    assert response.headers["Location"] == f"/courses/{CME}/learn/{lessons[1]}"
    page = client.get(f"/courses/{CME}/learn/{lessons[1]}").data.decode()
    assert "1 of 7 pages done (14%)" in page
    assert re.search(r'<progress max="7" value="1"', page)
    row = db.session.scalar(select(PageProgress).where(PageProgress.completed_at.is_not(None)))
    assert row.seconds_spent == 95


def test_content_note_offers_a_real_choice_and_keeps_progress(client, learner):
    start(client)
    noted = page_with_note(CME)
    url = f"/courses/{CME}/learn/{noted.slug}"
    note = client.get(url).data.decode()
    assert "Content note" in note and noted.content_note in note
    assert "Step away for now" in note
    assert 'class="prose"' not in note  # the lesson itself is not shown yet

    # Stepping away: the page's script reports the visit as the learner leaves (as it does for
    # reading time), so My learning still has the course and resume brings the note back.
    assert 'data-time-url="' + url + '/time"' in note
    client.post(f"{url}/time", data={"seconds": "0"})
    assert "Resume" in client.get("/my-learning").data.decode()
    assert client.get(f"/courses/{CME}/learn").headers["Location"] == url

    client.post(f"{url}/continue")
    lesson = client.get(url).data.decode()
    assert 'class="prose"' in lesson
    assert "Step away for now" not in lesson


def test_leave_and_resume_where_you_left_off(app, client, auth, learner):
    start(client)
    lessons = lesson_slugs(CME)
    client.post(f"/courses/{CME}/learn/{lessons[0]}/complete")
    client.post(f"/courses/{CME}/learn/{lessons[1]}/complete")
    auth.logout()

    auth.login_as(learner)
    response = client.get(f"/courses/{CME}/learn")
    assert response.headers["Location"] == f"/courses/{CME}/learn/{lessons[2]}"


def test_resume_returns_to_an_unfinished_page_the_learner_went_back_to(client, learner):
    start(client)
    lessons = lesson_slugs(CME)
    client.post(f"/courses/{CME}/learn/{lessons[0]}/complete")
    client.get(f"/courses/{CME}/learn/{lessons[3]}")  # skipped ahead to read lesson 4
    # Reading alone writes nothing; the page's script reports the reading time as they leave.
    client.post(f"/courses/{CME}/learn/{lessons[3]}/time", data={"seconds": "30"})
    assert client.get(f"/courses/{CME}/learn").headers["Location"].endswith(lessons[3])


def test_only_reading_a_page_keeps_the_first_unfinished_page_as_the_place(client, learner):
    start(client)
    lessons = lesson_slugs(CME)
    client.post(f"/courses/{CME}/learn/{lessons[0]}/complete")
    client.get(f"/courses/{CME}/learn/{lessons[3]}")  # a glance, without the page's script
    assert client.get(f"/courses/{CME}/learn").headers["Location"].endswith(lessons[1])


def test_my_learning_agrees_with_the_progress_bar(client, learner):
    start(client)
    start(client, FRONT_DESK)
    for lesson in lesson_slugs(CME)[:3]:
        client.post(f"/courses/{CME}/learn/{lesson}/complete")
    page = client.get("/my-learning").data.decode()
    assert "3 of 7 pages done (42%)" in page
    assert "0 of 6 pages done (0%)" in page
    reader = client.get(f"/courses/{CME}/learn/{lesson_slugs(CME)[3]}").data.decode()
    assert "3 of 7 pages done (42%)" in reader
    course_page = client.get(f"/courses/{CME}").data.decode()
    assert "3 of 7 pages done (42%)" in course_page


def test_completing_a_page_twice_counts_once(client, learner):
    start(client)
    first = lesson_slugs(CME)[0]
    client.post(f"/courses/{CME}/learn/{first}/complete")
    client.post(f"/courses/{CME}/learn/{first}/complete")
    assert "1 of 7 pages done" in client.get("/my-learning").data.decode()


def test_quiz_pages_are_not_completed_by_the_reader_button(client, learner):
    start(client)
    response = client.post(f"/courses/{CME}/learn/post-test/complete", follow_redirects=True)
    assert b"completed by submitting them" in response.data
    assert "0 of 7 pages done" in client.get("/my-learning").data.decode()


def test_quiz_page_never_shows_answer_keys(client, learner):
    start(client)
    client.post(f"/courses/{CME}/learn/post-test/continue")
    page = client.get(f"/courses/{CME}/learn/post-test").data.decode()
    assert "(x)" not in page and "correct" not in page.lower()


def test_reading_time_is_recorded_within_reason(client, learner):
    start(client)
    first = lesson_slugs(CME)[0]
    client.get(f"/courses/{CME}/learn/{first}")
    assert (
        client.post(f"/courses/{CME}/learn/{first}/time", data={"seconds": "40"}).status_code == 204
    )
    client.post(f"/courses/{CME}/learn/{first}/time", data={"seconds": "86400"})
    assert (
        client.post(f"/courses/{CME}/learn/{first}/time", data={"seconds": "-5"}).status_code == 400
    )
    assert (
        client.post(f"/courses/{CME}/learn/{first}/time", data={"seconds": "abc"}).status_code
        == 400
    )
    row = db.session.scalar(select(PageProgress))
    assert row.seconds_spent == 40 + 30 * 60


def test_unknown_page_is_404(client, learner):
    start(client)
    assert client.get(f"/courses/{CME}/learn/no-such-page").status_code == 404
    assert client.post(f"/courses/{CME}/learn/no-such-page/complete").status_code == 404


def test_a_learner_cannot_touch_another_learners_progress(client, auth, learner, make_user):
    start(client)
    lessons = lesson_slugs(CME)
    auth.logout()
    other = make_user(name="Other Learner")
    auth.login_as(other)
    # Not enrolled: every reader action sends them to the course page, nothing is recorded.
    assert client.post(f"/courses/{CME}/learn/{lessons[0]}/complete").status_code == 302
    assert (
        client.post(f"/courses/{CME}/learn/{lessons[0]}/time", data={"seconds": "5"}).status_code
        == 404
    )
    assert db.session.scalar(select(PageProgress)) is None
    assert "You have not started a course yet" in client.get("/my-learning").data.decode()


@pytest.mark.parametrize(
    "path",
    ["/my-learning", f"/courses/{CME}/learn", f"/courses/{CME}/learn/why-trauma-informed-care"],
)
def test_reader_pages_need_an_account(client, publish, path):
    publish()
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# --- cost per page --------------------------------------------------------------------------


def test_a_lesson_page_runs_a_bounded_number_of_queries(client, learner, count_queries):
    start(client)
    lessons = lesson_slugs(CME)
    for lesson in lessons[:3]:
        client.post(f"/courses/{CME}/learn/{lesson}/complete")
    client.get(f"/courses/{CME}/learn/{lessons[3]}")  # first visit creates the progress row
    with count_queries() as statements:
        response = client.get(f"/courses/{CME}/learn/{lessons[3]}")
    assert response.status_code == 200
    assert len(statements) <= 3, "\n".join(statements)


def test_my_learning_queries_do_not_grow_with_courses(client, learner, count_queries):
    start(client)
    with count_queries() as one:
        client.get("/my-learning")
    start(client, FRONT_DESK)
    with count_queries() as two:
        client.get("/my-learning")
    assert len(two) == len(one) <= 8


def test_lesson_html_is_compiled_at_publish_time_not_per_request(client, learner, monkeypatch):
    start(client)
    import lms.content.markdown as markdown

    def fail(*args, **kwargs):
        raise AssertionError("Markdown compiled during a request")

    monkeypatch.setattr(markdown, "render_markdown", fail)
    monkeypatch.setattr(markdown, "render_inline", fail)
    response = client.get(f"/courses/{CME}/learn/{lesson_slugs(CME)[0]}")
    assert response.status_code == 200
