"""The case page and what staff do on it: log a contact, write a note, email the customer,
resolve, reopen, correct the label; managers also change the severity and reassign.

Each action is the same shape (`_act`): validate the form, call the service, redirect. A rule
the action would break is shown next to the form; a form rendered from an older version of
the case is refused, and the page comes back with what changed meanwhile and the person's
text kept. The rules are in services/cases/ (work.py, severity.py, assignment.py, labels.py).
The lists (queue, triage, corrections) are in portal/cases/lists.py.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.access import ANY_STAFF, roles_required
from portal.cases import attachments, lists, review  # noqa: F401  (register their pages)
from portal.cases.common import MANAGERS, assignee_choices, bp, get_visible_case, severity_choices
from portal.cases.forms import (
    OUTCOME_LABELS,
    AssignForm,
    ContactForm,
    CustomerResolvedForm,
    EmailCustomerForm,
    LabelCorrectionForm,
    NoteForm,
    ReopenForm,
    ResolveForm,
    SeverityForm,
)
from portal.cases.theme_forms import ThemesForm
from portal.cases.waiting_forms import TakeBackForm, WaitForm
from portal.extensions import db
from portal.form_helpers import show_rule_error
from portal.models import Case, utcnow
from portal.models.case import NOT_A_COMPLAINT
from portal.services import customer_files
from portal.services.cases import answer_changes, assignment, labels, themes
from portal.services.cases import contact as case_contact
from portal.services.cases import history as case_history
from portal.services.cases import queue as case_queue
from portal.services.cases import rules as case_rules
from portal.services.cases import severity as severity_rules
from portal.services.cases import waiting as case_waiting
from portal.services.cases import work as case_work
from portal.services.cases.rules import StaleCaseError
from portal.services.rules import RuleError
from portal.services.staff.time_zones import zone_of
from portal.timefmt import staff_time

__all__ = ["bp"]

# The summary's help on a case whose customer did not ask to be contacted (no follow-up).
NO_CONTACT_SUMMARY_HELP = (
    'Write it to the customer: it is shown on their status page. No "did this fix it?" '
    "email is sent: they did not ask to be contacted."
)

# Each form of the case page: its key in the template, its class and its field prefix.
FORMS: dict[str, tuple[type, str]] = {
    "contact_form": (ContactForm, "contact"),
    "email_form": (EmailCustomerForm, "email"),
    "note_form": (NoteForm, "note"),
    "resolve_form": (ResolveForm, "resolve"),
    "reopen_form": (ReopenForm, "reopen"),
    "label_form": (LabelCorrectionForm, "label"),
    "themes_form": (ThemesForm, "themes"),
    "severity_form": (SeverityForm, "severity"),
    "assign_form": (AssignForm, "assign"),
    "customer_resolved_form": (CustomerResolvedForm, "resolved_by_customer"),
    "wait_form": (WaitForm, "wait"),
    "take_back_form": (TakeBackForm, "takeback"),
}


def _offered(case: Case) -> list[str]:
    """The forms this person may use on this case in its status."""
    keys = ["note_form", "label_form", "themes_form"]
    if case_work.allowed("contact", case.status):
        keys.append("contact_form")
    if case.status != "closed":
        keys.append("email_form")
    if case_work.allowed("resolve", case.status, case) or case.status == "open":
        keys.append("resolve_form")  # an open case shows why it cannot be resolved yet
    if case_work.allowed("reopen", case.status):
        keys.append("reopen_form")
    if case_work.allowed(
        "close_resolved_by_customer", case.status
    ) and answer_changes.answer_was_changed(case):
        keys.append("customer_resolved_form")
    if case_work.allowed("wait", case.status):
        keys.append("wait_form")
    if case_work.allowed("resume", case.status):
        keys.append("take_back_form")
    if case_rules.can_manage(current_user):
        keys += ["severity_form", "assign_form"]
    return keys


def _form(key: str, formdata=None, **data):
    cls, prefix = FORMS[key]
    form = cls(prefix=prefix, formdata=formdata, data=data) if data else cls(prefix=prefix)
    if key == "severity_form":
        form.severity.choices = severity_choices()
    elif key == "assign_form":
        form.assignee.choices = assignee_choices()
    elif key == "themes_form":
        form.themes.choices = [(t.key, t.name_en) for t in themes.all_themes(active_only=True)]
    return form


def _show(case: Case, posted: dict | None = None, changes: list | None = None, status=200):
    """The case page; `posted` holds the one form that was sent back (with its errors);
    `changes` what others did since the person's page, when their form was refused."""
    seen = case_work.last_event_id(case)
    case_themes = themes.themes_of(case.id)
    forms = {
        key: _form(key, formdata=None, version=case.version, seen=seen) for key in _offered(case)
    }
    forms["themes_form"].themes.data = [ct.theme.key for ct in case_themes]
    forms.update(posted or {})
    if "resolve_form" in forms and case.contact_wanted is False:
        forms["resolve_form"].summary.description = NO_CONTACT_SUMMARY_HELP
    return render_template(
        "cases/show.html",
        case=case,
        analysis=labels.analysis_for(case),
        contact_wishes=case_contact.of_case(case),
        case_themes=case_themes,
        history=case_history.customer_history(case, current_user),
        unanswered=case.id in case_queue.unanswered_replies([case.id]),
        slas=severity_rules.severity_slas(case) if "severity_form" in forms else None,
        outcome_labels=OUTCOME_LABELS,
        changes=changes,
        pause=case_waiting.current_pause(case),
        complaint_files=customer_files.files_sent_with_complaint(case),
        preview_types=customer_files.PREVIEW_TYPES,
        stale_form=next(iter(posted)) if changes is not None and posted else None,
        now=utcnow(),
        **forms,
    ), status


def _back_to(case_id: int):
    # The forms post to an address with a #fragment, so that a page with an error opens at
    # that form. A redirect without a fragment would inherit it; "#top" opens the page at the
    # top instead, where the message is.
    return redirect(url_for("cases.show", case_id=case_id, _anchor="top"))


def _act(case_id: int, key: str, run: Callable[[Case, object], str]):
    """Validate the posted form, run the action, redirect with its message. A broken rule
    is shown at the form; a stale form gets the page back with what changed, its text kept
    and the current version, so the person decides again with the facts in front of them."""
    case = get_visible_case(case_id)
    form = _form(key)
    if form.validate_on_submit():
        try:
            message = run(case, form)
        except StaleCaseError:
            db.session.rollback()
            case = get_visible_case(case_id)
            changes = case_work.changes_since(case, form.seen.data)
            form.version.data, form.seen.data = case.version, case_work.last_event_id(case)
            return _show(case, {key: form}, changes=changes, status=409)
        except RuleError as exc:
            show_rule_error(form, exc)
        else:
            flash(message, "success")
            return _back_to(case_id)
    return _show(case, {key: form}, status=422)


@bp.get("/<int:case_id>")
@roles_required(*ANY_STAFF)
def show(case_id: int):
    return _show(get_visible_case(case_id))


@bp.post("/<int:case_id>/contact")
@roles_required(*ANY_STAFF)
def log_contact(case_id: int):
    def run(case, form):
        first = case_work.log_contact(
            case, current_user, form.channel.data, form.note.data, form.version.data, utcnow()
        )
        return "First contact logged: the deadline is met." if first else "Contact logged."

    return _act(case_id, "contact_form", run)


@bp.post("/<int:case_id>/note")
@roles_required(*ANY_STAFF)
def add_note(case_id: int):
    def run(case, form):
        case_work.add_note(case, current_user, form.text.data, utcnow())
        return "Note added."

    return _act(case_id, "note_form", run)


@bp.post("/<int:case_id>/email")
@roles_required(*ANY_STAFF)
def email_customer(case_id: int):
    def run(case, form):
        case_work.email_customer(case, current_user, form.body.data, form.version.data, utcnow())
        return f"Email to {case.customer.email} is on its way; their answer will show here."

    return _act(case_id, "email_form", run)


@bp.post("/<int:case_id>/resolve")
@roles_required(*ANY_STAFF)
def resolve(case_id: int):
    def run(case, form):
        case_work.resolve(
            case, current_user, form.outcome.data, form.summary.data, form.version.data, utcnow()
        )
        followups = [e for e in case.events if e.kind.startswith("followup_")]
        if followups and max(followups, key=lambda e: e.id).kind == "followup_scheduled":
            return "Case resolved. The customer will be asked whether this fixed it."
        return 'Case resolved. No "did this fix it?" survey this time: the timeline says why.'

    return _act(case_id, "resolve_form", run)


@bp.post("/<int:case_id>/reopen")
@roles_required(*ANY_STAFF)
def reopen(case_id: int):
    def run(case, form):
        case_work.reopen(case, current_user, form.reason.data, utcnow(), version=form.version.data)
        return "Case reopened. The resolve deadline is counted again from now."

    return _act(case_id, "reopen_form", run)


@bp.post("/<int:case_id>/resolved-by-customer")
@roles_required(*ANY_STAFF)
def close_resolved_by_customer(case_id: int):
    def run(case, form):
        case_work.close_resolved_by_customer(
            case, current_user, form.note.data, form.version.data, utcnow()
        )
        return "Case closed as resolved by the customer. No follow-up survey is sent."

    return _act(case_id, "customer_resolved_form", run)


@bp.post("/<int:case_id>/wait")
@roles_required(*ANY_STAFF)
def wait_for_customer(case_id: int):
    def run(case, form):
        pause = case_waiting.wait_for_customer(
            case, current_user, form.question.data, form.days.data, form.version.data, utcnow()
        )
        return (
            f"Waiting for {case.customer.name}: your question is on its way. The case comes "
            f"back to your queue when they answer, or by "
            f"{staff_time(pause.resume_by, zone_of(current_user))}."
        )

    return _act(case_id, "wait_form", run)


@bp.post("/<int:case_id>/take-back")
@roles_required(*ANY_STAFF)
def take_back(case_id: int):
    def run(case, form):
        case_waiting.take_back(case, current_user, form.version.data, utcnow())
        return "The case is back in the queue; the resolve deadline moved by the time paused."

    return _act(case_id, "take_back_form", run)


@bp.post("/<int:case_id>/label")
@roles_required(*ANY_STAFF)
def correct_label(case_id: int):
    def run(case, form):
        correction = labels.correct_label(
            case,
            current_user,
            form.label.data,
            form.note.data,
            form.version.data,
            utcnow(),
            close_as_not_complaint=form.close_case.data,
        )
        if case.outcome == NOT_A_COMPLAINT:
            return (
                f"The label is now {correction.corrected_label}; "
                "the case is closed as not a complaint."
            )
        return f"The label is now {correction.corrected_label}. Thank you."

    return _act(case_id, "label_form", run)


@bp.post("/<int:case_id>/themes")
@roles_required(*ANY_STAFF)
def correct_themes(case_id: int):
    def run(case, form):
        chosen = themes.correct_themes(
            case, current_user, form.themes.data, form.version.data, utcnow()
        )
        return "Themes saved: " + ", ".join(ct.theme.name_en for ct in chosen) + "."

    return _act(case_id, "themes_form", run)


@bp.post("/<int:case_id>/severity")
@roles_required(*MANAGERS)
def change_severity(case_id: int):
    def run(case, form):
        severity_rules.change_severity(
            case, current_user, form.severity.data, form.reason.data, form.version.data, utcnow()
        )
        return f"Severity is now {case.severity}; the deadlines follow it."

    return _act(case_id, "severity_form", run)


@bp.post("/<int:case_id>/assign")
@roles_required(*MANAGERS)
def assign(case_id: int):
    def run(case, form):
        user = assignment.assign_case(
            case, current_user, form.assignee.data, form.reason.data, form.version.data, utcnow()
        )
        return f"Case #{case.id} is assigned to {user.name}, who gets an email."

    return _act(case_id, "assign_form", run)
