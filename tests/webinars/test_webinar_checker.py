"""`flask webinars check` and `publish`: a webinar's problems, each at its file and line."""

from __future__ import annotations

import pytest

from lms.webinars.models import Webinar
from tests.webinars.conftest import ROOT, SAMPLE, webinar_file


def check(runner, folder):
    return runner.invoke(args=["webinars", "check", str(folder)])


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if line.startswith(start))


def test_the_sample_webinars_pass_the_checker(runner):
    result = check(runner, ROOT / "webinars")
    assert result.exit_code == 0, result.output
    assert "2 webinar(s) ready: 0 error(s), 0 warning(s)." in result.output


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"end": "2027-07-15 10:30"}, "end:", "end: must be after start"),
        ({"end": "2027-07-15 11:00"}, "end:", "end: must be after start"),
        (
            {"timezone": "America/Chicagoo"},
            "timezone:",
            "timezone: unknown time zone 'America/Chicagoo'; use an IANA name such as "
            "America/Chicago",
        ),
        (
            {"timezone": "CST"},
            "timezone:",
            "timezone: unknown time zone 'CST'; use an IANA name such as America/Chicago",
        ),
        (
            {"join_url": "http://meet.example.org/j/1"},
            "join_url:",
            "join_url: must be an https:// address",
        ),
        (
            {"join_url": "javascript:alert(1)"},
            "join_url:",
            "join_url: must be an https:// address",
        ),
        (
            {"start": "2027-03-14 02:30", "end": "2027-03-14 03:30"},
            "start:",
            "start: 2027-03-14 02:30 does not exist in America/Chicago (clocks change then)",
        ),
        (
            {"start": "July 15, 11am"},
            "start:",
            "start: must be a local date and time written YYYY-MM-DD HH:MM (the zone goes in "
            "timezone:)",
        ),
        (
            {"end": "2027-07-15 12:30"},
            "designation:",
            "warning",
        ),
    ],
)
def test_the_checker_reports_each_problem_at_its_line(runner, tmp_path, changes, key, message):
    text = webinar_file(**changes)
    (tmp_path / "trust.md").write_text(text)
    result = check(runner, tmp_path)
    line = line_of(text, key)
    if message == "warning":
        # 90 minutes against a 1.0-credit designation: the course rule's warning, not an error.
        assert result.exit_code == 0, result.output
        assert "trust.md:" in result.output and "warning: estimated_minutes" in result.output
        return
    assert result.exit_code == 1
    assert f"trust.md:{line}: error: {message}" in result.output


def test_a_credit_webinar_without_disclosures_is_refused(runner, tmp_path):
    text = SAMPLE.read_text()
    start = text.index("disclosures:\n")
    end = text.index("---", start)
    text = text[:start] + text[end:]
    (tmp_path / "trust.md").write_text(text)
    result = check(runner, tmp_path)
    assert result.exit_code == 1
    assert "error: disclosures: credit-bearing courses list people" in result.output
    assert "error: presenters:" not in result.output  # one problem, said once


def test_a_presenter_missing_from_the_disclosures_is_named(runner, tmp_path):
    text = SAMPLE.read_text().replace("roles: [faculty]", "roles: [reviewer]")
    (tmp_path / "trust.md").write_text(text)
    result = check(runner, tmp_path)
    line = line_of(text, "  - name: Dana Whitfield")
    assert (
        f"trust.md:{line}: error: presenters: disclose Dana Whitfield under disclosures.people "
        "with the role faculty"
    ) in result.output


def test_the_designation_must_name_a_live_activity(runner, tmp_path):
    text = SAMPLE.read_text().replace("this live activity", "this enduring material")
    (tmp_path / "trust.md").write_text(text)
    result = check(runner, tmp_path)
    line = line_of(text, "designation:")
    assert (
        f"trust.md:{line}: error: designation: must name the learning format, 'live activity'"
    ) in result.output


def test_unknown_keys_and_missing_required_keys_are_reported(runner, tmp_path):
    text = webinar_file().replace("title:", "titel:")
    (tmp_path / "trust.md").write_text(text)
    result = check(runner, tmp_path)
    assert "trust.md:2: error: unknown key 'titel' (did you mean 'title'?)" in result.output
    assert "trust.md:1: error: missing required key 'title'" in result.output


def test_publish_leaves_a_broken_webinar_as_it_was_and_publishes_the_rest(runner, tmp_path, app):
    (tmp_path / "good.md").write_text(webinar_file())
    (tmp_path / "broken.md").write_text(webinar_file(timezone="Central"))
    result = runner.invoke(args=["webinars", "publish", str(tmp_path)])
    assert result.exit_code == 1
    assert "good: published" in result.output
    assert "broken: NOT published" in result.output
    from lms.extensions import db

    assert [w.slug for w in db.session.query(Webinar)] == ["good"]
    good = db.session.query(Webinar).one()
    assert good.body_html.startswith("<p>Through the voices")  # compiled once, at publish
    code = good.attendance_code
    assert code
    # Publishing again keeps the attendance code the presenter may already have announced.
    runner.invoke(args=["webinars", "publish", str(tmp_path)])
    db.session.expire_all()
    assert db.session.query(Webinar).one().attendance_code == code


def test_the_spanish_edition_must_translate_every_objective(runner, tmp_path):
    (tmp_path / "trust.md").write_text(webinar_file())
    spanish = SAMPLE.with_name("building-trust-through-trauma-informed-care.es.md").read_text()
    lines = spanish.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("  - Aplicar"))
    del lines[index]
    (tmp_path / "trust.es.md").write_text("\n".join(lines))
    result = check(runner, tmp_path)
    assert result.exit_code == 1
    assert "trust.es.md:" in result.output
    assert "objectives: translate every objective of the primary file, in the same order" in (
        result.output
    )
