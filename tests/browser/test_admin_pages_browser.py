"""Every admin and author page with real data on it passes axe."""

from __future__ import annotations

from playwright.sync_api import Page
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from tests.browser.conftest import assert_accessible
from tests.browser.test_reader_browser import sign_in
from tests.test_certificates import claim, complete
from tests.test_quizzes import CME, quiz_page


def test_admin_and_author_pages_are_accessible(
    page: Page, live_server: str, client, auth, make_user, publish
):
    publish()
    learner = make_user(name="Lou Learner", profession="physician")
    auth.login_as(learner)
    complete(client, CME)
    claim(client, CME)
    auth.logout()
    certificate = db.session.scalar(select(Certificate))
    admin = make_user(role="admin", name="Ada Admin")

    sign_in(page, live_server, admin.email)
    paths = [
        "/admin/",
        "/admin/users",
        "/admin/reports",
        f"/admin/reports?course={CME}",
        "/admin/audit",
        "/admin/certificates",
        f"/admin/certificates/{certificate.public_id}",
        "/admin/organizations",
        "/admin/exports",
        f"/courses/{CME}/results",
        f"/courses/{CME}/results/{quiz_page().id}",
        f"/courses/{CME}/results/{quiz_page(kind='evaluation').id}",
    ]
    for path in paths:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        assert_accessible(page)
