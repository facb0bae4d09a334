"""Background work is named by key (portal/jobs/registry.py), and what was stored before keys
existed still runs: outbox rows written with import paths are migrated, and RQ jobs queued in
Redis under a job's old import path find it there."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app, jobs
from portal.extensions import db
from portal.jobs import customer_mail, outbox
from portal.jobs import followup as followup_jobs
from portal.jobs.registry import LEGACY_KEYS, UnknownJobError, resolve
from portal.models import (
    Case,
    CaseEvent,
    Customer,
    OutboxJob,
    SurveyInvitation,
    SurveyResponse,
    utcnow,
)
from portal.services.cases import work
from portal.services.cases.opening import open_case
from portal.services.setup import ensure_sla_policies

from .conftest import _test_config

BEFORE_KEYS = "c6a1d0e4b7f2"  # the last revision whose outbox rows held import paths


def test_every_job_is_found_by_its_key_and_by_its_old_import_path():
    assert resolve("triage.analyse_response").__name__ == "analyse_response"
    assert resolve("portal.jobs.triage:analyse_response") is resolve("triage.analyse_response")
    for path, key in LEGACY_KEYS.items():
        assert resolve(path) is resolve(key)
    with pytest.raises(UnknownJobError, match=r"no job is registered as 'triage\.nothing'"):
        resolve("triage.nothing")


@pytest.mark.parametrize("name", ["apply_followup_answer", "close_unanswered_followups"])
def test_a_moved_job_is_still_importable_from_its_old_module(name):
    """RQ stores the dotted import path of a queued job and imports it when the job runs."""
    assert getattr(customer_mail, name) is getattr(followup_jobs, name)


@pytest.fixture
def answered_followup(app, make_team, make_user, make_sale):
    """A resolved case whose customer answered the follow-up "no, not fixed" (the answer is
    stored; the job that applies it has not run)."""
    ensure_sla_policies()
    lead = make_user("manager", name="Maja Manager", email="maja@example.com")
    rita = make_user("rep", team=make_team("North", lead=lead), name="Rita Rep")
    customer = Customer(email="carl@example.org", name="Carl Kund", locale="en")
    sale = make_sale(rep=rita, customer=customer, sold_at=utcnow() - timedelta(days=4))
    case = open_case(
        source="complaint_form",
        customer=customer,
        sale=sale,
        now=utcnow(),
        polarity=-0.8,
        satisfaction=None,
        reasons=["complaint: delivery"],
        needs_review=False,
        description="The parcel never came.",
    )
    db.session.commit()
    work.log_contact(case, rita, "phone", "Called Carl", case.version, utcnow())
    work.resolve(case, rita, "refund", "Refunded to your card.", case.version, utcnow())
    invitation = db.session.scalar(
        sa.select(SurveyInvitation).where(
            SurveyInvitation.case_id == case.id, SurveyInvitation.kind == "resolution"
        )
    )
    invitation.sent_at = invitation.answered_at = utcnow()
    response = SurveyResponse(invitation=invitation, satisfaction=1, resolved_concern=False)
    db.session.add(response)
    db.session.commit()
    return case, response


def test_a_job_queued_under_its_old_import_path_still_runs(answered_followup, run_jobs):
    case, response = answered_followup
    queue = jobs.get_queue(jobs.FAMILIES["analysis"].queue)
    queue.enqueue("portal.jobs.customer_mail.apply_followup_answer", response.id)
    run_jobs()
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "reopened"
    assert db.session.scalar(
        sa.select(CaseEvent.id).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == "followup_answered"
        )
    )


def test_outbox_rows_stored_by_import_path_are_migrated_to_job_keys(tmp_path):
    config = {**_test_config(f"sqlite:///{tmp_path / 'keys.db'}", tmp_path), "REDIS_URL": None}
    app = create_app(config)
    stored = [  # as an older release wrote them: work waiting when the new release deploys
        (
            "customer_mail-apply_followup_answer-41",
            "portal.jobs.customer_mail:apply_followup_answer",
        ),
        ("triage-analyse_response-42", "portal.jobs.triage:analyse_response"),
    ]
    table = OutboxJob.__table__
    rows = sa.select(table.c.job_id, table.c.func).order_by(table.c.job_id)
    with app.app_context():
        upgrade(revision=BEFORE_KEYS)
        with db.engine.begin() as conn:
            for job_id, func in stored:
                args = [int(job_id.rsplit("-", 1)[1])]
                conn.execute(
                    table.insert().values(
                        job_id=job_id,
                        func=func,
                        args=args,
                        family="analysis",
                        created_at=utcnow(),
                        enqueue_attempts=0,
                    )
                )
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(rows).all() == [
                ("followup-apply_followup_answer-41", "followup.apply_followup_answer"),
                ("triage-analyse_response-42", "triage.analyse_response"),
            ]
        # The waiting work runs under its key, and marks its own (renamed) row done.
        assert outbox.flush() == 2
        assert outbox.pending_count() == 0
        db.session.remove()
        downgrade(revision=BEFORE_KEYS)
        with db.engine.connect() as conn:
            assert conn.execute(rows).all() == sorted(stored)
        db.engine.dispose()
