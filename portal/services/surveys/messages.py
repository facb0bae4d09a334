"""The survey emails: the post-sale invitation and its reminder, and the "did this fix it?"
follow-up, each in the customer's language with the links to answer or unsubscribe."""

from __future__ import annotations

from flask_babel import force_locale, gettext

from portal import mail, mail_addresses
from portal.extensions import db
from portal.models import Case, SurveyInvitation
from portal.services import status_links as case_links
from portal.services.surveys.followup import FOLLOWUP_KIND
from portal.tokens import make_token
from portal.urls import external_url


def survey_links(invitation: SurveyInvitation) -> dict[str, object]:
    token = make_token("survey", invitation.id)
    unsubscribe = external_url("survey.unsubscribe", token=make_token("unsubscribe", invitation.id))
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
    with force_locale(customer.locale):
        subject = (
            gettext("Reminder: how was your purchase?")
            if reminder
            else gettext("How was your purchase?")
        )
        return mail.build_bulk_message(
            customer.email,
            subject,
            "survey_invitation",
            headers={
                # RFC 8058 one-click unsubscribe, honoured by the big mailbox providers.
                "List-Unsubscribe": f"<{links['unsubscribe']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            locale=customer.locale or "en",
            customer=customer,
            sale=invitation.sale,
            links=links,
            reminder=reminder,
            expires_at=invitation.expires_at,
        )


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
