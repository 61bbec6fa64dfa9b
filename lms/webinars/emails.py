"""The texts of webinar emails, each in its recipient's language and time zone."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from lms.accounts.models import User
from lms.clock import now
from lms.i18n import locale_for
from lms.links import external_url
from lms.mail import Attachment, queue_email
from lms.webinars import calendar, times
from lms.webinars.models import ReminderKind, Webinar


def edition(webinar: Webinar, language: str) -> dict[str, object]:
    """Return the webinar's words in `language` ("es"), falling back to its own language."""
    base = {
        "title": webinar.title,
        "summary": webinar.summary,
        "body_html": webinar.body_html,
        "objectives": webinar.meta.get("objectives", []),
        "target_audience": webinar.meta.get("target_audience"),
        "disclosures_html": webinar.meta.get("disclosures_html"),
        "commercial_support": (webinar.meta.get("disclosure") or {}).get("commercial_support"),
        "bios": [p.get("bio_html", "") for p in webinar.meta.get("presenters", [])],
        "language": webinar.language,
    }
    words = webinar.meta.get("editions", {}).get(language)
    if language == webinar.language or not words:
        return base
    merged = {**base, **{k: v for k, v in words.items() if v}, "language": language}
    return merged


def invitation(webinar: Webinar) -> Attachment:
    """Return a registrant's calendar invitation, with the private join link."""
    page = external_url("webinars.show", slug=webinar.slug)
    data = calendar.build_calendar(
        [webinar],
        page_url={webinar.slug: page},
        site_url=page,
        name=webinar.title,
        stamp=now(),
        join=True,
    )
    return Attachment(f"{webinar.slug}.ics", "text/calendar", data.decode("utf-8"))


def _send(
    webinar: Webinar,
    user: User,
    subject: LazyString,
    template: str,
    *,
    attach: bool = False,
    **context: object,
) -> None:
    site = current_app.config["SITE_NAME"]
    locale = locale_for(user)
    with force_locale(locale):
        words = edition(webinar, locale.split("_")[0])
        when = times.format_span(webinar.starts_at, webinar.ends_at, webinar.timezone)
        own = None
        if user.timezone and times.is_zone(user.timezone) and user.timezone != webinar.timezone:
            own = times.format_span(webinar.starts_at, webinar.ends_at, user.timezone)
        body = render_template(
            f"webinars/email/{template}.txt",
            site=site,
            name=user.full_name,
            title=words["title"],
            when=when,
            own_when=own,
            page=external_url("webinars.show", slug=webinar.slug),
            **context,
        )
        subject_text = f"{subject}: {words['title']} – {site}"
    queue_email(user.email, subject_text, body, invitation(webinar) if attach else None)


def send_confirmation(webinar: Webinar, user: User) -> None:
    """Confirm a seat, with the calendar invitation holding the join link."""
    _send(webinar, user, _l("You are registered"), "confirmation", attach=True)


def send_waitlisted(webinar: Webinar, user: User) -> None:
    """Tell someone they are on the waiting list, and what happens next."""
    _send(webinar, user, _l("You are on the waiting list"), "waitlisted")


def send_promoted(webinar: Webinar, user: User) -> None:
    """Tell someone on the waiting list that a seat opened up for them, with the invitation."""
    _send(webinar, user, _l("A seat opened up for you"), "promoted", attach=True)


def send_reminder(webinar: Webinar, user: User, kind: ReminderKind) -> None:
    """Remind a registrant a day or an hour before the session."""
    subject = _l("Tomorrow's webinar") if kind == ReminderKind.DAY else _l("Starting in one hour")
    _send(webinar, user, subject, "reminder", attach=False, kind=str(kind))
