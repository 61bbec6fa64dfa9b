"""A revoked certificate reads as revoked everywhere: exports, reports, the learner's own pages.

An admin revokes through the rendered form, choosing whether the learner may read the reason.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest
from sqlalchemy import select

from lms.admin import reports
from lms.certificates.models import Certificate
from lms.exports.rows import COLUMNS
from lms.extensions import db
from tests.exports.test_export_web import csv_rows, table
from tests.test_certificates import claim, complete
from tests.test_quizzes import CME

REASON = "Attendance at the live session could not be confirmed."


class FormParser(HTMLParser):
    """Collect a page's forms: action, what a browser would submit, and fields by label text."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._textarea: str | None = None
        self._label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a["action"], "fields": {}, "checkboxes": {}, "ids": {}})
            self.forms[-1]["labels"] = {}
            return
        if not self.forms:
            return
        form = self.forms[-1]
        if tag in ("input", "textarea") and a.get("name"):
            form["ids"][a.get("id")] = a["name"]
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                form["checkboxes"][a["name"]] = a.get("value") or "y"
                if "checked" in a:
                    form["fields"][a["name"]] = a.get("value") or "y"
            else:
                form["fields"][a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            form["fields"][self._textarea] = ""
        elif tag == "label":
            self._label = a.get("for")
            form["labels"][self._label] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "label":
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.forms[-1]["fields"][self._textarea] += data
        if self._label is not None:
            self.forms[-1]["labels"][self._label] += data


def revoke_through_the_page(client, public_id: str, reason: str, *, show: bool) -> None:
    """Fill the revoke form as rendered on the admin page, by its labels, and submit it."""
    parser = FormParser()
    parser.feed(client.get(f"/admin/certificates/{public_id}").data.decode())
    form = next(f for f in parser.forms if f["action"].endswith("/revoke"))
    named = {text.strip(): form["ids"][for_] for for_, text in form["labels"].items()}
    data = dict(form["fields"])
    data[named["Reason for revoking"]] = reason
    checkbox = named["Show this reason to the learner"]
    assert checkbox in form["checkboxes"] and checkbox not in data  # unticked by default
    if show:
        data[checkbox] = form["checkboxes"][checkbox]
    response = client.post(form["action"], data=data, csrf=False)
    assert response.status_code == 302


@pytest.fixture()
def revoked(client, auth, make_user, publish):
    """Two physicians claim; the admin revokes the first one's certificate. Return the people."""
    publish()
    dana = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(dana)
    complete(client)
    claim(client)
    auth.logout()
    pat = make_user(name="Pat Physician", profession="physician")
    auth.login_as(pat)
    complete(client)
    claim(client, amount="0.5")
    auth.logout()
    admin = make_user(role="admin")
    auth.login_as(admin)
    return {"dana": dana, "pat": pat, "admin": admin}


def certificate_of(user) -> Certificate:
    return db.session.scalar(select(Certificate).where(Certificate.user_id == user.id))


def test_exports_say_which_certificates_are_revoked(client, revoked):
    revoke_through_the_page(client, certificate_of(revoked["dana"]).public_id, REASON, show=False)
    rows = csv_rows(client.get("/admin/exports/completions.csv").data)
    assert "certificate_status" in rows[0]
    status = rows[0].index("certificate_status")
    by_name = {row[2]: row[status] for row in rows[1:]}
    assert by_name == {"Dana Doctor": "revoked", "Pat Physician": "valid"}
    # The screen shows the same rows as the download, status column included.
    assert table(client.get("/admin/exports").data.decode(), "completion-rows") == rows

    response = client.get("/admin/exports/completions.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    response.close()
    sheet = list(workbook.active.iter_rows(values_only=True))
    assert sheet[0] == COLUMNS
    assert {r[2]: r[status] for r in sheet[1:]} == by_name


def test_a_reissued_certificate_exports_its_valid_replacement(client, revoked):
    old = certificate_of(revoked["pat"])
    client.post(f"/admin/certificates/{old.public_id}/reissue", data={"reason": "Printing error"})
    rows = csv_rows(client.get("/admin/exports/completions.csv").data)
    header = rows[0]
    pat = next(r for r in rows[1:] if r[2] == "Pat Physician")
    assert pat[header.index("certificate_status")] == "valid"
    assert pat[header.index("certificate_id")] != old.public_id


def test_reports_count_only_valid_credit(client, revoked):
    revoke_through_the_page(client, certificate_of(revoked["dana"]).public_id, REASON, show=False)
    # A reissued certificate counts once, through its valid replacement.
    old = certificate_of(revoked["pat"])
    client.post(f"/admin/certificates/{old.public_id}/reissue", data={"reason": "Printing error"})

    assert reports.totals().credits == (reports.CreditTotal("ama-pra-1", 1, Decimal("0.50")),)
    assert reports.totals(CME).credits == (reports.CreditTotal("ama-pra-1", 1, Decimal("0.50")),)
    (course,) = [row for row in reports.by_course() if row.slug == CME]
    assert course.credits == {"ama-pra-1": Decimal("0.50")}
    assert reports.monthly(months=1)[-1].credits == {"ama-pra-1": Decimal("0.50")}
    page = client.get("/admin/reports").data.decode()
    assert "0.75" not in re.sub(r"<[^>]+>", " ", page).replace("1.25", "")
    assert "1.25" not in page


def test_the_learner_reads_the_reason_when_the_admin_allows_it(client, auth, revoked):
    certificate = certificate_of(revoked["dana"])
    revoke_through_the_page(client, certificate.public_id, REASON, show=True)
    auth.logout()
    auth.login_as(revoked["dana"])
    page = client.get(f"/certificates/{certificate.public_id}").data.decode()
    notice = page.split('id="revoked-heading"', 1)[1]
    assert "revoked" in notice and REASON in notice
    assert 'href="/support"' in notice.split("</section>")[0]
    claim_page = client.get(f"/courses/{CME}/credit").data.decode()
    claims = claim_page.split('id="claimed-heading"', 1)[1].split("</section>")[0]
    assert "Revoked" in claims and certificate.public_id in claims


def test_the_reason_stays_private_unless_the_admin_allows_it(client, auth, revoked):
    certificate = certificate_of(revoked["dana"])
    revoke_through_the_page(client, certificate.public_id, REASON, show=False)
    assert certificate.revoked_reason == REASON  # kept for admins and the audit log
    auth.logout()
    auth.login_as(revoked["dana"])
    page = client.get(f"/certificates/{certificate.public_id}").data.decode()
    notice = page.split('id="revoked-heading"', 1)[1].split("</section>")[0]
    assert "revoked" in notice and REASON not in page
    assert 'href="/support"' in notice


def test_valid_certificates_show_no_revocation_notice(client, auth, revoked):
    auth.logout()
    auth.login_as(revoked["pat"])
    page = client.get(f"/certificates/{certificate_of(revoked['pat']).public_id}").data.decode()
    assert 'id="revoked-heading"' not in page
    claim_page = client.get(f"/courses/{CME}/credit").data.decode()
    assert "Revoked" not in claim_page
