"""The survey emails: the post-sale invitation and its reminder, and the "did this fix it?"
follow-up, each in the customer's language with the links to answer or unsubscribe."""

from __future__ import annotations

from types import SimpleNamespace

from flask_babel import force_locale, gettext

from portal import mail, mail_addresses, mail_bulk
from portal.extensions import db
from portal.mail_bulk import Outgoing, Skeleton, slot
from portal.models import Case, SurveyInvitation
from portal.services import status_links as case_links
from portal.services.surveys.followup import FOLLOWUP_KIND
from portal.tokens import make_token
from portal.urls import external_url


def survey_links(invitation: SurveyInvitation) -> dict[str, object]:
    return _links(make_token("survey", invitation.id), make_token("unsubscribe", invitation.id))


def _links(token: str, unsubscribe_token: str) -> dict[str, object]:
    unsubscribe = external_url("survey.unsubscribe", token=unsubscribe_token)
    return {
        "survey": external_url("survey.answer", token=token),
        "ratings": [
            (score, external_url("survey.answer", token=token, score=score))
            for score in range(1, 6)
        ],
        "unsubscribe": unsubscribe,
    }


def build_invitation_message(invitation: SurveyInvitation, reminder: bool):
    customer = invitation.customer
    links = survey_links(invitation)
    if invitation.kind == FOLLOWUP_KIND:
        return build_followup_message(invitation, links, reminder)
    return _invitation(
        customer.email, customer.locale, reminder, links,
        customer=customer, sale=invitation.sale, expires_at=invitation.expires_at,
    )  # fmt: skip


def _invitation(to, locale, reminder, links, build=mail.build_bulk_message, **context):
    with force_locale(locale):
        subject = (
            gettext("Reminder: how was your purchase?")
            if reminder
            else gettext("How was your purchase?")
        )
        return build(
            to,
            subject,
            "survey_invitation",
            headers={
                # RFC 8058 one-click unsubscribe, honoured by the big mailbox providers.
                "List-Unsubscribe": f"<{links['unsubscribe']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            locale=locale or "en",
            links=links,
            reminder=reminder,
            **context,
        )


class InvitationWriter:
    """Builds the invitations of one dispatch run fast (portal/mail_bulk.py): one skeleton
    per shape of the email, rendered by the real templates; each recipient's message is that
    skeleton with their name, order, date and links put in. The follow-up email, and an
    address that is not ASCII, take the slow way (build_invitation_message)."""

    def __init__(self):
        self.skeletons: dict[tuple, Skeleton] = {}

    def write(self, invitation: SurveyInvitation, reminder: bool, expires_at=None) -> Outgoing:
        """The email; `expires_at`, when given, is the link expiry it announces (the
        caller records it when the email was sent)."""
        customer = invitation.customer
        expires_at = expires_at or invitation.expires_at
        if invitation.kind == FOLLOWUP_KIND or not customer.email.isascii():
            invitation.expires_at = expires_at
            return mail_bulk.outgoing(build_invitation_message(invitation, reminder))
        sale = invitation.sale
        shape = (customer.locale, reminder, bool(customer.name), sale is not None,
                 expires_at is not None)  # fmt: skip
        skeleton = self.skeletons.get(shape) or self._skeleton(shape)
        values = {
            "name": customer.name or "",
            "surveytoken": make_token("survey", invitation.id),
            "unsubtoken": make_token("unsubscribe", invitation.id),
            "orderref": sale.order_ref if sale is not None else "",
            "product": sale.product if sale is not None else "",
            "expires": expires_at.strftime("%Y-%m-%d") if expires_at is not None else "",
        }
        unsubscribe = skeleton.unsubscribe_url.replace(slot("unsubtoken"), values["unsubtoken"])
        return skeleton.fill(customer.email, values, {"List-Unsubscribe": f"<{unsubscribe}>"})

    def _skeleton(self, shape: tuple) -> Skeleton:
        # Only what survey_invitation.txt/.html read of the customer, sale and date: a
        # template that reads more needs it here and in `write` (test_bulk_mail.py compares
        # every shape with the templates' own email).
        locale, reminder, named, with_sale, expiring = shape
        links = _links(slot("surveytoken"), slot("unsubtoken"))
        context = {
            "customer": SimpleNamespace(name=slot("name") if named else ""),
            "sale": SimpleNamespace(order_ref=slot("orderref"), product=slot("product"))
            if with_sale
            else None,
            "expires_at": SimpleNamespace(strftime=lambda _fmt: slot("expires"))
            if expiring
            else None,
        }
        skeleton = _invitation(slot("to"), locale, reminder, links, build=Skeleton, **context)
        skeleton.unsubscribe_url = links["unsubscribe"]
        self.skeletons[shape] = skeleton
        return skeleton


def build_followup_message(invitation: SurveyInvitation, links: dict, reminder: bool):
    """The "did this fix it?" email: yes / no buttons open the follow-up page with that answer
    chosen, and the case's status link is in it, as in every email about the case."""
    customer = invitation.customer
    case = db.session.get(Case, invitation.case_id)
    token = make_token("survey", invitation.id)
    links = {
        **links,
        "yes": external_url("survey.answer", token=token, resolved="yes"),
        "no": external_url("survey.answer", token=token, resolved="no"),
        "status": case_links.status_url(case),
    }
    with force_locale(customer.locale):
        subject = gettext("Did this resolve your concern?")
        if reminder:
            subject = gettext("Reminder: %(subject)s", subject=subject)
        return mail.build_bulk_message(
            customer.email,
            subject,
            "survey_followup",
            headers={
                "List-Unsubscribe": f"<{links['unsubscribe']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                **mail_addresses.reply_headers(case.id),
            },
            locale=customer.locale or "en",
            customer=customer,
            case=case,
            links=links,
            reminder=reminder,
            expires_at=invitation.expires_at,
        )
