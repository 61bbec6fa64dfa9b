"""Course covers: an author adds an image with alt text, and cards and course pages show it.

The checker scenarios copy the real `courses/` folder, change the cover lines of one course.md,
and expect `flask courses check` to point at the line to fix.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from lms.courses.models import Course
from lms.extensions import db
from tests.test_courses_cli import (
    CME,
    FRONT_DESK,
    assert_one_error_at,
    check,
    edit,
    line_of,
)
from tests.test_publishing import CME_TITLE, FRONT_DESK_TITLE
from tests.test_publishing import app_config as app_config  # noqa: F401  (serves the copy)
from tests.test_publishing import config_overrides as config_overrides  # noqa: F401
from tests.test_publishing import courses as courses  # noqa: F401

COVER_LINE = "cover: media/cover.svg"
CME_ALT = "Abstract illustration: calm, overlapping circles in soft green and gold"


def course_md(root: Path, slug: str = CME) -> Path:
    return root / slug / "course.md"


def set_cover(root: Path, lines: str, slug: str = CME) -> int:
    """Replace the course's cover lines with `lines`; return the line the first one is on."""
    path = course_md(root, slug)
    text = path.read_text(encoding="utf-8")
    old = re.search(r"cover: .*\ncover_alt: .*\n", text)
    assert old is not None
    path.write_text(text.replace(old.group(), lines), encoding="utf-8")
    return line_of(path, lines.split("\n", 1)[0], exact=True) if lines else 0


# --- the checker ----------------------------------------------------------------------------


def test_the_samples_covers_pass_the_checker_one_with_alt_text_one_decorative(runner, courses):
    assert 'cover_alt: ""' in course_md(courses, FRONT_DESK).read_text(encoding="utf-8")
    result = check(runner, str(courses))
    assert result.exit_code == 0, result.output


def test_a_cover_that_is_not_there_is_reported_at_its_line(runner, courses):
    line = set_cover(courses, 'cover: media/sunrise.jpg\ncover_alt: "A sunrise"\n')
    message = assert_one_error_at(check(runner, str(courses)), f"{CME}/course.md", line)
    assert message == "cover image media/sunrise.jpg not found"


def test_a_cover_without_alt_text_is_refused_with_the_way_to_mark_it_decorative(runner, courses):
    line = set_cover(courses, f"{COVER_LINE}\n")
    message = assert_one_error_at(check(runner, str(courses)), f"{CME}/course.md", line)
    assert message == (
        'cover needs alt text (cover_alt), or cover_alt: "" for a purely decorative image'
    )


def test_alt_text_without_a_cover_is_reported(runner, courses):
    line = set_cover(courses, 'cover_alt: "Circles"\n')
    message = assert_one_error_at(check(runner, str(courses)), f"{CME}/course.md", line)
    assert message == "cover_alt: give a cover image first (cover)"


@pytest.mark.parametrize(
    ("cover", "expected"),
    [
        ("../trauma-informed-front-desk/media/cover.svg", "must be a file in the course's media/"),
        ("/etc/passwd", "must be a file in the course's media/"),
        ("01-why-trauma-informed-care.md", "must be in the course's media/ folder"),
        ("media/pocket-card.txt", "is not an image: use PNG, JPEG, GIF, WebP or SVG"),
        ("media/broken.png", "could not be read as an image"),
        ("media/bomb.svg", "declares XML entities"),
        ("media/sizeless.svg", "states no size"),
        ("media/not-svg.svg", "is not an SVG file"),
    ],
)
def test_a_cover_that_is_not_a_usable_image_is_refused(runner, courses, cover, expected):
    media = courses / CME / "media"
    (media / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (media / "bomb.svg").write_text(
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<svg xmlns="http://www.w3.org/2000/svg" width="&b;" height="10"/>',
        encoding="utf-8",
    )
    (media / "sizeless.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="100%"><rect/></svg>', encoding="utf-8"
    )
    (media / "not-svg.svg").write_text("<html><body>hello</body></html>", encoding="utf-8")
    line = set_cover(courses, f'cover: "{cover}"\ncover_alt: "Circles"\n')
    message = assert_one_error_at(check(runner, str(courses)), f"{CME}/course.md", line)
    assert message.startswith(f"cover image {cover} ") and expected in message


def test_featured_must_be_true_or_false(runner, courses):
    path = course_md(courses)
    edit(path, "featured: true", "featured: yes please")
    line = line_of(path, "featured: yes please")
    message = assert_one_error_at(check(runner, str(courses)), f"{CME}/course.md", line)
    assert message == "featured: must be true or false"


@pytest.mark.parametrize("config_overrides", [{"MAX_MEDIA_BYTES": 400}])
def test_a_cover_over_the_media_size_limit_is_reported_by_check(runner, courses):
    result = check(runner, str(courses))
    assert result.exit_code == 1
    assert f"{CME}/media/cover.svg:1: error: media file is" in result.output
    assert "(LMS_MAX_MEDIA_BYTES)" in result.output


# --- publishing -----------------------------------------------------------------------------


def course_named(slug: str) -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def test_publishing_keeps_the_cover_its_size_and_alt_text_and_serves_it(client, publish, courses):
    # A PNG too, so both ways of reading a size are used.
    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), (200, 220, 210)).save(buffer, "PNG")
    (courses / FRONT_DESK / "media" / "cover.png").write_bytes(buffer.getvalue())
    edit(course_md(courses, FRONT_DESK), "cover: media/cover.svg", "cover: media/cover.png")
    report = publish(courses)
    assert not report.failed

    cme = course_named(CME).current_version
    assert cme.featured is True
    cover = cme.cover_image
    assert (cover.width, cover.height, cover.alt) == (1200, 675, CME_ALT)
    assert re.fullmatch(r"/media/[0-9a-f]{64}/cover\.svg", cover.src)
    served = client.get(cover.src)
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"
    assert served.data == (courses / CME / "media" / "cover.svg").read_bytes()

    front_desk = course_named(FRONT_DESK).current_version.cover_image
    assert (front_desk.width, front_desk.height, front_desk.alt) == (320, 180, "")
    assert client.get(front_desk.src).mimetype == "image/png"


# --- what learners see ----------------------------------------------------------------------


class Images(HTMLParser):
    """Collect the attributes of every <img> in a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.found.append(dict(attrs))


def card(page: str, title: str) -> str:
    start = page.rindex("<li", 0, page.index(title))
    return page[start : page.index("</li>", start)]


def test_catalog_cards_show_each_cover_with_its_alt_text_size_and_lazy_loading(client, publish):
    publish()
    page = client.get("/courses").text
    [cme] = Images(card(page, CME_TITLE)).found
    assert cme["alt"] == CME_ALT
    assert (cme["width"], cme["height"], cme["loading"]) == ("1200", "675", "lazy")
    assert cme["src"] == course_named(CME).current_version.cover_image.src
    [front_desk] = Images(card(page, FRONT_DESK_TITLE)).found
    assert front_desk["alt"] == ""  # decorative: screen readers skip it


def test_the_course_page_shows_the_cover_after_its_title_and_summary(client, publish):
    publish()
    page = client.get(f"/courses/{CME}").text
    images = [img for img in Images(page).found if "course-cover" in (img.get("class") or "")]
    assert len(images) == 1
    assert images[0]["alt"] == CME_ALT and images[0]["width"] == "1200"
    assert "loading" not in images[0]  # at the top of the page: wanted at once
    assert page.index('class="lead"') < page.index("course-cover") < page.index("</article>")


def test_a_course_without_a_cover_shows_no_image(client, publish, courses):
    set_cover(courses, "")
    publish(courses)
    assert Images(card(client.get("/courses").text, CME_TITLE)).found == []
    page = client.get(f"/courses/{CME}").text
    assert not [img for img in Images(page).found if "course-cover" in (img.get("class") or "")]


def test_catalog_queries_do_not_grow_with_the_number_of_courses(
    client, publish, courses, count_queries, tmp_path
):
    only_one = tmp_path / "one"
    only_one.mkdir()
    (courses / FRONT_DESK).rename(only_one / FRONT_DESK)
    publish(courses)
    with count_queries() as one_course:
        assert client.get("/courses").status_code == 200
    (only_one / FRONT_DESK).rename(courses / FRONT_DESK)
    publish(courses)
    with count_queries() as two_courses:
        page = client.get("/courses").text
    assert FRONT_DESK_TITLE in page and CME_TITLE in page
    assert len(two_courses) == len(one_course)
    assert not [sql for sql in two_courses if not sql.lstrip().upper().startswith("SELECT")]


def test_alt_text_with_markup_and_quotes_is_shown_as_text(client, publish, courses):
    hostile = 'Circles "quoted" <script>alert(1)</script> & more'
    set_cover(courses, f"{COVER_LINE}\ncover_alt: '{hostile}'\n")
    publish(courses)
    page = client.get("/courses").text
    assert "<script>alert(1)" not in page
    [img] = Images(card(page, CME_TITLE)).found
    assert img["alt"] == hostile


def test_alt_text_longer_than_a_sentence_or_two_is_refused(runner, courses):
    line = set_cover(courses, f"{COVER_LINE}\ncover_alt: '{'calm ' * 70}'\n") + 1
    message = assert_one_error_at(check(runner, str(courses)), f"{CME}/course.md", line)
    assert message == "cover_alt: must be at most 300 characters (this one has 349)"
