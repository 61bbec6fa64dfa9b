"""Newsletter issues tell subscribers about new webinars and family resources in their language."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.database import utcnow
from lms.extensions import db
from lms.newsletter import services
from lms.webinars.services import publish_webinars

BASE = "https://learn.example.org"


@pytest.fixture
def app_config(app_config):
    app_config.update({"BASE_URL": BASE})
    return app_config


def publish_samples(app, publish_library) -> None:
    """Publish the sample webinars and the family resources library, as the start script does."""
    publish_webinars(
        Path(app.config["WEBINARS_DIR"]), provider_name=app.config["PROVIDER_NAME"], now=utcnow()
    )
    db.session.commit()
    publish_library()


def items_of(issue, language: str, kind: str) -> list[dict]:
    return [item for item in issue.content[language]["items"] if item["kind"] == kind]


def test_an_issue_announces_the_upcoming_webinars_in_each_readers_language(app, publish_library):
    publish_samples(app, publish_library)
    issue = services.draft_issue(utcnow())
    db.session.commit()

    english = items_of(issue, "en", "webinars")
    spanish = items_of(issue, "es", "webinars")
    assert {item["title"] for item in english} >= {
        "Building Trust Through Trauma-Informed Care",
    }
    assert len(spanish) == len(english) == 2
    assert not {item["title"] for item in spanish} & {item["title"] for item in english}
    assert all(item["url"].startswith(f"{BASE}/webinars/") for item in english + spanish)


def test_an_issue_lists_each_new_family_resource_once_in_the_readers_language(app, publish_library):
    publish_samples(app, publish_library)
    issue = services.draft_issue(utcnow())
    db.session.commit()

    english = items_of(issue, "en", "resources")
    spanish = items_of(issue, "es", "resources")
    assert len(english) == len(spanish) == 6
    assert all(item["url"].startswith(f"{BASE}/resources/") for item in english)
    assert all(item["url"].endswith("/en") for item in english)
    assert all(item["url"].endswith("/es") for item in spanish)
