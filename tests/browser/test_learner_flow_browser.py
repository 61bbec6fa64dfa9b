"""A learner's path through the rough edges: MOC consent, quiz drafts, recorded time, readiness."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from lms.accounts.models import Role
from tests.browser.conftest import assert_accessible
from tests.browser.test_reader_browser import sign_in
from tests.test_certificates import complete
from tests.test_quizzes import CME


def test_a_physician_claims_moc_points_through_the_page_and_is_told_about_consent_at_the_box(
    page: Page, live_server: str, client, auth, make_user, publish
):
    publish()
    physician = make_user(
        name="Dr Moc Claimant",
        profession="physician",
        abp_id="7654321",
        birth_month=5,
        birth_day=9,
    )
    auth.login_as(physician)
    complete(client, CME)
    auth.logout()

    sign_in(page, live_server, physician.email)
    page.goto(f"{live_server}/courses/{CME}/credit")
    page.get_by_label("ABP MOC Part 2 points", exact=True).check()
    page.get_by_label("Amount to claim").fill("1.0")
    page.get_by_label("I claim only the credit commensurate").check()
    page.get_by_role("button", name="Claim credit and get my certificate").click()

    # The consent box is there, and the message about it sits next to it, not under the amount.
    consent = page.get_by_label("I agree that my completion may be reported")
    expect(consent).to_be_visible()
    consent_field = page.locator(".field", has=consent)
    expect(consent_field.locator(".error")).to_contain_text("agree to let us report")
    amount_field = page.locator(".field", has=page.get_by_label("Amount to claim"))
    expect(amount_field.locator(".error")).to_have_count(0)
    expect(consent).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    # What the learner entered is kept; ticking the box is all that is left.
    expect(page.get_by_label("ABP MOC Part 2 points", exact=True)).to_be_checked()
    expect(page.get_by_label("Amount to claim")).to_have_value("1.0")
    consent.check()
    if not page.get_by_label("I claim only the credit commensurate").is_checked():
        page.get_by_label("I claim only the credit commensurate").check()
    page.get_by_role("button", name="Claim credit and get my certificate").click()
    expect(page.get_by_role("heading", name="Your certificate")).to_be_visible()
    expect(page.get_by_text("1.0 ABP MOC Part 2 point").first).to_be_visible()


def open_post_test(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/courses/{CME}/learn/post-test")
    if page.get_by_role("button", name="Continue to the page").count():
        page.get_by_role("button", name="Continue to the page").click()


def choose_first_options(page: Page, numbers: range) -> list[str]:
    """Tick the first choice of the numbered choice questions; return the ticked inputs' ids."""
    choice_questions = page.locator("fieldset.question").filter(
        has=page.locator("input[type=radio], input[type=checkbox]")
    )
    chosen = []
    for n in numbers:
        box = choice_questions.nth(n).locator("input[type=radio], input[type=checkbox]").first
        box.check()
        chosen.append(box.get_attribute("id"))
    return chosen


def test_quiz_answers_survive_leaving_the_attempt_with_or_without_javascript(
    page: Page, live_server: str, make_user, publish, browser
):
    publish()
    learner = make_user(name="Paz Pause", profession="physician")
    sign_in(page, live_server, learner.email)
    page.goto(f"{live_server}/courses/{CME}")
    page.get_by_role("button", name="I have read the disclosures: start the course").click()
    open_post_test(page, live_server)
    page.get_by_role("button", name="Start the quiz").click()

    # Three answers, saved as the learner goes by the site's own script.
    chosen = choose_first_options(page, range(3))
    expect(page.get_by_role("status").filter(has_text="Your answers are saved")).to_be_visible()
    assert_accessible(page)

    # Off to a lesson through the outline, then back: the answers are there.
    outline = page.get_by_role("navigation", name="Course outline")
    outline.get_by_role("link", name="Why a universal trauma-informed approach").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Why a universal trauma-informed approach"
    )
    outline.get_by_role("link", name="Post-test").click()
    page.get_by_role("link", name="Continue attempt 1").click()
    for input_id in chosen:
        expect(page.locator(f"#{input_id}")).to_be_checked()

    # On a device without JavaScript: one more answer, then "Save and leave".
    plain = browser.new_context(java_script_enabled=False)
    other = plain.new_page()
    other.set_default_timeout(10_000)
    sign_in(other, live_server, learner.email)
    open_post_test(other, live_server)
    other.get_by_role("link", name="Continue attempt 1").click()
    for input_id in chosen:
        expect(other.locator(f"#{input_id}")).to_be_checked()
    chosen += choose_first_options(other, range(3, 4))
    other.get_by_role("button", name="Save and leave").click()
    expect(other.get_by_text("Your answers are saved")).to_be_visible()

    # Submitting with questions left open keeps the answers, even after leaving again.
    open_post_test(other, live_server)
    other.get_by_role("link", name="Continue attempt 1").click()
    other.get_by_role("button", name="Submit answers").click()
    expect(other.get_by_role("heading", name="not answered yet")).to_be_visible()
    other.goto(f"{live_server}/my-learning")
    open_post_test(other, live_server)
    other.get_by_role("link", name="Continue attempt 1").click()
    for input_id in chosen:
        expect(other.locator(f"#{input_id}")).to_be_checked()
    plain.close()

    # Back on the first device the four answers are restored, and nothing was graded yet.
    page.reload()
    for input_id in chosen:
        expect(page.locator(f"#{input_id}")).to_be_checked()
    expect(page.get_by_role("heading", name="Post-test: attempt 1")).to_be_visible()


def test_the_post_test_says_which_lessons_are_unread_and_lets_the_learner_go_on_anyway(
    page: Page, live_server: str, make_user, publish
):
    publish()
    learner = make_user(name="Eli Early", profession="physician")
    sign_in(page, live_server, learner.email)
    page.goto(f"{live_server}/courses/{CME}")
    page.get_by_role("button", name="I have read the disclosures: start the course").click()
    page.get_by_role("button", name="Mark complete and continue").click()

    page.get_by_role("navigation", name="Course outline").get_by_role(
        "link", name="Post-test"
    ).click()
    if page.get_by_role("button", name="Continue to the page").count():
        page.get_by_role("button", name="Continue to the page").click()
    unread = page.get_by_role("region", name="Lessons you have not read yet")
    expect(unread).to_contain_text("4 of the 5 lessons")
    expect(unread.get_by_role("link")).to_have_count(4)
    first_lesson = unread.get_by_role("link", name="Why a universal trauma-informed approach")
    expect(first_lesson).to_have_count(0)
    assert_accessible(page)

    # Reading first is one click away; going on anyway is the learner's choice.
    unread.get_by_role("link").first.click()
    expect(page.get_by_role("button", name="Mark complete and continue")).to_be_visible()
    page.go_back()
    page.get_by_role("button", name="Start the quiz anyway").click()
    expect(page.get_by_role("heading", name="Post-test: attempt 1")).to_be_visible()


def test_the_claim_page_shows_the_recorded_time_and_admins_see_claims_far_above_it(
    page: Page, live_server: str, client, auth, make_user, publish
):
    publish()
    hurried = make_user(name="Dr Quick Clicker", profession="physician")
    admin = make_user(name="Ada Admin", role=Role.ADMIN)
    auth.login_as(hurried)
    complete(client, CME)  # every page and the post-test in moments, as the report described
    auth.logout()

    sign_in(page, live_server, hurried.email)
    page.goto(f"{live_server}/courses/{CME}/credit")
    amount = page.get_by_label("Amount to claim")
    expect(amount).to_have_accessible_description(
        re.compile(r"The site recorded less than a minute of your time in this course")
    )
    assert_accessible(page)
    # Not blocked: the claim is the physician's to make.
    page.get_by_label("AMA PRA Category 1 Credit™", exact=True).check()
    amount.fill("1.0")
    page.get_by_label("I claim only the credit commensurate").check()
    page.get_by_label("I agree that my completion may be reported").check()
    page.get_by_role("button", name="Claim credit and get my certificate").click()
    expect(page.get_by_role("heading", name="Your certificate")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/admin/reports")
    flagged = page.get_by_role("table", name="Claims far above the recorded time")
    row = flagged.get_by_role("row").filter(has_text="Dr Quick Clicker")
    expect(row).to_contain_text(re.compile(r"1\.0+ AMA PRA Category 1"))
    expect(row).to_contain_text("less than a minute")
    assert_accessible(page)
