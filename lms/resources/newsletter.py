"""New and updated family resources as news for newsletter issues (a newsletter source)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from lms.extensions import db
from lms.links import external_url
from lms.newsletter import sources
from lms.resources.models import FamilyResource


def new_resources(since: datetime, language: str) -> list[sources.Item]:
    """Return resources published since `since`, each in `language` when it has that edition."""
    rows = db.session.scalars(
        select(FamilyResource)
        .where(FamilyResource.published_at > since)
        .order_by(FamilyResource.published_at, FamilyResource.slug, FamilyResource.id)
    )
    chosen: dict[str, FamilyResource] = {}
    for row in rows:
        # One item per resource: the reader's edition when there is one, else the first seen.
        if row.slug not in chosen or row.language == language:
            chosen[row.slug] = row
    return [
        sources.Item(
            kind="resources",
            title=row.title,
            summary=row.summary,
            url=external_url("resources.edition", slug=row.slug, language=row.language),
        )
        for row in chosen.values()
    ]


sources.register("resources", new_resources)
