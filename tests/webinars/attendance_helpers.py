"""A published webinar and its registrants, for the attendance and credit scenarios."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from lms.accounts.models import User
from lms.extensions import db
from lms.webinars.models import Webinar, WebinarRegistration

# "Building Trust Through Trauma-Informed Care", July 15, 11:00 am - 12:00 pm CT (CDT, UTC-5).
STARTS = datetime(2026, 7, 15, 16, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=1)
CODE = "TRUST-42"


def make_webinar(**fields: object) -> Webinar:
    """Add a published one-hour webinar offering 1.0 AMA PRA Category 1 Credit."""
    values: dict[str, object] = {
        "slug": "building-trust",
        "title": "Building Trust Through Trauma-Informed Care",
        "summary": "How trust is built in pediatric care.",
        "language": "en",
        "starts_at": STARTS,
        "ends_at": ENDS,
        "timezone": "America/Chicago",
        "capacity": None,
        "join_url": "https://zoom.example.org/j/81234567890",
        "course_slug": None,
        "attendance_code": CODE,
        "status": "scheduled",
        "body_html": "<p>About the session.</p>",
        "meta": {
            "credits": [{"type": "ama-pra-1", "max": "1.0"}],
            "accreditation": "The Example Pediatric Education Institute is accredited by the "
            "ACCME to provide continuing medical education for physicians.",
            "designation": "The Example Pediatric Education Institute designates this live "
            "activity for a maximum of 1.0 AMA PRA Category 1 Credit™.",
        },
        "source_path": "webinars/building-trust.md",
    }
    values.update(fields)
    webinar = Webinar(**values)
    db.session.add(webinar)
    db.session.commit()
    return webinar


def register(webinar: Webinar, user: User, status: str = "registered") -> WebinarRegistration:
    """Register `user` for `webinar` (or put them on its waiting list)."""
    registration = WebinarRegistration(webinar_id=webinar.id, user_id=user.id, status=status)
    db.session.add(registration)
    db.session.commit()
    return registration


def csrf_of(html: str) -> str:
    """Return the CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    if match is None:
        raise AssertionError("no CSRF token on the page")
    return match.group(1)


def field_names(html: str) -> set[str]:
    """Return the names of the form fields on a page."""
    return set(re.findall(r'name="([^"]+)"', html))
