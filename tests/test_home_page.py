"""The home page: what the site is and for whom, featured courses, and a learner's own courses."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from lms.courses.models import Course
from lms.extensions import db
from lms.organizations import services as organizations
from tests.test_course_covers import CME_ALT, Images
from tests.test_courses_cli import edit
from tests.test_publishing import CME, CME_TITLE, FRONT_DESK, FRONT_DESK_TITLE
from tests.test_publishing import app_config as app_config  # noqa: F401  (serves the copy)
from tests.test_publishing import config_overrides as config_overrides  # noqa: F401
from tests.test_publishing import courses as courses  # noqa: F401


def section(page: str, heading_id: str) -> str:
    """Return the <section> labelled by the heading with this id, or fail."""
    start = page.index(f'aria-labelledby="{heading_id}"')
    return page[start : page.index("</section>", start)]


def course_named(slug: str) -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def test_a_visitor_learns_who_the_site_is_for_and_sees_featured_courses(client, publish):
    publish()
    page = client.get("/").text
    audiences = section(page, "audiences-heading")
    for who in ("Pediatric trainees and physicians", "Clinic and child-welfare teams", "Families"):
        assert who in audiences
    assert "AMA PRA Category 1 Credit™" in audiences and "ABP MOC Part 2 points" in audiences
    featured = section(page, "featured-heading")
    assert CME_TITLE in featured and FRONT_DESK_TITLE in featured
    assert f'href="/courses/{CME}"' in featured
    cme_card = featured[featured.index(CME_TITLE) :]
    assert "About 1 hour" in cme_card
    assert "AMA PRA Category 1 Credit™ · ABP MOC Part 2 points" in cme_card
    covers = {img["alt"] for img in Images(featured).found}
    assert covers == {CME_ALT, ""}
    assert all(img["loading"] == "lazy" for img in Images(featured).found)
    assert 'href="/support"' in section(page, "support-heading")
    assert 'href="/signup"' in page
    assert "Assigned to you" not in page and "Pick up where you left off" not in page


def test_only_courses_marked_featured_are_featured(client, publish, courses):
    edit(courses / FRONT_DESK / "course.md", "featured: true\n", "")
    publish(courses)
    featured = section(client.get("/").text, "featured-heading")
    assert CME_TITLE in featured and FRONT_DESK_TITLE not in featured


def test_without_featured_courses_the_newest_are_shown(client, publish, courses):
    for slug in (CME, FRONT_DESK):
        edit(courses / slug / "course.md", "featured: true\n", "")
    publish(courses)
    course_named(CME).created_at -= timedelta(days=30)
    db.session.commit()
    featured = section(client.get("/").text, "featured-heading")
    assert featured.index(FRONT_DESK_TITLE) < featured.index(CME_TITLE)


def test_withdrawn_and_expired_courses_are_not_featured(client, publish, courses, runner):
    edit(
        courses / FRONT_DESK / "course.md",
        "expiration_date: 2029-01-14",
        "expiration_date: 2026-02-01",
    )
    publish(courses)
    runner.invoke(args=["courses", "withdraw", CME])
    page = client.get("/").text
    assert FRONT_DESK_TITLE not in page and CME_TITLE not in page
    assert 'aria-labelledby="featured-heading"' not in page


def test_a_learner_sees_their_assignment_first_with_its_due_date(client, auth, make_user, publish):
    publish()
    admin = make_user(role="admin")
    clinic = organizations.create_organization("Example Valley Clinic", "clinic", actor=admin)
    staff = make_user(name="Sam Staff", profession="clinic-staff")
    organizations.add_member(clinic, staff, "member", actor=admin)
    due = date.today() + timedelta(days=10)
    organizations.assign_course(
        course_named(FRONT_DESK), due_date=due, actor=admin, organization=clinic, today=date.today()
    )
    db.session.commit()
    auth.login_as(staff)

    page = client.get("/").text
    assert "Welcome back, Sam Staff." in page
    assigned = section(page, "assigned-heading")
    assert FRONT_DESK_TITLE in assigned and "Start" in assigned
    assert page.index("assigned-heading") < page.index("featured-heading")
    assert 'aria-labelledby="audiences-heading"' not in page  # they know who the site is for


def test_a_learner_in_progress_gets_a_resume_button(client, auth, make_user, publish):
    publish()
    auth.login_as(make_user(name="Pat Physician", profession="physician"))
    client.post(f"/courses/{CME}/start")
    in_progress = section(client.get("/").text, "in-progress-heading")
    assert CME_TITLE in in_progress and ">Begin<" in in_progress
    assert "0 of " in in_progress  # the progress bar's words
    first = client.get(f"/courses/{CME}/learn", follow_redirects=True)  # reads the first page
    # ... and leaves: the page's script reports the reading time, which keeps the place.
    client.post(f"{first.request.path}/time", data={"seconds": "20"})

    in_progress = section(client.get("/").text, "in-progress-heading")
    assert f'href="/courses/{CME}/learn">Resume<' in in_progress


def test_an_assigned_course_in_progress_is_listed_once(client, auth, make_user, publish):
    publish()
    admin = make_user(role="admin")
    clinic = organizations.create_organization("Example Valley Clinic", "clinic", actor=admin)
    staff = make_user(profession="clinic-staff")
    organizations.add_member(clinic, staff, "member", actor=admin)
    organizations.assign_course(
        course_named(FRONT_DESK),
        due_date=date.today() + timedelta(days=10),
        actor=admin,
        organization=clinic,
        today=date.today(),
    )
    db.session.commit()
    auth.login_as(staff)
    client.post(f"/courses/{FRONT_DESK}/start")
    page = client.get("/").text
    assert FRONT_DESK_TITLE in section(page, "assigned-heading")
    assert 'aria-labelledby="in-progress-heading"' not in page


def test_the_home_page_reads_a_few_queries_and_writes_nothing(
    client, auth, make_user, publish, count_queries
):
    publish()
    with count_queries() as visitor:
        assert client.get("/").status_code == 200
    auth.login_as(make_user(profession="physician"))
    client.post(f"/courses/{CME}/start")
    client.post(f"/courses/{FRONT_DESK}/start")
    with count_queries() as learner:
        assert client.get("/").status_code == 200
    assert len(visitor) <= 2
    assert len(learner) <= 9
    for statement in visitor + learner:
        assert statement.lstrip().upper().startswith("SELECT"), statement


def test_home_page_text_is_person_first_and_us_english(client, publish):
    publish()
    page = client.get("/").text
    for word in ("organisation", "recognise", "victims", "Credit(s)"):
        assert word not in page
