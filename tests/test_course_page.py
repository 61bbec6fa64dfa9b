"""What the course page offers when a course cannot be started, at both of its ways in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.database import utcnow
from lms.dates import long_date, today
from lms.extensions import db
from tests.test_certificates import version_of
from tests.test_quizzes import CME


@pytest.mark.parametrize("closed", ["upcoming", "expired"])
def test_a_course_that_cannot_be_started_says_why_instead_of_offering_start(
    client, auth, make_user, publish, closed
):
    publish()
    version = version_of(CME)
    opens = today() + timedelta(days=3)
    if closed == "upcoming":
        version.release_date = opens
    else:
        version.expiration_date = today() - timedelta(days=1)
    db.session.commit()
    auth.login_as(make_user(profession="physician"))

    page = client.get(f"/courses/{CME}").data.decode()
    when = f'<time datetime="{opens.isoformat()}">{long_date(opens)}</time>'
    notice = {
        "upcoming": f"This course opens on {when}.",
        "expired": "This course has expired and is not open for new learners.",
    }[closed]
    assert page.count(notice) == 2  # in the summary and where Start would be
    assert "Read the disclosures and start" not in page
    assert "start the course</button>" not in page


def test_a_visitor_is_asked_to_sign_in_at_both_ways_in(client, publish):
    publish()
    page = client.get(f"/courses/{CME}").data.decode()
    assert page.count(">Sign in to start</a>") == 2


def test_a_withdrawn_course_is_gone_for_learners_who_never_started_it(
    client, auth, make_user, publish
):
    publish()
    version_of(CME).course.withdrawn_at = utcnow()
    db.session.commit()
    auth.login_as(make_user(profession="physician"))
    assert client.get(f"/courses/{CME}").status_code == 404
