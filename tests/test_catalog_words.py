"""What the catalog says: which credit a course offers, and only choices that do something."""

from __future__ import annotations

from tests.test_publishing import CME_TITLE, FRONT_DESK_TITLE


def card(page: str, title: str) -> str:
    start = page.index(title)
    return page[start : page.index("</li>", start)]


def test_catalog_cards_name_the_credit_and_the_time(client, publish):
    publish()
    page = client.get("/courses").data.decode()
    cme = card(page, CME_TITLE)
    assert "Credit: up to 1.0 AMA PRA Category 1 Credit™" in cme
    assert "ABP MOC Part 2 point" in cme and "Time: about" in cme
    assert "Credit offered" not in page
    assert "Credit: up to 1.0 hour of participation" in card(page, FRONT_DESK_TITLE)


def test_only_signed_in_learners_are_offered_every_audience(client, auth, make_user, publish):
    publish()
    assert "Show courses for every audience" not in client.get("/courses").data.decode()
    auth.login_as(make_user(profession="clinic-staff"))
    assert "Show courses for every audience" in client.get("/courses").data.decode()


def test_authors_see_on_a_card_when_a_course_not_yet_open_opens(client, auth, make_user, publish):
    from datetime import timedelta

    from lms.dates import long_date, today
    from lms.extensions import db
    from tests.test_certificates import version_of
    from tests.test_quizzes import CME

    publish()
    opens = today() + timedelta(days=10)
    version_of(CME).release_date = opens
    db.session.commit()
    auth.login_as(make_user(role="author"))
    cme = card(client.get("/courses").data.decode(), CME_TITLE)
    assert f'Opens <time datetime="{opens.isoformat()}">{long_date(opens)}</time>' in cme
