"""Publishing family resources, and finding them for the library's filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from lms.content.model import Diagnostic
from lms.content.resources import Resource, check_resources, resource_slugs
from lms.courses.models import MediaBlob
from lms.courses.services import media_url as course_media_url
from lms.database import utcnow
from lms.extensions import db
from lms.resources.models import FamilyResource, FamilyResourceTag


def resource_url(slug: str) -> str:
    """Return the address of a resource, which opens it in the reader's language."""
    return f"/resources/{slug}"


def _media_url(relpath: str, sha256: str) -> str:
    return course_media_url("", relpath, sha256)


@dataclass
class ResourcesReport:
    """What publishing did with the resources folder."""

    published: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def known_slugs(root: Path) -> set[str]:
    """Return the slugs a lesson's `resource:` links may name: every resource file's."""
    return resource_slugs(root)


def check_library(root: Path) -> tuple[list[Resource], list[Diagnostic]]:
    """Check and compile the resources folder, with the addresses the site serves them at."""
    return check_resources(root, media_url=_media_url, resource_url=resource_url)


def publish_resources(root: Path, *, max_media_bytes: int) -> ResourcesReport:
    """Make the library match the folder: new and changed resources in, removed ones out.

    A resource with errors keeps its previously published editions; the others go ahead.
    """
    compiled, diagnostics = check_library(root)
    report = ResourcesReport(diagnostics=diagnostics)
    on_disk = resource_slugs(root)
    live: dict[str, str] = {
        slug: content_hash
        for slug, content_hash in db.session.execute(
            select(FamilyResource.slug, FamilyResource.content_hash)
        )
    }
    for resource in compiled:
        too_big = [m for m in resource.media if m.size > max_media_bytes]
        if too_big:
            report.diagnostics += [
                Diagnostic(
                    f"{root.name}/{m.path}",
                    1,
                    f"file is {m.size:,} bytes; the limit is {max_media_bytes:,} bytes",
                )
                for m in too_big
            ]
            report.failed.append(resource.slug)
            continue
        if live.get(resource.slug) == resource.content_hash:
            report.unchanged.append(resource.slug)
            continue
        _replace(resource, root)
        report.published.append(resource.slug)
    done = {r.slug for r in compiled}
    report.failed += sorted(on_disk - done - set(report.failed))
    gone = sorted(set(live) - on_disk)
    if gone:
        db.session.execute(delete(FamilyResource).where(FamilyResource.slug.in_(gone)))
        report.removed = gone
    return report


def _replace(resource: Resource, root: Path) -> None:
    for old in db.session.scalars(
        select(FamilyResource).where(FamilyResource.slug == resource.slug)
    ):
        db.session.delete(old)
    db.session.flush()
    for media in resource.media:
        if db.session.get(MediaBlob, media.sha256) is None:
            db.session.add(
                MediaBlob(
                    sha256=media.sha256,
                    content_type=media.content_type,
                    size=media.size,
                    data=(root / media.path).read_bytes(),
                )
            )
    now = utcnow()
    for edition in resource.editions:
        handout = edition.handout
        row = FamilyResource(
            slug=edition.slug,
            language=edition.language,
            title=edition.title,
            summary=edition.summary,
            kind=edition.kind,
            reading_level=edition.reading_level,
            body_html=edition.body_html,
            pair_language=edition.pair_language,
            video_url=edition.video_url,
            handout_sha256=handout.media.sha256 if handout else None,
            handout_name=handout.media.path.rsplit("/", 1)[-1] if handout else None,
            handout_type=handout.media.content_type if handout else None,
            handout_alt=handout.alt if handout else None,
            content_hash=resource.content_hash,
            published_at=now,
        )
        row.tags = [FamilyResourceTag(facet="topic", value=t) for t in edition.topics] + [
            FamilyResourceTag(facet="age", value=a) for a in edition.ages
        ]
        db.session.add(row)
    db.session.flush()


def find_resources(
    *,
    topic: str | None = None,
    age: str | None = None,
    kind: str | None = None,
    language: str | None = None,
) -> list[FamilyResource]:
    """Return the published editions that match every filter given, by title."""
    query = select(FamilyResource).options(selectinload(FamilyResource.tags))
    for facet, value in (("topic", topic), ("age", age)):
        if value:
            query = query.where(FamilyResource.tags.any(facet=facet, value=value))
    if kind:
        query = query.where(FamilyResource.kind == kind)
    if language:
        query = query.where(FamilyResource.language == language)
    editions = list(db.session.scalars(query))
    editions.sort(key=lambda e: (e.title.casefold(), e.language))
    return editions


def get_edition(slug: str, language: str) -> FamilyResource | None:
    """Return one published edition, or None."""
    return db.session.scalar(
        select(FamilyResource)
        .options(selectinload(FamilyResource.tags))
        .where(FamilyResource.slug == slug, FamilyResource.language == language)
    )


def edition_languages(slug: str) -> list[str]:
    """Return the languages a resource is published in, primary-agnostic, sorted."""
    return sorted(
        db.session.scalars(select(FamilyResource.language).where(FamilyResource.slug == slug))
    )
