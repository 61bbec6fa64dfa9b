"""An admin revokes a renamed learner's certificate in Chromium; each side reads what it should."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from tests.browser.conftest import assert_accessible
from tests.browser.test_reader_browser import sign_in
from tests.test_certificates import claim, complete
from tests.test_quizzes import CME

REASON = "Attendance at the live session could not be confirmed."


def test_revoke_with_a_shown_reason_after_a_name_change(
    page: Page, live_server: str, client, auth, make_user, publish
):
    publish()
    learner = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(learner)
    complete(client, CME)
    claim(client, CME)
    client.post("/account", data={"full_name": "Dana Rivera", "profession": "physician"})
    auth.logout()
    old, new = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    admin = make_user(role="admin", name="Ada Admin")

    # Anyone holding the old id learns it was reissued, not the new name.
    page.goto(f"{live_server}/verify/{old.public_id}")
    expect(page.get_by_text("Status: Reissued")).to_be_visible()
    assert "Dana Rivera" not in page.content() and new.public_id not in page.content()
    assert_accessible(page)

    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/admin/certificates/{new.public_id}")
    history = page.get_by_role("table", name="History of this claim's certificates")
    expect(history).to_contain_text("Dana Doctor → Dana Rivera")
    expect(history).to_contain_text("name changed")
    # Scoped to the form: the reissue and revoke reasons still share an id (issue 10 #12).
    revoke = page.locator("form[action$='/revoke']")
    revoke.get_by_role("textbox").fill(REASON)
    revoke.locator("label", has_text="Show this reason to the learner").click()  # ticks the box
    expect(revoke.get_by_role("checkbox", name="Show this reason to the learner")).to_be_checked()
    revoke.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text(f"Certificate {new.public_id} is revoked.")).to_be_visible()
    expect(page.get_by_role("table", name="History of this claim's certificates")).to_contain_text(
        REASON
    )
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, learner.email)
    page.goto(f"{live_server}/certificates/{new.public_id}")
    notice = page.locator("section", has=page.get_by_role("heading", name="revoked"))
    expect(notice).to_contain_text(REASON)
    expect(notice.get_by_role("link", name="contact support")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server}/courses/{CME}/credit")
    expect(page.get_by_text("Revoked", exact=True)).to_be_visible()
    assert_accessible(page)
