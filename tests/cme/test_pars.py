"""PARS learner files and the pure rules behind board reporting (no database, no app)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from lms.cme import pars, rules

GOLDEN = Path(__file__).parent / "golden"

# The column lists as docs/cme.md writes them down, in order. They are this project's reading
# of ACCME's data elements: the templates' own field lists could not be read (docs/cme.md,
# section 4). If the published template differs, correct LAYOUTS in lms/cme/pars.py, this
# list, docs/cme.md and the golden files.
ABP_COLUMNS = (
    "Activity ID",
    "First Name",
    "Last Name",
    "DOB (MM/DD)",
    "Certifying Board",
    "Board ID",
    "Completion Date (MM/DD/YYYY)",
    "MOC Points",
)
AMA_COLUMNS = (
    "Activity ID",
    "First Name",
    "Last Name",
    "DOB (MM/DD)",
    "NPI",
    "Completion Date (MM/DD/YYYY)",
    "CME Credits",
)


def claim(**changes: object) -> pars.ReportableClaim:
    values: dict[str, object] = {
        "claim_id": 1,
        "learner_id": 7,
        "full_name": "Ana María López",
        "board_id": "1234567",
        "npi": "1234567890",
        "birth_month": 3,
        "birth_day": 7,
        "consent_to_report": True,
        "consent_withdrawn": False,
        "completed_at": datetime(2026, 1, 31, 23, 30, tzinfo=UTC),
        "course_slug": "tic-pediatric-essentials",
        "activity_id": "900000001",
        "amount": Decimal("0.75"),
    }
    values.update(changes)
    return pars.ReportableClaim(**values)  # type: ignore[arg-type]


def test_the_layouts_have_the_documented_columns_in_order():
    assert pars.LAYOUTS["abp-moc"].headers == ABP_COLUMNS
    assert pars.LAYOUTS["ama-cme"].headers == AMA_COLUMNS
    assert pars.LAYOUTS["abp-moc"].credit_types == ("abp-moc-2",)
    assert pars.LAYOUTS["ama-cme"].credit_types == ("ama-pra-1",)


def test_the_abp_file_matches_the_golden_file_byte_for_byte():
    layout = pars.LAYOUTS["abp-moc"]
    rows = [
        pars.row_values(claim(), layout),
        pars.row_values(
            claim(
                full_name="Cher",
                board_id=" 7654321 ",
                birth_month=12,
                birth_day=31,
                completed_at=datetime(2026, 12, 1, 8, tzinfo=UTC),
                amount=Decimal("1"),
            ),
            layout,
        ),
    ]
    assert all(len(row) == len(ABP_COLUMNS) for row in rows)
    assert pars.file_bytes(rows, layout) == (GOLDEN / "pars-abp-moc.txt").read_bytes()


def test_the_ama_file_matches_the_golden_file_byte_for_byte():
    layout = pars.LAYOUTS["ama-cme"]
    data = pars.file_bytes([pars.row_values(claim(), layout)], layout)
    assert data == (GOLDEN / "pars-ama-cme.txt").read_bytes()


def test_no_header_row_tabs_between_fields_and_crlf_line_ends():
    layout = pars.LAYOUTS["abp-moc"]
    text = pars.file_bytes([pars.row_values(claim(), layout)], layout).decode()
    assert not pars.INCLUDE_HEADER and "Activity ID" not in text
    assert text.endswith("\r\n") and text.count("\t") == len(ABP_COLUMNS) - 1


def test_a_tab_or_line_break_in_a_name_cannot_shift_the_columns():
    layout = pars.LAYOUTS["abp-moc"]
    row = pars.row_values(claim(full_name="Ana\tMaría\nLópez"), layout)
    assert row[1:3] == ("Ana María", "López")
    assert pars.row_values(claim(full_name="=cmd López"), layout)[1] == "'=cmd"


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [("0.75", "0.75"), ("1", "1.00"), ("0.8", "0.75"), ("0.875", "1.00"), ("12.1", "12.00")],
)
def test_credits_are_rounded_to_the_quarter(amount, rounded):
    assert f"{pars.round_credit(Decimal(amount), Decimal('0.25')):f}" == rounded


def test_dates_are_written_month_first():
    assert pars.us_date(date(2026, 3, 4)) == "03/04/2026"
    assert pars.month_day(2, 29) == "02/29" and pars.month_day(None, 3) == ""


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"consent_to_report": False}, pars.SKIP_NO_CONSENT),
        ({"consent_withdrawn": True}, pars.SKIP_CONSENT_WITHDRAWN),
        ({"activity_id": None}, pars.SKIP_NO_ACTIVITY_ID),
        ({"board_id": "  "}, pars.SKIP_NO_BOARD_ID),
        ({"birth_day": None}, pars.SKIP_NO_BIRTH_DATE),
        ({"certificate_revoked": True}, pars.SKIP_REVOKED),
        ({}, None),
    ],
)
def test_why_a_claim_is_left_out(changes, reason):
    assert pars.skip_reason(claim(**changes), pars.LAYOUTS["abp-moc"]) == reason


def test_the_state_board_file_needs_no_abp_id():
    assert pars.skip_reason(claim(board_id=None), pars.LAYOUTS["ama-cme"]) is None


# --- rules ----------------------------------------------------------------------------------


def test_moc_at_most_once_per_day_per_activity():
    day = date(2026, 5, 1)
    assert rules.moc_once_per_day_problem(set(), day) is None
    assert rules.moc_once_per_day_problem({date(2026, 4, 30)}, day) is None
    assert rules.moc_once_per_day_problem({day}, day) == rules.MSG_MOC_ONCE_PER_DAY


@pytest.mark.parametrize(
    ("completed", "deadline"),
    [
        (date(2026, 3, 1), date(2026, 3, 31)),  # 30 days
        (date(2026, 11, 15), date(2026, 12, 1)),  # December 1 comes first
        (date(2026, 12, 1), date(2026, 12, 1)),
        (date(2026, 12, 10), date(2027, 1, 9)),  # after December 1: 30 days
    ],
)
def test_the_reporting_deadline(completed, deadline):
    assert rules.report_deadline(completed) == deadline


def test_due_warnings_list_overdue_then_due_within_a_week_only():
    today = date(2026, 6, 30)
    unreported = [
        (1, "Soon", "c", date(2026, 6, 5)),  # deadline 07-05: 5 days left
        (2, "Late", "c", date(2026, 5, 1)),  # deadline 05-31: overdue
        (3, "Fresh", "c", date(2026, 6, 29)),  # deadline 07-29: not yet
    ]
    due = rules.due_warnings(unreported, today)
    assert [(d.full_name, d.overdue) for d in due] == [("Late", True), ("Soon", False)]


def test_credit_steps_follow_the_course_rules():
    steps = rules.credit_steps(
        rules.CreditRules(
            lessons=5,
            post_tests=(("Post-test", 80, 3),),
            has_evaluation=True,
            required_questions=3,
            credits=(("ama-pra-1", Decimal("1")),),
        )
    )
    assert steps == [
        "Read all 5 required lessons.",
        "Pass the Post-test with a score of 80% or higher. You have up to 3 attempts.",
        "Submit the course evaluation, answering the questions marked required.",
        "Claim your credit on the course's Credit and certificate page, only for the time you "
        "spent. Your certificate is ready as soon as you claim.",
    ]
    unlimited = rules.credit_steps(rules.CreditRules(1, (("Check", 70, None),), False, 0, ()))
    assert unlimited == [
        "Read the lesson.",
        "Pass the Check with a score of 70% or higher. You can take it as many times as you need.",
    ]
