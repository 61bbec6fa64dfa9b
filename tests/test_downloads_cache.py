"""Downloads of personal data are never kept in a browser's or proxy's cache."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from tests.test_certificates import claim, complete


@pytest.fixture()
def certificate(client, auth, make_user, publish):
    publish()
    auth.login_as(make_user(profession="physician"))
    complete(client)
    claim(client)
    return db.session.scalar(select(Certificate))


def test_a_learners_certificate_and_transcripts_are_not_cached(client, certificate):
    for path in [
        f"/certificates/{certificate.public_id}.pdf",
        "/transcript.pdf",
        "/transcript.csv",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


@pytest.mark.parametrize(
    "path",
    [
        "/admin/exports/completions.csv",
        "/admin/exports/completions.xlsx",
        "/admin/exports/pars.csv",
    ],
)
def test_admin_exports_are_not_cached(client, auth, make_user, path):
    auth.login_as(make_user(role="admin"))
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    response.close()


def test_every_download_view_is_marked_as_personal_data(app):
    from lms.security import is_personal_data

    downloads = {
        "certificates.download",
        "certificates.transcript_pdf",
        "certificates.transcript_csv",
        "exports.download",
        "cme.download_batch",
        "cme.certificates_archive",
        "cme.external_certificate",
    }
    unmarked = {e for e in downloads if not is_personal_data(app.view_functions[e])}
    assert unmarked == set()
