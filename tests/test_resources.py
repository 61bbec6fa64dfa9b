"""The family resources library: public pages, filters, pairs, sharing, printing, publishing."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from lms.courses.models import CoursePage
from lms.extensions import db
from lms.resources.models import FamilyResource

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "resources"
BASE_URL = "https://learn.example.org"
SPANISH = {"Accept-Language": "es-US,es;q=0.9"}

pytestmark = pytest.mark.usefixtures("language_per_request")


@pytest.fixture()
def app_config(app_config):
    app_config["BASE_URL"] = BASE_URL
    return app_config


@pytest.fixture()
def library(publish_library):
    return publish_library()


class Page(HTMLParser):
    """What a visitor can see and follow on a page: its filter form, links and loaded files."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.selects: dict[str, list[str]] = {}
        self.links: list[tuple[str, dict[str, str]]] = []
        self.loads: list[str] = []  # addresses the browser fetches by itself
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "select":
            self._select = a["name"]
            self.selects[self._select] = []
        elif tag == "option" and self._select:
            self.selects[self._select].append(a.get("value", ""))
        elif tag == "a":
            self.links.append((a.get("href", ""), a))
        if tag in ("img", "script", "iframe", "audio", "video", "source") and a.get("src"):
            self.loads.append(a["src"])
        if tag == "link" and a.get("rel") in ("stylesheet", "icon", "preload"):
            self.loads.append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def titles(html: str) -> list[str]:
    return re.findall(r'<h2 lang="\w+"><a href="[^"]+">([^<]+)</a>', html)


def filter_library(client, headers=None, **choices: str):
    """Open the library, pick the filters a visitor would pick from its form, and submit it."""
    page = Page(client.get("/resources", headers=headers).get_data(as_text=True))
    for name, value in choices.items():
        assert value in page.selects[name], f"{value!r} is not offered for {name}"
    return client.get(f"/resources?{urlencode(choices)}", headers=headers)


def test_anyone_reads_the_library_without_signing_in(client, library):
    response = client.get("/resources")

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert len(titles(text)) == 12  # six resources, each in English and Spanish
    assert "Daily routines that help children feel safe" in text
    assert "Rutinas diarias que ayudan a los niños a sentirse seguros" in text
    # Plain-language summaries on the cards.
    assert "Children feel calmer when they know what comes next." in text


def test_filters_narrow_the_library_to_spanish_tip_sheets_for_young_children(client, library):
    response = filter_library(client, language="es", type="tip-sheet", age="0-5")

    assert response.status_code == 200
    assert sorted(titles(response.get_data(as_text=True))) == [
        "El juego de ida y vuelta fortalece el cerebro",
        "Rutinas diarias que ayudan a los niños a sentirse seguros",
    ]


def test_a_topic_filter_finds_the_resources_on_that_topic(client, library):
    response = filter_library(client, topic="self-care-for-caregivers", language="en")

    assert titles(response.get_data(as_text=True)) == [
        "Caring for yourself while you care for others"
    ]


def test_filters_that_match_nothing_say_so_and_offer_the_whole_library(client, library):
    response = filter_library(client, topic="sleep")

    text = response.get_data(as_text=True)
    assert titles(text) == []
    assert "No resources match these choices yet." in text
    assert 'href="/resources">Show all resources' in text


@pytest.mark.parametrize("name", ["topic", "age", "type", "language"])
@pytest.mark.parametrize(
    "value",
    [
        "nonsense",
        "x" * 5000,
        "' OR 1=1; --",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "🙂",
        "ES",
        "99999999999999999999",
    ],
)
def test_a_filter_value_not_on_its_list_is_a_clear_400_that_filters_nothing(
    client, library, name, value
):
    response = client.get("/resources", query_string={name: value})

    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "That is not one of the choices" in text
    assert len(titles(text)) == 12
    assert "<script>alert(1)</script>" not in text


@pytest.mark.parametrize("query", ["topic=a%00b", "age=%ff%fe", "type&type=article", "language="])
def test_odd_query_strings_never_break_the_library(client, library, query):
    assert client.get(f"/resources?{query}").status_code in (200, 400)


@pytest.mark.parametrize(
    "path",
    [
        "/resources/no-such-thing",
        "/resources/no-such-thing/en",
        "/resources/calm-routines/fr",
        "/resources/calm-routines/EN",
        "/resources/Calm-Routines/en",
        "/resources/" + "a" * 5000 + "/en",
        "/resources/%2e%2e/en",
        "/resources/calm-routines/en%00",
    ],
)
def test_addresses_that_name_no_resource_are_not_found(client, library, path):
    assert client.get(path).status_code in (400, 404)


def test_a_spanish_browser_gets_the_library_in_spanish(client, library):
    text = client.get("/resources", headers=SPANISH).get_data(as_text=True)

    assert '<html lang="es">' in text
    assert "Recursos para familias" in text
    assert "Hoja de consejos" in text and "De 0 a 5 años" in text
    assert "Si necesita ayuda ahora" in text


def test_a_resource_opens_in_the_readers_language(client, library):
    spanish = client.get("/resources/calm-routines", headers=SPANISH)
    english = client.get("/resources/calm-routines")

    assert spanish.status_code == english.status_code == 302
    assert spanish.headers["Location"] == "/resources/calm-routines/es"
    assert english.headers["Location"] == "/resources/calm-routines/en"


def test_each_edition_links_to_its_pair_and_back(client, library):
    english = Page(client.get("/resources/calm-routines/en").get_data(as_text=True))
    to_spanish = [(h, a) for h, a in english.links if a.get("hreflang") == "es"]
    assert len(to_spanish) == 1
    href, attrs = to_spanish[0]
    assert attrs["lang"] == "es"

    spanish = client.get(href)
    assert spanish.status_code == 200
    text = spanish.get_data(as_text=True)
    assert '<html lang="es">' in text  # the switch shows the whole page in Spanish
    assert "Rutinas diarias que ayudan a los niños a sentirse seguros" in text
    back = [h for h, a in Page(text).links if a.get("hreflang") == "en"]
    assert [urlsplit(h).path for h in back] == ["/resources/calm-routines/en"]
    assert "Read in English" in text


def test_an_edition_shows_its_words_facts_and_handout_alt_text(client, library):
    text = client.get("/resources/three-steps-to-calm/es", headers=SPANISH).get_data(as_text=True)

    assert '<article class="resource resource-infographic" lang="es"' in text
    assert "Tres pasos para calmarse, juntos" in text
    image = re.search(r'<img src="(/media/[0-9a-f]{64}/[^"]+)" alt="([^"]+)"', text)
    assert image is not None and image.group(2).startswith("Tres pasos para calmarse")
    assert client.get(image.group(1)).mimetype == "image/png"
    assert "Infografía" in text and "Grado 3" in text


def test_shareable_links_are_built_on_the_configured_address(client, library):
    text = client.get(
        "/resources/calm-routines/es", headers={"Host": "evil.example", **SPANISH}
    ).get_data(as_text=True)

    canonical = f"{BASE_URL}/resources/calm-routines/es"
    assert f'<link rel="canonical" href="{canonical}">' in text
    assert f'<a href="{canonical}">{canonical}</a>' in text
    assert "evil.example" not in text


@pytest.mark.parametrize(
    "path", ["/resources", "/resources/calm-routines/en", "/resources/three-steps-to-calm/es"]
)
def test_library_pages_load_nothing_from_other_sites_and_track_no_one(client, library, path):
    response = client.get(path)
    page = Page(response.get_data(as_text=True))

    assert page.loads, "the page should at least load the site's stylesheet"
    for address in page.loads:
        assert not urlsplit(address).netloc, f"{path} loads {address}"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    # The site's own session (for the language switch's CSRF token) and nothing else: no
    # visitor id, no analytics.
    cookies = {c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie")}
    assert cookies <= {"session", "lang"}


@pytest.mark.parametrize("path", ["/resources", "/resources/back-and-forth-play/en"])
def test_every_library_page_has_the_help_now_box(client, library, path):
    text = client.get(path).get_data(as_text=True)

    assert "If you need help now" in text
    assert 'href="/support">More places to find support' in text


def test_the_library_page_costs_the_same_few_queries_however_many_resources(
    client, library, count_queries
):
    with count_queries() as statements:
        client.get("/resources")
    assert len(statements) <= 3, statements  # the editions, and their topics and ages at once


def test_reading_the_library_writes_nothing(client, library, count_queries):
    with count_queries() as statements:
        client.get("/resources")
        client.get("/resources/calm-routines")
        client.get("/resources/calm-routines/en")
    assert not [s for s in statements if not s.lstrip().upper().startswith("SELECT")]


# --- lessons link to resources --------------------------------------------------------------


def test_a_lesson_links_to_a_resource_by_its_name(client, library, publish):
    publish()
    html = db.session.scalar(
        select(CoursePage.html).where(CoursePage.slug == "responding-and-building-resilience")
    )

    assert '<a href="/resources/calm-routines" rel="noopener noreferrer">Daily routines' in html
    assert client.get("/resources/calm-routines").status_code == 302


@pytest.fixture()
def folders(tmp_path: Path) -> tuple[Path, Path]:
    courses, resources = tmp_path / "courses", tmp_path / "resources"
    shutil.copytree(ROOT / "courses", courses)
    shutil.copytree(SAMPLES, resources)
    return courses, resources


def test_courses_check_reports_a_lesson_link_to_a_missing_resource(runner, folders):
    courses, resources = folders
    lesson = courses / "tic-pediatric-essentials" / "05-responding-and-building-resilience.md"
    lesson.write_text(lesson.read_text().replace("(resource:calm-routines)", "(resource:calm)"))
    line = next(
        n for n, text in enumerate(lesson.read_text().split("\n"), 1) if "resource:calm)" in text
    )

    result = runner.invoke(args=["courses", "check", str(courses), "--resources", str(resources)])

    assert result.exit_code == 1
    assert (
        f"tic-pediatric-essentials/05-responding-and-building-resilience.md:{line}: error: "
        "no family resource is named 'calm': resource:calm"
    ) in result.output


def test_courses_check_reports_resource_problems_at_their_lines(runner, folders):
    courses, resources = folders
    primary = resources / "calm-routines.md"
    primary.write_text(
        primary.read_text().replace("topics: [routines, resilience]", "topics: [routine]")
    )

    result = runner.invoke(args=["courses", "check", str(courses), "--resources", str(resources)])

    assert result.exit_code == 1
    assert "resources/calm-routines.md:5: error: topics: unknown value 'routine'" in result.output
    assert "6 family resource(s) checked." in result.output


def test_courses_check_passes_on_the_samples(runner):
    result = runner.invoke(args=["courses", "check"])

    assert result.exit_code == 0, result.output
    assert "family resource(s) checked." in result.output


# --- publishing ----------------------------------------------------------------------------


def editions() -> dict[tuple[str, str], str]:
    return {(r.slug, r.language): r.title for r in db.session.scalars(select(FamilyResource))}


def test_publishing_puts_each_edition_in_once_and_again_changes_nothing(runner, folders):
    courses, resources = folders
    args = ["courses", "publish", str(courses), "--resources", str(resources)]

    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "resource calm-routines: published" in first.output
    assert len(editions()) == 12

    again = runner.invoke(args=args)
    assert again.exit_code == 0, again.output
    assert "6 family resource(s) unchanged." in again.output
    assert db.session.scalar(select(func.count()).select_from(FamilyResource)) == 12


def test_a_broken_resource_keeps_its_published_editions_and_a_removed_one_leaves(runner, folders):
    courses, resources = folders
    args = ["courses", "publish", str(courses), "--resources", str(resources)]
    assert runner.invoke(args=args).exit_code == 0
    (resources / "calm-routines.es.md").unlink()  # its pair is still declared: an error
    (resources / "caring-for-yourself.md").unlink()
    (resources / "caring-for-yourself.es.md").unlink()
    # A lesson links to caring-for-yourself: the link must go before the resource may.
    lesson = courses / "tic-pediatric-essentials" / "05-responding-and-building-resilience.md"
    lesson.write_text(lesson.read_text().replace("(resource:caring-for-yourself)", "(media/x)"))

    result = runner.invoke(args=args)

    assert result.exit_code == 1
    assert "resource calm-routines: NOT published; the previous edition stays live" in result.output
    assert "resource caring-for-yourself: removed from the library" in result.output
    found = editions()
    assert ("calm-routines", "es") in found and ("calm-routines", "en") in found
    assert not any(slug == "caring-for-yourself" for slug, _ in found)
