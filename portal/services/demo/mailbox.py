"""Emails a newcomer can open right after `flask portal seed-demo`: a few survey invitations
(English and Swedish), a complaint to confirm and a "did this fix it?" follow-up, each built
and sent as the portal sends them (to instance/mail/ without an SMTP server).

The demo's invitations are stored as sent already; this writes their emails once more so that
there is something to click. The complaint goes through the public form's own service, so
confirming its link opens a case as a customer's would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from portal import mail
from portal.extensions import db
from portal.models import Case, Customer, Sale, SurveyInvitation, User
from portal.models.case import OPEN_STATUSES
from portal.services import complaints
from portal.services.demo.content import LOGIN_REPS
from portal.services.surveys.followup import FOLLOWUP_KIND
from portal.services.surveys.messages import build_invitation_message


@dataclass(frozen=True)
class DemoMail:
    what: str  # "Survey (Swedish)", "Complaint to confirm"...
    to: str
    path: Path | None  # the .eml written (None: sent through SMTP, or by the worker later)

    @property
    def where(self) -> str:
        """Where to find it, in words for the command's output."""
        if self.path is not None:
            return str(self.path)
        if current_app.config.get("MAIL_SERVER"):
            return "sent through SMTP (or queued for the worker)"
        return f"queued: the worker writes it to {current_app.config['MAIL_DIR']}/"


def _open_invitations(
    kind: str, locale: str, now: datetime, limit: int, sold_by: User | None = None
) -> list[SurveyInvitation]:
    """Sent, unanswered invitations whose link still works, newest first; `sold_by`: only
    those about a sale of that rep. Those about a sale with no open case first: an unhappy
    answer then opens a case, where one about an order whose case is open is added to it
    (services/cases/joining.py)."""
    query = sa.select(SurveyInvitation)
    if sold_by is not None:
        query = query.join(Sale, Sale.id == SurveyInvitation.sale_id).where(
            Sale.rep_id == sold_by.id
        )
    return list(
        db.session.scalars(
            query.join(Customer, Customer.id == SurveyInvitation.customer_id)
            .where(
                SurveyInvitation.kind == kind,
                SurveyInvitation.sent_at.is_not(None),
                SurveyInvitation.answered_at.is_(None),
                SurveyInvitation.expires_at > now,
                Customer.locale == locale,
                Customer.unsubscribed_at.is_(None),
            )
            .order_by(
                _has_open_case(SurveyInvitation.sale_id),
                SurveyInvitation.sent_at.desc(),
                SurveyInvitation.id,
            )
            .limit(limit)
        )
    )


def leave_demo_mail(now: datetime) -> list[DemoMail]:
    """Two English surveys, a Swedish one about a sale of the README's rep (Sara Nilsson: an
    unhappy answer opens a case in her queue), a follow-up and a complaint to confirm."""
    rep = db.session.scalar(sa.select(User).where(User.name == LOGIN_REPS[0], User.active))
    chosen = [("Survey (English)", inv) for inv in _open_invitations("post_sale", "en", now, 2)]
    swedish = _open_invitations("post_sale", "sv", now, 1, sold_by=rep) if rep else []
    chosen += [(f"Survey (Swedish), sold by {rep.name}", inv) for inv in swedish]
    if not swedish:
        chosen += [("Survey (Swedish)", i) for i in _open_invitations("post_sale", "sv", now, 1)]
    chosen += [
        ('"Did this fix it?" follow-up', inv)
        for inv in _open_invitations(FOLLOWUP_KIND, "en", now, 1)
    ]
    written = []
    with mail.connect() as sender:
        for what, invitation in chosen:
            message = build_invitation_message(invitation, reminder=False)
            written.append(DemoMail(what, invitation.customer.email, sender.send(message)))
    return [*written, _complaint_to_confirm(now)]


def _complaint_to_confirm(now: datetime) -> DemoMail:
    """A complaint from the public form about a real demo order, waiting to be confirmed."""
    sale = db.session.scalar(
        sa.select(Sale)
        .join(Customer)
        .where(Customer.locale == "en")
        .order_by(_has_open_case(Sale.id), Sale.sold_at.desc())
    )
    customer = sale.customer
    before = _mail_files()
    complaints.file_complaint(
        complaints.Complainant(customer.email, customer.name, sale.order_ref),
        complaints.Details(
            category="delivery",
            description="The parcel arrived with a broken corner and one part is missing.",
            contact_preference="email",
            phone=None,
        ),
        "en",
        now,
    )
    new = sorted(_mail_files() - before)  # written now when jobs run inline
    return DemoMail("Complaint to confirm", customer.email, new[-1] if new else None)


def _has_open_case(sale_id) -> sa.ColumnElement[bool]:
    return sa.exists().where(Case.sale_id == sale_id, Case.status.in_(OPEN_STATUSES))


def _mail_files() -> set[Path]:
    folder = Path(current_app.config["MAIL_DIR"])
    return set(folder.glob("*.eml")) if folder.exists() else set()
