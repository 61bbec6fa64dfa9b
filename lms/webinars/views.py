"""The webinar listing, each webinar's page, its calendar feed, registering and cancelling."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.clock import now
from lms.extensions import db
from lms.i18n import current_language
from lms.links import external_url
from lms.webinars import calendar, services, times
from lms.webinars.emails import edition
from lms.webinars.forms import CancelForm, RegisterForm, ZoneForm
from lms.webinars.models import RegistrationStatus, Webinar

bp = Blueprint("webinars", __name__, cli_group="webinars")


def get_webinar_or_404(slug: str) -> Webinar:
    """Return the published webinar with this slug.

    :raise 404: when there is none.
    """
    webinar = services.get_webinar(slug) if len(slug) <= 100 else None
    if webinar is None:
        abort(404)
    return webinar


def viewer_zone(form: ZoneForm | None = None) -> str | None:
    """Return the zone the viewer asked for (?tz=), else their profile's; None if neither."""
    if form is not None and form.tz.data:
        return form.tz.data if times.is_zone(form.tz.data) else None
    zone = getattr(current_user, "timezone", None) if current_user.is_authenticated else None
    return zone if times.is_zone(zone) else None


def _zone_form() -> tuple[ZoneForm, str | None]:
    form = ZoneForm(request.args)
    asked = request.args.get("tz", "")
    form.set_choices(times.zone_choices(asked if times.is_zone(asked) else None))
    if asked and not times.is_zone(asked):
        form.tz.errors = [_("We do not know that time zone; choose one from the list.")]
        form.tz.data = ""
    return form, viewer_zone(form)


@bp.get("/webinars")
def index() -> str:
    """List upcoming and past webinars."""
    form, zone = _zone_form()
    upcoming, past = services.upcoming_and_past(now())
    language = current_language().code
    words = {w.id: edition(w, language) for w in upcoming + past}
    return render_template(
        "webinars/index.html",
        upcoming=upcoming,
        past=past,
        words=words,
        zone=zone,
        form=form,
        times=times,
    )


@bp.get("/webinars/calendar.ics")
def feed() -> Response:
    """Serve upcoming webinars as an iCalendar feed to subscribe to (no join links)."""
    upcoming, _past = services.upcoming_and_past(now())
    upcoming = [w for w in upcoming if not w.is_cancelled]
    data = calendar.build_calendar(
        upcoming,
        page_url={w.slug: external_url("webinars.show", slug=w.slug) for w in upcoming},
        site_url=external_url("webinars.index"),
        name=_("%(site)s webinars", site=current_app.config["SITE_NAME"]),
        stamp=now(),
    )
    response = Response(data, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="webinars.ics"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/webinars/<slug>")
def show(slug: str) -> str:
    """Show a webinar: when (in its zone and the viewer's), credit, presenters, disclosures."""
    webinar = get_webinar_or_404(slug)
    form, zone = _zone_form()
    moment = now()
    registration = services.registration_for(webinar, current_user)
    active = registration if registration and registration.status != "cancelled" else None
    return render_template(
        "webinars/show.html",
        webinar=webinar,
        words=edition(webinar, current_language().code),
        zone=zone,
        form=form,
        times=times,
        registration=active,
        position=services.waitlist_position(active) if active else None,
        seats_left=(
            None
            if webinar.capacity is None
            else max(webinar.capacity - services.seats_taken(webinar), 0)
        ),
        can_join=services.can_join(webinar, active, moment),
        is_over=webinar.ends_at <= moment,
        join_opens_at=webinar.starts_at - services.JOIN_OPENS_BEFORE,
        register_form=RegisterForm(),
        cancel_form=CancelForm(),
    )


@bp.post("/webinars/<slug>/register")
@login_required
def register(slug: str) -> Response:
    """Take a seat, or a place on the waiting list, in one click."""
    webinar = get_webinar_or_404(slug)
    if not RegisterForm().validate_on_submit():
        abort(400)
    try:
        registration = services.register(webinar.id, current_user, now=now())
    except services.RegistrationClosed:
        db.session.rollback()
        flash(_("This webinar is no longer taking registrations."), "error")
        return redirect(url_for("webinars.show", slug=slug))
    db.session.commit()
    if registration.status == RegistrationStatus.REGISTERED:
        flash(_("You are registered. We have emailed you a calendar invitation."), "success")
    else:
        flash(
            _(
                "The webinar is full, so you are on the waiting list. "
                "We will email you if a seat opens up."
            ),
            "info",
        )
    return redirect(url_for("webinars.show", slug=slug))


@bp.post("/webinars/<slug>/cancel")
@login_required
def cancel(slug: str) -> Response:
    """Give up a seat or a place on the waiting list."""
    webinar = get_webinar_or_404(slug)
    if not CancelForm().validate_on_submit():
        abort(400)
    try:
        services.cancel_registration(webinar.id, current_user, now=now())
    except LookupError:
        db.session.rollback()
        flash(_("You were not registered for this webinar."), "info")
        return redirect(url_for("webinars.show", slug=slug))
    db.session.commit()
    flash(
        _("Your registration is cancelled. You can register again while seats remain."), "success"
    )
    return redirect(url_for("webinars.show", slug=slug))
