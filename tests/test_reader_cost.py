"""What a learner's pages cost the database: a few statements each, whatever the course's size.

Counts, not timings (timings are in bench/ and docs/performance.md). A course version never
changes once published, so its outline is compiled on the first visit and served from memory
afterwards: the counts below are for a learner who has been reading a while.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import current_app

from tests.test_reader import CME, lesson_slugs, start

EXTRA_LESSON = """---
title: Practice scenario {n}
kind: lesson
minutes: 3
---

A short scenario to practise with, number {n}. Notice what you see, then decide what to say.
"""


def big_course(root: Path, lessons: int) -> Path:
    """Return a courses folder with the CME sample grown to `lessons` lessons."""
    folder = root / "courses"
    shutil.copytree(Path(current_app.config["COURSES_DIR"]) / CME, folder / CME)
    have = len([p for p in (folder / CME).glob("*.md") if "kind: lesson" in p.read_text()])
    # "05-x-..." sorts after the sample's last lesson (05-...) and before its post-test (06-).
    for n in range(lessons - have):
        (folder / CME / f"05-x-{n:03d}.md").write_text(EXTRA_LESSON.format(n=n))
    return folder


@pytest.fixture()
def reader(client, make_user, auth):
    """Return a signed-in learner's client."""
    auth.login_as(make_user(name="Lee Learner", profession="pediatric-trainee"))
    return client


def statements_for(client, count_queries, url: str) -> list[str]:
    """Return the statements a GET of `url` runs, after one visit that warms the outline."""
    assert client.get(url).status_code == 200
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


def test_a_lesson_page_runs_at_most_three_statements(reader, publish, count_queries):
    publish()
    start(reader)
    lessons = lesson_slugs(CME)
    reader.post(f"/courses/{CME}/learn/{lessons[0]}/complete")
    statements = statements_for(reader, count_queries, f"/courses/{CME}/learn/{lessons[3]}")
    # The person (with what the layout shows about them), the enrolment with the page's body,
    # the learner's progress. The outline and navigation come from memory.
    assert len(statements) <= 3, "\n".join(statements)
    assert all(sql.lstrip().upper().startswith("SELECT") for sql in statements)


def test_a_lesson_in_a_100_lesson_course_costs_the_same_statements(
    reader, publish, count_queries, tmp_path
):
    publish(big_course(tmp_path, 100))
    start(reader)
    lessons = lesson_slugs(CME)
    assert len(lessons) == 100
    for lesson in lessons[:40]:
        reader.post(f"/courses/{CME}/learn/{lesson}/complete")
    page = reader.get(f"/courses/{CME}/learn/{lessons[60]}").text
    assert "40 of 102 pages done" in page
    assert page.count("<li") >= 102  # the whole outline, from memory
    statements = statements_for(reader, count_queries, f"/courses/{CME}/learn/{lessons[60]}")
    assert len(statements) <= 3, "\n".join(statements)
    assert not [sql for sql in statements if "FROM course_pages" in sql.split("WHERE")[0]]


def test_the_outline_is_compiled_once_per_version_and_the_cache_is_bounded(
    app, reader, publish, count_queries, monkeypatch
):
    from lms.courses import outline

    publish()
    start(reader)
    built = []
    real = outline.build_outline
    monkeypatch.setattr(outline, "build_outline", lambda *a, **k: built.append(1) or real(*a, **k))
    for lesson in lesson_slugs(CME):
        reader.get(f"/courses/{CME}/learn/{lesson}")
    reader.get(f"/courses/{CME}/learn")
    assert len(built) == 1
    cache = outline.cache()
    assert (
        len(cache) <= cache.size == app.config.get("OUTLINE_CACHE_SIZE", outline.DEFAULT_CACHE_SIZE)
    )


def test_a_small_outline_cache_still_serves_every_course(app, reader, publish):
    from lms.courses import outline

    app.extensions["lms_outlines"] = outline.OutlineCache(1)
    publish()
    start(reader)
    start(reader, "trauma-informed-front-desk")
    for slug in (CME, "trauma-informed-front-desk", CME):
        assert reader.get(f"/courses/{slug}/learn", follow_redirects=True).status_code == 200
    assert len(outline.cache()) == 1


@pytest.mark.parametrize(
    ("path", "most"),
    [
        # The user, the open courses and the learning paths (each version's editions and
        # requirements are read once and kept).
        ("/courses", 3),
        # The user, the course, the enrolment, its completed pages and its completion.
        (f"/courses/{CME}", 5),
        # The user, enrolments, completed pages, and whether anything is assigned (nothing is).
        ("/my-learning", 4),
        ("/transcript", 5),  # the user, course completions, webinar claims, outside credit, paths
        (f"/courses/{CME}/learn/post-test", 4),
    ],
)
def test_learner_pages_run_a_bounded_number_of_statements(
    reader, publish, count_queries, path, most
):
    publish()
    start(reader)
    reader.post(f"/courses/{CME}/learn/post-test/continue")  # past the quiz's content note
    statements = statements_for(reader, count_queries, path)
    assert len(statements) <= most, "\n".join(statements)
    assert all(sql.lstrip().upper().startswith("SELECT") for sql in statements)
