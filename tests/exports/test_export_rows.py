"""Export rows and writers without a database: board-report rules, CSV, XLSX, injection."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest

from lms.exports import writers
from lms.exports.rows import (
    COLUMNS,
    PARS_COLUMNS,
    SKIP_NO_BIRTH_DATE,
    SKIP_NO_BOARD_ID,
    SKIP_NO_CONSENT,
    SKIP_REVOKED,
    CompletionRow,
    ExportFilters,
    MocClaim,
    ParsRow,
    SkippedLearner,
    organization_cell,
    pars_record,
    passed_for,
    split_name,
)
from lms.exports.writers import csv_chunks, pars_chunks, write_xlsx

RISKY = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTab", "\rCR"]
STARTED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
COMPLETED = datetime(2025, 3, 2, 23, 59, 59, tzinfo=UTC)


def a_row(**changes: object) -> CompletionRow:
    values: dict[str, object] = {
        "learner_id": 7,
        "email": "dana@example.org",
        "full_name": "Dana Doctor",
        "profession": "physician",
        "organization": "Alpha Clinic; Zeta Residency",
        "course_slug": "tic-pediatric-essentials",
        "course_title": "Trauma-Informed Care, Essentials",
        "course_version": 2,
        "started_at": STARTED,
        "completed_at": COMPLETED,
        "quiz_score": Decimal("87.50"),
        "passed": True,
        "credit_type": "ama-pra-1",
        "credits_claimed": Decimal("0.75"),
        "certificate_id": "K7M3-Q9XD-2FHP-V8RA",
        "certificate_status": "valid",
    }
    values.update(changes)
    return CompletionRow(**values)  # type: ignore[arg-type]


def moc(**changes: object) -> MocClaim:
    values: dict[str, object] = {
        "learner_id": 3,
        "full_name": "Ana María López",
        "board_id": "123456",
        "birth_month": 2,
        "birth_day": 29,
        "consent_to_report": True,
        "completed_at": datetime(2025, 5, 31, 23, 30, tzinfo=UTC),
        "course_slug": "tic-pediatric-essentials",
        "credit_type": "abp-moc-2",
        "amount": Decimal("1.00"),
    }
    values.update(changes)
    return MocClaim(**values)  # type: ignore[arg-type]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# --- rules ----------------------------------------------------------------------------------


def test_columns_are_the_issues_columns_in_order():
    issue = (
        "learner_id, email, full_name, profession, organization, course_slug, course_title, "
        "course_version, started_at, completed_at, quiz_score, passed, credit_type, "
        "credits_claimed, certificate_id"
    )
    # Issue 12 adds the version's provenance at the end.
    issue += ", content_hash, source_commit"
    # Issue 10 adds whether the certificate still stands.
    issue += ", certificate_status"
    assert COLUMNS == tuple(issue.split(", "))
    row = a_row()
    assert row.values() == tuple(getattr(row, name) for name in COLUMNS)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Dana Doctor", ("Dana", "Doctor")),
        ("Ana María López", ("Ana María", "López")),
        ("  Sam   de  Vries ", ("Sam de", "Vries")),
        ("Madonna", ("", "Madonna")),
        ("", ("", "")),
    ],
)
def test_names_split_at_the_last_word(name, expected):
    assert split_name(name) == expected


def test_a_consenting_learner_with_a_full_profile_is_reported():
    assert pars_record(moc()) == ParsRow(
        board_id="123456",
        first_name="Ana María",
        last_name="López",
        birth_month=2,
        birth_day=29,
        completion_date=date(2025, 5, 31),
        credit_type="abp-moc-2",
        amount=Decimal("1.00"),
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"consent_to_report": False}, SKIP_NO_CONSENT),
        # Consent is checked first: nothing else about the learner may be looked at.
        ({"consent_to_report": False, "board_id": None}, SKIP_NO_CONSENT),
        ({"board_id": None}, SKIP_NO_BOARD_ID),
        ({"board_id": "   "}, SKIP_NO_BOARD_ID),
        ({"birth_month": None}, SKIP_NO_BIRTH_DATE),
        ({"birth_day": None}, SKIP_NO_BIRTH_DATE),
        ({"certificate_revoked": True}, SKIP_REVOKED),
    ],
)
def test_claims_that_cannot_be_reported_are_skipped_with_a_reason(changes, reason):
    assert pars_record(moc(**changes)) == SkippedLearner(
        3, "Ana María López", reason, "tic-pediatric-essentials"
    )


def test_skip_reasons_read_as_the_issue_asks():
    assert SKIP_NO_CONSENT == "did not consent to report"
    assert SKIP_NO_BOARD_ID == "no ABP ID in profile"
    assert SKIP_NO_BIRTH_DATE == "birth month/day missing"


def test_date_filters_include_both_days_in_utc():
    filters = ExportFilters(since=date(2025, 1, 1), until=date(2025, 1, 31))
    assert filters.starts_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert filters.ends_before == datetime(2025, 2, 1, tzinfo=UTC)
    assert ExportFilters().starts_at is None and ExportFilters().ends_before is None
    assert filters.to_dict() == {
        "course": None,
        "organization": None,
        "since": "2025-01-01",
        "until": "2025-01-31",
    }


def test_passed_is_empty_rather_than_false_without_a_quiz_score():
    assert passed_for(Decimal("80")) is True
    assert passed_for(None) is None


def test_organizations_are_sorted_and_joined():
    assert organization_cell(["Zeta", "Alpha", "Zeta"]) == "Alpha; Zeta"
    assert organization_cell([]) == ""


# --- CSV ------------------------------------------------------------------------------------


def test_csv_has_the_header_then_iso_utc_times_and_plain_numbers():
    rows = csv_rows("".join(csv_chunks([a_row(), a_row(credit_type=None, credits_claimed=None)])))
    assert rows[0] == list(COLUMNS)
    assert rows[1] == [
        "7",
        "dana@example.org",
        "Dana Doctor",
        "physician",
        "Alpha Clinic; Zeta Residency",
        "tic-pediatric-essentials",
        "Trauma-Informed Care, Essentials",
        "2",
        "2025-03-01T09:30:00Z",
        "2025-03-02T23:59:59Z",
        "87.50",
        "true",
        "ama-pra-1",
        "0.75",
        "K7M3-Q9XD-2FHP-V8RA",
        "",
        "",
        "valid",
    ]
    assert rows[2][12:14] == ["", ""]


def test_csv_of_no_rows_is_the_header_alone():
    assert csv_rows("".join(csv_chunks([]))) == [list(COLUMNS)]


def test_csv_comes_in_chunks_header_first(monkeypatch):
    monkeypatch.setattr(writers, "CHUNK_ROWS", 2)
    chunks = list(csv_chunks([a_row()] * 5))
    assert len(chunks) == 4  # header, 2, 2, 1
    assert csv_rows(chunks[0]) == [list(COLUMNS)]


@pytest.mark.parametrize("risky", RISKY)
def test_csv_cells_never_start_a_formula(risky):
    row = a_row(full_name=risky, email=risky, organization=risky, course_title=risky)
    [_, cells] = csv_rows("".join(csv_chunks([row])))
    for index in (1, 2, 4, 6):
        assert cells[index] == "'" + risky


def test_csv_round_trips_awkward_text():
    name = 'Zoë "Z" O\'Brien, Jr.\nsecond line; Łukasiewicz'
    [_, cells] = csv_rows("".join(csv_chunks([a_row(full_name=name)])))
    assert cells[2] == name


def test_pars_csv_has_its_own_header():
    text = "".join(pars_chunks([pars_record(moc())]))  # type: ignore[list-item]
    rows = csv_rows(text)
    assert rows[0] == list(PARS_COLUMNS)
    header = "board_id,first_name,last_name,birth_month,birth_day,completion_date,credit_type"
    assert rows[0] == [*header.split(","), "credits"]
    assert rows[1] == ["123456", "Ana María", "López", "2", "29", "2025-05-31", "abp-moc-2", "1.00"]


# --- XLSX -----------------------------------------------------------------------------------


def test_xlsx_has_typed_cells(tmp_path):
    path = tmp_path / "out.xlsx"
    assert (
        write_xlsx(
            [
                a_row(),
                a_row(
                    quiz_score=None,
                    passed=None,
                    credit_type=None,
                    credits_claimed=None,
                    certificate_id=None,
                ),
            ],
            path,
        )
        == 2
    )
    sheet = openpyxl.load_workbook(path).active
    header, first, second = list(sheet.iter_rows(values_only=True))
    assert header == COLUMNS
    assert first[0] == 7 and isinstance(first[0], int)
    assert first[7] == 2 and isinstance(first[7], int)
    assert first[10] == 87.5 and first[13] == 0.75
    assert first[11] is True
    assert first[8] == "2025-03-01T09:30:00Z" and first[9] == "2025-03-02T23:59:59Z"
    assert second[10:15] == (None, None, None, None, None)


@pytest.mark.parametrize("risky", RISKY)
def test_xlsx_cells_are_text_never_formulas(tmp_path, risky):
    path = tmp_path / "out.xlsx"
    write_xlsx([a_row(full_name=risky, email=risky, organization=risky)], path)
    sheet = openpyxl.load_workbook(path).active
    for column in ("B", "C", "E"):
        cell = sheet[f"{column}2"]
        assert cell.data_type != "f"
        assert cell.value.startswith("'")
        # XlsxWriter stores a CR as the OOXML escape _x000D_, which Excel reads back as a CR
        # and openpyxl leaves as it is.
        assert cell.value[1:] in (risky, risky.replace("\r", "_x000D_"))


def test_xlsx_refuses_more_rows_than_a_sheet_holds(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 2)
    with pytest.raises(writers.ExportTooLarge, match="at most 2 rows"):
        write_xlsx([a_row()] * 3, tmp_path / "out.xlsx")
