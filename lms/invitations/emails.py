"""The text of invitation emails, in the recipient's language."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.accounts.models import User
from lms.i18n import locale_for
from lms.links import external_url
from lms.mail import queue_email
from lms.organizations.models import Organization


def _inviter_name(inviter: User | None) -> str:
    return inviter.full_name if inviter is not None else current_app.config["SITE_NAME"]


def send_invitation(
    *,
    email: str,
    full_name: str,
    locale: str | None,
    organization: Organization,
    inviter: User | None,
    token: str,
    expires_at: datetime,
) -> None:
    """Email a new person a one-time link to set their password and join an organization."""
    site = current_app.config["SITE_NAME"]
    link = external_url("invitations.accept", token=token)
    with force_locale(locale_for(None, locale)):
        subject = _(
            "%(inviter)s invited you to %(organization)s",
            inviter=_inviter_name(inviter),
            organization=organization.name,
        )
        body = render_template(
            "invitations/email/invitation.txt",
            name=full_name,
            inviter=_inviter_name(inviter),
            organization=organization.name,
            site=site,
            link=link,
            expires_at=expires_at,
        )
        queue_email(email, f"{subject} – {site}", body)


def send_added_notice(user: User, *, organization: Organization, inviter: User | None) -> None:
    """Tell a person who already has an account that they were added to an organization."""
    site = current_app.config["SITE_NAME"]
    link = external_url("progress.my_learning")
    with force_locale(locale_for(user)):
        subject = _("You were added to %(organization)s", organization=organization.name)
        body = render_template(
            "invitations/email/added.txt",
            name=user.full_name,
            inviter=_inviter_name(inviter),
            organization=organization.name,
            site=site,
            link=link,
        )
        queue_email(user.email, f"{subject} – {site}", body)
