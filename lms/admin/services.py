"""Account verbs for administrators, each recorded in the audit log.

Every function takes explicit arguments, flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

from flask_babel import gettext as _

from lms.accounts import services as account_services
from lms.accounts.models import Role, User, new_session_token
from lms.audit.services import record_event
from lms.extensions import db


class AdminError(Exception):
    """An administrative change that cannot be made, with a message for the admin."""


def change_role(user: User, role: Role | str, actor: User | None) -> bool:
    """Give a user a role and record who changed it; return whether anything changed."""
    new = Role(role)
    old = user.role
    if actor is not None and user.id == actor.id and new != Role.ADMIN:
        # Keeps at least one admin: the one making changes.
        raise AdminError(_("You cannot remove your own admin role; ask another admin."))
    if old == new.value:
        return False
    account_services.set_role(user, new)
    record_event(
        actor,
        "user.role_changed",
        "user",
        user.id,
        email=user.email,
        old_role=old,
        new_role=new.value,
    )
    db.session.flush()
    return True


def deactivate_user(user: User, actor: User | None) -> bool:
    """Stop a person signing in, keeping their records; return whether anything changed."""
    if actor is not None and user.id == actor.id:
        raise AdminError(_("You cannot deactivate your own account; ask another admin."))
    if not user.active:
        return False
    user.active = False
    # The user loader already refuses inactive people; a new token also keeps sessions from
    # before the deactivation from coming back if the account is reactivated.
    user.session_token = new_session_token()
    record_event(actor, "user.deactivated", "user", user.id, email=user.email)
    db.session.flush()
    return True


def reactivate_user(user: User, actor: User | None) -> bool:
    """Let a deactivated person sign in again; return whether anything changed."""
    if user.active:
        return False
    user.active = True
    record_event(actor, "user.reactivated", "user", user.id, email=user.email)
    db.session.flush()
    return True
