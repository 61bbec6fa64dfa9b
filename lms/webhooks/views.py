"""Admin pages: webhook endpoints, their deliveries and attempts, and replays."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from lms.accounts.access import role_required
from lms.accounts.models import Role
from lms.extensions import db
from lms.sso.vault import SecretStoreError, store_available
from lms.webhooks import services
from lms.webhooks.forms import EVENT_LABELS, ConfirmForm, EndpointForm
from lms.webhooks.models import WebhookDelivery, WebhookEndpoint

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")

DELIVERIES_SHOWN = 50


@bp.route("", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def index() -> str | tuple[str, int]:
    """List webhook endpoints and register one; the new secret is shown once, here."""
    form = EndpointForm()
    status = 200
    if form.is_submitted():
        valid = form.validate()
        url = None
        if not form.url.errors:  # every problem at once: the address and the events
            try:
                url = services.check_url(
                    form.url.data,
                    allow_loopback_http=current_app.config["WEBHOOKS_ALLOW_LOOPBACK"],
                )
            except services.WebhookError as error:
                form.url.errors.append(str(error))
        if valid and url is not None:
            try:
                endpoint, secret = services.create_endpoint(
                    url,
                    form.description.data or "",
                    services.check_events(form.events.data),
                    actor=current_user._get_current_object(),
                )
            except services.WebhookError as error:
                db.session.rollback()
                form.events.errors.append(str(error))
            except SecretStoreError:
                db.session.rollback()
                flash(
                    _(
                        "Signing secrets cannot be stored: the encryption key is missing or "
                        "wrong. Set SSO_ENCRYPTION_KEYS (see the operations guide)."
                    ),
                    "error",
                )
            else:
                db.session.commit()
                return render_template("webhooks/created.html", endpoint=endpoint, secret=secret)
        status = 400  # the form is shown again with what to fix
    endpoints = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    return render_template(
        "webhooks/index.html",
        form=form,
        endpoints=endpoints,
        event_labels=EVENT_LABELS,
        store_available=store_available(),
    ), status


@bp.get("/<int:endpoint_id>")
@role_required(Role.ADMIN)
def detail(endpoint_id: int) -> str:
    """Show an endpoint with its latest deliveries and every attempt at them."""
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    deliveries = db.session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(DELIVERIES_SHOWN)
    ).all()
    return render_template(
        "webhooks/detail.html",
        endpoint=endpoint,
        deliveries=deliveries,
        event_labels=EVENT_LABELS,
        shown=DELIVERIES_SHOWN,
    )


@bp.post("/<int:endpoint_id>/disable")
@role_required(Role.ADMIN)
def disable(endpoint_id: int) -> Response:
    """Stop recording events for an endpoint; what it is owed waits."""
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    services.set_enabled(endpoint, False, actor=current_user._get_current_object())
    db.session.commit()
    flash(_("The endpoint is off: no new events are sent to it."), "success")
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id))


@bp.post("/<int:endpoint_id>/enable")
@role_required(Role.ADMIN)
def enable(endpoint_id: int) -> Response:
    """Send events to an endpoint again, starting with those still waiting."""
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    services.set_enabled(endpoint, True, actor=current_user._get_current_object())
    db.session.commit()
    flash(_("The endpoint is on."), "success")
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id))


@bp.route("/<int:endpoint_id>/delete", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def delete(endpoint_id: int) -> str | Response:
    """Confirm, then delete an endpoint with its record of deliveries."""
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.delete_endpoint(endpoint, actor=current_user._get_current_object())
        db.session.commit()
        flash(_("The endpoint is deleted."), "success")
        return redirect(url_for("webhooks.index"))
    return render_template("webhooks/delete.html", endpoint=endpoint, form=form)


@bp.post("/<int:endpoint_id>/deliveries/<int:delivery_id>/replay")
@role_required(Role.ADMIN)
def replay(endpoint_id: int, delivery_id: int) -> Response:
    """Send a delivery again, with the same id and body, through the job queue."""
    from lms.webhooks.tasks import deliver_job

    delivery = db.session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id
        )
    )
    if delivery is None:
        abort(404)
    services.replay(delivery, actor=current_user._get_current_object())
    db.session.commit()
    # By id from the URL: reading the committed row would open a transaction the job waits on.
    deliver_job(delivery_id)
    flash(_("The delivery is queued to be sent again."), "success")
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint_id))
