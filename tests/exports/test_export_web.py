"""Administrators see completions on screen and download them; learners do it for real first.

Completions, claims and certificates here are made through the app (`complete`, `claim`), so
the export is checked against what the product actually records.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import openpyxl
import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate, Completion, CreditClaim
from lms.exports.rows import COLUMNS, PARS_COLUMNS, SKIP_NO_BOARD_ID
from lms.extensions import db
from lms.organizations.models import Membership, Organization
from tests.conftest import has_inline_script
from tests.test_certificates import claim, complete
from tests.test_quizzes import CME, FRONT_DESK

PAGES = [
    "/admin/exports",
    "/admin/exports/pars",
    "/admin/exports/completions.csv",
    "/admin/exports/completions.xlsx",
    "/admin/exports/pars.csv",
]
MOC = {"credit_type": "abp-moc-2", "amount": "1", "consent": "y"}


class TableParser(HTMLParser):
    """Collect the header and body cells of the table with a given id."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.inside = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table(html: str, table_id: str) -> list[list[str]]:
    parser = TableParser(table_id)
    parser.feed(html)
    return parser.rows


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def member(user, *names: str) -> None:
    for name in names:
        organization = Organization(name=name)
        db.session.add(organization)
        db.session.flush()
        db.session.add(Membership(organization_id=organization.id, user_id=user.id))
    db.session.commit()


@pytest.fixture()
def records(client, auth, make_user, publish):
    """Three learners' real records, then an admin signed in; return the people."""
    publish()
    dana = make_user(
        "dana@example.org",
        name="Dana Doctor",
        profession="physician",
        abp_id="123456",
        birth_month=2,
        birth_day=29,
    )
    member(dana, "Zeta Clinic", "Alpha Residency")
    auth.login_as(dana)
    complete(client)
    assert claim(client, amount="0.75").status_code == 302
    assert claim(client, **MOC).status_code == 302
    auth.logout()

    sky = make_user("sky@example.org", name="Sky Staff", profession="clinic-staff")
    auth.login_as(sky)
    complete(client, FRONT_DESK)
    auth.logout()

    pat = make_user(
        "pat@example.org",
        name="Pat Physician",
        profession="physician",
        abp_id="654321",
        birth_month=12,
        birth_day=1,
    )
    auth.login_as(pat)
    complete(client)
    assert claim(client, **MOC).status_code == 302
    auth.logout()
    pat.abp_id = None  # removed from the profile after the claim
    db.session.commit()

    admin = make_user(role="admin")
    auth.login_as(admin)
    return {"dana": dana, "sky": sky, "pat": pat, "admin": admin}


def iso(value: datetime) -> str:
    """Return ISO 8601 in UTC with a Z, written out independently of the exporter."""
    assert value.utcoffset() == timedelta(0)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def expected_row(user, credit_type: str | None) -> list[str]:
    completion = db.session.scalar(select(Completion).where(Completion.user_id == user.id))
    certificate_id, amount = "", ""
    if credit_type:
        claim_ = db.session.scalar(
            select(CreditClaim).where(
                CreditClaim.completion_id == completion.id, CreditClaim.credit_type == credit_type
            )
        )
        amount = format(claim_.amount, "f")
        certificate_id = db.session.scalar(
            select(Certificate.public_id).where(Certificate.claim_id == claim_.id)
        )
    return [
        str(user.id),
        user.email,
        user.full_name,
        user.profession,
        "; ".join(
            sorted(
                m.organization.name
                for m in db.session.scalars(select(Membership).where(Membership.user_id == user.id))
            )
        ),
        completion.course.slug,
        completion.version.title,
        str(completion.version.number),
        iso(completion.enrolment.enrolled_at),
        iso(completion.completed_at),
        format(completion.quiz_score, "f"),
        "true",
        credit_type or "",
        amount,
        certificate_id,
        completion.version.content_hash,
        completion.version.source_commit or "",
        "valid" if credit_type else "",
    ]


# --- formats --------------------------------------------------------------------------------


def test_csv_has_the_header_and_one_row_per_completion_and_claim(client, records):
    response = client.get("/admin/exports/completions.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response.data)
    assert rows[0] == list(COLUMNS)
    dana, sky, pat = records["dana"], records["sky"], records["pat"]
    assert rows[1:] == [
        expected_row(dana, "ama-pra-1"),
        expected_row(dana, "abp-moc-2"),
        expected_row(sky, None),
        expected_row(pat, "abp-moc-2"),
    ]
    assert rows[1][4] == "Alpha Residency; Zeta Clinic"
    assert rows[1][13] == "0.75" and rows[2][13] == "1.00" and rows[1][10] == "100.00"
    assert rows[1][9].endswith("Z") and rows[1][8] <= rows[1][9]


def test_csv_download_is_streamed(client, records):
    response = client.get("/admin/exports/completions.csv")
    assert response.is_streamed
    assert len(csv_rows(response.data)) == 5


def test_xlsx_opens_with_typed_cells_and_the_same_rows(client, records):
    csv_data = csv_rows(client.get("/admin/exports/completions.csv").data)
    response = client.get("/admin/exports/completions.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    response.close()
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    first = rows[1]
    assert isinstance(first[0], int) and first[0] == records["dana"].id
    assert isinstance(first[7], int) and first[7] == 1
    assert first[10] == 100.0 and first[13] == 0.75 and first[11] is True
    assert rows[3][12:15] == (None, None, None)
    # Same data as the CSV, cell for cell, once typed values are written as the CSV writes them.
    as_text = [
        ["" if v is None else "true" if v is True else str(v) for v in row] for row in rows[1:]
    ]
    for xlsx_row, csv_row in zip(as_text, csv_data[1:], strict=True):
        for index, (mine, theirs) in enumerate(zip(xlsx_row, csv_row, strict=True)):
            if COLUMNS[index] in ("quiz_score", "credits_claimed") and theirs:
                assert float(mine) == float(theirs)
            else:
                assert mine == theirs


def test_pars_reports_consenting_learners_and_lists_the_skipped(client, records):
    rows = csv_rows(client.get("/admin/exports/pars.csv").data)
    assert rows == [
        list(PARS_COLUMNS),
        ["123456", "Dana", "Doctor", "2", "29", rows[1][5], "abp-moc-2", "1.00"],
    ]
    dana_completion = db.session.scalar(
        select(Completion).where(Completion.user_id == records["dana"].id)
    )
    assert rows[1][5] == dana_completion.completed_at.date().isoformat()

    page = client.get("/admin/exports/pars").data.decode()
    assert table(page, "skipped-learners")[1:] == [
        [str(records["pat"].id), "Pat Physician", CME, SKIP_NO_BOARD_ID]
    ]
    assert table(page, "pars-rows") == rows


def test_a_learner_who_withdrew_consent_is_skipped(client, records):
    moc_claim = db.session.scalar(
        select(CreditClaim).where(
            CreditClaim.user_id == records["dana"].id, CreditClaim.credit_type == "abp-moc-2"
        )
    )
    moc_claim.consent_to_report = False
    db.session.commit()
    assert csv_rows(client.get("/admin/exports/pars.csv").data) == [list(PARS_COLUMNS)]
    page = client.get("/admin/exports/pars").data.decode()
    reasons = {row[1]: row[3] for row in table(page, "skipped-learners")[1:]}
    assert reasons == {
        "Dana Doctor": "did not consent to report",
        "Pat Physician": SKIP_NO_BOARD_ID,
    }


# --- the report screen is the export --------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["", f"?course={CME}", "?organization=Zeta+Clinic", f"?course={FRONT_DESK}"]
)
def test_the_screen_shows_exactly_the_exported_rows(client, records, query):
    page = client.get(f"/admin/exports{query}")
    assert page.status_code == 200
    html = page.data.decode()
    exported = csv_rows(client.get(f"/admin/exports/completions.csv{query}").data)
    assert table(html, "completion-rows") == exported
    assert f"{len(exported) - 1} row" in html


def test_course_filter_on_screen_and_in_downloads(client, records):
    rows = csv_rows(client.get(f"/admin/exports/completions.csv?course={FRONT_DESK}").data)
    assert [row[2] for row in rows[1:]] == ["Sky Staff"]
    html = client.get(f"/admin/exports?course={FRONT_DESK}").data.decode()
    # Download links carry the same filters as the screen.
    assert f"/admin/exports/completions.xlsx?course={FRONT_DESK}" in html
    assert f"/admin/exports/completions.csv?course={FRONT_DESK}" in html


def test_bad_filters_are_explained_not_exported(client, records):
    page = client.get("/admin/exports?since=31/01/2025&course=nope")
    html = page.data.decode()
    assert page.status_code == 200
    assert "Not a valid date value" in html and "Not a valid choice" in html
    assert 'id="completion-rows"' not in html
    response = client.get("/admin/exports/completions.csv?since=2025-02-01&until=2025-01-01")
    assert response.status_code == 400
    assert "on or after the first date" in response.data.decode()
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.completions"))
        is None
    )


def test_the_screen_is_labelled(client, records):
    html = client.get("/admin/exports").data.decode()
    for field in ("course", "organization", "since", "until"):
        assert f'<label for="{field}">' in html
    assert "<caption>" in html and not has_inline_script(html) and "style=" not in html


# --- who may export, and the audit log ------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["learner", "author"])
@pytest.mark.parametrize("url", PAGES)
def test_learners_and_authors_may_not_export(client, auth, make_user, url, role):
    auth.login_as(make_user(role=role))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_admins_may(client, auth, make_user, publish, url):
    publish()
    auth.login_as(make_user(role="admin"))
    response = client.get(url)
    assert response.status_code == 200
    response.close()


def test_every_download_is_in_the_audit_log_with_its_filters(client, records):
    admin = records["admin"]
    client.get(f"/admin/exports/completions.csv?course={CME}&since=2020-01-01").close()
    client.get("/admin/exports/completions.xlsx?organization=Zeta+Clinic").close()
    client.get("/admin/exports/pars.csv").close()
    client.get("/admin/exports")  # looking is not exporting
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export.completions").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.target_id, e.details["rows"]) for e in events] == [
        (admin.id, "csv", 3),
        (admin.id, "xlsx", 2),
        (admin.id, "pars", 1),
    ]
    assert events[0].details["filters"] == {
        "course": CME,
        "organization": None,
        "since": "2020-01-01",
        "until": None,
    }
    assert events[1].details["filters"]["organization"] == "Zeta Clinic"
    assert events[2].details["skipped"] == 1
    assert all(e.details["source"] == "web" for e in events)
