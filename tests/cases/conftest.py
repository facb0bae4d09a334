"""Set-ups shared by the case tests: team North led by Maja, its rep Rita, and a customer's
survey answer posted on the survey page, which (once the job runs) opens a case the real way."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Customer, Sale, SurveyInvitation, Team, User, utcnow
from portal.services.setup import ensure_sla_policies
from portal.tokens import make_token

from ..conftest import csrf_from, sent_invitation

ANGRY = "Still waiting for my refund, third time I call and nobody answered. Never again."


@pytest.fixture
def team(app, make_team, make_user) -> Team:
    """Team North with the default SLA policies, led by Maja Manager (maja@example.com)."""
    ensure_sla_policies()
    lead = make_user("manager", name="Maja Manager", email="maja@example.com")
    north = make_team("North", lead=lead)
    lead.team = north
    db.session.commit()
    return north


@pytest.fixture
def rita(make_user, team) -> User:
    """Rita Rep (rita@example.com), a rep of team North."""
    return make_user("rep", team=team, name="Rita Rep", email="rita@example.com")


@pytest.fixture
def answer_survey(app, client, make_sale):
    """A customer answers the post-sale survey of `rep`'s sale on the survey page, the way
    they do from the email: returns the invitation (its `response` is the stored answer).
    They tick "You may contact me" unless `may_contact=False` (then the case wants no
    contact: no first-contact deadline, no follow-up; tests/cases/test_no_contact_wanted.py)."""

    def answer(
        rep: User | None,
        customer: Customer,
        satisfaction: str = "1",
        comment: str = ANGRY,
        sold_at: datetime | None = None,
        may_contact: bool = True,
    ) -> SurveyInvitation:
        now = utcnow()
        sale = make_sale(rep=rep, customer=customer, sold_at=sold_at or now - timedelta(days=4))
        invitation, _thanks = answer_about(client, sale, comment, satisfaction, may_contact)
        return invitation

    return answer


def answer_about(
    client, sale: Sale, comment: str, satisfaction: str = "1", may_contact: bool = True
) -> tuple[SurveyInvitation, str]:
    """The customer answers the post-sale survey of `sale` on the survey page: the
    invitation and the address of the thank-you page it redirects to."""
    invitation = sent_invitation(sale)
    db.session.add(invitation)
    db.session.commit()
    path = f"/s/{make_token('survey', invitation.id)}"
    page = client.get(path).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "satisfaction": satisfaction, "comment": comment}
    if may_contact:
        data["may_contact"] = "y"  # "You may contact me" ticked
    response = client.post(path, data=data)
    assert response.status_code == 303  # the customer's thank-you page
    return invitation, response.headers["Location"]


@pytest.fixture
def case_from_answer(answer_survey, run_jobs):
    """The case that a customer's negative answer opens once the triage job has run."""

    def make(rep: User | None, customer: Customer, **answer) -> Case | None:
        """`answer`: what `answer_survey` takes (satisfaction, comment, sold_at, may_contact)."""
        answer_survey(rep, customer, **answer)
        run_jobs()
        db.session.expire_all()
        return db.session.scalar(sa.select(Case).where(Case.customer_id == customer.id))

    return make
