"""Who may see what: role checks for views and the user loader for sessions."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select

from lms.accounts.models import Role, User
from lms.extensions import db, login_manager

F = TypeVar("F", bound=Callable[..., Any])


# Facts about the signed-in person that every page's layout shows (e.g. "My team" for
# managers), read in the same query as the user rather than one more per page. Other domains
# add theirs: name -> a function returning a boolean SQL expression over `User`.
USER_FLAGS: dict[str, Callable[[], Any]] = {}


@lru_cache(maxsize=4)
def _user_query(names: tuple[str, ...]) -> Any:
    # Built once: composing the statement costs more CPU than running it on every request.
    return select(User, *(USER_FLAGS[name]().label(name) for name in names)).where(
        User.session_token == bindparam("session_token"), User.active.is_(True)
    )


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """Return the active user a session belongs to, or None, with USER_FLAGS read alongside."""
    names = tuple(USER_FLAGS)
    row = db.session.execute(_user_query(names), {"session_token": session_token}).first()
    if row is None:
        return None
    user: User = row[0]
    user.loaded_flags = dict(zip(names, row[1:], strict=True))
    return user


def user_flag(user: Any, name: str) -> bool | None:
    """Return a flag read with the signed-in user, or None when it was not read."""
    flags = getattr(user, "loaded_flags", None)
    return None if flags is None else flags.get(name)


def role_required(role: Role) -> Callable[[F], F]:
    """Let only signed-in users holding `role` (or higher) through.

    :raise 403: when the user is signed in without the role.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
