"""Audit events as sentences an administrator can read ("Ana Admin revoked certificate ...").

Each action has a formatter in FORMATTERS: a pure function of the event and the names of the
people, certificates, organizations and courses it mentions, looked up once per page by
`names_for`. Actions without a formatter fall back to a readable list of their details.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.dates import long_date
from lms.extensions import db

COMMAND_LINE = "Someone at the command line"


@dataclass(frozen=True)
class Names:
    """Display names for what audit events refer to by id, email or slug."""

    users_by_id: dict[str, str] = field(default_factory=dict)
    users_by_email: dict[str, str] = field(default_factory=dict)
    certificate_holders: dict[str, str] = field(default_factory=dict)
    organizations: dict[str, str] = field(default_factory=dict)
    courses: dict[str, str] = field(default_factory=dict)

    def person(self, email: str | None, user_id: str | None = None) -> str:
        """Return "Name (email)", or whatever is known of the person."""
        name = self.users_by_email.get((email or "").lower()) or self.users_by_id.get(user_id or "")
        if name and email:
            return f"{name} ({email})"
        return name or email or (f"user {user_id}" if user_id else "someone")

    def course(self, slug: str | None) -> str:
        """Return a course's title, or its slug when it is not known."""
        return self.courses.get(slug or "", slug or "a course")


@dataclass(frozen=True)
class Description:
    """What an event says: a sentence, and any details that did not fit in it."""

    sentence: str
    details: list[tuple[str, str]] = field(default_factory=list)


Formatter = Callable[[str, AuditEvent, dict[str, Any], Names], str]


def _quoted(text: object) -> str:
    return f"“{text}”"


def _plural(count: object, word: str) -> str:
    try:
        n = int(count)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return f"{count} {word}s"
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _day(value: object) -> str:
    # Events store dates as ISO text; older or hand-written ones may hold anything.
    try:
        return long_date(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _range(since: object, until: object) -> str:
    since = _day(since) if since else since
    until = _day(until) if until else until
    if since and until:
        return f"from {since} to {until}"
    if since:
        return f"from {since}"
    if until:
        return f"up to {until}"
    return ""


def _filters(filters: dict[str, Any], names: Names) -> str:
    parts = []
    if filters.get("course"):
        parts.append(f"course {names.course(filters['course'])}")
    if filters.get("organization"):
        parts.append(f"organization {filters['organization']}")
    if dates := _range(filters.get("since"), filters.get("until")):
        parts.append(f"completed {dates}")
    return "; ".join(parts) if parts else "all records"


def _role_changed(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    person = n.person(d.get("email"), e.target_id)
    return f"{who} changed the role of {person} from {d['old_role']} to {d['new_role']}."


def _deactivated(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return f"{who} deactivated the account of {n.person(d.get('email'), e.target_id)}."


def _reactivated(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return f"{who} reactivated the account of {n.person(d.get('email'), e.target_id)}."


def _holder(e: AuditEvent, n: Names) -> str:
    holder = n.certificate_holders.get(e.target_id)
    return f" for {holder}" if holder else ""


def _revoked(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return f"{who} revoked certificate {e.target_id}{_holder(e, n)}: reason {_quoted(d['reason'])}."


def _reissued(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return (
        f"{who} reissued certificate {e.target_id}{_holder(e, n)} as {d['replacement']}: "
        f"reason {_quoted(d['reason'])}."
    )


def _archived(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    scope = [f"course {n.course(d['course'])}"] if d.get("course") else ["every course"]
    if dates := _range(d.get("since"), d.get("until")):
        scope.append(f"issued {dates}")
    return f"{who} downloaded {_plural(e.target_id, 'certificate')} as a ZIP ({', '.join(scope)})."


def _consent_given(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return f"{who} agreed again to {d.get('scope', 'board reporting')}."


def _consent_withdrawn(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return f"{who} withdrew consent to {d.get('scope', 'board reporting')}."


def _external_added(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return f"{who} added self-reported credit {_quoted(d['title'])}."


def _external_deleted(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return f"{who} deleted self-reported credit {_quoted(d['title'])}."


def _organization(e: AuditEvent, n: Names) -> str:
    return n.organizations.get(e.target_id, f"organization {e.target_id}")


def _organization_created(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return f"{who} created the organization {d.get('name') or _organization(e, n)}."


def _member_set(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return f"{who} made {n.person(d['user'])} a {d['role']} of {_organization(e, n)}."


def _member_removed(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return f"{who} removed {n.person(d['user'])} from {_organization(e, n)}."


def _assignment_created(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    assignee = f"everyone in {d['organization']}" if d.get("organization") else None
    assignee = assignee or n.person(d.get("user"))
    return f"{who} assigned {n.course(d['course'])} to {assignee}, due {_day(d['due'])}."


def _assignment_removed(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return f"{who} removed assignment {e.target_id} of {n.course(d['course'])}."


def _layout(key: object) -> str:
    from lms.cme.pars import LAYOUTS

    layout = LAYOUTS.get(str(key))
    return layout.label if layout else str(key)


def _batch_created(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    skipped = d.get("skipped")
    tail = ""
    if skipped:
        tail = f", leaving out {_plural(skipped, 'record')} that could not be reported"
    return (
        f"{who} made {_layout(d.get('layout'))} report batch {e.target_id} "
        f"of {_plural(d['rows'], 'record')}{tail}."
    )


def _correction_requested(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return (
        f"{who} asked to correct credit claim {e.target_id} in the {_layout(d.get('layout'))} "
        f"report: reason {_quoted(d['reason'])}."
    )


def _exported(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    kind = "PARS" if d.get("format") == "pars" else str(d.get("format", e.target_id)).upper()
    filters = d.get("filters") if isinstance(d.get("filters"), dict) else {}
    source = " from the command line" if d.get("source") == "cli" else ""
    return (
        f"{who} exported {_plural(d['rows'], 'row')} of completions as {kind}{source} "
        f"({_filters(filters, n)})."
    )


FORMATTERS: dict[str, Formatter] = {
    "user.role_changed": _role_changed,
    "user.deactivated": _deactivated,
    "user.reactivated": _reactivated,
    "certificate.revoked": _revoked,
    "certificate.reissued": _reissued,
    "certificates.archived": _archived,
    "consent.given": _consent_given,
    "consent.withdrawn": _consent_withdrawn,
    "external_credit.added": _external_added,
    "external_credit.deleted": _external_deleted,
    "organization.created": _organization_created,
    "organization.member_set": _member_set,
    "organization.member_removed": _member_removed,
    "assignment.created": _assignment_created,
    "assignment.removed": _assignment_removed,
    "report.batch_created": _batch_created,
    "report.correction_requested": _correction_requested,
    "export.completions": _exported,
}


def readable(value: object) -> str:
    """Return a detail's value as words: no Python braces, quotes or None."""
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        shown = [f"{k.replace('_', ' ')} {readable(v)}" for k, v in value.items() if v is not None]
        return "; ".join(shown) or "none"
    if isinstance(value, list | tuple):
        return ", ".join(readable(v) for v in value) or "none"
    return str(value)


def describe(event: AuditEvent, names: Names) -> Description:
    """Return the event as a sentence, or as a list of details when its action is unknown."""
    who = event.actor.full_name if event.actor is not None else COMMAND_LINE
    details = event.details if isinstance(event.details, dict) else {}
    formatter = FORMATTERS.get(event.action)
    if formatter is not None:
        try:
            return Description(formatter(who, event, details, names))
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # an older event without the details this formatter expects: list them
    sentence = f"{who}: {event.action.replace('_', ' ')} on {event.target_type} {event.target_id}."
    return Description(
        sentence, [(key.replace("_", " "), readable(v)) for key, v in sorted(details.items())]
    )


def names_for(events: Sequence[AuditEvent]) -> Names:
    """Look up, in a few queries, the names that a page of events mentions."""
    from lms.certificates.models import Certificate
    from lms.courses.models import Course, CourseVersion
    from lms.organizations.models import Organization

    user_ids, emails, certificates, organizations, slugs = set(), set(), set(), set(), set()
    for event in events:
        details = event.details if isinstance(event.details, dict) else {}
        if event.target_type == "user" and event.target_id.isdigit():
            user_ids.add(int(event.target_id))
        elif event.target_type == "certificate":
            certificates.add(event.target_id)
        elif event.target_type == "organization" and event.target_id.isdigit():
            organizations.add(int(event.target_id))
        for key in ("email", "user"):
            if isinstance(details.get(key), str):
                emails.add(details[key].lower())
        filters = details.get("filters") if isinstance(details.get("filters"), dict) else {}
        for slug in (details.get("course"), filters.get("course")):
            if isinstance(slug, str):
                slugs.add(slug)

    def pairs(query: Any, values: Iterable[object]) -> dict[str, str]:
        if not values:
            return {}
        return {str(key): value for key, value in db.session.execute(query)}

    return Names(
        users_by_id=pairs(select(User.id, User.full_name).where(User.id.in_(user_ids)), user_ids),
        users_by_email=pairs(
            select(func.lower(User.email), User.full_name).where(
                func.lower(User.email).in_(emails)
            ),
            emails,
        ),
        certificate_holders=pairs(
            select(Certificate.public_id, Certificate.holder_name).where(
                Certificate.public_id.in_(certificates)
            ),
            certificates,
        ),
        organizations=pairs(
            select(Organization.id, Organization.name).where(Organization.id.in_(organizations)),
            organizations,
        ),
        courses=pairs(
            select(Course.slug, CourseVersion.title)
            .join(CourseVersion, Course.current_version_id == CourseVersion.id)
            .where(Course.slug.in_(slugs)),
            slugs,
        ),
    )
