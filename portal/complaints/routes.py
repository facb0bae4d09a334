"""The customer's side of complaints: the public form, the confirmation link, the form reached
from a survey link, and the status page of a case (where the customer reads the rep's messages
and writes back). Every page is in the customer's language: the
browser's (or the one picked with ?lang=) before we know them, theirs afterwards."""

from __future__ import annotations

from flask import (
    Blueprint,
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
from portal.complaints.recovery import (
    Recovery,
    recovers_with,
    recovery_for_request,
    revalidated,
)
from portal.dead_link_page import dead_link_page
from portal.extensions import limiter
from portal.i18n import LANGUAGES, pick_public_language, speak
from portal.models import utcnow
from portal.security import token_page
from portal.services import complaints
from portal.services import status_links as case_links
from portal.services.addresses import normalise_email
from portal.services.cases import messages as customer_messages
from portal.services.cases import waiting as case_waiting
from portal.services.complaints import Complainant, Details
from portal.services.surveys import answers
from portal.services.surveys.answers import LinkState
from portal.text_input import single_line

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
    return "complaint-email:" + normalise_email(request.form.get("email", ""))


def _survey_link_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return "complaint-survey-link:" + tokens.subject_of("survey", token)


@bp.before_request
def _language_picked() -> None:
    """?lang=sv or ?lang=en: the customer's own choice beats the browser's languages, and
    is remembered for their later public pages (portal/i18n.py)."""
    pick_public_language()


def _current_language() -> str:
    return str(get_locale() or "en")


@bp.context_processor
def _page_context() -> dict:
    return {
        "category_labels": CATEGORY_LABELS,
        "contact_labels": CONTACT_LABELS,
        "page_language": _current_language(),
    }


# --- the public form ---------------------------------------------------------------------


def _new_again(token: str | None):
    form = revalidated(ComplaintForm())
    return render_template("complaints/new.html", form=form, **_form_page(session_lost=True)), 400


@bp.route("/complaint", methods=["GET", "POST"])
@recovers_with(Recovery(page=_new_again))
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
    if request.method == "GET" and request.args.get("order"):
        # From a dead link that still named its order (services/dead_links.py).
        form.order_ref.data = single_line(request.args["order"])[:64]
    if form.validate_on_submit():
        if not form.is_bot:  # a bot gets the very same answer, and nothing is stored
            complaints.file_complaint(
                _complainant(form), _details(form), _current_language(), utcnow()
            )
        session[SENT_TO] = normalise_email(form.email.data)
        return redirect(url_for("complaints.sent", lang=request.args.get("lang")), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("complaints/new.html", form=form, **_form_page()), status


def _form_page(**extra) -> dict:
    language = _current_language()
    other = "en" if language == "sv" else "sv"
    return {
        "field_order": PUBLIC_FIELD_ORDER,
        "action": url_for("complaints.new", lang=language),
        "switch_url": url_for("complaints.new", lang=other, order=request.args.get("order")),
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
        files=tuple(form.kept_files),
    )


@bp.get("/complaint/sent")
def sent():
    """The same page whether or not the order exists: nothing has been looked up yet."""
    email = session.get(SENT_TO)
    if not email:
        return redirect(url_for("complaints.new", lang=request.args.get("lang")))
    return _private(render_template("complaints/sent.html", email=email))


# --- confirming --------------------------------------------------------------------------


def _complaint_locale(token: str) -> str | None:
    found = complaints.complaint_for_token("complaint-confirm", token)
    return found.complaint.locale if found.complaint is not None else None


def _confirm_again(token: str):
    found = complaints.complaint_for_token("complaint-confirm", token)
    if found.complaint is None:
        return None
    if found.complaint.confirmed_at is not None:
        return _to_status(found.complaint)
    return _confirm_page(token, found.complaint, session_lost=True), 400


@bp.route("/complaint/confirm/<token>", methods=["GET", "POST"])
@recovers_with(Recovery(page=_confirm_again, locale=_complaint_locale))
@limiter.limit(POSTS_PER_ADDRESS, methods=["POST"], scope="complaint-confirm")
@token_page
def confirm(token: str):
    """GET only shows a button (mail scanners open links); the customer's POST confirms."""
    found = complaints.complaint_for_token("complaint-confirm", token)
    if found.complaint is None:
        return _link_invalid(found.state, token, form_link=True)
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


def _survey_locale(token: str) -> str | None:
    invitation = _invitation_for(token)
    return invitation.customer.locale if invitation is not None else None


def _from_survey_again(token: str):
    invitation = _invitation_for(token)
    if invitation is None:
        return None
    form = revalidated(ComplaintDetailsForm())
    page = render_template(
        "complaints/from_survey.html",
        form=form,
        invitation=invitation,
        token=token,
        session_lost=True,
    )
    return page, 400


@bp.route("/s/<token>/complaint", methods=["GET", "POST"])
@recovers_with(Recovery(page=_from_survey_again, locale=_survey_locale))
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
        return _link_invalid("invalid", token, form_link=True, kind="survey")
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
        return _link_invalid(found.state, token, kind="status")
    _speak(found.complaint.locale)
    case = complaints.case_of(found.complaint)
    if case is not None:
        # A complaint added to the open case of its order: the page says so (joining.py).
        added = found.complaint.added_to_case_id == case.id
        return _case_page(
            case, case_links.status_token(case), ReplyForm(formdata=None), added_complaint=added
        )
    return render_template("complaints/status.html", status=complaints.status_of(found.complaint))


def _reply_link_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return "case-reply-link:" + tokens.subject_of("case-status", token)


def _case_locale(token: str) -> str | None:
    found = case_links.case_for_token(token, utcnow())
    return found.case.customer.locale if found.case is not None else None


def _case_again(token: str):
    found = case_links.case_for_token(token, utcnow())
    if found.case is None:
        return None
    return _case_page(found.case, token, revalidated(ReplyForm()), session_lost=True), 400


@bp.route("/status/<token>", methods=["GET", "POST"])
@recovers_with(Recovery(page=_case_again, locale=_case_locale, words_field="body"))
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
        return _link_invalid(found.state, token, kind="case")
    case = found.case
    _speak(case.customer.locale)
    form = ReplyForm()
    if form.validate_on_submit():
        customer_messages.receive_from_customer(
            case, form.body.data, utcnow(), files=form.kept_files
        )
        case_waiting.customer_answered(case, utcnow())  # stored first; then the clock runs
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
    speak(locale)


# Which link each kind of page takes; which kind each page with a token is.
PURPOSE_OF_KIND = {"confirm": "complaint-confirm", "status": "complaint-status"}
PURPOSE_OF_KIND |= {"case": "case-status", "survey": "survey"}
KIND_OF_ENDPOINT = {"complaints.confirm": "confirm", "complaints.from_survey": "survey"}
KIND_OF_ENDPOINT |= {"complaints.case_status": "case"}


def _link_invalid(
    state: str, token: str | None, form_link: bool = False, kind: str | None = "confirm"
):
    """Reveals nothing of a tampered, unknown or other-purpose link: the same page for all of
    them. A genuine link that is too old still names its order (portal/dead_link_page.py)."""
    code = 410 if state == "expired" else 404
    purpose = PURPOSE_OF_KIND.get(kind or "")
    template = "complaints/link_invalid.html"
    return dead_link_page(template, state, purpose, token, form_link=form_link, kind=kind), code


def _private(result):
    response = make_response(result)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _in_their_language() -> tuple[Recovery | None, str | None]:
    """For an error page: speak the language of the customer's link (or their pick), and
    return how this form recovers and the link's token."""
    _language_picked()
    recovery = recovery_for_request()
    token = (request.view_args or {}).get("token")
    if recovery is not None and token:
        _speak(recovery.locale(token))
    return recovery, token


@bp.errorhandler(429)
def too_many(exc):
    """Friendly, translated, and it names no limit, address or order."""
    recovery, _token = _in_their_language()  # checked before this blueprint's own hooks
    # Their own words, back to them to copy: the customer's words are never simply lost.
    field = recovery.words_field if recovery is not None else "description"
    words = request.form.get(field, "")[:5000] if request.method == "POST" else ""
    page = render_template("complaints/too_many.html", kept_words=words, reply=field == "body")
    return _private((page, 429))


@bp.errorhandler(413)
def too_large(exc):
    """More than MAX_CONTENT_LENGTH at once (files too big together): nothing of it was read."""
    _in_their_language()
    page = render_template("complaints/too_large.html", back_url=request.url)
    return _private((page, 413))


@bp.errorhandler(CSRFError)
def lost_session(exc):
    """The session cookie is gone (page open for hours, browser restarted): keep what the
    customer typed, give them a fresh token and ask them to send it again."""
    recovery, token = _in_their_language()  # CSRF is checked before this blueprint's hooks
    if recovery is not None:
        result = recovery.page(token)
        if result is not None:
            return _private(result)
    return _private(_link_invalid("invalid", token, kind=KIND_OF_ENDPOINT.get(request.endpoint)))
