"""Take the sample post-test with the keyboard only: fail, read the feedback, retry, pass."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, tab_to
from tests.conftest import TEST_PASSWORD
from tests.test_quizzes import CME, quiz_page


def focused(page: Page, script: str) -> object:
    return page.evaluate(f"() => {{ const el = document.activeElement; return {script}; }}")


def tab_to_field(page: Page, name: str, limit: int = 80) -> None:
    """Press Tab until a control of the question `name` has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, "el && el.name") == name:
            return
    raise AssertionError(f"could not reach {name} with the Tab key")


def answer_with_keyboard(page: Page, question, choose: list[str] | str) -> None:
    """Answer one question using only the keyboard, as its control type requires."""
    name = f"q-{question.id}"
    tab_to_field(page, name)
    if question.kind == "short":
        page.keyboard.type(choose)
    elif question.kind == "single":
        # Arrow keys move through a radio group and select as they go.
        for _ in range(len(question.options) + 1):
            if focused(page, "el.value") == choose[0]:
                if not focused(page, "el.checked"):
                    page.keyboard.press("Space")
                return
            page.keyboard.press("ArrowDown")
        raise AssertionError(f"option {choose[0]} not reached")
    else:
        remaining = set(choose)
        for _ in range(len(question.options)):
            if focused(page, "el.value") in remaining:
                page.keyboard.press("Space")
                remaining.discard(focused(page, "el.value"))
            if not remaining:
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"options {remaining} not reached")


def fill_quiz(page: Page, quiz, *, right: bool) -> None:
    order = page.eval_on_selector_all("fieldset.question", "els => els.map(e => e.id.slice(9))")
    by_id = {q.id: q for q in quiz.questions}
    page.locator("h1").focus()
    for qid in order:
        question = by_id[qid]
        if question.kind == "short":
            answer_with_keyboard(page, question, question.answers[0] if right else "not sure")
        else:
            wanted = [o.id for o in question.options if o.correct == right]
            answer_with_keyboard(page, question, wanted if right else wanted[:1])
    tab_to(page, "button:has-text('Submit answers')")
    page.keyboard.press("Enter")


def test_take_the_post_test_fail_retry_and_pass_with_the_keyboard(
    page: Page, live_server: str, make_user, publish
):
    publish()
    learner = make_user(name="Kit Keyboard")
    quiz = quiz_page()

    page.goto(live_server + "/login")
    tab_to(page, "#email")
    page.keyboard.type(learner.email)
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Welcome back, Kit Keyboard")).to_be_visible()
    page.goto(f"{live_server}/courses/{CME}")
    tab_to(page, "button:has-text('start the course')", limit=200)
    page.keyboard.press("Enter")
    expect(page.locator(".outline-nav")).to_be_visible()

    page.goto(f"{live_server}/courses/{CME}/learn/{quiz.slug}")
    tab_to(page, "button:has-text('Continue to the page')", limit=60)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Pass mark: 80%.")).to_be_visible()
    assert_accessible(page)
    tab_to(page, "button:has-text('Start the quiz')", limit=60)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Post-test: attempt 1")).to_be_visible()
    assert_accessible(page)
    fill_quiz(page, quiz, right=False)

    expect(page.get_by_text("Not passed this time.")).to_be_visible()
    first = quiz.questions[0]
    expect(page.locator(".explanation").first).to_be_visible()
    assert "Why:" in page.locator(".explanation").first.inner_text()
    assert page.get_by_text("you have 2 attempts left").is_visible()
    assert_accessible(page)

    tab_to(page, "button:has-text('Try again')", limit=60)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Post-test: attempt 2")).to_be_visible()
    fill_quiz(page, quiz, right=True)

    expect(page.get_by_text("You passed.")).to_be_visible()
    expect(page.get_by_role("heading", name="You scored 100%")).to_be_visible()
    assert first.title  # the questions were the sample's own
    assert_accessible(page)
