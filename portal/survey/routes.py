"""The customer's side: survey pages and unsubscribe, reached from personal emailed links."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError

from portal.dead_link_page import dead_link_page
from portal.extensions import csrf, db, limiter
from portal.i18n import speak
from portal.models import Case, utcnow
from portal.security import token_page
from portal.services import status_links as case_links
from portal.services.cases import joining
from portal.services.cases.followup import wants_reopen
from portal.services.surveys import answers
from portal.services.surveys.answers import Answer, LinkState
from portal.services.surveys.followup import FOLLOWUP_KIND
from portal.services.surveys.schedule import zone
from portal.survey.forms import FollowupForm, SurveyForm

bp = Blueprint("survey", __name__)

PUBLIC_FORM_LIMIT = "30 per minute; 300 per hour"


def _language_of(link) -> None:
    if link.invitation is not None:
        speak(link.invitation.customer.locale)


def _dead_link_page(state: str, purpose: str, token: str | None, status: int):
    """A link that no longer works: why, and a way forward (portal/dead_link_page.py)."""
    return dead_link_page("survey/link_invalid.html", state, purpose, token), status


def _closed_page(link, token: str):
    if link.state is LinkState.CLOSED:
        followup = _is_followup(link)
        return render_template(
            "survey/thanks.html",
            link=link,
            closed=True,
            followup=followup,
            reopens=followup and wants_reopen(link.response),
            case_link=_case_link(link),
            unhappy=answers.sounds_unhappy(link.response),
        )
    status = 410 if link.state is LinkState.EXPIRED else 404
    return _dead_link_page(link.state.value, "survey", token, status)


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit(PUBLIC_FORM_LIMIT, methods=["POST"])
@token_page
def answer(token: str):
    now = utcnow()
    link = answers.resolve_for_page(token, now)
    _language_of(link)
    if link.state not in (LinkState.OPEN, LinkState.EDITABLE):
        return _closed_page(link, token)
    form = _form_for(link)
    if request.method == "GET":
        _prefill(form, link)
    elif form.validate_on_submit():
        answers.record_answer(link, _answer_from(form), now)
        return redirect(url_for("survey.thanks", token=token), code=303)
    status = 422 if request.method == "POST" else 200
    return _answer_page(link, form, token), status


def _is_followup(link) -> bool:
    return link.invitation is not None and link.invitation.kind == FOLLOWUP_KIND


def _zone_of(link):
    """The customer's own time zone (else their language's), for the times on the page."""
    customer = link.invitation.customer if link.invitation is not None else None
    return zone(customer.timezone if customer else None, (customer and customer.locale) or "en")


def _form_for(link):
    """Keeps what was posted (a POST), so the form shows the customer's own answers."""
    return FollowupForm() if _is_followup(link) else SurveyForm()


def _answer_page(link, form, token: str, **extra):
    followup = _is_followup(link)
    return render_template(
        "survey/followup.html" if followup else "survey/answer.html",
        form=form,
        link=link,
        token=token,
        change_deadline=answers.change_deadline(link),
        tz=_zone_of(link),
        case_link=_case_link(link) if followup else None,
        **extra,
    )


def _case_link(link) -> str | None:
    """The status page of the case this survey is about: the follow-up's case, or the case
    a post-sale answer opened (once its analysis has run)."""
    case = None
    if link.invitation.case_id:
        case = db.session.get(Case, link.invitation.case_id)
    elif link.response is not None:
        case = joining.case_of_response(link.response)  # the one it opened or was added to
    if case is None:
        return None
    return url_for("complaints.case_status", token=case_links.status_token(case))


def _prefill(form, link) -> None:
    response = link.response
    if isinstance(form, FollowupForm):
        if response is not None:
            form.resolved_concern.data = "yes" if response.resolved_concern else "no"
            form.satisfaction.data = str(response.satisfaction)
            form.comment.data = response.comment
        elif request.args.get("resolved") in ("yes", "no"):
            form.resolved_concern.data = request.args["resolved"]  # the button in the email
        return
    if response is not None:
        form.satisfaction.data = str(response.satisfaction)
        form.recommend.data = str(response.recommend) if response.recommend is not None else None
        form.comment.data = response.comment
        form.may_contact.data = response.may_contact
        return
    score = request.args.get("score", "")
    if score in {"1", "2", "3", "4", "5"}:
        form.satisfaction.data = score  # the rating button clicked in the email


def _answer_from(form) -> Answer:
    if isinstance(form, FollowupForm):
        return Answer(
            satisfaction=int(form.satisfaction.data),
            recommend=None,
            comment=form.comment.data,
            may_contact=False,
            resolved_concern=form.resolved_concern.data == "yes",
        )
    return Answer(
        satisfaction=int(form.satisfaction.data),
        # Optional() lets a blank or whitespace-only value through unvalidated: no answer.
        recommend=int(form.recommend.data) if (form.recommend.data or "").strip() else None,
        comment=form.comment.data,
        may_contact=bool(form.may_contact.data),
    )


@bp.get("/s/<token>/thanks")
@token_page
def thanks(token: str):
    link = answers.resolve(token, utcnow())
    _language_of(link)
    if link.response is None:
        return redirect(url_for("survey.answer", token=token))
    followup = _is_followup(link)
    return render_template(
        "survey/thanks.html",
        link=link,
        token=token,
        closed=link.state is LinkState.CLOSED,
        change_deadline=answers.change_deadline(link),
        tz=_zone_of(link),
        followup=followup,
        reopens=followup and wants_reopen(link.response),
        case_link=_case_link(link),
        unhappy=answers.sounds_unhappy(link.response),
    )


@bp.post("/s/<token>/opened")
@limiter.limit(PUBLIC_FORM_LIMIT)
def opened(token: str):
    """Called by the survey page's script once a person (not a link scanner) views it."""
    link = answers.resolve_for_page(token, utcnow())
    if link.invitation is None:
        abort(404)
    answers.mark_opened(link, utcnow())
    return "", 204


@bp.route("/u/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail providers POST here with no cookie; the signed token suffices
@limiter.limit(PUBLIC_FORM_LIMIT, methods=["POST"])
@token_page
def unsubscribe(token: str):
    invitation = answers.invitation_for_unsubscribe(token)
    if invitation is None:
        return _dead_link_page("invalid", "unsubscribe", token, 404)
    speak(invitation.customer.locale)
    if request.method == "POST":
        answers.unsubscribe(invitation, utcnow())
        if request.form.get("List-Unsubscribe") == "One-Click":
            return "", 200
        return render_template("survey/unsubscribed.html")
    return render_template("survey/unsubscribe.html", token=token)


@bp.errorhandler(CSRFError)
def lost_session(exc):
    """The customer's session cookie is gone (hours open, browser restarted): keep what
    they typed, give them a fresh token, and ask them to send it again."""
    token = request.view_args.get("token") if request.view_args else None
    if request.endpoint != "survey.answer" or not token:
        return _dead_link_page("invalid", "survey", token, 400)
    return _no_store(_lost_session_page(token))


def _lost_session_page(token: str):
    link = answers.resolve(token, utcnow())
    _language_of(link)
    if link.state not in (LinkState.OPEN, LinkState.EDITABLE):
        return _closed_page(link, token)
    form = _form_for(link)  # keeps what was posted; renders a fresh CSRF token
    form.validate()
    form.csrf_token.errors = []
    return _answer_page(link, form, token, session_lost=True), 400


def _no_store(result):
    response = make_response(result)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
