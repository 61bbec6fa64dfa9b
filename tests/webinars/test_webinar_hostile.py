"""Hostile values in the webinar pages' forms, query parameters and paths: never a 5xx."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms.extensions import db
from lms.webinars.models import WebinarRegistration
from tests.conftest import AuthActions
from tests.test_hostile_input import PATH_HOSTILE, Battery, Form, FormParser, encode

START = datetime(2027, 7, 15, 16, 0, tzinfo=UTC)


def test_no_hostile_value_on_a_webinar_page_is_a_server_error(app, make_webinar, make_user, clock):
    clock.set(START - timedelta(days=2))
    webinar = make_webinar()
    client = app.test_client()
    AuthActions(client).login_as(make_user())
    battery = Battery(app, client)
    for url in ("/webinars", f"/webinars/{webinar.slug}"):
        parser = FormParser(url)
        parser.feed(client.get(url).get_data(as_text=True))
        for form in parser.forms:
            if form.action.startswith("/webinars") or form.method == "get":
                battery.fuzz_form(form)
        battery.fuzz_query(url, {"tz"})
    for label, value in PATH_HOSTILE.items():
        body = encode([("csrf_token", client.csrf_token())])
        for suffix in ("", "/register", "/cancel"):
            method = "get" if not suffix else "post"
            url = f"/webinars/{encode([('', value)])[1:]}{suffix}"
            battery.check(method, url, body if method == "post" else None, f"slug={label}")
    battery.fuzz_form(Form(f"/webinars/{webinar.slug}/register", "post", {"extra": "1"}))
    assert not battery.failures, "\n".join(battery.failures[:40])


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus", "../../etc/passwd", "America/Chicago\x00", "x" * 300, "%ff"]
)
def test_an_unknown_zone_is_said_plainly_and_times_stay_in_the_events_zone(
    make_webinar, client, zone
):
    webinar = make_webinar()
    response = client.get(f"/webinars/{webinar.slug}", query_string={"tz": zone, "lang": "en"})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        page = response.get_data(as_text=True)
        assert "We do not know that time zone; choose one from the list." in page
        assert "CDT" in page


def test_the_profile_refuses_a_time_zone_that_is_not_one(client, auth, make_user):
    person = make_user()
    auth.login_as(person)
    page = client.get("/account?lang=en").get_data(as_text=True)
    assert 'name="timezone"' in page
    data = {
        "full_name": person.full_name,
        "profession": person.profession,
        "timezone": "Mars/Olympus",
    }
    response = client.post("/account?lang=en", data=data)
    assert response.status_code == 200
    assert "Choose a time zone from the list." in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.timezone is None
    data["timezone"] = "America/Los_Angeles"
    assert client.post("/account", data=data).status_code == 302
    db.session.refresh(person)
    assert person.timezone == "America/Los_Angeles"


def test_a_post_without_csrf_registers_nobody(make_webinar, client, auth, make_user):
    webinar = make_webinar()
    auth.login_as(make_user())
    response = client.post(f"/webinars/{webinar.slug}/register", csrf=False)
    assert response.status_code == 400
    assert db.session.query(WebinarRegistration).count() == 0
