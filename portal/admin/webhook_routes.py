"""Administration of webhooks out: endpoints, their delivery log, "Send test", turning one off
and on. Admins only; the rules are in services/webhooks/. Registered on the admin blueprint."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from portal.admin.common import bp
from portal.admin.webhook_forms import EVENT_LABELS, WebhookForm
from portal.auth.access import roles_required
from portal.extensions import db
from portal.form_helpers import show_rule_error
from portal.models import WebhookEndpoint, utcnow
from portal.services.rules import RuleError
from portal.services.webhooks import delivery as webhook_delivery
from portal.services.webhooks import endpoints as webhook_endpoints
from portal.services.webhooks import events as webhook_events


@bp.get("/webhooks")
@roles_required("admin")
def webhooks():
    endpoints = webhook_endpoints.all_endpoints()
    return render_template(
        "admin/webhooks.html",
        endpoints=endpoints,
        last=webhook_endpoints.last_deliveries(endpoints),
        event_labels=EVENT_LABELS,
    )


@bp.route("/webhooks/new", methods=["GET", "POST"])
@roles_required("admin")
def new_webhook():
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            endpoint, secret = webhook_endpoints.create_endpoint(
                form.name.data, form.url.data, form.events.data, current_user
            )
        except RuleError as exc:
            show_rule_error(form, exc)
        else:
            # Shown once, in this response only (as an API key): never cached, never flashed.
            response = make_response(
                render_template("admin/webhook_created.html", endpoint=endpoint, secret=secret)
            )
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_template("admin/webhook_form.html", form=form, event_labels=EVENT_LABELS)


@bp.get("/webhooks/<int:endpoint_id>")
@roles_required("admin")
def webhook(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    return render_template(
        "admin/webhook.html",
        endpoint=endpoint,
        deliveries=webhook_endpoints.recent_deliveries(endpoint),
        event_labels=EVENT_LABELS,
        max_attempts=webhook_delivery.max_attempts(),
        disable_after=webhook_delivery.DISABLE_AFTER,
    )


@bp.post("/webhooks/<int:endpoint_id>/test")
@roles_required("admin")
def test_webhook(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    delivery = webhook_events.send_test(endpoint, utcnow())
    db.session.refresh(delivery)
    if delivery.state == "delivered":
        flash(f"Test sent: {endpoint.name} answered {delivery.response_status}.", "success")
    elif delivery.attempts:
        flash(f"Test not delivered: {delivery.error} See the log below.", "error")
    else:
        flash("Test queued: its result shows in the log below in a moment.", "info")
    return redirect(url_for("admin.webhook", endpoint_id=endpoint.id))


@bp.post("/webhooks/<int:endpoint_id>/disable")
@roles_required("admin")
def disable_webhook(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    webhook_endpoints.disable(endpoint, f"Turned off by {current_user.name}.", utcnow())
    db.session.commit()
    flash(f"{endpoint.name} is off: no events are sent to it.", "success")
    return redirect(url_for("admin.webhook", endpoint_id=endpoint.id))


@bp.post("/webhooks/<int:endpoint_id>/enable")
@roles_required("admin")
def enable_webhook(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    webhook_endpoints.enable(endpoint)
    flash(f"{endpoint.name} is on: new events are sent to it.", "success")
    return redirect(url_for("admin.webhook", endpoint_id=endpoint.id))


@bp.post("/webhooks/<int:endpoint_id>/delete")
@roles_required("admin")
def delete_webhook(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    name = endpoint.name
    webhook_endpoints.delete(endpoint)
    flash(f"The endpoint {name} and its delivery log are deleted.", "success")
    return redirect(url_for("admin.webhooks"))
