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

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.dates import long_date
from lms.extensions import db

# Roles as a sentence names them; the events store the English identifiers.
ROLE_NAMES = {"learner": _l("learner"), "author": _l("author"), "admin": _l("admin")}


def command_line() -> str:
    """Return who acted when nobody signed in did: a command run on the server."""
    return _("Someone at the command line")


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
        if name or email:
            return name or email  # type: ignore[return-value]
        return _("user %(id)s", id=user_id) if user_id else _("someone")

    def course(self, slug: str | None) -> str:
        """Return a course's title, or its slug when it is not known."""
        return self.courses.get(slug or "", slug or _("a course"))


@dataclass(frozen=True)
class Description:
    """What an event says: a sentence, and any details that did not fit in it."""

    sentence: str
    details: list[tuple[str, str]] = field(default_factory=list)


Formatter = Callable[[str, AuditEvent, dict[str, Any], Names], str]


def _quoted(text: object) -> str:
    return f"“{text}”"


def _count(value: object) -> tuple[int, str]:
    # (the number ngettext chooses the form by, the number as shown: "1,234");
    # older or hand-written events may hold anything, which is then shown as it is.
    try:
        n = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 2, str(value)
    return n, f"{n:,}"


def _day(value: object) -> str:
    # Events store dates as ISO text; older or hand-written ones may hold anything.
    try:
        return long_date(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _issued(since: object, until: object) -> str | None:
    since = _day(since) if since else since
    until = _day(until) if until else until
    if since and until:
        return _("issued from %(since)s to %(until)s", since=since, until=until)
    if since:
        return _("issued from %(since)s", since=since)
    if until:
        return _("issued up to %(until)s", until=until)
    return None


def _completed(since: object, until: object) -> str | None:
    since = _day(since) if since else since
    until = _day(until) if until else until
    if since and until:
        return _("completed from %(since)s to %(until)s", since=since, until=until)
    if since:
        return _("completed from %(since)s", since=since)
    if until:
        return _("completed up to %(until)s", until=until)
    return None


def _filters(filters: dict[str, Any], names: Names) -> str:
    # A list of the filters chosen, such as "course Essentials; completed from ...".
    parts = []
    if filters.get("course"):
        parts.append(_("course %(course)s", course=names.course(filters["course"])))
    if filters.get("organization"):
        parts.append(_("organization %(organization)s", organization=filters["organization"]))
    if dates := _completed(filters.get("since"), filters.get("until")):
        parts.append(dates)
    return "; ".join(parts) if parts else _("all records")


def _role(value: object) -> str:
    name = ROLE_NAMES.get(str(value))
    return str(name) if name is not None else str(value)


def _role_changed(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(who)s changed the role of %(person)s from %(old)s to %(new)s.",
        who=who,
        person=n.person(d.get("email"), e.target_id),
        old=_role(d["old_role"]),
        new=_role(d["new_role"]),
    )


def _deactivated(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(who)s deactivated the account of %(person)s.",
        who=who,
        person=n.person(d.get("email"), e.target_id),
    )


def _deleted(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    # The event names nobody: the account's id is all an audit needs (lms.privacy).
    if d.get("requested_by") == "self":
        return _("The owner of account %(id)s deleted it.", id=e.target_id)
    return _("%(who)s deleted account %(id)s at its owner's request.", who=who, id=e.target_id)


def _reactivated(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(who)s reactivated the account of %(person)s.",
        who=who,
        person=n.person(d.get("email"), e.target_id),
    )


def _revoked(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    holder = n.certificate_holders.get(e.target_id)
    words = {"who": who, "id": e.target_id, "holder": holder, "reason": _quoted(d["reason"])}
    if holder:
        return _("%(who)s revoked certificate %(id)s for %(holder)s: reason %(reason)s.", **words)
    return _("%(who)s revoked certificate %(id)s: reason %(reason)s.", **words)


def _reissued(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    holder = n.certificate_holders.get(e.target_id)
    words = {
        "who": who,
        "id": e.target_id,
        "holder": holder,
        "replacement": d["replacement"],
        "reason": _quoted(d["reason"]),
    }
    if holder:
        return _(
            "%(who)s reissued certificate %(id)s for %(holder)s as %(replacement)s: "
            "reason %(reason)s.",
            **words,
        )
    return _("%(who)s reissued certificate %(id)s as %(replacement)s: reason %(reason)s.", **words)


def _archived(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    scope = [
        _("course %(course)s", course=n.course(d["course"]))
        if d.get("course")
        else _("every course")
    ]
    if dates := _issued(d.get("since"), d.get("until")):
        scope.append(dates)
    number, shown = _count(e.target_id)
    return ngettext(
        "%(who)s downloaded %(count)s certificate as a ZIP (%(scope)s).",
        "%(who)s downloaded %(count)s certificates as a ZIP (%(scope)s).",
        number,
        who=who,
        count=shown,
        scope=", ".join(scope),
    )


def _consent_given(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    if "scope" in d:
        return _("%(who)s agreed again to %(scope)s.", who=who, scope=d["scope"])
    return _("%(who)s agreed again to board reporting.", who=who)


def _consent_withdrawn(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    if "scope" in d:
        return _("%(who)s withdrew consent to %(scope)s.", who=who, scope=d["scope"])
    return _("%(who)s withdrew consent to board reporting.", who=who)


def _licensure_changed(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    from lms.accounts.states import state_name

    state = state_name(d.get("state"))
    if not state:
        return _("%(who)s removed their state of licensure.", who=who)
    if d.get("number_changed"):
        return _(
            "%(who)s set their state of licensure to %(state)s and changed their license number.",
            who=who,
            state=state,
        )
    return _("%(who)s set their state of licensure to %(state)s.", who=who, state=state)


def _external_added(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _("%(who)s added self-reported credit %(title)s.", who=who, title=_quoted(d["title"]))


def _external_deleted(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _("%(who)s deleted self-reported credit %(title)s.", who=who, title=_quoted(d["title"]))


def _organization(e: AuditEvent, n: Names) -> str:
    return n.organizations.get(e.target_id) or _("organization %(id)s", id=e.target_id)


def _organization_created(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(who)s created the organization %(organization)s.",
        who=who,
        organization=d.get("name") or _organization(e, n),
    )


def _member_set(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    words = {"who": who, "person": n.person(d["user"]), "organization": _organization(e, n)}
    if d["role"] == "manager":
        return _("%(who)s made %(person)s a manager of %(organization)s.", **words)
    if d["role"] == "member":
        return _("%(who)s made %(person)s a member of %(organization)s.", **words)
    return _("%(who)s made %(person)s a %(role)s of %(organization)s.", role=d["role"], **words)


def _member_removed(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(who)s removed %(person)s from %(organization)s.",
        who=who,
        person=n.person(d["user"]),
        organization=_organization(e, n),
    )


def _assignment_created(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    words = {"who": who, "course": n.course(d["course"]), "due": _day(d["due"])}
    if d.get("organization"):
        return _(
            "%(who)s assigned %(course)s to everyone in %(organization)s, due %(due)s.",
            organization=d["organization"],
            **words,
        )
    return _(
        "%(who)s assigned %(course)s to %(person)s, due %(due)s.",
        person=n.person(d.get("user")),
        **words,
    )


def _assignment_removed(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(who)s removed assignment %(id)s of %(course)s.",
        who=who,
        id=e.target_id,
        course=n.course(d["course"]),
    )


def _layout(key: object) -> str:
    from lms.cme.pars import LAYOUTS

    layout = LAYOUTS.get(str(key))
    return layout.label if layout else str(key)


def _batch_created(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    number, shown = _count(d["rows"])
    words = {"who": who, "layout": _layout(d.get("layout")), "batch": e.target_id, "count": shown}
    skipped = d.get("skipped")
    if skipped:
        left, left_shown = _count(skipped)
        left_out = ngettext("%(count)s record", "%(count)s records", left, count=left_shown)
        return ngettext(
            "%(who)s made %(layout)s report batch %(batch)s of %(count)s record, "
            "leaving out %(left_out)s that could not be reported.",
            "%(who)s made %(layout)s report batch %(batch)s of %(count)s records, "
            "leaving out %(left_out)s that could not be reported.",
            number,
            left_out=left_out,
            **words,
        )
    return ngettext(
        "%(who)s made %(layout)s report batch %(batch)s of %(count)s record.",
        "%(who)s made %(layout)s report batch %(batch)s of %(count)s records.",
        number,
        **words,
    )


def _correction_requested(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(who)s asked to correct credit claim %(id)s in the %(layout)s report: reason %(reason)s.",
        who=who,
        id=e.target_id,
        layout=_layout(d.get("layout")),
        reason=_quoted(d["reason"]),
    )


def _exported(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    kind = "PARS" if d.get("format") == "pars" else str(d.get("format", e.target_id)).upper()
    filters = d.get("filters") if isinstance(d.get("filters"), dict) else {}
    number, shown = _count(d["rows"])
    words = {"who": who, "count": shown, "kind": kind, "filters": _filters(filters, n)}
    if d.get("source") == "cli":
        return ngettext(
            "%(who)s exported %(count)s row of completions as %(kind)s from the command line "
            "(%(filters)s).",
            "%(who)s exported %(count)s rows of completions as %(kind)s from the command line "
            "(%(filters)s).",
            number,
            **words,
        )
    return ngettext(
        "%(who)s exported %(count)s row of completions as %(kind)s (%(filters)s).",
        "%(who)s exported %(count)s rows of completions as %(kind)s (%(filters)s).",
        number,
        **words,
    )


def _sso_signed_in(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(person)s signed in through %(provider)s.",
        person=n.person(d.get("email"), e.target_id),
        provider=_quoted(d["provider"]),
    )


def _sso_linked(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "The account of %(person)s was linked to %(provider)s (their verified email address).",
        person=n.person(d.get("email"), e.target_id),
        provider=_quoted(d["provider"]),
    )


def _sso_created(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(person)s created an account by signing in through %(provider)s.",
        person=n.person(d.get("email"), e.target_id),
        provider=_quoted(d["provider"]),
    )


SSO_REFUSAL_REASONS = {
    "domain-not-allowed": _l("the email address is outside the provider's allowed domains"),
    "email-not-verified": _l("the provider had not verified the email address"),
    "account-deactivated": _l("the account is deactivated"),
    "mismatching-state": _l("the sign-in had expired or was replayed"),
    "id-token-expired-token": _l("the ID token had expired"),
    "id-token-invalid-claim": _l("the ID token failed a check (issuer, audience or nonce)"),
    "provider-unreachable": _l("the provider could not be reached"),
    "access-denied": _l("the person canceled at the provider"),
    "site-admin-account": _l(
        "site admins sign in with their password, not through a chapter's provider"
    ),
}


def _sso_refused(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    reason = SSO_REFUSAL_REASONS.get(str(d.get("reason")))
    return _(
        "A sign-in through %(provider)s as %(email)s was refused: %(reason)s.",
        provider=_quoted(d["provider"]),
        email=d.get("email") or _("an unknown person"),
        reason=str(reason) if reason is not None else str(d.get("reason")),
    )


def _sso_provider_saved(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    words = {"who": who, "provider": _quoted(d["name"]), "domains": ", ".join(d["domains"])}
    if e.action == "sso.provider_created":
        return _("%(who)s added the sign-in provider %(provider)s for %(domains)s.", **words)
    return _("%(who)s changed the sign-in provider %(provider)s (%(domains)s).", **words)


def _attempts_granted(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    number, shown = _count(d.get("extra"))
    return ngettext(
        "%(who)s gave %(person)s %(count)s more attempt at the quiz %(quiz)s in %(course)s: "
        "reason %(reason)s.",
        "%(who)s gave %(person)s %(count)s more attempts at the quiz %(quiz)s in %(course)s: "
        "reason %(reason)s.",
        number,
        who=who,
        person=n.person(d.get("email"), e.target_id),
        count=shown,
        quiz=_quoted(d.get("quiz")),
        course=n.course(d.get("course")),
        reason=_quoted(d.get("reason")),
    )


def _attempt_reset(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(who)s reset open attempt %(number)s of %(person)s at the quiz %(quiz)s in %(course)s: "
        "reason %(reason)s.",
        who=who,
        number=d.get("attempt"),
        person=n.person(d.get("email"), e.target_id),
        quiz=_quoted(d.get("quiz")),
        course=n.course(d.get("course")),
        reason=_quoted(d.get("reason")),
    )


def _request_declined(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(who)s declined the request of %(person)s for another try at the quiz %(quiz)s in "
        "%(course)s: reason %(reason)s.",
        who=who,
        person=n.person(d.get("email"), e.target_id),
        quiz=_quoted(d.get("quiz")),
        course=n.course(d.get("course")),
        reason=_quoted(d.get("reason")),
    )


def _chapter_created(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _("%(who)s created the chapter %(name)s.", who=who, name=d["name"])


def _chapter_admin_appointed(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(who)s made %(person)s an admin of the chapter.", who=who, person=n.person(d["user"])
    )


def _invitation(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    words = {"who": who, "email": d["email"], "organization": _organization(e, n)}
    if e.action == "organization.invited":
        return _("%(who)s invited %(email)s to %(organization)s.", **words)
    if e.action == "organization.invitation_resent":
        return _("%(who)s sent the invitation of %(email)s to %(organization)s again.", **words)
    if e.action == "organization.invitation_revoked":
        return _("%(who)s withdrew the invitation of %(email)s to %(organization)s.", **words)
    return _(
        "%(person)s accepted the invitation to %(organization)s.",
        person=n.person(d["email"], str(e.actor_id) if e.actor_id else None),
        organization=words["organization"],
    )


def _staff_imported(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    number, shown = _count(d["rows"])
    return ngettext(
        "%(who)s imported a staff list of %(count)s row into %(organization)s: "
        "%(invited)s invited, %(changed)s changed.",
        "%(who)s imported a staff list of %(count)s rows into %(organization)s: "
        "%(invited)s invited, %(changed)s changed.",
        number,
        who=who,
        count=shown,
        organization=_organization(e, n),
        invited=_count(d["invited"])[1],
        changed=_count(d["changed"])[1],
    )


def _api_token(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    if e.action == "api_token.created":
        return _(
            "%(who)s created the API token %(name)s with the permissions %(scopes)s.",
            who=who,
            name=_quoted(d.get("name")),
            scopes=readable(str(d.get("scopes") or "").split()),
        )
    return _("%(who)s revoked the API token %(name)s.", who=who, name=_quoted(d.get("name")))


def _webhook(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    url = _quoted(d.get("url"))
    if e.action == "webhook.created":
        return _(
            "%(who)s added the webhook %(url)s for %(events)s.",
            who=who,
            url=url,
            events=readable(d.get("events")),
        )
    if e.action == "webhook.enabled":
        return _("%(who)s turned the webhook %(url)s on.", who=who, url=url)
    if e.action == "webhook.disabled":
        return _("%(who)s turned the webhook %(url)s off.", who=who, url=url)
    if e.action == "webhook.deleted":
        return _("%(who)s deleted the webhook %(url)s.", who=who, url=url)
    return _(
        "%(who)s asked for the webhook event %(event)s to be sent again.",
        who=who,
        event=_quoted(d.get("event")),
    )


def _path_assigned(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    words = {"who": who, "path": _quoted(d.get("path")), "due": readable(d.get("due"))}
    if d.get("user"):
        return _(
            "%(who)s assigned the learning path %(path)s to %(person)s, due %(due)s.",
            person=n.person(d.get("user")),
            **words,
        )
    return _(
        "%(who)s assigned the learning path %(path)s to %(organization)s, due %(due)s.",
        organization=_quoted(d.get("organization")),
        **words,
    )


def _path_withdrawn(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(who)s withdrew the learning path %(path)s from the catalog.",
        who=who,
        path=_quoted(d.get("title") or e.target_id),
    )


def _path_reinstated(who: str, e: AuditEvent, d: dict[str, Any], n: Names) -> str:
    return _(
        "%(who)s put the learning path %(path)s back in the catalog.",
        who=who,
        path=_quoted(d.get("title") or e.target_id),
    )


FORMATTERS: dict[str, Formatter] = {
    "api_token.created": _api_token,
    "api_token.revoked": _api_token,
    "webhook.created": _webhook,
    "webhook.enabled": _webhook,
    "webhook.disabled": _webhook,
    "webhook.deleted": _webhook,
    "webhook.replayed": _webhook,
    "path_assignment.created": _path_assigned,
    "path.withdrawn": _path_withdrawn,
    "path.reinstated": _path_reinstated,
    "quiz.attempts_granted": _attempts_granted,
    "quiz.attempt_reset": _attempt_reset,
    "quiz.request_declined": _request_declined,
    "sso.signed_in": _sso_signed_in,
    "sso.account_linked": _sso_linked,
    "sso.account_created": _sso_created,
    "sso.refused": _sso_refused,
    "sso.provider_created": _sso_provider_saved,
    "sso.provider_updated": _sso_provider_saved,
    "user.role_changed": _role_changed,
    "user.deactivated": _deactivated,
    "user.reactivated": _reactivated,
    "user.deleted": _deleted,
    "certificate.revoked": _revoked,
    "certificate.reissued": _reissued,
    "certificates.archived": _archived,
    "consent.given": _consent_given,
    "consent.withdrawn": _consent_withdrawn,
    "profile.licensure_changed": _licensure_changed,
    "external_credit.added": _external_added,
    "external_credit.deleted": _external_deleted,
    "organization.created": _organization_created,
    "organization.invited": _invitation,
    "organization.invitation_resent": _invitation,
    "organization.invitation_revoked": _invitation,
    "organization.invitation_accepted": _invitation,
    "organization.staff_imported": _staff_imported,
    "chapter.created": _chapter_created,
    "chapter.admin_appointed": _chapter_admin_appointed,
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
        return _("none")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        shown = [f"{k.replace('_', ' ')} {readable(v)}" for k, v in value.items() if v is not None]
        return "; ".join(shown) or _("none")
    if isinstance(value, list | tuple):
        return ", ".join(readable(v) for v in value) or _("none")
    return str(value)


def describe(event: AuditEvent, names: Names) -> Description:
    """Return the event as a sentence, or as a list of details when its action is unknown."""
    who = event.actor.full_name if event.actor is not None else command_line()
    details = event.details if isinstance(event.details, dict) else {}
    formatter = FORMATTERS.get(event.action)
    if formatter is not None:
        try:
            return Description(formatter(who, event, details, names))
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # an older event without the details this formatter expects: list them
    sentence = _(
        "%(who)s: %(action)s on %(target)s %(id)s.",
        who=who,
        action=event.action.replace("_", " "),
        target=event.target_type,
        id=event.target_id,
    )
    return Description(
        sentence, [(key.replace("_", " "), readable(v)) for key, v in sorted(details.items())]
    )


def names_for(events: Sequence[AuditEvent]) -> Names:
    """Look up, in a few queries, the names that a page of events mentions."""
    from lms.certificates.models import Certificate
    from lms.courses.models import Course, CourseVersion
    from lms.organizations.models import Organization
    from lms.paths.models import PathCompletion

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
        # A learning path's certificate ids share the space of course certificates' ids.
        certificate_holders=pairs(
            select(Certificate.public_id, Certificate.holder_name).where(
                Certificate.public_id.in_(certificates)
            ),
            certificates,
        )
        | pairs(
            select(PathCompletion.certificate_id, PathCompletion.holder_name).where(
                PathCompletion.certificate_id.in_(certificates)
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
