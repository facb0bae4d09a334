"""How the customer behind a case wants to be reached, read from what they actually told us.

One answer for every page and email (the rep's case page and email, the queue's search and
filter, the customer's thanks and status pages), so what the customer is told and what the rep
sees cannot drift apart:

- a complaint (public form or survey link): the customer chose "by email" or "by phone" (with
  a number); filing a complaint is asking to be contacted.
- a survey answer: "You may contact me" ticked or not. The survey takes no phone number, so
  ticked means by email, to the address the survey went to.
- a case opened by staff: nothing was asked.

Read live from the complaint or the answer (never copied onto the case), so an answer changed
within its edit window shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Complaint, SurveyResponse

# What the queue's contact filter offers: the channel, or "none" (asked not to be contacted).
CONTACT_FILTERS = ("phone", "email", "none")
# Characters people put between the digits of a phone number.
PHONE_SEPARATORS = " -()./+"


@dataclass(frozen=True)
class ContactWishes:
    channel: str | None  # "phone" or "email"; None: not to be contacted, or never asked
    phone: str | None
    consent: bool | None  # None: never asked (a case opened by staff)
    source: str  # "complaint", "survey" or "staff"

    @property
    def may_contact(self) -> bool:
        return self.consent is not False


def of_complaint(complaint: Complaint) -> ContactWishes:
    return ContactWishes(complaint.contact_preference, complaint.phone, True, "complaint")


def of_response(response: SurveyResponse) -> ContactWishes:
    consent = bool(response.may_contact)
    return ContactWishes("email" if consent else None, None, consent, "survey")


def of_case(case: Case) -> ContactWishes:
    # A complaint added to the case later (cases/joining.py) states how they want to be
    # contacted now: by phone (with the number) or email, and that they want to be at all.
    added = db.session.scalar(
        sa.select(Complaint)
        .where(Complaint.added_to_case_id == case.id)
        .order_by(Complaint.id.desc())
        .limit(1)
    )
    return of_complaint(added) if added is not None else _of_opening(case)


def _of_opening(case: Case) -> ContactWishes:
    """What the words that opened the case said."""
    if case.complaint_id is not None:
        complaint = db.session.get(Complaint, case.complaint_id)
        if complaint is not None:
            return of_complaint(complaint)
    if case.response_id is not None:
        response = db.session.get(SurveyResponse, case.response_id)
        if response is not None:
            return of_response(response)
    return ContactWishes(case.contact_preference, None, None, "staff")


def for_staff(wishes: ContactWishes) -> str:
    """The wishes in a rep's words (their emails; the case page says the same with links)."""
    if wishes.channel == "phone":
        number = f" on {wishes.phone}" if wishes.phone else ""
        return f'call them{number} (they chose "By phone")'
    if wishes.channel == "email":
        if wishes.source == "survey":
            return 'email them (they ticked "You may contact me")'
        return 'email them (they chose "By email")'
    if wishes.consent is False:
        return (
            'they did not ask to be contacted ("You may contact me" left unticked); they were '
            "told we contact them only if we need to ask something"
        )
    return "not asked"


# --- in queries (services/cases/queue.py) ----------------------------------------------------


def with_contact_sources(query: sa.Select) -> sa.Select:
    """The case's complaint and survey answer, outer-joined, for the two functions below."""
    return query.outerjoin(Complaint, Case.complaint_id == Complaint.id).outerjoin(
        SurveyResponse, Case.response_id == SurveyResponse.id
    )


def channel_column():
    """The channel `of_case` gives, as SQL ("phone", "email" or "none")."""
    return sa.case(
        (Complaint.id.is_not(None), Complaint.contact_preference),
        (SurveyResponse.id.is_not(None) & SurveyResponse.may_contact.is_(True), "email"),
        # A complaint added to the case later asked for contact (`of_case`; cases/joining.py).
        (
            SurveyResponse.id.is_not(None)
            & Case.contact_wanted.is_(True)
            & Case.contact_preference.is_not(None),
            Case.contact_preference,
        ),
        (SurveyResponse.id.is_not(None), "none"),
        else_=sa.func.coalesce(Case.contact_preference, "none"),
    )


def digits_of(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def phone_matches(text: str):
    """The complaint's phone number contains the digits of `text` ("070-123 45" finds
    "+46 70 123 45 67" only by the digits typed, separators ignored on both sides), or None
    when `text` is not a phone number (fewer than four digits, or letters in it)."""
    digits = digits_of(text)
    if len(digits) < 4 or any(c not in PHONE_SEPARATORS and not c.isdigit() for c in text):
        return None
    column = Complaint.phone
    for separator in PHONE_SEPARATORS:
        column = sa.func.replace(column, separator, "")
    # A Swedish number written 070... is +4670... written abroad: match without the trunk 0.
    return column.contains(digits.lstrip("0") or digits, autoescape=True)
