"""Export rows read straight from the database: batches, query counts, filters, certificates.

Rows here are inserted as model rows (not through the web flow) so that thousands of them, and
exact completion times, cost milliseconds.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import insert, select

from lms.accounts.models import User
from lms.certificates.models import Certificate, Completion, CreditClaim
from lms.certificates.services import new_public_id
from lms.courses.models import Course, CourseVersion
from lms.exports import services
from lms.exports.rows import (
    COLUMNS,
    SKIP_NO_CONSENT,
    SKIP_REVOKED,
    CompletionRow,
    ExportFilters,
    SkippedLearner,
)
from lms.extensions import db
from lms.organizations.models import Membership, Organization
from lms.progress.models import Enrolment

CME = "tic-pediatric-essentials"
FRONT_DESK = "trauma-informed-front-desk"
T0 = datetime(2025, 1, 1, tzinfo=UTC)
RISKY = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTab", "\rCR"]


def current_version(slug: str) -> CourseVersion:
    return db.session.scalar(select(Course).where(Course.slug == slug)).current_version


def add_completion(
    user: User,
    slug: str = CME,
    *,
    completed_at: datetime = T0,
    quiz_score: Decimal | None = Decimal("90.00"),
    claims: tuple[tuple[str, str], ...] = (),
    consent: bool = True,
) -> Completion:
    """Insert an enrolment, a completion, and claims each with a valid certificate."""
    version = current_version(slug)
    enrolment = Enrolment(
        user_id=user.id,
        course_id=version.course_id,
        version_id=version.id,
        enrolled_at=completed_at - timedelta(days=2),
    )
    db.session.add(enrolment)
    db.session.flush()
    completion = Completion(
        user_id=user.id,
        course_id=version.course_id,
        version_id=version.id,
        enrolment_id=enrolment.id,
        completed_at=completed_at,
        quiz_score=quiz_score,
    )
    db.session.add(completion)
    db.session.flush()
    for credit_type, amount in claims:
        claim = CreditClaim(
            completion_id=completion.id,
            user_id=user.id,
            version_id=version.id,
            credit_type=credit_type,
            amount=Decimal(amount),
            claimed_at=completed_at,
            attested=True,
            consent_to_report=consent,
        )
        db.session.add(claim)
        db.session.flush()
        db.session.add(certificate_for(claim, version, completed_at))
    db.session.commit()
    return completion


def certificate_for(claim: CreditClaim, version: CourseVersion, at: datetime) -> Certificate:
    return Certificate(
        public_id=new_public_id(),
        claim_id=claim.id,
        user_id=claim.user_id,
        issued_at=at,
        holder_name="Holder",
        course_slug="slug",
        course_title=version.title,
        version_number=version.number,
        completion_date=at.date(),
        credit_type=claim.credit_type,
        amount=claim.amount,
        provider_name="Provider",
    )


def join(user: User, name: str) -> None:
    organization = db.session.scalar(select(Organization).where(Organization.name == name))
    if organization is None:
        organization = Organization(name=name)
        db.session.add(organization)
        db.session.flush()
    db.session.add(Membership(organization_id=organization.id, user_id=user.id))
    db.session.commit()


def insert_bulk(completions: int, slug: str = CME) -> int:
    """Insert `completions` learners with one completion each, half with three claims.

    Returns the number of export rows: one per completion without claims, one per claim.
    """
    version = current_version(slug)
    db.session.execute(insert(Organization), [{"name": "Bulk Clinic", "created_at": T0}])
    org_id = db.session.scalar(select(Organization.id).where(Organization.name == "Bulk Clinic"))
    db.session.execute(
        insert(User),
        [
            {
                "email": f"bulk{i}@example.org",
                "full_name": f"Bulk Learner {i}",
                "password_hash": "-",
                "profession": "physician",
                "role": "learner",
                "active": True,
                "session_token": f"bulk-session-{i}",
                "created_at": T0,
            }
            for i in range(completions)
        ],
    )
    user_ids = db.session.scalars(
        select(User.id).where(User.email.like("bulk%")).order_by(User.id)
    ).all()
    db.session.execute(
        insert(Membership),
        [
            {"organization_id": org_id, "user_id": u, "role": "member", "joined_at": T0}
            for u in user_ids[::2]
        ],
    )
    db.session.execute(
        insert(Enrolment),
        [
            {
                "user_id": u,
                "course_id": version.course_id,
                "version_id": version.id,
                "enrolled_at": T0,
            }
            for u in user_ids
        ],
    )
    enrolments = dict(
        db.session.execute(
            select(Enrolment.user_id, Enrolment.id).where(Enrolment.user_id.in_(user_ids))
        ).all()
    )
    db.session.execute(
        insert(Completion),
        [
            {
                "user_id": u,
                "course_id": version.course_id,
                "version_id": version.id,
                "enrolment_id": enrolments[u],
                "completed_at": T0 + timedelta(minutes=i),
                "quiz_score": Decimal("80.00"),
            }
            for i, u in enumerate(user_ids)
        ],
    )
    completion_ids = db.session.execute(
        select(Completion.id, Completion.user_id).where(Completion.user_id.in_(user_ids))
    ).all()
    claimed = [(c, u) for c, u in completion_ids if c % 2]
    db.session.execute(
        insert(CreditClaim),
        [
            {
                "completion_id": c,
                "user_id": u,
                "version_id": version.id,
                "credit_type": credit_type,
                "amount": Decimal("0.75"),
                "claimed_at": T0,
                "attested": True,
                "consent_to_report": True,
            }
            for c, u in claimed
            for credit_type in ("ama-pra-1", "abp-moc-2", "participation")
        ],
    )
    db.session.commit()
    return len(completion_ids) - len(claimed) + 3 * len(claimed)


def exported(filters: ExportFilters | None = None, **kwargs: int) -> list[CompletionRow]:
    return list(services.iter_completion_rows(filters or ExportFilters(), **kwargs))


@pytest.fixture()
def courses(publish):
    publish()


# --- streaming ------------------------------------------------------------------------------


def test_2500_rows_take_two_queries_per_batch_not_per_row(courses, count_queries):
    rows = insert_bulk(1250)
    assert rows == 2500
    with count_queries() as statements:
        assert len(exported()) == 2500
    # Two batches of up to 1,000 completions, each one query for rows and one for organisations.
    assert len(statements) == 4
    with count_queries() as statements:
        assert len(exported(batch=100)) == 2500
    assert len(statements) <= 2 * 13 + 1
    with count_queries() as statements:
        assert services.count_rows(ExportFilters()) == 2500
    assert len(statements) == 1


def test_batches_never_split_a_completions_claims(courses):
    insert_bulk(60)
    everything = exported()
    for batch in (1, 2, 7, 59, 60, 61):
        assert exported(batch=batch) == everything
    # Claims of one completion come out together, in claim order.
    learners = [row.learner_id for row in everything]
    assert learners == sorted(learners)


def test_rows_carry_organisations_and_the_bulk_claims(courses):
    insert_bulk(4)
    rows = exported()
    assert len(rows) == 2 * 1 + 2 * 3
    assert {row.organization for row in rows} == {"Bulk Clinic", ""}
    assert {row.credit_type for row in rows} == {None, "ama-pra-1", "abp-moc-2", "participation"}
    assert all(row.started_at == T0 and row.completed_at.tzinfo is not None for row in rows)


def test_a_bad_batch_size_is_refused(app):
    with pytest.raises(ValueError, match="batch"):
        exported(batch=0)


# --- filters --------------------------------------------------------------------------------


def test_date_filters_include_whole_utc_days_at_both_ends(courses, make_user):
    times = [
        datetime(2025, 1, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2025, 2, 1, 0, 0, tzinfo=UTC),
        datetime(2025, 2, 28, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2025, 3, 1, 0, 0, tzinfo=UTC),
    ]
    for at in times:
        add_completion(make_user(), completed_at=at)
    february = ExportFilters(since=date(2025, 2, 1), until=date(2025, 2, 28))
    assert [row.completed_at for row in exported(february)] == times[1:3]
    assert services.count_rows(february) == 2
    assert [r.completed_at for r in exported(ExportFilters(since=date(2025, 3, 1)))] == times[3:]
    assert [r.completed_at for r in exported(ExportFilters(until=date(2025, 1, 31)))] == times[:1]
    one_day = ExportFilters(since=date(2025, 2, 1), until=date(2025, 2, 1))
    assert [row.completed_at for row in exported(one_day)] == times[1:2]


def test_course_and_organisation_filters(courses, make_user):
    alice, bob, carol = (make_user(name=n) for n in ("Alice A", "Bob B", "Carol C"))
    join(alice, "Zeta Clinic")
    join(alice, "Alpha Residency")
    join(bob, "Zeta Clinic")
    add_completion(alice, CME)
    add_completion(alice, FRONT_DESK)
    add_completion(bob, FRONT_DESK)
    add_completion(carol, CME)

    def names(filters: ExportFilters) -> list[tuple[str, str]]:
        return [(row.full_name, row.course_slug) for row in exported(filters)]

    assert names(ExportFilters(course_slug=CME)) == [("Alice A", CME), ("Carol C", CME)]
    assert names(ExportFilters(organization="Zeta Clinic")) == [
        ("Alice A", CME),
        ("Alice A", FRONT_DESK),
        ("Bob B", FRONT_DESK),
    ]
    both = ExportFilters(course_slug=FRONT_DESK, organization="Alpha Residency")
    assert names(both) == [("Alice A", FRONT_DESK)]
    assert services.count_rows(both) == 1
    # A learner in two organisations is exported once per row, with both names.
    assert (
        exported(ExportFilters(course_slug=CME))[0].organization == "Alpha Residency; Zeta Clinic"
    )


def test_unknown_course_or_organisation_is_named(courses):
    with pytest.raises(services.UnknownFilter, match="no-such-course"):
        services.check_filters(ExportFilters(course_slug="no-such-course"))
    with pytest.raises(services.UnknownFilter, match="Nowhere"):
        services.check_filters(ExportFilters(organization="Nowhere"))
    services.check_filters(ExportFilters(course_slug=CME))


# --- certificates and passing ---------------------------------------------------------------


def test_certificate_id_is_the_current_one_and_a_completion_without_claims_has_none(
    courses, make_user
):
    learner = make_user()
    completion = add_completion(learner, claims=(("ama-pra-1", "1"),))
    [claim] = completion.claims
    [old] = claim.certificates
    new = certificate_for(claim, completion.version, T0 + timedelta(days=1))
    db.session.add(new)
    db.session.flush()
    old.status, old.superseded_by_id = "superseded", new.id
    db.session.commit()
    add_completion(learner, FRONT_DESK, quiz_score=None)

    first, second = exported()
    assert first.certificate_id == new.public_id
    assert first.credits_claimed == Decimal("1.00") and first.passed is True
    assert (second.credit_type, second.credits_claimed, second.certificate_id) == (None, None, None)
    assert second.quiz_score is None and second.passed is None


def test_board_report_skips_revoked_and_unconsented_claims(courses, make_user):
    fields = {"abp_id": "123456", "birth_month": 7, "birth_day": 4}
    reported = make_user(name="Rae Ported", **fields)
    revoked = make_user(name="Rev Oked", **fields)
    silent = make_user(name="Sil Ent", **fields)
    add_completion(reported, claims=(("abp-moc-2", "1"), ("ama-pra-1", "1")))
    [claim] = add_completion(revoked, claims=(("abp-moc-2", "1"),)).claims
    claim.certificates[0].status = "revoked"
    db.session.commit()
    add_completion(silent, claims=(("abp-moc-2", "0.5"),), consent=False)

    export = services.iter_pars(ExportFilters())
    assert export.total == 1
    assert export.skipped == [
        SkippedLearner(revoked.id, "Rev Oked", SKIP_REVOKED, CME),
        SkippedLearner(silent.id, "Sil Ent", SKIP_NO_CONSENT, CME),
    ]
    [row] = list(export.rows)
    assert (row.first_name, row.last_name, row.board_id) == ("Rae", "Ported", "123456")
    report = services.pars_report(ExportFilters(), limit=0)
    assert (report.rows, report.total, report.skipped) == ([], 1, export.skipped)


# --- formula injection through the whole path ----------------------------------------------


def test_risky_names_are_neutralised_in_downloaded_csv_and_xlsx(courses, make_user, client, auth):
    for name in RISKY:
        add_completion(make_user(full_name=name), claims=(("participation", "1"),))
    auth.login_as(make_user(role="admin"))

    text = client.get("/admin/exports/completions.csv").data.decode()
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["full_name"] for row in rows] == ["'" + name for name in RISKY]

    response = client.get("/admin/exports/completions.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    response.close()
    column = COLUMNS.index("full_name") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, 2 + len(RISKY))]
    assert all(cell.data_type != "f" and cell.value.startswith("'") for cell in cells)
    assert [c.value.replace("_x000D_", "\r") for c in cells] == ["'" + n for n in RISKY]


def test_the_screen_shows_the_first_100_exported_rows_and_the_total(
    courses, client, auth, make_user
):
    total = insert_bulk(60)
    assert total == 120
    auth.login_as(make_user(role="admin"))
    html = client.get("/admin/exports").data.decode()
    assert "120 rows match these filters" in html
    assert "The first 100 of 120 rows, as exported" in html
    shown = html.split('id="completion-rows"', 1)[1].split("</table>", 1)[0]
    assert shown.count("<tr>") == 1 + 100
    text = client.get("/admin/exports/completions.csv").data.decode()
    emails = [row["email"] for row in csv.DictReader(io.StringIO(text, newline=""))]
    assert len(emails) == 120
    assert re.findall(r"bulk\d+@example\.org", shown) == emails[:100]
