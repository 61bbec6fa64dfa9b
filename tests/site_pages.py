"""A small, lived-in site and the GET pages each role reads on it, for whole-site checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.clock import now
from lms.extensions import db
from lms.organizations import services as organizations
from lms.organizations.models import Organization
from lms.paths.loader import check_paths
from lms.paths.services import publish_paths
from lms.quizzes.models import QuizAttempt
from lms.webhooks.services import create_endpoint
from lms.webinars.services import publish_webinars
from tests.test_certificates import claim, complete, version_of
from tests.test_quizzes import CME, FRONT_DESK, quiz_page

ROLES = ("anonymous", "learner", "manager", "admin", "author")


@dataclass
class Site:
    """The people on the site and the pages each of them reads."""

    users: dict[str, User | None] = field(default_factory=dict)
    pages: dict[str, list[str]] = field(default_factory=dict)


TRUST = "building-trust-through-trauma-informed-care"
ACE = "rethinking-ace-screening"


def build_site(client, auth, make_user, publish) -> Site:
    """Publish the sample courses, let people use them, and list every page worth reading."""
    publish()
    publish_webinars(
        Path(current_app.config["WEBINARS_DIR"]),
        provider_name=current_app.config["PROVIDER_NAME"],
        now=now(),
    )
    publish_paths(
        check_paths(current_app.config["PATHS_DIR"], current_app.config["COURSES_DIR"])[0],
        provider_name=current_app.config["PROVIDER_NAME"],
    )
    db.session.commit()
    learner = make_user(name="Sofía Ramírez", profession="physician")
    manager = make_user(name="Mo Manager-Longname", profession="other")
    staff = make_user(name="Sam Staff", profession="other")
    admin = make_user(role="admin", name="Ana Admin")
    author = make_user(role="author", name="Avery Author")

    auth.login_as(learner)
    complete(client, CME)
    claim(client, CME)
    client.post(f"/courses/{FRONT_DESK}/start")
    client.post(f"/webinars/{TRUST}/register")
    auth.logout()
    auth.login_as(staff)
    client.post(f"/courses/{FRONT_DESK}/start")
    auth.logout()

    clinic = organizations.create_organization(
        "Northside Pediatric and Family Health Clinic", "clinic", actor=admin
    )
    for person, role in ((manager, "manager"), (staff, "member"), (learner, "member")):
        organizations.add_member(clinic, person, role, actor=admin)
    front_desk = version_of(FRONT_DESK).course
    organizations.assign_course(
        front_desk, due_date=date.today() + timedelta(days=5), actor=admin,
        organization=clinic, today=date.today(),
    )  # fmt: skip
    organizations.assign_course(
        version_of(CME).course, due_date=date.today() + timedelta(days=30), actor=admin,
        user=learner, today=date.today(),
    )  # fmt: skip
    # After the learning above, so nothing is owed to it (and nothing is sent anywhere).
    endpoint, _secret = create_endpoint(
        "https://hr.example.org/hooks/lms", "HR records", ["certificate.issued"], actor=admin
    )
    db.session.commit()

    certificate = db.session.scalar(select(Certificate))
    clinic_id = db.session.scalar(select(Organization.id))
    cme_lesson = version_of(CME).pages[0].slug
    front_desk_lesson = version_of(FRONT_DESK).pages[0].slug
    quiz = quiz_page(CME)
    evaluation = quiz_page(CME, kind="evaluation")
    attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.page_id == quiz.id))
    public = [
        "/",
        "/courses",
        f"/courses/{CME}",
        f"/courses/{FRONT_DESK}",
        "/support",
        "/privacy",
        f"/verify/{certificate.public_id}",
        "/webinars",
        f"/webinars/{TRUST}",
        f"/webinars/{ACE}",
    ]
    return Site(
        users={
            "anonymous": None,
            "learner": learner,
            "manager": manager,
            "admin": admin,
            "author": author,
        },
        pages={
            "anonymous": [*public, "/login", "/login/organization", "/signup", "/reset"],
            "learner": [
                *public,
                "/my-learning",
                "/account",
                "/account/password",
                "/account/delete",
                "/transcript",
                "/transcript/external/new",
                f"/certificates/{certificate.public_id}",
                f"/courses/{CME}/credit",
                f"/courses/{CME}/learn/{cme_lesson}",
                f"/courses/{CME}/learn/{quiz.slug}",
                f"/courses/{CME}/quiz/{quiz.slug}/attempts/{attempt.id}",
                f"/courses/{FRONT_DESK}/learn/{front_desk_lesson}",
            ],
            "manager": ["/", "/my-learning", f"/organizations/{clinic_id}"],
            "admin": [
                "/admin/",
                "/admin/users",
                f"/admin/users/{learner.id}/delete",
                "/admin/reports",
                f"/admin/reports?course={CME}",
                "/admin/audit",
                "/admin/certificates",
                f"/admin/certificates/{certificate.public_id}",
                "/admin/organizations",
                f"/organizations/{clinic_id}",
                "/admin/exports",
                "/admin/exports/pars",
                "/admin/reporting",
                "/admin/sign-in-providers",
                "/admin/webhooks",
                f"/admin/webhooks/{endpoint.id}",
            ],
            "author": [
                "/authoring",
                "/authoring/guide",
                f"/courses/{CME}",
                f"/courses/{CME}/results",
                f"/courses/{CME}/results/{quiz.id}",
                f"/courses/{CME}/results/{evaluation.id}",
            ],
        },
    )
