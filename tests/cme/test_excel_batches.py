"""Reporting to PARS in the Excel learner template: batches, re-download, consent, the CLI."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime

import openpyxl
from sqlalchemy import select

from lms.certificates.models import CreditClaim
from lms.cme.models import ReportBatch, ReportBatchItem
from lms.extensions import db
from tests.cme import test_reporting
from tests.cme.test_excel_columns import EXCEL_COLUMNS
from tests.cme.test_reporting import AMA, claim_moc, login, make_batch
from tests.test_certificates import complete
from tests.test_quizzes import CME

# The board-reporting tests' fixtures: an administrator's client and a physician maker.
admin_client = test_reporting.admin_client
make_physician = test_reporting.make_physician

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_of(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))["Sheet1"]


def licensed(make_physician, name="Dana Doctor", **fields):
    return make_physician(name=name, license_state="ME", license_number="MD-004321", **fields)


def claim_both(app, user):
    client = claim_moc(app, user)
    assert client.post(f"/courses/{CME}/credit", data=AMA).status_code == 302
    return client


def test_one_workbook_row_reports_a_completions_cme_and_moc_credit(
    app, publish, make_physician, admin_client
):
    publish()
    claim_both(app, licensed(make_physician))

    page = admin_client.get("/admin/reporting").data.decode()
    assert "ACCME Excel learner template (CME and ABP MOC in one row)" in page
    assert "Maine" in page and "MD-004321" in page
    make_batch(admin_client, "accme-excel")
    batch = db.session.scalar(select(ReportBatch).where(ReportBatch.layout == "accme-excel"))
    assert batch.row_count == 1 and batch.filename.endswith(f"-batch-{batch.id}.xlsx")
    items = db.session.scalars(select(ReportBatchItem).where(ReportBatchItem.batch_id == batch.id))
    claims = {db.session.get(CreditClaim, i.claim_id).credit_type for i in items}
    assert claims == {"ama-pra-1", "abp-moc-2"}

    first = admin_client.get(f"/admin/reporting/batches/{batch.id}.txt")
    assert first.status_code == 200 and first.mimetype == XLSX
    assert f'filename="{batch.filename}"' in first.headers["Content-Disposition"]
    assert hashlib.sha256(first.data).hexdigest() == batch.sha256
    sheet = sheet_of(first.data)
    assert [c.value for c in sheet[2]] == EXCEL_COLUMNS
    row = [c.value for c in sheet[3]]
    assert row[0:2] == ["Add", "900000001"] and isinstance(row[2], datetime)
    assert row[3:12] == ["Dana", "Doctor", "03/07", "Maine", "MD-004321", 1, "ABP", "1234567", 1]
    assert sheet.max_row == 3

    # Nothing new: no second batch; later, the same file comes back byte for byte.
    assert "nothing new" in make_batch(admin_client, "accme-excel").data.decode()
    assert admin_client.get(f"/admin/reporting/batches/{batch.id}.txt").data == first.data
    # The text layouts keep their own record of what they reported.
    assert "Next batch: 1 record(s)" in admin_client.get("/admin/reporting").data.decode()


def test_withdrawn_consent_keeps_a_learner_out_of_the_workbook(
    app, publish, make_physician, admin_client
):
    publish()
    dana = claim_both(app, licensed(make_physician))
    claim_both(app, licensed(make_physician, name="Sky Pediatrician", abp_id="7654321"))
    dana.post("/account/board-reporting", data={"consent": "withdraw"})

    page = admin_client.get("/admin/reporting").data.decode()
    assert "Dana Doctor (" in page and "withdrew consent to report" in page
    make_batch(admin_client, "accme-excel")
    batch = db.session.scalar(select(ReportBatch).where(ReportBatch.layout == "accme-excel"))
    sheet = sheet_of(batch.data)
    assert sheet.max_row == 3 and sheet["E3"].value == "Pediatrician"
    assert b"Doctor" not in batch.data


def test_cme_without_licensure_is_listed_as_left_out(app, publish, make_user, admin_client):
    publish()
    physician = make_user(name="Dana Doctor", profession="physician", birth_month=3, birth_day=7)
    client = login(app, physician)
    complete(client, CME)
    assert client.post(f"/courses/{CME}/credit", data=AMA).status_code == 302
    page = admin_client.get("/admin/reporting").data.decode()
    assert "state of licensure or license number/NPI missing" in page
    assert "nothing new" in make_batch(admin_client, "accme-excel").data.decode()


def test_the_report_command_writes_the_workbook(app, publish, make_physician, runner, tmp_path):
    publish()
    claim_both(app, licensed(make_physician))
    out = tmp_path / "batch.xlsx"
    result = runner.invoke(args=["cme", "report", "accme-excel", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == db.session.scalar(select(ReportBatch)).data
    assert sheet_of(out.read_bytes())["G3"].value == "Maine"
