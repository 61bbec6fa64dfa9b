"""A version's parts of the catalog and the course page are drawn once and kept (lms.layout.kept).

What must still show at once: a newly published version, a withdrawal, the reader's language, a
change of role, the titles of the courses a course requires, and each learner's own progress.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import update

from lms.accounts.models import User
from lms.dates import today
from lms.extensions import db
from tests.test_certificates import version_of
from tests.test_paths import ROOT, publish_paths
from tests.test_quizzes import CME, FRONT_DESK

PATHS = ROOT / "paths"
NEW_TITLE = "Trauma-Informed Care for Pediatric Clinicians, Revised"


def courses_copy(app: Flask, tmp_path: Path) -> Path:
    """Return a copy of the sample courses to change and publish again."""
    root = tmp_path / "courses"
    shutil.copytree(app.config["COURSES_DIR"], root)
    return root


def retitle(root: Path, slug: str, title: str) -> None:
    """Give a course in `root` a new title, which makes a new version when published."""
    course_md = root / slug / "course.md"
    lines = course_md.read_text().splitlines(keepends=True)
    lines = [f'title: "{title}"\n' if line.startswith("title:") else line for line in lines]
    course_md.write_text("".join(lines))


def test_a_new_version_shows_at_once_in_the_catalog_and_on_its_page(app, client, publish, tmp_path):
    publish()
    old_title = version_of(CME).title
    assert old_title in client.get("/courses").text
    assert old_title in client.get(f"/courses/{CME}").text
    root = courses_copy(app, tmp_path)
    retitle(root, CME, NEW_TITLE)
    publish(root)

    catalog, page = client.get("/courses").text, client.get(f"/courses/{CME}").text
    assert NEW_TITLE in catalog and old_title not in catalog
    assert NEW_TITLE in page and "Version 2, published" in page
    assert "Version 1, published" not in page


def test_each_language_gets_its_own_kept_parts(client, publish):
    publish()
    english = client.get(f"/courses/{FRONT_DESK}?lang=en").text
    spanish = client.get(f"/courses/{FRONT_DESK}?lang=es").text
    again = client.get(f"/courses/{FRONT_DESK}?lang=en").text
    catalog_es = client.get("/courses?lang=es").text
    catalog_en = client.get("/courses?lang=en").text

    assert english == again
    assert "Before you start" in english and "Overview" in english
    assert "Antes de comenzar" in spanish and "Before you start" not in spanish
    assert "Pass mark:" in catalog_en and "Pass mark:" not in catalog_es
    assert "Calificación para aprobar:" in catalog_es


def test_a_withdrawn_course_leaves_the_catalog_at_once(client, publish):
    publish()
    assert f'href="/courses/{FRONT_DESK}"' in client.get("/courses").text
    version_of(FRONT_DESK).course.withdrawn_at = version_of(FRONT_DESK).published_at
    db.session.commit()
    assert f'href="/courses/{FRONT_DESK}"' not in client.get("/courses").text
    assert client.get(f"/courses/{FRONT_DESK}").status_code == 404


def test_a_role_change_shows_at_once_around_the_kept_parts(client, auth, make_user, publish):
    publish()
    version = version_of(CME)
    version.release_date = today() + timedelta(days=3)  # upcoming: only authors may start it
    db.session.commit()
    user = make_user(profession="physician")
    auth.login_as(user)
    learner_page = client.get(f"/courses/{CME}").text
    learner_catalog = client.get("/courses?all=y").text
    db.session.execute(update(User).where(User.id == user.id).values(role="author"))
    db.session.commit()
    author_page = client.get(f"/courses/{CME}").text
    author_catalog = client.get("/courses?all=y").text

    assert "This course opens on" in learner_page
    assert "Quiz and evaluation results for authors" not in learner_page
    assert "This course opens on" not in author_page
    assert "Quiz and evaluation results for authors" in author_page
    assert f'href="/courses/{CME}"' not in learner_catalog
    assert f'href="/courses/{CME}"' in author_catalog and ">Opens <time" in author_catalog


def test_a_card_shows_the_current_title_of_the_course_it_requires(app, client, publish, tmp_path):
    root = courses_copy(app, tmp_path)
    front = root / FRONT_DESK / "course.md"
    front.write_text(front.read_text().replace("---\n", f"---\nrequires: [{CME}]\n", 1))
    publish(root)
    before = client.get("/courses").text
    retitle(root, CME, NEW_TITLE)
    publish(root)
    after = client.get("/courses").text

    assert f'Requires: <span lang="en">{NEW_TITLE}</span>' not in before
    assert f'Requires: <span lang="en">{NEW_TITLE}</span>' in after


def test_each_learner_sees_their_own_progress_on_a_kept_course_page(
    client, auth, make_user, publish
):
    publish()
    lesson = version_of(CME).pages[0].slug
    ana, ben = make_user("ana@example.org"), make_user("ben@example.org")
    auth.login_as(ana)
    client.post(f"/courses/{CME}/start")
    client.post(f"/courses/{CME}/learn/{lesson}/complete")
    ana_page = client.get(f"/courses/{CME}").text
    auth.logout()
    auth.login_as(ben)
    ben_page = client.get(f"/courses/{CME}").text
    auth.logout()
    visitor_page = client.get(f"/courses/{CME}").text

    assert "Resume where you left off" in ana_page and 'value="1"' in ana_page
    assert "Resume where you left off" not in ben_page and "Start the course" in ben_page
    assert "Sign in to start" in visitor_page and "Start the course</button>" not in visitor_page


def test_the_kept_parts_are_bounded(app, client, publish):
    publish()
    app.extensions["lms_kept"].size = 2
    for language in ("en", "es", "en"):
        for slug in (CME, FRONT_DESK):
            assert client.get(f"/courses/{slug}?lang={language}").status_code == 200
        assert client.get(f"/courses?lang={language}").status_code == 200
    assert len(app.extensions["lms_kept"].parts) <= 2


def test_a_republished_learning_path_shows_at_once_in_the_catalog(client, publish, tmp_path):
    publish()
    publish_paths()
    assert "Trauma-informed clinic<" in client.get("/courses").text
    root = tmp_path / "paths"
    shutil.copytree(PATHS, root)
    path_md = root / "trauma-informed-clinic.md"
    lines = path_md.read_text().splitlines(keepends=True)
    lines = ['title: "A Calmer Clinic"\n' if line.startswith("title:") else line for line in lines]
    path_md.write_text("".join(lines))
    publish_paths(root)
    catalog = client.get("/courses").text
    assert "A Calmer Clinic" in catalog and "Trauma-informed clinic<" not in catalog


def test_what_a_visitor_types_is_shown_but_not_kept(app, client, publish):
    publish()
    client.get("/courses")
    first = client.get("/courses?q=front").text
    second = client.get("/courses?q=<b>essentials").text

    assert 'value="front"' in first and 'value="&lt;b&gt;essentials"' in second
    kept = [key for key in app.extensions["lms_kept"].parts if key[0] == "catalog-search"]
    assert len(kept) == 1  # the blank search only
