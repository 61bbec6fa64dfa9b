"""`flask courses publish` and `withdraw`: versions, learners on old versions, safe HTML, media.

Every scenario works on a fresh copy of the real `courses/` folder, which the app is pointed at
through COURSES_DIR, and publishes through the real CLI.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.courses.models import Course, CoursePage, CourseVersion, MediaBlob, VersionMedia
from lms.extensions import db

SAMPLES = Path(__file__).resolve().parent.parent / "courses"
CME = "tic-pediatric-essentials"
FRONT_DESK = "trauma-informed-front-desk"
FRONT_DESK_TITLE = "Trauma-Informed Care at the Front Desk"
CME_TITLE = "Essentials for Pediatric Trainees"
WELCOME = "01-a-welcoming-first-moment.md"
WELCOME_SLUG = "a-welcoming-first-moment"
ORIGINAL_SENTENCE = "In this lesson you will learn what"
REVISED_SENTENCE = "In this revised lesson you will discover what"
# A 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture()
def courses(tmp_path: Path) -> Path:
    """Return a fresh copy of the sample courses that a test may edit."""
    root = tmp_path / "courses"
    shutil.copytree(SAMPLES, root)
    return root


@pytest.fixture()
def config_overrides() -> dict:
    """Return extra app settings; a test may parametrize this to change them."""
    return {}


@pytest.fixture()
def app_config(app_config, courses, config_overrides, tmp_path):
    app_config["COURSES_DIR"] = str(courses)
    # Courses alone: the family resources' publishing is tested in tests/test_resources.py.
    app_config["RESOURCES_DIR"] = str(tmp_path / "no-resources")
    app_config.update(config_overrides)
    return app_config


# --- helpers --------------------------------------------------------------------------------


def publish(runner):
    return runner.invoke(args=["courses", "publish"])


def published(runner):
    result = publish(runner)
    assert result.exit_code == 0, result.output
    return result


def edit(path: Path, old: str, new: str, *, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def course_named(slug: str) -> Course:
    db.session.expire_all()
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    assert course is not None, f"{slug} was never published"
    return course


def version_numbers(slug: str) -> list[int]:
    return list(
        db.session.scalars(
            select(CourseVersion.number)
            .join(Course, Course.id == CourseVersion.course_id)
            .where(Course.slug == slug)
            .order_by(CourseVersion.number)
        )
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def pages_of(version_id: int) -> list[tuple[int, str, str, str]]:
    """Return (id, slug, title, html) of each page of a version, in order."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(CoursePage.id, CoursePage.slug, CoursePage.title, CoursePage.html)
            .where(CoursePage.version_id == version_id)
            .order_by(CoursePage.position)
        )
    ]


def page_files(course_dir: Path) -> list[str]:
    """Return the primary pages' file names: NN-name.es.md is a page's Spanish edition."""
    return sorted(p.name for p in course_dir.glob("[0-9][0-9]-*.md") if p.name.count(".") == 1)


def media_files(course_dir: Path) -> dict[str, bytes]:
    """Return the bytes of each file under the course's media/, by course-relative path."""
    media = course_dir / "media"
    return {
        p.relative_to(course_dir).as_posix(): p.read_bytes()
        for p in media.rglob("*")
        if p.is_file()
    }


def enrol(client, auth, user, slug: str = FRONT_DESK) -> None:
    auth.login_as(user)
    response = client.post(f"/courses/{slug}/start")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/courses/{slug}/learn")


def read(client, slug: str, page_slug: str) -> str:
    response = client.get(f"/courses/{slug}/learn/{page_slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- versions -------------------------------------------------------------------------------


def test_publishing_the_samples_creates_version_1_of_each_course_with_pages_and_media(
    runner, courses
):
    result = published(runner)
    all_media: set[str] = set()
    for slug in (CME, FRONT_DESK):
        assert f"{slug}: published version 1" in result.output
        course = course_named(slug)
        version = course.current_version
        assert version.number == 1
        assert version_numbers(slug) == [1]
        files = page_files(courses / slug)
        assert len(version.pages) == len(files)
        assert [page.slug for page in version.pages] == [name[3:-3] for name in files]
        assert [page.position for page in version.pages] == list(range(1, len(files) + 1))

        expected = media_files(courses / slug)
        rows = db.session.scalars(select(VersionMedia).where(VersionMedia.version_id == version.id))
        stored = {row.path: row.sha256 for row in rows}
        assert stored == {path: hashlib.sha256(data).hexdigest() for path, data in expected.items()}
        for path, sha256 in stored.items():
            blob = db.session.get(MediaBlob, sha256)
            assert blob.data == expected[path] and blob.size == len(expected[path])
        all_media.update(stored.values())
    assert len(media_files(courses / CME)) == 4  # two figures, a pocket card and the cover
    assert count(MediaBlob) == len(all_media)
    assert count(CourseVersion) == 2


def test_publishing_twice_without_changes_creates_no_new_version(runner):
    published(runner)
    versions, pages, blobs = count(CourseVersion), count(CoursePage), count(MediaBlob)
    again = published(runner)
    assert f"{CME}: unchanged (version 1 is live)" in again.output
    assert f"{FRONT_DESK}: unchanged (version 1 is live)" in again.output
    assert "published version" not in again.output
    assert (count(CourseVersion), count(CoursePage), count(MediaBlob)) == (versions, pages, blobs)


def test_editing_one_lesson_creates_one_new_version_of_that_course_only(runner, courses):
    published(runner)
    edit(courses / FRONT_DESK / WELCOME, ORIGINAL_SENTENCE, REVISED_SENTENCE)
    result = published(runner)
    assert f"{FRONT_DESK}: published version 2" in result.output
    assert f"{CME}: unchanged (version 1 is live)" in result.output
    assert version_numbers(FRONT_DESK) == [1, 2]
    assert version_numbers(CME) == [1]
    assert course_named(FRONT_DESK).current_version.number == 2
    assert course_named(CME).current_version.number == 1


def test_a_broken_edit_is_not_published_and_the_previous_version_stays_live(runner, courses):
    published(runner)
    live = course_named(FRONT_DESK).current_version
    live_id, live_pages = live.id, pages_of(live.id)

    quiz = courses / FRONT_DESK / "05-check-your-understanding.md"
    edit(quiz, "- ( ) Ask the grandmother about it", "- (x) Ask the grandmother about it")
    edit(courses / FRONT_DESK / WELCOME, ORIGINAL_SENTENCE, REVISED_SENTENCE)
    edit(
        courses / CME / "01-why-trauma-informed-care.md",
        "By the end of this lesson",
        "When you finish this lesson",
    )
    result = publish(runner)

    assert result.exit_code == 1, result.output
    assert f"{FRONT_DESK}: NOT published" in result.output
    assert f"{FRONT_DESK}/{quiz.name}:" in result.output
    assert "single-choice question needs exactly one (x); found 2" in result.output
    course = course_named(FRONT_DESK)
    assert course.current_version_id == live_id
    assert course.current_version.number == 1
    assert version_numbers(FRONT_DESK) == [1]
    assert pages_of(live_id) == live_pages
    assert REVISED_SENTENCE not in "".join(html for *_, html in pages_of(live_id))
    # The other course was fine, so it went out.
    assert f"{CME}: published version 2" in result.output
    assert course_named(CME).current_version.number == 2


def test_a_course_the_database_refuses_does_not_take_the_others_down(runner, courses, monkeypatch):
    # Whatever the checker misses, the database may still refuse (a full disk, a limit no
    # one foresaw): that course fails alone, the rest go live, and the author is told.
    from lms.courses import services

    create_version = services._create_version

    def refuse_the_front_desk(course, compiled, folder, number):
        version = create_version(course, compiled, folder, number)
        if compiled.slug == FRONT_DESK:
            page = version.pages[0]
            db.session.add(
                CoursePage(
                    version_id=version.id,
                    position=page.position,
                    slug="x",
                    title="x",
                    kind="lesson",
                    html="",
                    settings={},
                )
            )
            db.session.flush()
        return version

    monkeypatch.setattr(services, "_create_version", refuse_the_front_desk)
    result = publish(runner)

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"{CME}: published version 1" in result.output
    assert f"{FRONT_DESK}/course.md:1: error: the database refused this course" in result.output
    assert f"{FRONT_DESK}: NOT published" in result.output
    assert version_numbers(CME) == [1]
    assert version_numbers(FRONT_DESK) == []
    assert count(CoursePage) == len(page_files(courses / CME))

    monkeypatch.undo()
    result = published(runner)
    assert f"{FRONT_DESK}: published version 1" in result.output
    assert f"{CME}: unchanged (version 1 is live)" in result.output


def test_a_title_with_a_nul_character_is_a_checker_error_not_a_database_crash(runner, courses):
    edit(
        courses / FRONT_DESK / "course.md",
        'title: "Trauma-Informed Care at the Front Desk"',
        'title: "Trauma-Informed Care\\0 at the Front Desk"',
    )
    result = publish(runner)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"{FRONT_DESK}/course.md:2: error: title: must not contain control characters" in (
        result.output
    )
    assert f"{CME}: published version 1" in result.output


def test_old_versions_stay_readable_after_republishing(runner, courses):
    published(runner)
    v1 = course_named(FRONT_DESK).current_version
    v1_id, v1_pages, v1_hash = v1.id, pages_of(v1.id), v1.content_hash
    v1_compiled = dict(v1.compiled)
    assert ORIGINAL_SENTENCE in v1_pages[0][3]

    edit(courses / FRONT_DESK / WELCOME, ORIGINAL_SENTENCE, REVISED_SENTENCE)
    published(runner)

    db.session.expire_all()
    old = db.session.get(CourseVersion, v1_id)
    assert old.number == 1 and old.content_hash == v1_hash
    assert old.compiled == v1_compiled
    assert pages_of(v1_id) == v1_pages
    new = course_named(FRONT_DESK).current_version
    assert new.id != v1_id
    new_pages = pages_of(new.id)
    assert REVISED_SENTENCE in new_pages[0][3] and ORIGINAL_SENTENCE not in new_pages[0][3]
    assert {page_id for page_id, *_ in new_pages}.isdisjoint(p[0] for p in v1_pages)


def test_a_learner_keeps_reading_the_version_they_started_while_newcomers_get_the_new_one(
    runner, courses, client, auth, make_user
):
    published(runner)
    early, late = make_user(), make_user()
    enrol(client, auth, early)
    assert ORIGINAL_SENTENCE in read(client, FRONT_DESK, WELCOME_SLUG)
    auth.logout()

    edit(courses / FRONT_DESK / WELCOME, ORIGINAL_SENTENCE, REVISED_SENTENCE)
    assert "published version 2" in published(runner).output

    enrol(client, auth, late)
    page = read(client, FRONT_DESK, WELCOME_SLUG)
    assert REVISED_SENTENCE in page and ORIGINAL_SENTENCE not in page
    auth.logout()

    auth.login_as(early)
    page = read(client, FRONT_DESK, WELCOME_SLUG)
    assert ORIGINAL_SENTENCE in page and REVISED_SENTENCE not in page
    detail = " ".join(client.get(f"/courses/{FRONT_DESK}").get_data(as_text=True).split())
    # Offered the new version with what changed, and told the one they started stays theirs.
    assert "Version 2 of this course is available" in detail
    assert "What changed: 1 lesson changed." in detail
    assert "or keep the version you started (version 1)" in detail


# --- withdrawing ----------------------------------------------------------------------------


def test_a_withdrawn_course_leaves_the_catalog_but_enrolled_learners_keep_it(
    runner, client, auth, make_user
):
    published(runner)
    learner, stranger = make_user(), make_user()
    enrol(client, auth, learner)
    auth.logout()
    assert FRONT_DESK_TITLE in client.get("/courses").get_data(as_text=True)

    result = runner.invoke(args=["courses", "withdraw", FRONT_DESK])
    assert result.exit_code == 0, result.output
    assert f"{FRONT_DESK}: withdrawn from the catalog." in result.output

    catalog = client.get("/courses").get_data(as_text=True)
    assert FRONT_DESK_TITLE not in catalog
    assert CME_TITLE in catalog
    assert client.get(f"/courses/{FRONT_DESK}").status_code == 404
    auth.login_as(stranger)
    assert FRONT_DESK_TITLE not in client.get("/courses?all=y").get_data(as_text=True)
    assert client.get(f"/courses/{FRONT_DESK}").status_code == 404
    auth.logout()

    auth.login_as(learner)
    detail = client.get(f"/courses/{FRONT_DESK}")
    assert detail.status_code == 200
    assert FRONT_DESK_TITLE in detail.get_data(as_text=True)
    assert ORIGINAL_SENTENCE in read(client, FRONT_DESK, WELCOME_SLUG)


def test_publishing_an_edit_keeps_a_withdrawn_course_withdrawn_until_reinstated(
    runner, courses, client
):
    published(runner)
    runner.invoke(args=["courses", "withdraw", FRONT_DESK])
    edit(courses / FRONT_DESK / WELCOME, ORIGINAL_SENTENCE, REVISED_SENTENCE)

    result = published(runner)

    assert f"{FRONT_DESK}: published version 2" in result.output
    assert f"{FRONT_DESK} stays withdrawn from the catalog" in result.output
    assert f"flask courses reinstate {FRONT_DESK}" in result.output
    assert course_named(FRONT_DESK).withdrawn_at is not None
    assert FRONT_DESK_TITLE not in client.get("/courses").get_data(as_text=True)
    assert client.get(f"/courses/{FRONT_DESK}").status_code == 404

    result = runner.invoke(args=["courses", "reinstate", FRONT_DESK])

    assert result.exit_code == 0, result.output
    assert f"{FRONT_DESK}: back in the catalog (version 2)." in result.output
    assert course_named(FRONT_DESK).withdrawn_at is None
    assert FRONT_DESK_TITLE in client.get("/courses").get_data(as_text=True)
    assert client.get(f"/courses/{FRONT_DESK}").status_code == 200


def test_reinstating_a_course_that_is_not_withdrawn_is_an_error(runner):
    published(runner)
    result = runner.invoke(args=["courses", "reinstate", FRONT_DESK])
    assert result.exit_code == 1
    assert f"{FRONT_DESK} is not withdrawn" in result.output
    result = runner.invoke(args=["courses", "reinstate", "no-such-course"])
    assert result.exit_code == 1
    assert "no published course is called 'no-such-course'" in result.output


def test_withdrawing_a_course_that_was_never_published_is_an_error(runner):
    result = runner.invoke(args=["courses", "withdraw", "no-such-course"])
    assert result.exit_code == 1
    assert "no published course is called 'no-such-course'" in result.output


# --- sanitising -----------------------------------------------------------------------------


def test_scripts_and_event_handlers_never_reach_the_learner(
    runner, courses, client, auth, make_user
):
    (courses / FRONT_DESK / "media").mkdir(exist_ok=True)
    (courses / FRONT_DESK / "media" / "x.png").write_bytes(PNG)
    with (courses / FRONT_DESK / WELCOME).open("a", encoding="utf-8") as lesson:
        lesson.write(
            "\n<script>alert(1)</script>\n\n"
            "<img src=media/x.png onerror=alert(1)>\n\n"
            '<a href="javascript:alert(1)">a harmless link text</a>\n\n'
            '<p onclick="x()">hi</p>\n'
        )
    published(runner)

    enrol(client, auth, make_user())
    body = read(client, FRONT_DESK, WELCOME_SLUG)
    for dangerous in ("<script>alert", "alert(1)", "onerror", "onclick", "javascript:"):
        assert dangerous not in body, dangerous
    assert "<p>hi</p>" in body
    assert "a harmless link text</a>" in body
    assert re.search(r'<img src="/media/[0-9a-f]{64}/x\.png"', body)
    assert ORIGINAL_SENTENCE in body


# --- media ----------------------------------------------------------------------------------


@pytest.mark.parametrize("config_overrides", [{"MAX_MEDIA_BYTES": 10_000}])
def test_a_media_file_over_the_size_limit_fails_that_courses_publish(runner, courses):
    (courses / CME / "media" / "big.bin").write_bytes(b"\0" * 10_001)
    result = publish(runner)
    assert result.exit_code == 1, result.output
    assert f"{CME}/media/big.bin:1: error: media file is 10,001 bytes" in result.output
    assert "the limit is 10,000" in result.output
    assert f"{CME}: NOT published" in result.output
    assert f"{FRONT_DESK}: published version 1" in result.output
    assert version_numbers(CME) == []
    # Only the front desk's own media (its cover) went in; none of the refused course's.
    assert count(MediaBlob) == len(media_files(courses / FRONT_DESK)) == 1


@pytest.mark.parametrize("config_overrides", [{"MAX_MEDIA_BYTES": 10_000}])
def test_checking_reports_a_media_file_over_the_size_limit_like_publishing(runner, courses):
    (courses / CME / "media" / "big.bin").write_bytes(b"\0" * 10_001)
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 1, result.output
    assert f"{CME}/media/big.bin:1: error: media file is 10,001 bytes" in result.output
    assert "2 course(s) checked: 1 error(s)" in result.output


@pytest.mark.parametrize(
    ("page_slug", "filename", "content_type"),
    [
        ("why-trauma-informed-care", "four-rs.svg", "image/svg+xml; charset=utf-8"),
        ("responding-and-building-resilience", "pocket-card.txt", "text/plain; charset=utf-8"),
    ],
)
def test_media_are_served_for_good_at_the_url_in_the_lesson(
    runner, courses, client, auth, make_user, page_slug, filename, content_type
):
    published(runner)
    enrol(client, auth, make_user(), CME)
    lesson = read(client, CME, page_slug)
    url = re.search(rf'"(/media/([0-9a-f]{{64}})/{re.escape(filename)})"', lesson)
    assert url, f"no media URL for {filename} in the lesson"
    path, sha256 = url.groups()
    data = (courses / CME / "media" / filename).read_bytes()
    assert sha256 == hashlib.sha256(data).hexdigest()
    auth.logout()

    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["ETag"] == f'"{sha256}"'
    assert response.data == data

    cached = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert cached.status_code == 304
    assert cached.data == b""
    assert "immutable" in cached.headers["Cache-Control"]


def test_an_unknown_media_hash_is_not_found(runner, client):
    published(runner)
    assert client.get(f"/media/{'0' * 64}/x.png").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/../../etc/passwd",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        f"/media/{'0' * 64}/../../etc/passwd",
        "/media/not-a-hash/x.png",
        f"/media/{'g' * 64}/x.png",
        f"/media/{'0' * 63}/x.png",
        f"/media/{'0' * 65}/x.png",
    ],
)
def test_media_paths_that_are_not_a_known_hash_are_not_found(runner, client, path):
    published(runner)
    assert client.get(path).status_code == 404


def test_a_media_hash_in_upper_case_is_not_found(runner, courses, client):
    published(runner)
    sha256 = hashlib.sha256((courses / CME / "media" / "four-rs.svg").read_bytes()).hexdigest()
    assert client.get(f"/media/{sha256}/four-rs.svg").status_code == 200
    assert client.get(f"/media/{sha256.upper()}/four-rs.svg").status_code == 404


def test_watch_publishes_at_once_and_not_again_while_nothing_changes(runner, courses):
    result = runner.invoke(
        args=["courses", "watch", str(courses), "--interval", "0", "--rounds", "2"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("published version 1") == 2  # both courses, once
    assert "unchanged" not in result.output  # the second look found nothing to do


# --- two publishes at once ------------------------------------------------------------------


def publish_in_parallel(database_url: str, courses: Path, processes: int = 2) -> list:
    """Run `flask courses publish` in several real processes started together."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "LMS_ENV": "development",
    }
    env.pop("FLASK_APP", None)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "courses", "publish", str(courses)]
    running = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and code)
            command,
            cwd=SAMPLES.parent,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(processes)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in running]
    return [(process.returncode, output) for process, output in zip(running, outputs, strict=True)]


def test_two_publishes_at_once_take_turns_and_publish_each_version_once(app, database_url, courses):
    db.session.remove()  # hold no connection while the other processes write
    lesson = courses / FRONT_DESK / WELCOME
    for round_number in (1, 2):
        if round_number > 1:
            lesson.write_text(lesson.read_text() + f"\nRound {round_number}.\n")
        outcomes = publish_in_parallel(database_url, courses)

        outputs = "\n".join(output for _, output in outcomes)
        assert [status for status, _ in outcomes] == [0, 0], outputs
        assert "Traceback" not in outputs
        assert outputs.count(f"{FRONT_DESK}: published version {round_number}") == 1, outputs
        assert outputs.count(f"{FRONT_DESK}: unchanged (version {round_number} is live)") == 1
        assert version_numbers(FRONT_DESK) == list(range(1, round_number + 1))
        assert version_numbers(CME) == [1]
        db.session.remove()


def test_a_publish_that_cannot_get_its_turn_says_so_and_writes_nothing(app, runner):
    from sqlalchemy import create_engine, text

    from lms.courses.services import _PUBLISH_LOCK_KEY

    other = create_engine(db.engine.url)
    with other.connect() as holder:
        # Another publish, or any long write, holds the lock.
        if other.dialect.name == "postgresql":
            holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PUBLISH_LOCK_KEY})
        else:
            from lms.database import writing

            with writing():
                holder.exec_driver_sql("SELECT 1")  # begins with BEGIN IMMEDIATE
        result = runner.invoke(args=["courses", "publish", "--wait", "0.5"])
        holder.rollback()
    other.dispose()

    assert result.exit_code == 1, result.output
    assert "another publish is running" in result.output
    assert "nothing was published" in result.output
    assert count(CourseVersion) == 0
