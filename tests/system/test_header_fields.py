"""Names end up in email subjects: stored on one line at intake, and never stop an email."""

import pytest
import sqlalchemy as sa

from portal import mail
from portal.extensions import db
from portal.jobs import outbox as work_outbox
from portal.jobs.triage import notify_case_assigned
from portal.models import Complaint, User

from ..cases.case_helpers import make_case
from ..cases.test_complaints import complain
from ..conftest import submit

BROKEN = "Ann\r\nBcc: someone@evil.test\tAndersson"
ONE_LINE = "Ann Bcc: someone@evil.test Andersson"


@pytest.fixture
def rep(make_user):
    return make_user("rep", name="Rita Rep", email="rita@example.com")


@pytest.mark.parametrize("name", [BROKEN, "Ann\u2028Andersson\x1b[31m", "Ann\x85Andersson"])
def test_a_name_the_checks_never_saw_still_reaches_the_rep(app, rep, smtp_server, run_jobs, name):
    """A name stored before intake cleaned names (an old import, a database restore): the
    rep's "new case" email goes out with the name on one line, instead of failing for good."""
    case = make_case(rep, customer_name="placeholder")
    case.customer.name = name
    work_outbox.add(notify_case_assigned, case.id, family="mail")
    db.session.commit()
    work_outbox.flush()
    run_jobs()
    [message] = smtp_server.messages
    assert message["To"] == "rita@example.com"
    assert message["Subject"].startswith(f"New normal case #{case.id}: Ann")
    assert not {"\r", "\n", "\x1b", "\u2028", "\x85"} & set(message["Subject"])
    assert message["Bcc"] is None
    db.session.expire_all()
    assert case.rep_notified_at is not None


def test_a_lone_surrogate_never_stops_a_message(app, rep):
    """Text that cannot be encoded (only ever in memory: the database refuses it) becomes a
    replacement character in the subject and the bodies."""
    case = make_case(rep, customer_name="placeholder")
    message = mail.build_message(
        "rita@example.com",
        "Case: Ann \ud800 Andersson",
        "case_assigned",
        case=case,
        rep=rep,
        link="https://portal.example.test/cases/1",
    )
    data = bytes(message)  # what goes on the wire: must encode
    assert b"Andersson" in data
    assert message["Subject"] == "Case: Ann \ufffd Andersson"


def test_the_complaint_form_stores_the_name_and_order_number_on_one_line(client, app):
    response = complain(client, name=BROKEN, order_ref="ORD\r\n7")
    assert response.status_code == 303
    stored = db.session.scalar(sa.select(Complaint))
    assert (stored.name, stored.order_ref_given) == (ONE_LINE, "ORD 7")


def test_staff_names_are_stored_on_one_line(client, login, make_user):
    login(make_user("admin"))
    response = submit(
        client, "/admin/users/new", {"email": "n@example.com", "name": BROKEN, "role": "rep"}
    )
    assert response.status_code in (302, 303)
    assert db.session.scalar(sa.select(User.name).where(User.email == "n@example.com")) == ONE_LINE
