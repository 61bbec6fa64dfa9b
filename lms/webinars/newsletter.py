"""Upcoming webinars as news for newsletter issues (a `lms.newsletter.sources` source)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from lms.clock import now
from lms.extensions import db
from lms.links import external_url
from lms.newsletter import sources
from lms.webinars.emails import edition
from lms.webinars.models import Webinar, WebinarStatus


def upcoming_webinars(since: datetime, language: str) -> list[sources.Item]:
    """Return webinars announced since `since` that are still to come, in `language`."""
    webinars = db.session.scalars(
        select(Webinar)
        .where(Webinar.published_at > since)
        .where(Webinar.starts_at > now())
        .where(Webinar.status == WebinarStatus.SCHEDULED)
        .order_by(Webinar.starts_at, Webinar.id)
    )
    items = []
    for webinar in webinars:
        words = edition(webinar, language)
        items.append(
            sources.Item(
                kind="webinars",
                title=str(words["title"]),
                summary=str(words["summary"]),
                url=external_url("webinars.show", slug=webinar.slug, lang=language),
            )
        )
    return items


sources.register("webinars", upcoming_webinars)
