"""A physician goes from the home page to a MOC certificate with the keyboard alone.

After the first `page.goto` the test only presses keys (Tab, Shift+Tab, Enter, Space, arrows)
and types: no clicks, no fills, no further navigation. Controls are found by role and accessible
name, never by position, and every element that takes focus must show it.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import assert_accessible
from tests.conftest import TEST_PASSWORD
from tests.test_certificates import version_of
from tests.test_quizzes import CME, quiz_page

COURSE_TITLE = "Trauma-Informed Care: Essentials for Pediatric Trainees"

# Describe the focused element for failure messages: tag, role-ish type, and visible name.
DESCRIBE_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return '(nothing: the page body)';
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  const name = (el.getAttribute('aria-label') || label || el.innerText || el.value || '')
    .trim().replace(/\\s+/g, ' ').slice(0, 60);
  return `<${el.tagName.toLowerCase()}${el.type ? ' type=' + el.type : ''}> ${name}`;
}"""

# A focus indicator a sighted keyboard user can see: an outline or a box-shadow ring.
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return true;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  return outline || Boolean(shadow);
}"""


def assert_focus_visible(page: Page) -> None:
    """Fail unless the focused element draws a visible outline or box-shadow."""
    if not page.evaluate(FOCUS_SHOWN):
        raise AssertionError(
            f"focus is not visible on {page.evaluate(DESCRIBE_FOCUS)} at {page.url}"
        )


def press(page: Page, key: str) -> None:
    """Press one key and check that whatever has focus afterwards shows it."""
    page.keyboard.press(key)
    assert_focus_visible(page)


def tab_to_role(
    page: Page,
    role: str,
    name: str | re.Pattern[str],
    *,
    exact: bool = True,
    backwards: bool = False,
    limit: int = 150,
) -> None:
    """Press Tab (or Shift+Tab) until an element with `role` and accessible `name` has focus."""
    target = page.get_by_role(role, name=name, exact=exact)
    key = "Shift+Tab" if backwards else "Tab"
    path: list[str] = []
    for _ in range(limit):
        press(page, key)
        if target.evaluate_all("els => els.includes(document.activeElement)"):
            return
        path.append(page.evaluate(DESCRIBE_FOCUS))
    found = target.count()
    raise AssertionError(
        f"{key} x{limit} never reached {role} {name!r} on {page.url} "
        f"({found} such element{'s' if found != 1 else ''} on the page). "
        f"Focus went through: {' | '.join(dict.fromkeys(path))}"
    )


def tab_to_field(page: Page, field_name: str, limit: int = 150) -> None:
    """Press Tab until a form control named `field_name` (a question's inputs) has focus."""
    path: list[str] = []
    for _ in range(limit):
        press(page, "Tab")
        if page.evaluate("() => document.activeElement.name") == field_name:
            return
        path.append(page.evaluate(DESCRIBE_FOCUS))
    raise AssertionError(
        f"Tab x{limit} never reached a control named {field_name} on {page.url}. "
        f"Focus went through: {' | '.join(dict.fromkeys(path))}"
    )


def enter_and_load(page: Page) -> None:
    """Press Enter on a link or submit control and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def activate(page: Page, role: str, name: str | re.Pattern[str], **options) -> None:
    """Tab to a link or button by its role and name, press Enter and wait for the next page."""
    tab_to_role(page, role, name, **options)
    enter_and_load(page)


def focused_value(page: Page) -> str:
    return page.evaluate("() => document.activeElement.value")


def choose_radio(page: Page, field_name: str, value: str) -> None:
    """Tab into a radio group, then use the arrow keys (and Space) to select `value`."""
    tab_to_field(page, field_name)
    count = page.locator(f"input[name='{field_name}']").count()
    for _ in range(count + 1):
        if focused_value(page) == value:
            if not page.evaluate("() => document.activeElement.checked"):
                press(page, "Space")
            assert page.evaluate("() => document.activeElement.checked")
            return
        press(page, "ArrowDown")  # moves through the group and selects as it goes
    raise AssertionError(f"the arrow keys never reached option {value} of {field_name}")


def tick_checkboxes(page: Page, field_name: str, values: set[str]) -> None:
    """Tab through a checkbox group, pressing Space on each wanted option."""
    tab_to_field(page, field_name)
    remaining = set(values)
    count = page.locator(f"input[name='{field_name}']").count()
    for step in range(count):
        if focused_value(page) in remaining:
            press(page, "Space")
            assert page.evaluate("() => document.activeElement.checked")
            remaining.discard(focused_value(page))
        if not remaining:
            return
        if step < count - 1:
            press(page, "Tab")
    raise AssertionError(f"options {remaining} of {field_name} were not reached")


def answer_post_test(page: Page) -> None:
    """Answer every question of the CME post-test correctly, in the order shown."""
    quiz = quiz_page(CME)
    by_id = {q.id: q for q in quiz.questions}
    order = page.eval_on_selector_all("fieldset.question", "els => els.map(e => e.id.slice(9))")
    assert sorted(order) == sorted(by_id), "the page shows exactly the quiz's questions"
    for question_id in order:
        question = by_id[question_id]
        name = f"q-{question.id}"
        if question.kind == "short":
            tab_to_field(page, name)
            page.keyboard.type(question.answers[0])
        elif question.kind == "single":
            choose_radio(page, name, next(o.id for o in question.options if o.correct))
        else:
            tick_checkboxes(page, name, {o.id for o in question.options if o.correct})


def answer_evaluation(page: Page) -> None:
    """Choose the first option of every radio group on the evaluation, by keyboard."""
    groups = page.eval_on_selector_all(
        "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )
    assert groups, "the evaluation has choice questions"
    for name in groups:
        first = page.locator(f"input[name='{name}']").first.get_attribute("value")
        choose_radio(page, name, first)


def test_a_physician_takes_a_course_to_a_moc_certificate_with_the_keyboard_alone(
    page: Page, live_server: str, make_user, publish, tmp_path: Path
):
    publish()
    physician = make_user(
        name="Dr Kiri Keyboard",
        profession="physician",
        abp_id="7654321",
        birth_month=4,
        birth_day=2,
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + "/")

    # Sign in from the home page.
    activate(page, "link", "Sign in")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    tab_to_role(page, "textbox", "Email address")
    page.keyboard.type(physician.email)
    tab_to_role(page, "textbox", "Password")
    page.keyboard.type(TEST_PASSWORD)
    enter_and_load(page)
    expect(page.get_by_text("Welcome back, Dr Kiri Keyboard")).to_be_visible()

    # The catalog, then the course page, then Start.
    activate(page, "link", "Courses")
    expect(page.get_by_role("heading", name="Courses", level=1)).to_be_visible()
    activate(page, "link", COURSE_TITLE)
    expect(page.get_by_role("heading", name=COURSE_TITLE, level=1)).to_be_visible()
    activate(page, "button", re.compile(r"start the course", re.I), exact=False)

    # Every lesson, with "Mark complete and continue"; content notes on the way; then the quiz.
    lessons = [p.title for p in version_of(CME).pages if p.kind == "lesson"]
    read: list[str] = []
    for _ in range(2 * len(lessons) + 2):
        if page.get_by_role("button", name="Start the quiz", exact=True).count():
            break
        if page.get_by_role("button", name="Continue to the page").count():
            activate(page, "button", "Continue to the page")  # a content note, then the page
            continue
        title = page.get_by_role("heading", level=1).inner_text()
        activate(page, "button", "Mark complete and continue")
        read.append(title)
    assert read == lessons, "every lesson was read, in order, before the post-test"
    expect(page.get_by_text("Pass mark: 80%.")).to_be_visible()
    activate(page, "button", "Start the quiz")

    # The post-test: radio groups by arrow keys, checkboxes by Space, the short answer typed.
    expect(page.get_by_role("heading", name="Post-test: attempt 1")).to_be_visible()
    answer_post_test(page)
    activate(page, "button", "Submit answers")
    expect(page.get_by_text("You passed.")).to_be_visible()

    # The evaluation, then the way to credit.
    activate(page, "link", re.compile(r"^Continue to Course evaluation"), exact=False)
    expect(page.get_by_role("heading", name="Course evaluation", level=1)).to_be_visible()
    answer_evaluation(page)
    activate(page, "button", "Submit evaluation")
    activate(page, "link", "Credit and certificate")
    expect(page.get_by_role("heading", name="Credit and certificate", level=1)).to_be_visible()
    expect(page.get_by_text("You completed this course on")).to_be_visible()

    # Claim ABP MOC Part 2: the credit type by arrow keys, the amount typed, both boxes ticked.
    moc = page.get_by_role("radio", name="ABP MOC Part 2 points", exact=True)
    choose_radio(page, "credit_type", moc.get_attribute("value"))
    expect(moc).to_be_checked()
    tab_to_role(page, "textbox", re.compile(r"^Amount to claim"), exact=False)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("1.0")
    for box in ("I claim only the credit commensurate", "I agree that my completion may be"):
        tab_to_role(page, "checkbox", re.compile(re.escape(box)), exact=False)
        press(page, "Space")
        expect(page.get_by_role("checkbox", name=re.compile(re.escape(box)))).to_be_checked()
    activate(page, "button", "Claim credit and get my certificate")
    expect(page.get_by_role("heading", name="Your certificate")).to_be_visible()
    expect(page.get_by_text("1.0 ABP MOC Part 2 point")).to_be_visible()
    assert_accessible(page)

    # Download the certificate with Enter on its link.
    tab_to_role(page, "link", "Download the certificate (PDF)")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    path = tmp_path / "certificate.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    reader = PdfReader(path)
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert len(reader.pages) == 1
    for expected in ("Dr Kiri Keyboard", COURSE_TITLE, "ABP ID: 7654321", "MOC points awarded: 1"):
        assert expected in text, expected
