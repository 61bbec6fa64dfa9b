"""Prerequisites enforced, and learning paths: checked, published, completed once, assigned."""

from __future__ import annotations

import html as html_module
import io
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from lms.courses.models import Course
from lms.extensions import db
from lms.organizations import services as organizations
from lms.paths import services as paths
from lms.paths.loader import check_paths
from lms.paths.models import LearningPath, PathCompletion
from lms.progress.models import Enrolment
from tests.test_certificates import complete
from tests.test_quizzes import CME, FRONT_DESK

ROOT = Path(__file__).resolve().parents[1]
PATH = "trauma-informed-clinic"


def text_of(html: str) -> str:
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def courses_requiring(tmp_path: Path) -> Path:
    """Copy the sample courses, the clinical essentials now requiring the front desk course."""
    root = tmp_path / "courses"
    shutil.copytree(ROOT / "courses", root)
    course_md = root / CME / "course.md"
    course_md.write_text(
        course_md.read_text().replace("---\n", f"---\nrequires:\n  - {FRONT_DESK}\n", 1)
    )
    return root


@pytest.fixture()
def required(tmp_path, publish):
    """Publish the sample courses with a prerequisite; return their folder."""
    root = courses_requiring(tmp_path)
    publish(root)
    return root


def publish_paths(root: Path = ROOT / "paths", courses: Path = ROOT / "courses") -> None:
    compiled, diagnostics = check_paths(root, courses)
    assert [d for d in diagnostics if d.severity == "error"] == []
    paths.publish_paths(compiled, provider_name="Example Institute")
    db.session.commit()


# --- prerequisites enforced -------------------------------------------------------------------


def test_course_page_lists_prerequisites_and_refuses_to_start_until_they_are_done(
    client, auth, make_user, required
):
    learner = make_user(name="Lee Learner")
    auth.login_as(learner)
    page = client.get(f"/courses/{CME}").get_data(as_text=True)
    words = text_of(page)
    assert "Complete first" in words
    assert f'href="/courses/{FRONT_DESK}"' in page
    assert "Trauma-Informed Care at the Front Desk Not yet" in words
    assert f'action="/courses/{CME}/start"' not in page  # no Start button, an explanation
    assert "Complete the courses marked Not yet under Complete first" in words

    response = client.post(f"/courses/{CME}/start")
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0
    assert "Complete the courses this one requires" in text_of(
        client.get(response.location).get_data(as_text=True)
    )

    complete(client, FRONT_DESK)
    page = client.get(f"/courses/{CME}").get_data(as_text=True)
    assert "Trauma-Informed Care at the Front Desk ✓ Completed" in text_of(page)
    assert f'action="/courses/{CME}/start"' in page
    assert client.post(f"/courses/{CME}/start").status_code == 302
    assert db.session.scalar(select(func.count(Enrolment.id))) == 2


def test_the_catalog_says_what_a_course_requires(client, required):
    words = text_of(client.get("/courses").get_data(as_text=True))
    assert "Requires: Trauma-Informed Care at the Front Desk" in words


def test_a_manager_is_warned_but_not_stopped_when_assigning_a_course_with_prerequisites(
    client, auth, make_user, required
):
    admin = make_user(role="admin")
    staff = make_user(name="Sam Staff")
    clinic = organizations.create_organization("Clinic", "clinic", actor=admin)
    organizations.add_member(clinic, staff, "member", actor=admin)
    db.session.commit()
    auth.login_as(admin)
    page = client.get(f"/organizations/{clinic.id}").get_data(as_text=True)
    assert "(requires Trauma-Informed Care at the Front Desk)" in page
    essentials = db.session.scalar(select(Course).where(Course.slug == CME))
    response = client.post(
        f"/organizations/{clinic.id}/assignments",
        data={
            "course": str(essentials.id),
            "assignee": "organization",
            "due_date": (date.today() + timedelta(days=30)).isoformat(),
            "repeats": "",
        },
        follow_redirects=True,
    )
    words = text_of(response.get_data(as_text=True))
    assert "is assigned" in words
    assert "1 person assigned has not yet completed the courses this one requires" in words


# --- checking paths ---------------------------------------------------------------------------


def test_paths_check_reports_problems_at_their_lines(runner, tmp_path):
    courses = courses_requiring(tmp_path)
    folder = tmp_path / "paths"
    folder.mkdir()
    (folder / "unknown.md").write_text(
        "---\ntitle: A\nsummary: B\ncourses:\n  - trauma-informed-front-desk\n  - nope\n---\n"
    )
    (folder / "backwards.md").write_text(
        f"---\ntitle: A\nsummary: B\ncourses:\n  - {CME}\n  - {FRONT_DESK}\n  - {CME}\n---\n"
    )
    (folder / "empty.md").write_text("---\ntitle: A\nsummary: B\ncourses: []\n---\n")
    result = runner.invoke(args=["paths", "check", str(folder), "--courses", str(courses)])
    assert result.exit_code == 1
    out = result.output
    assert "unknown.md:6: error: courses: there is no course 'nope'" in out
    assert (
        f"backwards.md:5: error: courses: '{CME}' requires '{FRONT_DESK}', which comes later" in out
    )
    assert f"backwards.md:7: error: courses: '{CME}' is listed twice (also line 5)" in out
    assert "empty.md:4: error: courses: a path needs at least one course" in out


def test_paths_check_refuses_courses_that_require_each_other(runner, tmp_path):
    courses = courses_requiring(tmp_path)
    front = courses / FRONT_DESK / "course.md"
    front.write_text(front.read_text().replace("---\n", f"---\nrequires: [{CME}]\n", 1))
    folder = tmp_path / "paths"
    folder.mkdir()
    (folder / "circle.md").write_text(
        f"---\ntitle: A\nsummary: B\ncourses:\n  - {FRONT_DESK}\n  - {CME}\n---\n"
    )
    result = runner.invoke(args=["paths", "check", str(folder), "--courses", str(courses)])
    assert result.exit_code == 1
    assert "circle.md:6: error: courses: these courses require each other in a circle" in (
        result.output
    )


def test_the_sample_path_checks_clean_and_publishes(runner, publish):
    publish()
    assert runner.invoke(args=["paths", "check"]).exit_code == 0
    result = runner.invoke(args=["paths", "publish"])
    assert result.exit_code == 0, result.output
    path = db.session.scalar(select(LearningPath))
    assert path.course_slugs == [FRONT_DESK, CME]
    assert path.editions["es"]["title"] == "Clínica informada sobre el trauma"


# --- following and completing a path ----------------------------------------------------------


def test_completing_the_last_course_completes_the_path_once_with_a_verifiable_certificate(
    client, auth, make_user, publish
):
    publish()
    publish_paths()
    learner = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(learner)
    assert "0 of 2 courses completed" in text_of(
        client.get(f"/paths/{PATH}").get_data(as_text=True)
    )
    complete(client, FRONT_DESK)
    words = text_of(client.get(f"/paths/{PATH}").get_data(as_text=True))
    assert "1 of 2 courses completed" in words
    assert db.session.scalar(select(func.count(PathCompletion.id))) == 0
    complete(client, CME)
    completion = db.session.scalar(select(PathCompletion))
    assert completion is not None and completion.certificate_id
    # Recording it again (another course finishing, a second request) changes nothing.
    path = db.session.scalar(select(LearningPath))
    assert paths.record_path_completion(path, learner.id, provider_name="X") == completion
    assert db.session.scalar(select(func.count(PathCompletion.id))) == 1

    words = text_of(client.get(f"/paths/{PATH}").get_data(as_text=True))
    assert "You completed this path" in words
    pdf = client.get(f"/paths/{PATH}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    printed = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 1 and "Dana Doctor" in printed
    auth.logout()
    verified = text_of(client.get(f"/verify/{completion.certificate_id}").get_data(as_text=True))
    assert "Dana Doctor" in verified and "Trauma-informed clinic" in verified
    record = client.get(f"/verify/{completion.certificate_id}.json").get_json()
    assert record["status"] == "valid" and record["courses"] == [FRONT_DESK, CME]


def test_publishing_a_path_records_it_for_those_who_already_completed_its_courses(
    client, auth, make_user, publish
):
    publish()
    auth.login_as(make_user())
    complete(client, FRONT_DESK)
    complete(client, CME)
    db.session.commit()
    publish_paths()
    publish_paths()  # unchanged: nothing new
    assert db.session.scalar(select(func.count(PathCompletion.id))) == 1


@pytest.mark.parametrize(
    "slug",
    ["no-such-path", "<script>", "x" * 300, "..%2F..%2Fetc", "trauma-informed-clinic.md"],
)
def test_hostile_path_slugs_are_404(client, publish, slug):
    publish()
    publish_paths()
    assert client.get(f"/paths/{slug}").status_code == 404


def test_the_catalog_lists_paths_and_spanish_readers_read_them_in_spanish(client, publish):
    publish()
    publish_paths()
    assert "Trauma-informed clinic" in client.get("/courses").get_data(as_text=True)
    page = client.get(f"/paths/{PATH}?lang=es").get_data(as_text=True)
    assert "Clínica informada sobre el trauma" in page


# --- assigning a path -------------------------------------------------------------------------


def test_a_path_assigned_to_a_team_shows_its_status_on_the_board_and_in_my_learning(
    client, auth, make_user, publish
):
    publish()
    publish_paths()
    admin = make_user(role="admin")
    staff = make_user(name="Sam Staff")
    clinic = organizations.create_organization("Clinic", "clinic", actor=admin)
    organizations.add_member(clinic, staff, "member", actor=admin)
    db.session.commit()
    path = db.session.scalar(select(LearningPath))
    auth.login_as(admin)
    response = client.post(
        f"/organizations/{clinic.id}/assignments",
        data={
            "course": f"path-{path.id}",
            "assignee": "organization",
            "due_date": (date.today() + timedelta(days=30)).isoformat(),
            "repeats": "",
        },
    )
    assert response.status_code == 302
    board = text_of(client.get(f"/organizations/{clinic.id}").get_data(as_text=True))
    assert "Sam Staff Trauma-informed clinic" in board and "Not started 0 of 2" in board
    auth.logout()

    auth.login_as(staff)
    mine = text_of(client.get("/my-learning").get_data(as_text=True))
    assert "Learning paths assigned to you" in mine
    assert "Trauma-Informed Care at the Front Desk (Not started)" in mine
    complete(client, FRONT_DESK)
    complete(client, CME)
    auth.logout()

    auth.login_as(admin)
    board = text_of(client.get(f"/organizations/{clinic.id}").get_data(as_text=True))
    assert "Current" in board and "2 of 2" in board
