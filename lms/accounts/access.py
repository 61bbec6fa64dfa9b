"""Who may see what: role checks for views and the user loader for sessions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.models import Role, User
from lms.extensions import db, login_manager

F = TypeVar("F", bound=Callable[..., Any])


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """Return the active user a session belongs to, or None."""
    return db.session.scalar(
        select(User).where(User.session_token == session_token, User.active.is_(True))
    )


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
