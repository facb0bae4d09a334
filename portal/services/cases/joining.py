"""One case per open order: a customer who writes again about an order whose case is still
open (not resolved or closed) is added to that case instead of opening a second one.

The rule, applied by the analysis jobs (jobs/triage.py) where they would open a case:
- a negative survey answer or a confirmed complaint about a sale joins the oldest case of the
  same customer and the same sale whose status is open, contacted, reopened or waiting;
- a complaint whose order and email matched no sale (`Complaint.sale_id` NULL) always opens a
  new case: we cannot tell which order it is about, and guessing would hide a new problem;
- a resolved or closed case is never joined: the new words open a new case, as before.

Joining keeps the case's one first-contact and one resolution deadline (they run from the
first message, not reset). The new words are a customer message on the case's timeline
("The customer wrote again", with where they came from), seen by the customer on the status
page and emailed to the assigned rep the way a status-page reply is (services/cases/messages.py).
When the new words alone would have opened a more severe case, the severity goes up (deadlines
kept). A complaint ("please contact me") joining a case whose customer had not asked for
contact makes it a contact-wanted case, its first-contact deadline counted from then.
The answer or complaint records the case it went into (`added_to_case_id`); every lookup "the
case of this answer/complaint" goes through `case_of_response` / `case_of_complaint`.

Two analyses of the same order at the same moment: `lock_order` takes a row lock on the sale
(SELECT ... FOR UPDATE, PostgreSQL) before the open case is looked for, so the second waits
for the first to commit its case and then joins it. SQLite ignores the lock, but it has one
writer at a time and runs with one worker.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import outbox
from portal.models import Case, CaseEvent, Complaint, Sale, SurveyResponse
from portal.models.case import OPEN_STATUSES, SEVERITIES
from portal.services import customer_files
from portal.services.sla.deadlines import deadlines_for_case

# The customer's words on the case: a customer message (services/cases/messages.py), so the
# status page shows them, the queue marks the case as having an unanswered reply, and the
# rep is emailed by the same job as for a status-page reply.
WROTE_AGAIN = "customer_message"
NOTIFY_REP_JOB = "customer_mail.notify_rep_of_customer_message"
SOURCES = {"survey": "survey answer", "complaint_form": "complaint form"}


def lock_order(sale_id: int | None) -> None:
    """Serialise the analyses of one order (PostgreSQL row lock until the commit)."""
    if sale_id is not None:
        db.session.execute(sa.select(Sale.id).where(Sale.id == sale_id).with_for_update())


def open_case_of_order(customer_id: int | None, sale_id: int | None) -> Case | None:
    """The case new words about this order go into, or None (a new case). Call `lock_order`
    first in a job that may open a case."""
    if sale_id is None or customer_id is None:
        return None
    return db.session.scalar(
        sa.select(Case)
        .where(
            Case.sale_id == sale_id,
            Case.customer_id == customer_id,
            Case.status.in_(OPEN_STATUSES),
        )
        .order_by(Case.id)
        .limit(1)
    )


def case_of_response(response: SurveyResponse) -> Case | None:
    """The case this answer's words are in: the one it opened, or the one it was added to."""
    if response.added_to_case_id is not None:
        return db.session.get(Case, response.added_to_case_id)
    return db.session.scalar(sa.select(Case).where(Case.response_id == response.id))


def case_of_complaint(complaint: Complaint) -> Case | None:
    """The case this complaint's words are in: the one it opened, or the one it was added to."""
    if complaint.added_to_case_id is not None:
        return db.session.get(Case, complaint.added_to_case_id)
    return db.session.scalar(sa.select(Case).where(Case.complaint_id == complaint.id))


def added_to_for_email(complaint: Complaint) -> Case | None:
    """The open case the complaint-received email says the complaint was added to, or None
    ("on its way to the person who will handle it"). The email is queued at confirmation
    with the analysis and may go first: then this rule says where the analysis will put it."""
    if complaint.added_to_case_id is not None:
        return db.session.get(Case, complaint.added_to_case_id)
    if complaint.analysed_at is not None or complaint.sale is None:
        return None  # it opened its own case, or will (no matched order)
    return open_case_of_order(complaint.sale.customer_id, complaint.sale_id)


def response_in_a_case() -> sa.ColumnElement[bool]:
    """SQL: the SurveyResponse row of the query opened a case or was added to one."""
    opened = sa.exists().where(Case.response_id == SurveyResponse.id)
    return sa.or_(opened, SurveyResponse.added_to_case_id.is_not(None))


def responses_in_cases(cases: sa.Select) -> sa.Select:
    """SQL: the ids of the answers whose words are in `cases` (a select of Case.id)."""
    return sa.union(
        sa.select(Case.response_id).where(Case.id.in_(cases), Case.response_id.is_not(None)),
        sa.select(SurveyResponse.id).where(SurveyResponse.added_to_case_id.in_(cases)),
    )


def complaints_in_cases(cases: sa.Select) -> sa.Select:
    """SQL: the ids of the complaints whose words are in `cases` (a select of Case.id)."""
    return sa.union(
        sa.select(Case.complaint_id).where(Case.id.in_(cases), Case.complaint_id.is_not(None)),
        sa.select(Complaint.id).where(Complaint.added_to_case_id.in_(cases)),
    )


def was_added(event: CaseEvent) -> str | None:
    """Where the words of a "wrote again" event came from ("survey answer", "complaint
    form"), or None for any other event (a status-page reply, say)."""
    if event.kind != WROTE_AGAIN:
        return None
    return SOURCES.get((event.data or {}).get("wrote_again"))


def add_response(
    case: Case, response: SurveyResponse, severity: str, now: datetime, changed: bool = False
) -> CaseEvent:
    """Add a negative survey answer to the open case of its order (flushed, not committed)."""
    response.added_to_case_id = case.id
    data = {"wrote_again": "survey", "response_id": response.id}
    data["satisfaction"] = response.satisfaction
    if changed:
        data["changed"] = True
    return _add(case, _words_of(response), data, severity, now)


def _words_of(response: SurveyResponse) -> str:
    """The answer's comment, or its rating ("2/5") when it has none."""
    comment = (response.comment or "").strip()
    return comment or f"{response.satisfaction or '-'}/5"


def add_changed_response(
    case: Case, response: SurveyResponse, severity: str, now: datetime
) -> CaseEvent | None:
    """The customer changed an answer that had been added to a case (inside the change
    window): the case gets the new words too, once (None when it already shows them)."""
    words = _words_of(response)
    last = db.session.scalars(
        sa.select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == WROTE_AGAIN)
        .order_by(CaseEvent.id.desc())
    )
    for event in last:
        if (event.data or {}).get("response_id") == response.id:
            if event.message == words:
                return None
            break
    return add_response(case, response, severity, now, changed=True)


def add_complaint(case: Case, complaint: Complaint, severity: str, now: datetime) -> CaseEvent:
    """Add a confirmed complaint to the open case of its order (flushed, not committed). The
    customer asked to be contacted: a no-contact case becomes a contact-wanted one."""
    complaint.added_to_case_id = case.id
    complaint.customer_id = case.customer_id
    data = {"wrote_again": "complaint_form", "complaint_id": complaint.id}
    data["category"] = complaint.category
    data["contact_preference"] = complaint.contact_preference
    customer_files.move_to_case(complaint, case)  # its photos follow it, as into a new case
    if files := customer_files.files_of_complaint(complaint.id):
        data["attachments"] = customer_files.described(files)
    if case.contact_wanted and case.contact_preference != complaint.contact_preference:
        data["contact_changed_from"] = case.contact_preference
    case.contact_preference = complaint.contact_preference  # their latest wish (contact.py)
    if not case.contact_wanted:
        case.contact_wanted = True
        if case.first_contact_at is None:
            case.first_contact_due = deadlines_for_case(case, now).first_contact_due
        data["contact_now_wanted"] = True
    return _add(case, complaint.description.strip(), data, severity, now)


def _add(case: Case, words: str, data: dict, severity: str, now: datetime) -> CaseEvent:
    if SEVERITIES.index(severity) < SEVERITIES.index(case.severity):
        data["severity_raised_from"] = case.severity
        case.severity = severity  # its deadlines stay: one first contact, one resolution
    case.updated_at = now
    event = CaseEvent(
        case_id=case.id,
        actor_kind="customer",
        kind=WROTE_AGAIN,
        message=words,
        data=data,
        created_at=now,
    )
    db.session.add(event)
    db.session.add(_system_note(case, data, now))
    db.session.flush()
    outbox.add(NOTIFY_REP_JOB, event.id, family="mail")
    return event


def _system_note(case: Case, data: dict, now: datetime) -> CaseEvent:
    """What joining changed, for the rep and the audit trail (the words are on their own)."""
    source = SOURCES[data["wrote_again"]]
    if data.get("changed"):
        parts = [f"The customer changed the {source} they had added to this case."]
    else:
        parts = [f"The customer wrote again ({source}): added to this case, not a new one."]
    if "severity_raised_from" in data:
        parts.append(
            f"Severity raised from {data['severity_raised_from']} to {case.severity}"
            " (the new words alone would have opened a case that severe); deadlines unchanged."
        )
    else:
        parts.append("Deadlines unchanged.")
    if data.get("contact_changed_from"):
        how = "by phone" if case.contact_preference == "phone" else "by email"
        parts.append(f"They now ask to be contacted {how} (the complaint's contact details).")
    if data.get("contact_now_wanted"):
        due = case.first_contact_due
        parts.append(
            "They ask to be contacted now: no longer a no-contact case"
            + (f"; first contact by {due:%Y-%m-%d %H:%M} UTC." if due else ".")
        )
    return CaseEvent(
        case_id=case.id,
        actor_kind="system",
        kind="wrote_again",
        message=" ".join(parts),
        # The words and their files are the customer's own entry; this note says what changed.
        data={k: v for k, v in data.items() if k not in ("satisfaction", "attachments")},
        created_at=now,
    )
