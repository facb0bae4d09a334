"""The survey policy row: created once, whoever comes first, without failing anyone."""

import threading
import time

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models.survey_policy import SurveyPolicy
from portal.services.surveys.schedule import get_policy


def test_init_creates_the_survey_policy_with_its_defaults(app, runner):
    assert db.session.get(SurveyPolicy, 1) is None
    result = runner.invoke(args=["portal", "init"])
    assert result.exit_code == 0, result.output
    assert "survey policy in place" in result.output
    db.session.expire_all()
    policy = db.session.get(SurveyPolicy, 1)
    assert policy is not None
    assert runner.invoke(args=["portal", "init"]).exit_code == 0  # safe to run again


def test_two_first_uses_at_once_both_get_the_policy(app):
    """Another request is inserting the row right now (not committed yet): this one's insert
    waits for it and then uses that row, instead of failing on the duplicate key (which
    answered customers with a 500 under load)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs two concurrent writers: PostgreSQL")
    other = db.engine.connect()
    other_tx = other.begin()
    other.execute(sa.insert(SurveyPolicy).values(id=1, budget_days=45))
    results: dict[str, object] = {}

    def first_use():
        with app.app_context():
            try:
                results["budget_days"] = get_policy().budget_days
                db.session.commit()
            except Exception as exc:  # the test reports whatever it was
                results["budget_days"] = repr(exc)
                db.session.rollback()

    thread = threading.Thread(target=first_use)
    thread.start()
    time.sleep(0.5)  # its insert now waits on the other transaction's row
    other_tx.commit()
    other.close()
    thread.join(20)
    assert results == {"budget_days": 45}  # the other request's row, not an error
    db.session.expire_all()
    assert db.session.query(SurveyPolicy).count() == 1
