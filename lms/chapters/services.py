"""Chapter verbs and the scoping every chapter page goes through.

A chapter admin sees a chapter's organizations and nothing else: every query here takes the
chapter and filters by it, so a page cannot show another chapter's data by forgetting a check.
Every function takes explicit arguments, flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, String, and_, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.audit.services import record_event
from lms.chapters.models import Chapter, ChapterAdmin
from lms.extensions import db
from lms.organizations.models import Assignment, Membership, Organization


class ChapterError(Exception):
    """A chapter action that cannot be carried out, with a message for the person."""


def create_chapter(name: str, contact_email: str | None, *, actor: User | None) -> Chapter:
    """Create a chapter with a unique name."""
    name = " ".join(name.split())
    if db.session.scalar(select(Chapter.id).where(func.lower(Chapter.name) == name.lower())):
        raise ChapterError(_("A chapter called %(name)s already exists.", name=name))
    chapter = Chapter(name=name, contact_email=(contact_email or "").strip().lower() or None)
    db.session.add(chapter)
    db.session.flush()
    record_event(actor, "chapter.created", "chapter", chapter.id, name=name)
    return chapter


def appoint_admin(chapter: Chapter, user: User, *, actor: User | None) -> ChapterAdmin:
    """Make a person an admin of a chapter (doing nothing if they already are)."""
    existing = db.session.scalar(
        select(ChapterAdmin).where(
            ChapterAdmin.chapter_id == chapter.id, ChapterAdmin.user_id == user.id
        )
    )
    if existing is not None:
        return existing
    appointment = ChapterAdmin(chapter_id=chapter.id, user_id=user.id)
    try:
        with db.session.begin_nested():
            db.session.add(appointment)
    except IntegrityError:  # appointed at the same moment by someone else
        return db.session.scalars(
            select(ChapterAdmin).where(
                ChapterAdmin.chapter_id == chapter.id, ChapterAdmin.user_id == user.id
            )
        ).one()
    record_event(actor, "chapter.admin_appointed", "chapter", chapter.id, user=user.email)
    return appointment


def administered_chapters(user: User) -> list[Chapter]:
    """Return the chapters a person administers (site admins: every chapter)."""
    query = select(Chapter).order_by(Chapter.name)
    if not user.has_role("admin"):
        query = query.join(ChapterAdmin).where(ChapterAdmin.user_id == user.id)
    return list(db.session.scalars(query))


def can_administer(user: User, chapter: Chapter) -> bool:
    """Return whether a person may see and run this chapter."""
    if user.has_role("admin"):
        return True
    return (
        db.session.scalar(
            select(ChapterAdmin.id).where(
                ChapterAdmin.chapter_id == chapter.id, ChapterAdmin.user_id == user.id
            )
        )
        is not None
    )


def chapter_organizations(chapter: Chapter) -> list[tuple[Organization, int]]:
    """Return the chapter's organizations with how many people each has, by name."""
    people = (
        select(func.count(Membership.id))
        .where(Membership.organization_id == Organization.id)
        .correlate(Organization)
        .scalar_subquery()
    )
    return [
        (organization, count)
        for organization, count in db.session.execute(
            select(Organization, people)
            .where(Organization.chapter_id == chapter.id)
            .order_by(Organization.name)
        )
    ]


def chapter_admins(chapter: Chapter) -> list[ChapterAdmin]:
    """Return the chapter's admins, by name."""
    return list(
        db.session.scalars(
            select(ChapterAdmin)
            .join(User, User.id == ChapterAdmin.user_id)
            .where(ChapterAdmin.chapter_id == chapter.id)
            .options(joinedload(ChapterAdmin.user))
            .order_by(User.full_name)
        )
    )


def chapter_audit_events(chapter: Chapter, action_prefix: str | None = None) -> Select:
    """Return a query for the chapter's audit events, newest first.

    That is events about the chapter itself, about its organizations (members, invitations,
    imports) and about assignments its organizations made.
    """
    # Audit targets are stored as text, so the ids are compared as text.
    ids = select(Organization.id).where(Organization.chapter_id == chapter.id)
    organizations = select(cast(Organization.id, String)).where(
        Organization.chapter_id == chapter.id
    )
    assignments = select(cast(Assignment.id, String)).where(
        Assignment.owner_organization_id.in_(ids)
    )
    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(
            or_(
                and_(AuditEvent.target_type == "chapter", AuditEvent.target_id == str(chapter.id)),
                and_(
                    AuditEvent.target_type == "organization",
                    AuditEvent.target_id.in_(organizations),
                ),
                and_(
                    AuditEvent.target_type == "assignment",
                    AuditEvent.target_id.in_(assignments),
                ),
            )
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if action_prefix:
        query = query.where(AuditEvent.action.startswith(action_prefix.strip(), autoescape=True))
    return query
