"""Published family resources: one row per edition (language), replaced whole on publish."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class FamilyResource(db.Model):
    """One language's edition of a family resource, compiled at publish."""

    __tablename__ = "family_resources"
    __table_args__ = (UniqueConstraint("slug", "language", name="uq_family_resources_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), index=True)
    language: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    reading_level: Mapped[int] = mapped_column(Integer)
    body_html: Mapped[str] = mapped_column(Text)
    # The language of this resource's other edition, if it has one.
    pair_language: Mapped[str | None] = mapped_column(String(20))
    video_url: Mapped[str | None] = mapped_column(String(2000))
    handout_sha256: Mapped[str | None] = mapped_column(ForeignKey("media_blobs.sha256"))
    handout_name: Mapped[str | None] = mapped_column(String(500))
    handout_type: Mapped[str | None] = mapped_column(String(100))
    handout_alt: Mapped[str | None] = mapped_column(Text)
    # Of every file the resource is made of: an unchanged resource is not written again.
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tags: Mapped[list[FamilyResourceTag]] = relationship(
        back_populates="resource", cascade="all, delete-orphan", order_by="FamilyResourceTag.value"
    )

    def values(self, facet: str) -> list[str]:
        """Return this edition's topics ("topic") or age ranges ("age")."""
        return [tag.value for tag in self.tags if tag.facet == facet]


class FamilyResourceTag(db.Model):
    """A topic or an age range a resource is for: what the library's filters look for."""

    __tablename__ = "family_resource_tags"
    __table_args__ = (Index("ix_family_resource_tags_facet_value", "facet", "value"),)

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("family_resources.id", ondelete="CASCADE"), primary_key=True
    )
    facet: Mapped[str] = mapped_column(String(10), primary_key=True)  # "topic" or "age"
    value: Mapped[str] = mapped_column(String(40), primary_key=True)

    resource: Mapped[FamilyResource] = relationship(back_populates="tags")
