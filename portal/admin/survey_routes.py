"""Administration of surveys: invitations and their funnel, the policy, the unsubscribed.
Admins only; the rules are in services/surveys/admin.py. Registered on the admin blueprint."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.admin.common import bp
from portal.admin.forms import (
    STATE_LABELS,
    CustomerSearchForm,
    InvitationFilterForm,
    SurveyPolicyForm,
)
from portal.auth.access import roles_required
from portal.extensions import db
from portal.form_helpers import show_rule_error
from portal.models import SurveyInvitation, utcnow
from portal.services.rules import RuleError
from portal.services.surveys import admin as survey_admin
from portal.services.surveys.schedule import get_policy

INVITATIONS_PER_PAGE = 50
CUSTOMERS_PER_PAGE = 50
FUNNEL_DAYS = 30
LIST_ARGS = ("q", "state", "page")  # what the invitations list keeps after an action


def _valid_filters(filters) -> dict:
    """The filters' values; a value that is not one of the choices is ignored."""
    filters.validate()
    return {field.name: field.data for field in filters if not field.errors}


def _page_args() -> dict:
    return {k: v for k, v in request.args.items() if k != "page" and v}


@bp.get("/surveys/invitations")
@roles_required("admin")
def survey_invitations():
    filters = InvitationFilterForm(formdata=request.args)
    valid = _valid_filters(filters)
    now = utcnow()
    query = survey_admin.invitations_query(now, valid.get("state") or None, valid.get("q"))
    pagination = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=INVITATIONS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "admin/survey_invitations.html",
        filters=filters,
        pagination=pagination,
        page_args=_page_args(),
        funnel=survey_admin.funnel(now - timedelta(days=FUNNEL_DAYS)),
        funnel_days=FUNNEL_DAYS,
        state_of=survey_admin.state_of,
        state_labels=STATE_LABELS,
        now=now,
    )


@bp.post("/surveys/invitations/<int:invitation_id>/resend")
@roles_required("admin")
def resend_invitation(invitation_id: int):
    invitation = db.get_or_404(SurveyInvitation, invitation_id)
    try:
        survey_admin.resend(invitation, utcnow())
    except survey_admin.CannotResend as exc:
        flash(str(exc), "error")
    else:
        flash(
            f"The survey to {invitation.customer.email} goes out again within a few minutes "
            "(in the customer's sending hours).",
            "success",
        )
    back = {k: v for k in LIST_ARGS if (v := request.form.get(k))}
    return redirect(url_for("admin.survey_invitations", **back))


@bp.route("/surveys/policy", methods=["GET", "POST"])
@roles_required("admin")
def survey_policy():
    policy = get_policy()
    form = SurveyPolicyForm(obj=policy)
    if form.validate_on_submit():
        settings = survey_admin.PolicySettings(
            **{name: form[name].data for name in survey_admin.POLICY_LIMITS}
        )
        try:
            survey_admin.update_policy(current_user, settings)
        except RuleError as exc:
            show_rule_error(form, exc)
        else:
            flash("The survey policy is saved. It applies from the next send run.", "success")
            return redirect(url_for("admin.survey_policy"))
    return render_template(
        "admin/survey_policy.html",
        form=form,
        policy=policy,
        editor=survey_admin.policy_editor(policy),
    )


@bp.get("/surveys/unsubscribed")
@roles_required("admin")
def survey_unsubscribed():
    filters = CustomerSearchForm(formdata=request.args)
    valid = _valid_filters(filters)
    pagination = db.paginate(
        survey_admin.unsubscribed_customers(valid.get("q")),
        page=request.args.get("page", 1, type=int),
        per_page=CUSTOMERS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "admin/survey_unsubscribed.html",
        filters=filters,
        pagination=pagination,
        page_args=_page_args(),
    )
