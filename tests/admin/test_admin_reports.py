"""Admin reports: real learners enrol, complete and claim; the numbers, charts and tables agree."""

from __future__ import annotations

import html
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.admin import reports
from lms.certificates.models import Certificate, Completion
from lms.courses.models import Course
from lms.database import utcnow
from lms.extensions import db
from lms.progress.models import Enrolment
from tests.conftest import has_inline_script
from tests.test_certificates import claim, complete, evaluate, pass_quiz, read_lessons
from tests.test_quizzes import CME, FRONT_DESK, quiz_page, right_answers


def course_id(slug: str) -> int:
    return db.session.scalar(select(Course.id).where(Course.slug == slug))


def as_new_learner(client, auth, make_user, **fields):
    auth.logout()
    user = make_user(**{"profession": "physician", **fields})
    auth.login_as(user)
    return user


@pytest.fixture()
def activity(client, auth, make_user, publish):
    """Three physicians enrol in the CME course, two complete, one claims; staff do the other."""
    publish()
    for n in range(3):
        as_new_learner(client, auth, make_user, name=f"Physician {n}")
        if n < 2:
            complete(client, CME)
        else:
            client.post(f"/courses/{CME}/start")
        if n == 0:
            assert claim(client, CME).status_code == 302
    as_new_learner(client, auth, make_user, name="Sky Staff", profession="clinic-staff")
    complete(client, FRONT_DESK)
    claim(client, FRONT_DESK, credit_type="participation", amount="1")
    auth.logout()


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """Return the text of each body row's cells in the table with this id."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        for cells in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        )
    ]


def svg_descs(page: str) -> list[str]:
    return [html.unescape(d) for d in re.findall(r'<desc id="[^"]+">(.*?)</desc>', page, re.S)]


def admin_page(client, auth, make_user, url: str) -> str:
    auth.login_as(make_user(role="admin"))
    response = client.get(url)
    assert response.status_code == 200
    return response.data.decode()


# --- numbers ---------------------------------------------------------------------------------


def test_totals_count_learners_enrolments_completions_and_credit_by_type(activity):
    everything = reports.totals()
    assert (everything.learners, everything.enrolments, everything.completions) == (4, 4, 3)
    assert everything.credits == (
        reports.CreditTotal("ama-pra-1", 1, Decimal("0.75")),
        reports.CreditTotal("participation", 1, Decimal("1.00")),
    )
    cme = reports.totals(CME)
    assert (cme.learners, cme.enrolments, cme.completions) == (3, 3, 2)
    assert cme.credits == (reports.CreditTotal("ama-pra-1", 1, Decimal("0.75")),)
    nothing = reports.totals("no-such-course")
    assert (nothing.learners, nothing.enrolments, nothing.completions, nothing.credits) == (
        0,
        0,
        0,
        (),
    )


def test_a_learner_in_two_courses_is_one_learner_with_two_enrolments(
    client, auth, make_user, activity
):
    as_new_learner(client, auth, make_user)
    client.post(f"/courses/{CME}/start")
    client.post(f"/courses/{FRONT_DESK}/start")
    totals = reports.totals()
    assert (totals.learners, totals.enrolments) == (5, 6)


def test_by_course_rows(activity):
    rows = {row.slug: row for row in reports.by_course()}
    assert set(rows) == {CME, FRONT_DESK}
    cme, desk = rows[CME], rows[FRONT_DESK]
    assert (cme.enrolments, cme.completions, cme.credits) == (3, 2, {"ama-pra-1": Decimal("0.75")})
    assert (desk.enrolments, desk.completions) == (1, 1)
    assert desk.credits == {"participation": Decimal("1.00")}
    assert cme.title == db.session.get(Course, cme.course_id).current_version.title


def test_monthly_puts_records_in_their_month_and_keeps_empty_months(activity):
    today = utcnow().date()
    months = reports.monthly(months=12, today=today)
    assert len(months) == 12
    assert months[-1].month == f"{today.year:04d}-{today.month:02d}"
    assert (months[-1].enrolments, months[-1].completions) == (4, 3)
    assert months[-1].credits == {"ama-pra-1": Decimal("0.75"), "participation": Decimal("1.00")}
    assert all((m.enrolments, m.completions, m.credits) == (0, 0, {}) for m in months[:-1])

    cme = reports.monthly(CME, months=3, today=today)
    assert [(m.enrolments, m.completions) for m in cme] == [(0, 0), (0, 0), (3, 2)]
    assert cme[-1].credits == {"ama-pra-1": Decimal("0.75")}


def test_monthly_buckets_by_utc_month_across_a_year_boundary(activity):
    first, second = db.session.scalars(
        select(Completion).where(Completion.course_id == course_id(CME)).order_by(Completion.id)
    ).all()
    first.completed_at = datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)
    second.completed_at = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    for enrolment in db.session.scalars(select(Enrolment)):
        enrolment.enrolled_at = datetime(2025, 11, 30, 12, tzinfo=UTC)
    db.session.commit()

    months = reports.monthly(CME, months=3, today=date(2026, 1, 15))
    assert [(m.month, m.enrolments, m.completions) for m in months] == [
        ("2025-11", 3, 0),
        ("2025-12", 0, 1),
        ("2026-01", 0, 1),
    ]
    # Outside the window: nothing, and no error.
    assert [m.completions for m in reports.monthly(CME, months=1, today=date(2025, 6, 1))] == [0]


def publish_copy(app, publish, root: Path, change=None) -> Path:
    """Publish a copy of the sample courses, changed by `change(folder)` first."""
    shutil.copytree(app.config["COURSES_DIR"], root)
    if change is not None:
        change(root)
    publish(root)
    return root


def test_a_learner_completing_a_newer_version_is_counted_once(app, activity, publish, tmp_path):
    def retitle(root: Path) -> None:
        course_md = root / CME / "course.md"
        course_md.write_text(course_md.read_text().replace('title: "', 'title: "New ', 1))

    publish_copy(app, publish, tmp_path / "courses", retitle)
    first = db.session.scalar(select(Completion).where(Completion.course_id == course_id(CME)))
    later = first.completed_at + timedelta(days=40)
    # The same learner moves to the new version (a new enrolment) and completes it too, in a
    # later month.
    newer = db.session.get(Course, first.course_id).current_version_id
    first.enrolment.ended_at = later - timedelta(days=1)
    retake = Enrolment(
        user_id=first.user_id, course_id=first.course_id, version_id=newer, enrolled_at=later
    )
    db.session.add(retake)
    db.session.flush()
    db.session.add(
        Completion(
            user_id=first.user_id,
            course_id=first.course_id,
            version_id=newer,
            enrolment_id=retake.id,
            completed_at=later,
        )
    )
    db.session.commit()
    assert reports.totals(CME).completions == 2
    assert {row.slug: row.completions for row in reports.by_course()}[CME] == 2
    months = reports.monthly(CME, months=4, today=later.date())
    assert sum(m.completions for m in months) == 2


# --- funnel ----------------------------------------------------------------------------------


def test_funnel_counts_each_stage_per_distinct_learner(client, auth, make_user, publish):
    publish()
    as_new_learner(client, auth, make_user, name="Only enrolled")
    client.post(f"/courses/{CME}/start")
    as_new_learner(client, auth, make_user, name="Read the lessons")
    client.post(f"/courses/{CME}/start")
    read_lessons(client, CME)
    as_new_learner(client, auth, make_user, name="Failed twice")
    client.post(f"/courses/{CME}/start")
    read_lessons(client, CME)
    pass_quiz(client, CME, right=False)
    pass_quiz(client, CME, right=False)
    as_new_learner(client, auth, make_user, name="Passed twice, evaluated")
    complete(client, CME)
    pass_quiz(client, CME)
    as_new_learner(client, auth, make_user, name="Certified twice")
    complete(client, CME)
    claim(client, CME)
    claim(client, CME, credit_type="participation", amount="1")

    assert reports.funnel(course_id(CME)) == reports.Funnel(
        enrolled=5, started=4, passed=2, evaluated=2, certified=1
    )
    assert reports.funnel(course_id(FRONT_DESK)) == reports.Funnel()


def test_only_valid_certificates_count_as_certified(client, auth, make_user, publish):
    publish()
    as_new_learner(client, auth, make_user)
    complete(client, CME)
    claim(client, CME)
    certificate = db.session.scalar(select(Certificate))
    from lms.certificates import services as certificate_services

    certificate_services.reissue(certificate, actor=None, reason="printing error")
    db.session.commit()
    assert reports.funnel(course_id(CME)).certified == 1  # the replacement, once
    for issued in db.session.scalars(select(Certificate)):
        issued.status = "revoked"
    db.session.commit()
    assert reports.funnel(course_id(CME)).certified == 0


def add_course_variants(root: Path) -> None:
    """Add a copy of the front-desk course without its quiz, and one with a pre-test too."""
    desk = root / FRONT_DESK
    # English-only copies: a Spanish edition would need the same pages removed and added.
    english = shutil.ignore_patterns("*.es.md")
    no_quiz = root / "desk-no-quiz"
    shutil.copytree(desk, no_quiz, ignore=english)
    (no_quiz / "05-check-your-understanding.md").unlink()
    with_pretest = root / "desk-pretest"
    shutil.copytree(desk, with_pretest, ignore=english)
    quiz = (desk / "05-check-your-understanding.md").read_text()
    pretest = quiz.replace("title: Check your understanding", "title: Before you start", 1)
    (with_pretest / "00-before-you-start.md").write_text(
        pretest.replace("role: posttest", "role: pretest", 1)
    )


def test_funnel_without_a_graded_quiz_and_with_a_pretest(
    app, client, auth, make_user, publish, tmp_path
):
    publish_copy(app, publish, tmp_path / "courses", add_course_variants)
    staff = {"profession": "clinic-staff"}
    as_new_learner(client, auth, make_user, **staff)
    client.post("/courses/desk-no-quiz/start")
    assert reports.funnel(course_id("desk-no-quiz")).passed == 0  # not started yet
    read_lessons(client, "desk-no-quiz")
    evaluate(client, "desk-no-quiz")
    claim(client, "desk-no-quiz", credit_type="participation", amount="1")
    assert reports.funnel(course_id("desk-no-quiz")) == reports.Funnel(1, 1, 1, 1, 1)

    as_new_learner(client, auth, make_user, **staff)
    client.post("/courses/desk-pretest/start")
    pretest = quiz_page("desk-pretest")
    assert pretest.settings["role"] == "pretest"
    client.post(f"/courses/desk-pretest/learn/{pretest.slug}/continue")
    url = client.post(f"/courses/desk-pretest/quiz/{pretest.slug}/start").headers["Location"]
    client.post(url, data=right_answers(pretest))
    assert reports.funnel(course_id("desk-pretest")).passed == 0  # a pre-test is not graded
    read_lessons(client, "desk-pretest")
    post = next(
        p
        for p in db.session.get(Course, course_id("desk-pretest")).current_version.pages
        if p.kind == "quiz" and p.settings.get("role") == "posttest"
    )
    url = client.post(f"/courses/desk-pretest/quiz/{post.slug}/start").headers["Location"]
    client.post(url, data=right_answers(post))
    assert reports.funnel(course_id("desk-pretest")) == reports.Funnel(1, 1, 1, 0, 0)


# --- the page --------------------------------------------------------------------------------


def test_reports_page_shows_totals_by_course_and_credit(client, auth, make_user, activity):
    page = admin_page(client, auth, make_user, "/admin/reports")
    totals = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)<', page))
    assert totals["Learners (enrolled in at least one course)"] == "4"
    assert totals["Enrollments"] == "4"
    assert totals["Completions (each learner once per course)"] == "3"
    by_course = {row[0]: row[1:] for row in table_rows(page, "courses-table")}
    cme_title = db.session.get(Course, course_id(CME)).current_version.title
    desk_title = db.session.get(Course, course_id(FRONT_DESK)).current_version.title
    # Columns: enrolments, completions, then AMA and participation credit claimed.
    assert by_course[cme_title] == ["3", "2", "0.75", "0"]
    assert by_course[desk_title] == ["1", "1", "0", "1.00"]
    assert "AMA PRA Category 1 Credit" in page and "claimed" in page


def test_the_completions_chart_and_its_table_show_the_same_numbers(
    client, auth, make_user, activity
):
    page = admin_page(client, auth, make_user, "/admin/reports")
    rows = table_rows(page, "completions-table")
    assert len(rows) == 12
    assert rows[-1][1] == "3" and all(value == "0" for _, value in rows[:-1])
    [desc] = [d for d in svg_descs(page) if "Completions" not in d and "Enrolled" not in d]
    for label, value in rows:
        assert f"{label.removesuffix(' (so far)')}: {value}" in desc, (label, value)
    assert rows[-1][0].endswith("(so far)") and desc.endswith("(so far).")
    assert "Completions by month, all courses" in page


def test_each_funnel_chart_and_its_table_show_the_same_numbers(client, auth, make_user, activity):
    page = admin_page(client, auth, make_user, "/admin/reports")
    funnel_descs = [d for d in svg_descs(page) if d.startswith("Enrolled:")]
    assert len(funnel_descs) == 2
    tables = re.findall(r'<section aria-labelledby="funnel-\d+".*?</section>', page, re.S)
    assert len(tables) == 2
    cme_title = db.session.get(Course, course_id(CME)).current_version.title
    [cme] = [t for t in tables if html.escape(cme_title) in t]
    stages = re.findall(r'<th scope="row">([^<]+)</th><td[^>]* class="num">([^<]+)</td>', cme)
    assert stages == [
        ("Enrolled", "3"),
        ("Started", "2"),
        ("Passed the quiz", "2"),
        ("Evaluated", "2"),
        ("Certified", "1"),
    ]
    [desc] = [html.unescape(d) for d in re.findall(r"<desc [^>]*>(.*?)</desc>", cme)]
    for label, value in stages:
        assert f"{label}: {value}" in desc


def test_filtering_by_course(client, auth, make_user, activity):
    page = admin_page(client, auth, make_user, f"/admin/reports?course={CME}")
    cme_title = db.session.get(Course, course_id(CME)).current_version.title
    assert [row[0] for row in table_rows(page, "courses-table")] == [cme_title]
    assert table_rows(page, "completions-table")[-1][1] == "2"
    assert f"Completions by month, {html.escape(cme_title)}" in page
    assert f'<option selected value="{CME}">' in page or f'value="{CME}" selected' in page
    assert len([d for d in svg_descs(page) if d.startswith("Enrolled:")]) == 1


def test_an_unknown_course_shows_every_course_and_says_why(client, auth, make_user, activity):
    page = admin_page(client, auth, make_user, "/admin/reports?course=nope")
    assert "Not a valid choice" in page
    assert len(table_rows(page, "courses-table")) == 2


def test_reports_with_no_data_at_all(client, auth, make_user):
    page = admin_page(client, auth, make_user, "/admin/reports")
    assert "No courses are published yet." in page
    assert "No credit has been claimed yet." in page
    assert all(value == "0" for _, value in table_rows(page, "completions-table"))


def test_the_page_has_no_inline_script_or_style_and_labels_its_filter(
    client, auth, make_user, activity
):
    page = admin_page(client, auth, make_user, "/admin/reports")
    assert " style=" not in page and not has_inline_script(page)
    assert '<label for="course">Course</label>' in page
    assert page.count("<caption") == page.count("<table")
    assert "<th>" not in page  # every header cell has a scope


def test_the_reports_page_runs_a_fixed_number_of_queries(
    app, client, auth, make_user, activity, publish, tmp_path, count_queries
):
    auth.login_as(make_user(role="admin"))
    with count_queries() as two_courses:
        assert client.get("/admin/reports").status_code == 200
    publish_copy(app, publish, tmp_path / "courses", add_course_variants)
    assert len(reports.by_course()) == 4
    with count_queries() as four_courses:
        assert client.get("/admin/reports").status_code == 200
    with count_queries() as one_course:
        assert client.get(f"/admin/reports?course={CME}").status_code == 200
    # 15, plus 3 for the claims far above the recorded time (claims, pages, attempts).
    assert len(two_courses) == len(four_courses) <= 18
    assert len(one_course) <= 18
