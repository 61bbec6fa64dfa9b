"""Assigning the same course to the same person from several tabs at once makes one assignment."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from lms.courses.models import Course
from lms.extensions import db
from lms.organizations import services as organizations
from lms.organizations.models import Assignment
from tests.served import run_together
from tests.test_concurrency import fresh

FRONT_DESK = "trauma-informed-front-desk"


def _person_assignments(clinic, person) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.owner_organization_id == clinic.id, Assignment.user_id == person.id)
    )


def test_one_course_assigned_to_one_person_from_four_tabs_at_once_is_one_assignment(
    served, two_chapters, publish
):
    publish()
    clinic = two_chapters.north_clinic
    learner = two_chapters.people["learner"]
    course = db.session.scalar(select(Course).where(Course.slug == FRONT_DESK))
    due = (date.today() + timedelta(days=30)).isoformat()
    data = {"course": str(course.id), "assignee": f"user-{learner.id}", "due_date": due}
    tabs = []
    for who in ("north_admin", "north_manager"):
        tab = served.browser()
        tab.login(two_chapters.people[who].email)
        tabs += [tab, tab.tab()]
    url = f"/organizations/{clinic.id}/assignments"
    fresh()
    responses = run_together([lambda tab=tab: tab.post(url, data) for tab in tabs])
    fresh()
    assert [r.status_code for r in responses] == [302] * len(tabs)
    assert _person_assignments(clinic, learner) == 1


def test_assigning_again_returns_the_first_assignment_unchanged(two_chapters, publish):
    publish()
    clinic = two_chapters.north_clinic
    learner = two_chapters.people["learner"]
    course = db.session.scalar(select(Course).where(Course.slug == FRONT_DESK))
    first_due = date.today() + timedelta(days=10)
    made = [
        organizations.assign_course(
            course,
            due_date=due,
            actor=two_chapters.people["north_admin"],
            user=learner,
            owner=clinic,
            today=date.today(),
        )
        for due in (first_due, first_due + timedelta(days=20))
    ]
    db.session.commit()
    assert made[0].id == made[1].id
    assert made[1].due_date == first_due
    assert _person_assignments(clinic, learner) == 1
