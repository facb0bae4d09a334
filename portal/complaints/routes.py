"""The customer's side of complaints: the public form, the confirmation link, the form reached
from a survey link, and the status page of a case (where the customer reads the rep's messages
and writes back). Every page is in the customer's language: the
browser's (or the one picked with ?lang=) before we know them, theirs afterwards."""

from __future__ import annotations

from babel.dates import format_datetime
from flask import (
    Blueprint,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError

from portal import tokens
from portal.complaints.forms import (
    CATEGORY_LABELS,
    CONTACT_LABELS,
    PUBLIC_FIELD_ORDER,
    ComplaintDetailsForm,
    ComplaintForm,
    ReplyForm,
)
from portal.extensions import limiter
from portal.i18n import LANGUAGES
from portal.models import utcnow
from portal.security import token_page
from portal.services import case_links, complaints, customer_messages
from portal.services import survey_answers as answers
from portal.services.complaints import Complainant, Details
from portal.services.survey_answers import LinkState

bp = Blueprint("complaints", __name__)

# Accepted complaints (a redirect to "check your email"): per client address and per email
# address given. Every POST, accepted or not, also counts against a looser flood limit.
ACCEPTED_PER_ADDRESS = "10 per hour"
ACCEPTED_PER_EMAIL = "5 per hour"
ACCEPTED_PER_SURVEY_LINK = "5 per hour"
# Messages a customer sends on their case's status page, per case link.
REPLIES_PER_LINK = "10 per hour"
POSTS_PER_ADDRESS = "30 per minute; 300 per hour"
SENT_TO = "complaint_sent_to"  # session key: the address the "check your email" page names


def _accepted(response) -> bool:
    return response.status_code == 303


def _email_key() -> str:
    return "complaint-email:" + complaints.normalise_email(request.form.get("email", ""))


def _survey_link_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return "complaint-survey-link:" + tokens.subject_of("survey", token)


@bp.before_request
def _language_picked() -> None:
    """?lang=sv or ?lang=en: the customer's own choice beats the browser's languages."""
    if request.args.get("lang") in LANGUAGES:
        g.locale = request.args["lang"]


def _current_language() -> str:
    return str(get_locale() or "en")


@bp.context_processor
def _page_context() -> dict:
    return {
        "category_labels": CATEGORY_LABELS,
        "contact_labels": CONTACT_LABELS,
        "page_language": _current_language(),
    }


@bp.app_template_filter("local_time")
def local_time(value, tz) -> str:
    """A moment in the customer's time zone and language, never in UTC."""
    if value is None:
        return ""
    locale = get_locale()
    pattern = "EEEE d MMMM y 'kl.' HH:mm" if locale.language == "sv" else "EEEE d MMMM y 'at' HH:mm"
    return format_datetime(value, pattern, tzinfo=tz, locale=locale)


# --- the public form ---------------------------------------------------------------------


@bp.route("/complaint", methods=["GET", "POST"])
@limiter.limit(POSTS_PER_ADDRESS, methods=["POST"], scope="complaint-posts")
@limiter.limit(
    ACCEPTED_PER_ADDRESS, methods=["POST"], deduct_when=_accepted, scope="complaint-address"
)
@limiter.limit(
    ACCEPTED_PER_EMAIL,
    key_func=_email_key,
    methods=["POST"],
    deduct_when=_accepted,
    scope="complaint-email",
)
def new():
    form = ComplaintForm()
    if form.validate_on_submit():
        if not form.is_bot:  # a bot gets the very same answer, and nothing is stored
            complaints.file_complaint(
                _complainant(form), _details(form), _current_language(), utcnow()
            )
        session[SENT_TO] = complaints.normalise_email(form.email.data)
        return redirect(url_for("complaints.sent", lang=request.args.get("lang")), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("complaints/new.html", form=form, **_form_page()), status


def _form_page(**extra) -> dict:
    language = _current_language()
    other = "en" if language == "sv" else "sv"
    return {
        "field_order": PUBLIC_FIELD_ORDER,
        "action": url_for("complaints.new", lang=language),
        "switch_url": url_for("complaints.new", lang=other),
        "switch_language": other,
        **extra,
    }


def _complainant(form: ComplaintForm) -> Complainant:
    return Complainant(email=form.email.data, name=form.name.data, order_ref=form.order_ref.data)


def _details(form: ComplaintDetailsForm) -> Details:
    return Details(
        category=form.category.data,
        description=form.description.data,
        contact_preference=form.contact_preference.data,
        phone=form.phone.data,
    )


@bp.get("/complaint/sent")
def sent():
    """The same page whether or not the order exists: nothing has been looked up yet."""
    email = session.get(SENT_TO)
    if not email:
        return redirect(url_for("complaints.new", lang=request.args.get("lang")))
    return _private(render_template("complaints/sent.html", email=email))


# --- confirming --------------------------------------------------------------------------


@bp.route("/complaint/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(POSTS_PER_ADDRESS, methods=["POST"], scope="complaint-confirm")
@token_page
def confirm(token: str):
    """GET only shows a button (mail scanners open links); the customer's POST confirms."""
    found = complaints.complaint_for_token("complaint-confirm", token)
    if found.complaint is None:
        return _link_invalid(found.state, form_link=True)
    complaint = found.complaint
    _speak(complaint.locale)
    if request.method == "POST":
        complaints.confirm(complaint, utcnow())
    if request.method == "POST" or complaint.confirmed_at is not None:
        return _to_status(complaint)
    return _confirm_page(token, complaint)


def _confirm_page(token: str, complaint, **extra):
    return render_template(
        "complaints/confirm.html",
        token=token,
        complaint=complaint,
        customer_zone=complaints.customer_zone(complaint),
        **extra,
    )


def _to_status(complaint):
    return redirect(
        url_for(
            "complaints.status",
            token=complaints.status_token(complaint),
            lang=request.args.get("lang"),
        ),
        code=303,
    )


# --- from a survey link --------------------------------------------------------------------


@bp.route("/s/<token>/complaint", methods=["GET", "POST"])
@limiter.limit(POSTS_PER_ADDRESS, methods=["POST"], scope="complaint-survey-posts")
@limiter.limit(
    ACCEPTED_PER_SURVEY_LINK,
    key_func=_survey_link_key,
    methods=["POST"],
    deduct_when=_accepted,
    scope="complaint-survey-link",
)
@token_page
def from_survey(token: str):
    invitation = _invitation_for(token)
    if invitation is None:
        return _link_invalid("invalid", form_link=True)
    _speak(invitation.customer.locale)
    form = ComplaintDetailsForm()
    if form.validate_on_submit():
        complaint = complaints.file_from_survey(invitation, _details(form), utcnow())
        return _to_status(complaint)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "complaints/from_survey.html", form=form, invitation=invitation, token=token
    ), status


def _invitation_for(token: str):
    """The invitation of a survey link that works, answered or not. A survey that closed still
    proves the address; a link that was never valid, or is too old to read, does not."""
    link = answers.resolve(token, utcnow())
    if link.invitation is None or link.state is LinkState.INVALID:
        return None
    return link.invitation


# --- the status page -------------------------------------------------------------------------


@bp.get("/complaint/status/<token>")
@token_page
def status(token: str):
    """The link from the "we have your complaint" email. Once the case is opened, the page is
    the case's status page, whose form answers through the case's own link."""
    found = complaints.complaint_for_token("complaint-status", token)
    if found.complaint is None:
        return _link_invalid(found.state, kind="status")
    _speak(found.complaint.locale)
    case = complaints.case_of(found.complaint)
    if case is not None:
        return _case_page(case, case_links.status_token(case), ReplyForm(formdata=None))
    return render_template("complaints/status.html", status=complaints.status_of(found.complaint))


def _reply_link_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return "case-reply-link:" + tokens.subject_of("case-status", token)


@bp.route("/status/<token>", methods=["GET", "POST"])
@limiter.limit(POSTS_PER_ADDRESS, methods=["POST"], scope="case-reply-posts")
@limiter.limit(
    REPLIES_PER_LINK,
    key_func=_reply_link_key,
    methods=["POST"],
    deduct_when=_accepted,
    scope="case-reply-link",
)
@token_page
def case_status(token: str):
    """The case's status page, from every email the customer gets about the case: its state,
    the promised dates, the messages both ways, and a form to write back."""
    found = case_links.case_for_token(token, utcnow())
    if found.case is None:
        return _link_invalid(found.state, kind="case")
    case = found.case
    _speak(case.customer.locale)
    form = ReplyForm()
    if form.validate_on_submit():
        customer_messages.receive_from_customer(case, form.body.data, utcnow())
        return redirect(
            url_for(
                "complaints.case_status",
                token=token,
                sent=1,
                lang=request.args.get("lang"),
                _anchor="conversation",
            ),
            code=303,
        )
    status = 422 if request.method == "POST" else 200
    return _case_page(case, token, form, sent=request.args.get("sent") == "1"), status


def _case_page(case, token: str, form, **extra):
    return render_template(
        "complaints/status.html",
        status=complaints.status_of_case(case),
        messages=customer_messages.conversation(case),
        reply_form=form,
        reply_action=url_for(
            "complaints.case_status",
            token=token,
            lang=request.args.get("lang"),
            _anchor="conversation",
        ),
        **extra,
    )


# --- helpers and error pages --------------------------------------------------------------


def _speak(locale: str | None) -> None:
    """The page in the customer's language, unless they picked one with ?lang=."""
    if request.args.get("lang") in LANGUAGES:
        return
    if locale in LANGUAGES:
        g.locale = locale


def _link_invalid(state: str, form_link: bool = False, kind: str = "confirm"):
    """Reveals nothing: the same page for a tampered, unknown or other-purpose link."""
    code = 410 if state == "expired" else 404
    page = render_template(
        "complaints/link_invalid.html", state=state, form_link=form_link, kind=kind
    )
    return page, code


def _private(result):
    response = make_response(result)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(429)
def too_many(exc):
    """Friendly, translated, and it names no limit, address or order."""
    _language_picked()  # the limit is checked before this blueprint's own hooks run
    _speak_for_token_route()
    # Their own words, back to them to copy: the customer's words are never simply lost.
    reply = request.endpoint == "complaints.case_status"
    field = "body" if reply else "description"
    words = request.form.get(field, "")[:5000] if request.method == "POST" else ""
    page = render_template("complaints/too_many.html", kept_words=words, reply=reply)
    return _private((page, 429))


@bp.errorhandler(CSRFError)
def lost_session(exc):
    """The session cookie is gone (page open for hours, browser restarted): keep what the
    customer typed, give them a fresh token and ask them to send it again."""
    _language_picked()  # CSRF is checked before this blueprint's own hooks run
    endpoint = request.endpoint
    token = (request.view_args or {}).get("token")
    if endpoint == "complaints.new":
        form = _revalidated(ComplaintForm())
        page = render_template("complaints/new.html", form=form, **_form_page(session_lost=True))
        return _private((page, 400))
    if endpoint == "complaints.from_survey" and token:
        invitation = _invitation_for(token)
        if invitation is not None:
            _speak(invitation.customer.locale)
            form = _revalidated(ComplaintDetailsForm())
            page = render_template(
                "complaints/from_survey.html",
                form=form,
                invitation=invitation,
                token=token,
                session_lost=True,
            )
            return _private((page, 400))
    if endpoint == "complaints.case_status" and token:
        found = case_links.case_for_token(token, utcnow())
        if found.case is not None:
            _speak(found.case.customer.locale)
            form = _revalidated(ReplyForm())
            return _private((_case_page(found.case, token, form, session_lost=True), 400))
    if endpoint == "complaints.confirm" and token:
        found = complaints.complaint_for_token("complaint-confirm", token)
        if found.complaint is not None and found.complaint.confirmed_at is not None:
            return _private(_to_status(found.complaint))
        if found.complaint is not None:
            _speak(found.complaint.locale)
            return _private((_confirm_page(token, found.complaint, session_lost=True), 400))
    return _private(_link_invalid("invalid"))


def _revalidated(form):
    """The posted form, checked again so its own errors show, minus the CSRF complaint."""
    form.validate()
    form.csrf_token.errors = []
    return form


def _speak_for_token_route() -> None:
    token = (request.view_args or {}).get("token")
    if not token or request.args.get("lang") in LANGUAGES:
        return
    if request.endpoint == "complaints.from_survey":
        invitation = _invitation_for(token)
        if invitation is not None:
            _speak(invitation.customer.locale)
    elif request.endpoint == "complaints.confirm":
        found = complaints.complaint_for_token("complaint-confirm", token)
        if found.complaint is not None:
            _speak(found.complaint.locale)
    elif request.endpoint == "complaints.case_status":
        found = case_links.case_for_token(token, utcnow())
        if found.case is not None:
            _speak(found.case.customer.locale)
