"""`flask export completions`: files, standard output, the board report, errors, audit log."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.exports.rows import COLUMNS, PARS_COLUMNS
from lms.extensions import db
from lms.organizations.models import Membership, Organization
from tests.test_certificates import claim, complete
from tests.test_quizzes import CME, FRONT_DESK

MOC = {"credit_type": "abp-moc-2", "amount": "1", "consent": "y"}


@pytest.fixture()
def records(client, auth, make_user, publish):
    """Two learners' real records: one claims AMA and MOC credit, one claims nothing."""
    publish()
    dana = make_user(
        name="Dana Doctor", profession="physician", abp_id="123456", birth_month=2, birth_day=29
    )
    clinic = Organization(name="Zeta Clinic")
    db.session.add(clinic)
    db.session.flush()
    db.session.add(Membership(organization_id=clinic.id, user_id=dana.id))
    db.session.commit()
    auth.login_as(dana)
    complete(client)
    claim(client)
    claim(client, **MOC)
    auth.logout()
    sky = make_user(name="Sky Staff", profession="clinic-staff")
    auth.login_as(sky)
    complete(client, FRONT_DESK)
    auth.logout()
    return {"dana": dana, "sky": sky}


def export(runner, *args: str):
    return runner.invoke(args=["export", "completions", *args])


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def audit_events() -> list[AuditEvent]:
    db.session.rollback()  # see what the command committed in its own session
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "export.completions")
            .order_by(AuditEvent.id)
        )
    )


def test_csv_to_a_file(runner, records, tmp_path):
    out = tmp_path / "completions.csv"
    result = export(runner, "--format", "csv", "--output", str(out))
    assert result.exit_code == 0, result.output
    rows = csv_rows(out.read_text(encoding="utf-8"))
    assert rows[0] == list(COLUMNS)
    assert [(r[2], r[12]) for r in rows[1:]] == [
        ("Dana Doctor", "ama-pra-1"),
        ("Dana Doctor", "abp-moc-2"),
        ("Sky Staff", ""),
    ]
    assert "Exported 3 row(s) as csv" in result.stderr
    assert list(tmp_path.iterdir()) == [out]  # no partial file left behind


def test_filters_and_standard_output(runner, records):
    result = export(
        runner,
        "--format",
        "csv",
        "--output",
        "-",
        "--course",
        CME,
        "--organization",
        "Zeta Clinic",
        "--since",
        "2000-01-01",
        "--until",
        "2999-12-31",
    )
    assert result.exit_code == 0, result.output
    rows = csv_rows(result.stdout)
    assert rows[0] == list(COLUMNS) and len(rows) == 3
    assert {r[5] for r in rows[1:]} == {CME}
    assert "Exported 2 row(s)" in result.stderr
    result = export(runner, "--format", "csv", "--output", "-", "--until", "2000-01-01")
    assert csv_rows(result.stdout) == [list(COLUMNS)]


def test_xlsx_to_a_file_and_to_standard_output(runner, records, tmp_path):
    out = tmp_path / "completions.xlsx"
    assert export(runner, "--format", "xlsx", "--output", str(out)).exit_code == 0
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == COLUMNS and len(rows) == 4
    assert rows[1][0] == records["dana"].id and rows[1][13] == 0.75

    result = export(runner, "--format", "xlsx", "--output", "-")
    assert result.exit_code == 0
    piped = openpyxl.load_workbook(io.BytesIO(result.stdout_bytes)).active
    assert list(piped.iter_rows(values_only=True)) == rows


def test_pars_writes_reportable_rows_and_lists_the_skipped_on_stderr(runner, records, tmp_path):
    sky = records["sky"]
    records["dana"].abp_id = None
    db.session.commit()
    result = export(runner, "--format", "pars", "--output", "-")
    assert result.exit_code == 0
    assert csv_rows(result.stdout) == [list(PARS_COLUMNS)]
    assert "skipped: learner" in result.stderr and "no ABP ID in profile" in result.stderr
    assert "1 claim(s) skipped" in result.stderr

    records["dana"].abp_id = "123456"
    db.session.commit()
    out = tmp_path / "moc.csv"
    result = export(runner, "--format", "pars", "--output", str(out))
    rows = csv_rows(out.read_text(encoding="utf-8"))
    assert [r[:5] for r in rows[1:]] == [["123456", "Dana", "Doctor", "2", "29"]]
    assert "skipped" not in result.stderr and sky.full_name not in out.read_text()


def test_each_export_is_in_the_audit_log_as_the_command_line(runner, records, tmp_path):
    export(runner, "--format", "csv", "--output", str(tmp_path / "a.csv"), "--course", CME)
    export(runner, "--format", "pars", "--output", str(tmp_path / "b.csv"))
    first, second = audit_events()
    assert first.actor_id is None and first.target_id == "csv"
    assert first.details == {
        "format": "csv",
        "filters": {"course": CME, "organization": None, "since": None, "until": None},
        "rows": 2,
        "source": "cli",
    }
    assert second.details["rows"] == 1 and second.details["skipped"] == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--since", "31/01/2025"], 2, "use YYYY-MM-DD"),
        (["--until", "2025-02-30"], 2, "use YYYY-MM-DD"),
        (["--since", "2025-02-01", "--until", "2025-01-31"], 2, "on or after --since"),
        (["--course", "no-such-course"], 1, "No course has the slug 'no-such-course'"),
        (["--organization", "Nowhere"], 1, "No organization is named 'Nowhere'"),
        (["--format", "pdf"], 2, "'pdf' is not one of"),
    ],
)
def test_bad_options_are_explained_and_nothing_is_written(
    runner, records, tmp_path, args, code, message
):
    out = tmp_path / "out.csv"
    base = ["--format", "csv", "--output", str(out)]
    result = export(runner, *base, *args)
    assert result.exit_code == code
    assert message in result.output
    assert not out.exists()
    assert audit_events() == []


def test_a_missing_folder_is_explained(runner, records, tmp_path):
    result = export(runner, "--format", "csv", "--output", str(tmp_path / "nope" / "a.csv"))
    assert result.exit_code == 1
    assert "is not a folder" in result.output
