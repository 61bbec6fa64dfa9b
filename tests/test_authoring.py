"""The Authoring page: an author's way into their courses, versions, results and the guide."""

from __future__ import annotations

import shutil
from pathlib import Path

from lms.accounts.models import Role
from lms.courses.services import withdraw_course
from lms.extensions import db
from tests.test_certificates import complete
from tests.test_publishing import CME, CME_TITLE, FRONT_DESK, FRONT_DESK_TITLE, SAMPLES, WELCOME


def test_an_author_finds_every_course_with_its_versions_learners_and_results(
    client, auth, make_user, publish, tmp_path
):
    root = tmp_path / "courses"
    shutil.copytree(SAMPLES, root)
    publish(root)
    learner = make_user(name="Lee Learner")
    auth.login_as(learner)
    complete(client, FRONT_DESK)
    auth.logout()
    lesson = next((root / FRONT_DESK).glob(WELCOME))
    lesson.write_text(lesson.read_text() + "\nA revised closing line.\n")
    publish(root)
    withdraw_course(CME)
    db.session.commit()

    auth.login_as(make_user(role=Role.AUTHOR, name="Ana Author"))
    home = client.get("/courses")
    assert 'href="/authoring"' in home.text
    page = client.get("/authoring")
    assert page.status_code == 200
    text = page.text
    assert FRONT_DESK_TITLE in text and CME_TITLE in text
    assert "Live</strong> in the catalog as version 2" in text
    assert "<strong>Withdrawn</strong>" in text
    assert f'href="/courses/{FRONT_DESK}/results"' in text
    assert f'href="/courses/{CME}/results"' in text
    assert 'href="/authoring/guide"' in text
    # Version 1 of the front-desk course holds the learner's completion; version 2 nobody yet.
    front_desk = text[text.index(FRONT_DESK_TITLE) : text.index(CME_TITLE)]
    rows = front_desk.split("<tr>")[2:]
    assert rows[0].count('class="num">0<') == 2 and "(current)" in rows[0]
    assert rows[1].count('class="num">1<') == 2


def test_the_authoring_page_costs_the_same_queries_for_more_courses(
    client, auth, make_user, publish, count_queries, tmp_path
):
    root = tmp_path / "courses"
    root.mkdir()
    shutil.copytree(SAMPLES / FRONT_DESK, root / FRONT_DESK)
    publish(root)
    auth.login_as(make_user(role=Role.AUTHOR))
    with count_queries() as one_course:
        assert client.get("/authoring").status_code == 200
    shutil.copytree(SAMPLES / CME, root / CME)
    publish(root)
    with count_queries() as two_courses:
        assert client.get("/authoring").status_code == 200
    assert len(two_courses) == len(one_course)


def test_learners_cannot_reach_authoring(client, auth, make_user):
    assert client.get("/authoring").status_code == 302
    auth.login_as(make_user())
    assert client.get("/authoring").status_code == 403
    assert client.get("/authoring/guide").status_code == 403
    assert 'href="/authoring"' not in client.get("/courses").text


def test_the_guide_is_rendered_for_authors(client, auth, make_user):
    auth.login_as(make_user(role=Role.AUTHOR))
    page = client.get("/authoring/guide")
    assert page.status_code == 200
    assert "<h1" in page.text and "Writing courses" in page.text
    main = page.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<script" not in main  # the guide's Markdown is sanitised like any lesson


def test_a_missing_guide_says_where_to_find_it(app, client, auth, make_user, tmp_path: Path):
    app.config["AUTHORING_GUIDE"] = str(tmp_path / "missing.md")
    auth.login_as(make_user(role=Role.AUTHOR))
    page = client.get("/authoring/guide")
    assert page.status_code == 200
    assert "docs/authoring.md" in page.text


def test_the_last_publish_shows_each_course_outcome_with_its_errors(
    client, auth, make_user, runner, tmp_path
):
    root = tmp_path / "courses"
    shutil.copytree(SAMPLES, root)
    (root / "half-written").mkdir()
    (root / "half-written" / "course.md").write_text("---\ntitle: Half written\n---\n")
    result = runner.invoke(args=["courses", "publish", str(root)])
    assert result.exit_code == 1

    auth.login_as(make_user(role=Role.AUTHOR))
    text = client.get("/authoring").text
    assert "2 published,\n" in text and "1 not published." in text
    assert "half-written (never published)" in text
    never = text[text.index("half-written (never published)") :]
    assert "<code>half-written/course.md:" in never and ": error: " in never
    assert text.count("published version 1</strong>") == 2

    runner.invoke(args=["courses", "publish", str(root)])
    text = client.get("/authoring").text
    assert text.count("Last publish: unchanged, version 1 is live.") == 2
