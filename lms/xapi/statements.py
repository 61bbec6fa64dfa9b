"""xAPI 1.0.3 statements built from plain values: pure functions a test can call without an app.

Activity ids come from the configured base IRI and the slugs of courses, pages and webinars,
so they stay the same across versions, servers and the address a request came in on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

ADL = "http://adlnet.gov/expapi"
VERBS = {
    "experienced": f"{ADL}/verbs/experienced",
    "answered": f"{ADL}/verbs/answered",
    "passed": f"{ADL}/verbs/passed",
    "failed": f"{ADL}/verbs/failed",
    "completed": f"{ADL}/verbs/completed",
    "attended": f"{ADL}/verbs/attended",
    "earned": "http://id.tincanapi.com/verb/earned",
}
ACTIVITY_TYPES = {
    "course": f"{ADL}/activities/course",
    "lesson": f"{ADL}/activities/lesson",
    "assessment": f"{ADL}/activities/assessment",
    "question": f"{ADL}/activities/cmi.interaction",
    "meeting": f"{ADL}/activities/meeting",
}


@dataclass(frozen=True)
class Site:
    """What every statement from this site shares."""

    base_iri: str  # activity ids start here, e.g. "https://learn.example.org"
    home_page: str  # the accounts' homePage: the site's public address
    platform: str  # the site's name


def iri(site: Site, *parts: str) -> str:
    """Return the activity id under the base IRI for path `parts` (slugs)."""
    return "/".join([site.base_iri.rstrip("/"), *parts])


def course_iri(site: Site, course_slug: str) -> str:
    """Return a course's activity id."""
    return iri(site, "courses", course_slug)


def page_iri(site: Site, course_slug: str, page_slug: str) -> str:
    """Return a course page's activity id (a lesson or a quiz)."""
    return iri(site, "courses", course_slug, "pages", page_slug)


def webinar_iri(site: Site, webinar_slug: str) -> str:
    """Return a webinar's activity id."""
    return iri(site, "webinars", webinar_slug)


def extension(site: Site, name: str) -> str:
    """Return the IRI of one of this site's context extensions."""
    return iri(site, "xapi", "extensions", name)


def activity(activity_id: str, kind: str, name: str, language: str) -> dict[str, Any]:
    """Return an Activity object with its type and name in its language."""
    return {
        "objectType": "Activity",
        "id": activity_id,
        "definition": {"type": ACTIVITY_TYPES[kind], "name": {_tag(language): name}},
    }


def _tag(language: str) -> str:
    # xAPI language maps want RFC 5646 tags: "en-US" rather than "en_US".
    return language.replace("_", "-") or "en"


def actor(site: Site, opaque_id: str) -> dict[str, Any]:
    """Return the learner as an account on this site, named by an opaque id (never an email)."""
    return {"objectType": "Agent", "account": {"homePage": site.home_page, "name": opaque_id}}


@dataclass(frozen=True)
class Version:
    """The content version a statement is about, put in its context."""

    number: int
    content_hash: str


def context(
    site: Site,
    *,
    language: str,
    version: Version | None = None,
    parent: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a statement's context: platform, language, parent course and content version."""
    result: dict[str, Any] = {"platform": site.platform, "language": _tag(language)}
    if version is not None:
        result["revision"] = str(version.number)
        result["extensions"] = {
            extension(site, "course-version"): version.number,
            extension(site, "content-hash"): version.content_hash,
        }
    if parent is not None:
        result["contextActivities"] = {"parent": [parent]}
    return result


def statement(
    statement_id: str,
    who: dict[str, Any],
    verb: str,
    what: dict[str, Any],
    at: datetime,
    *,
    result: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a complete statement with its id and the moment it happened."""
    body: dict[str, Any] = {
        "id": statement_id,
        "actor": who,
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": what,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
    }
    if result is not None:
        body["result"] = result
    if context is not None:
        body["context"] = context
    return body


def score(percent: float, *, passed: bool | None) -> dict[str, Any]:
    """Return a result with a 0-100 score (and success when the attempt was graded to pass)."""
    result: dict[str, Any] = {
        "score": {"scaled": round(percent / 100, 4), "raw": percent, "min": 0, "max": 100},
        "completion": True,
    }
    if passed is not None:
        result["success"] = passed
    return result
