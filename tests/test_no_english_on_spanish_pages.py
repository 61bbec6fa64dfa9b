"""A Spanish reader meets no English on any page, except text marked as another language.

Every page each role reads (tests/site_pages.py) is fetched with `?lang=es`; text inside an
element whose nearest `lang` is not `es` (course content, names kept in English) is skipped, and
what is left, with the alt/title/aria-label/placeholder attributes, must hold none of the
English words that never occur in Spanish.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import select

from lms.courses.models import CoursePage, CourseVersion
from lms.extensions import db
from tests.site_pages import ROLES, Site, build_site

pytestmark = pytest.mark.usefixtures("language_per_request")

# Common English function words that are not also Spanish words ("a", "me", "no", "con", "son",
# "use", "ha", "he" are; so are "sin", "once", "dial"), matched as whole words.
ENGLISH_WORDS = {
    "the", "and", "your", "you", "with", "this", "that", "these", "those", "to", "is", "are",
    "was", "were", "for", "not", "has", "have", "had", "will", "would", "what", "when", "which",
    "who", "why", "how", "from", "into", "there", "their", "they", "our", "we", "been", "be",
    "it", "its", "of", "or", "on", "at", "by", "an", "if", "yet", "can", "cannot", "no longer",
    "please", "must", "should", "here", "more", "than", "about", "after", "before", "only",
    "any", "all", "none", "each", "every", "done", "answers", "days", "rows", "too", "many",
    "ahead", "per", "page", "course", "courses", "learner", "learners", "credit", "credits",
    "certificate", "quiz", "score", "passed", "attempt", "saved", "enter", "choose", "select",
    "sign", "download", "back", "next", "previous", "show", "hide",
}  # fmt: skip
ENGLISH = re.compile(r"\b(" + "|".join(sorted(map(re.escape, ENGLISH_WORDS))) + r")\b", re.I)

# Proper names and codes that stay as written: product names, the fixtures' people and places.
# The site's and provider's names carry lang="en" in the page, but not in <title>, which
# cannot hold markup.
KEPT = [
    "AMA PRA Category 1 Credit™",
    "AMA PRA Category 1 Credits™",
    "ABP MOC Part 2",
    "Trauma-Informed Care Learning",
    "Example Pediatric Education Institute",
    "Northside Pediatric and Family Health Clinic",
    "American Board of Pediatrics",
    "Program and Activity Reporting System",
    "MOC Part 2",
]
# Commands and dotted audit codes ("certificate.revoked") are typed as written.
CODE = re.compile(r"\bflask [a-z -]+|\b[a-z_]+\.[a-z_]+\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip
HIDDEN = {"script", "style", "template", "code", "kbd", "samp"}


class SpanishText(HTMLParser):
    """Collect the text a Spanish reader sees, skipping what is marked as another language."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []  # (tag, effective language)
        self.texts: list[str] = []

    def language(self) -> str:
        return self.stack[-1][1] if self.stack else ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        lang = named.get("lang")
        lang = (lang or "").split("-")[0].lower() if lang is not None else self.language()
        if tag in HIDDEN:
            lang = "hidden"
        elif self.language() == "hidden":
            lang = "hidden"
        if lang in ("es", "") and tag != "meta":
            self.texts.extend(v for k, v in attrs if k in ATTRIBUTES and v)
        if tag not in VOID:
            self.stack.append((tag, lang))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named_lang = dict(attrs).get("lang")
        if (named_lang or self.language()).split("-")[0] in ("es", ""):
            self.texts.extend(v for k, v in attrs if k in ATTRIBUTES and v)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if self.language() in ("es", "") and data.strip():
            self.texts.append(data)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield " ".join(html.unescape(re.sub(r"<[^>]+>", " ", value)).split())
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def course_content() -> list[str]:
    """Return every text the published courses' authors wrote, longest first.

    Course content is in the course's own language. Where a template shows it without a `lang`
    of its own (titles inside Spanish sentences, chart labels, `<title>`), it is still not
    interface text, so it is set aside here rather than reported.
    """
    texts: set[str] = set()
    for version in db.session.scalars(select(CourseVersion)):
        texts |= set(_strings([version.title, version.summary, version.compiled]))
    for page in db.session.scalars(select(CoursePage)):
        texts |= set(_strings([page.title, page.content_note, page.settings]))
    return sorted((t for t in texts if len(t) > 2), key=len, reverse=True)


def english_in(page: str, content: Iterable[str] = ()) -> list[str]:
    """Return each piece of visible Spanish-page text that holds an English word."""
    parser = SpanishText()
    parser.feed(page)
    found = []
    for text in parser.texts:
        text = " ".join(text.split())
        core = re.sub(r"^P\d+\. ", "", text)  # "P1. " numbers a question on a chart
        if any(core in written for written in content):
            continue  # a line of a wrapped chart label, or a sentence of a longer text
        cleaned = EMAIL.sub(" ", text)
        for name in [*content, *KEPT]:
            cleaned = cleaned.replace(name, " ")
        if ENGLISH.search(CODE.sub(" ", cleaned)):
            found.append(text)
    return found


@pytest.fixture()
def site(client, auth, make_user, publish) -> Site:
    """Build the lived-in site once for the test."""
    return build_site(client, auth, make_user, publish)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_in_spanish(client, auth, site: Site, role: str):
    client.get("/support")  # Shows, in English, what the site's setup flashed.
    user = site.users[role]
    if user is not None:
        auth.login_as(user)
        client.get("/support")
    content = course_content()
    offending = []
    for path in site.pages[role]:
        joiner = "&" if "?" in path else "?"
        response = client.get(f"{path}{joiner}lang=es")
        assert response.status_code == 200, (role, path)
        assert 'lang="es"' in response.text.split(">", 2)[1], path
        offending += [f"{path}: {text}" for text in english_in(response.text, content)]
    assert offending == [], "\n".join(offending)


def test_the_checker_sees_english_and_skips_what_is_marked():
    page = """<html lang="es"><body><p>Su curso</p><p title="Back to the course">Hola</p>
        <div lang="en"><p>The whole lesson</p></div><script>var the = 1;</script>
        <p>Trauma-Informed Care Learning</p><img alt="The chart"><p>Done: saved</p></body></html>"""
    assert english_in(page) == ["Back to the course", "The chart", "Done: saved"]


def test_the_site_and_provider_names_are_marked_as_english_on_spanish_pages(client):
    page = client.get("/privacy?lang=es").get_data(as_text=True)
    assert '<a class="brand" href="/" lang="en">Trauma-Informed Care Learning</a>' in page
    assert '<span lang="en">Example Pediatric Education Institute</span>' in page


# --- Error paths: what a Spanish reader is told when something goes wrong ------------------


def spanish_reply(client, response, content: list[str]) -> list[str]:
    """Return the English on a response, or on the page it redirects to, read in Spanish."""
    if response.status_code == 302:
        location = response.headers["Location"]
        response = client.get(location + ("&" if "?" in location else "?") + "lang=es")
    return english_in(response.get_data(as_text=True), content)


def test_mistakes_are_explained_in_spanish(client, auth, make_user, site: Site):
    from lms.quizzes.models import QuizAttempt
    from tests.test_quizzes import CME, quiz_page, right_answers

    content = course_content()
    offending: dict[str, list[str]] = {}

    def check(name: str, response) -> None:
        if found := spanish_reply(client, response, content):
            offending[name] = found

    def sign_out() -> None:
        check("sign out", client.post("/logout?lang=es"))

    client.get("/support")  # Shows, in English, what the site's setup flashed.
    check(
        "sign in",
        client.post(
            "/login?lang=es", data={"email": "nobody@example.org", "password": "wrong password"}
        ),
    )
    auth.login_as(make_user(name="Lucía Nueva", profession="physician"))
    client.get("/support")
    check(
        "account",
        client.post(
            "/account?lang=es", data={"full_name": "S R", "profession": "physician", "npi": "12"}
        ),
    )
    # A hand-made quiz answer naming an option the question does not have.
    page = quiz_page(CME)
    client.post(f"/courses/{CME}/start")
    client.post(f"/courses/{CME}/learn/{page.slug}/continue")
    client.post(f"/courses/{CME}/quiz/{page.slug}/start")
    attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.submitted_at.is_(None)))
    data = right_answers(page)
    single = next(q for q in page.questions if q.kind == "single")
    data[f"q-{single.id}"] = ["z"]
    url = f"/courses/{CME}/quiz/{page.slug}/attempts/{attempt.id}?lang=es"
    quiz = client.post(url, data=data)
    assert quiz.status_code == 400
    assert "no existe la opción" in quiz.get_data(as_text=True)
    check("quiz option", quiz)
    sign_out()

    auth.login_as(site.users["manager"])
    client.get("/support")
    team = next(p for p in site.pages["manager"] if p.startswith("/organizations/"))
    check("reminders", client.post(f"{team}/reminders?lang=es", data={"within": "abc"}))
    sign_out()

    admin = site.users["admin"]
    auth.login_as(admin)
    client.get("/support")
    users = "/admin/users"
    check("own role", client.post(f"{users}/{admin.id}/role?lang=es", data={"role": "learner"}))
    check("deactivate self", client.post(f"{users}/{admin.id}/deactivate?lang=es"))
    exports = client.get("/admin/exports?lang=es&since=2026-12-01&until=2026-01-01")
    check("export dates", exports)
    check("nothing to report", client.post("/admin/reporting/abp-moc/batches?lang=es"))
    sign_out()
    assert offending == {}
