"""Triage precision and recall from staff corrections over the last 90 days
(portal/metrics/triage_quality.py, docs/metrics.md), computed by hand on a small dataset and
read off the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.metrics.triage_quality import load_triage_quality
from portal.models import SentimentCorrection, utcnow
from portal.services.setup import ensure_sla_policies

from ..cases.case_helpers import make_case


@pytest.fixture
def dataset(make_team, make_user):
    """Ann (North) has seven survey cases in the window and one older; Sol (South) one.

    caught: k1 (contacted), k2 (resolved), k3 (relabelled positive, then back to negative)
    false alarm: k4 (relabelled neutral, closed as not a complaint)
    not reviewed: k5 (open, untouched)
    missed: k6 and k7 (marked negative on the review list)
    outside the window: k8 (opened 100 days ago, contacted)
    """
    ensure_sla_policies()
    now = utcnow()
    manager = make_user("manager", name="Maja North")
    north = make_team("North", lead=manager)
    manager.team = north
    ann = make_user(team=north, name="Ann North")
    boss = make_user("manager", name="Sven South")
    south = make_team("South", lead=boss)
    boss.team = south
    sol = make_user(team=south, name="Sol South")
    day = timedelta(days=1)

    def correct(case, label, when, from_review=False):
        db.session.add(
            SentimentCorrection(
                case_id=case.id,
                text=case.description,
                original_label="neutral" if from_review else "negative",
                corrected_label=label,
                corrected_by_id=manager.id,
                created_at=when,
                from_review=from_review,
            )
        )

    make_case(ann, opened=now - 10 * day, status="contacted", first_contact_at=now - 9 * day)
    make_case(ann, opened=now - 20 * day, status="resolved", first_contact_at=now - 19 * day)
    k3 = make_case(ann, opened=now - 30 * day)
    correct(k3, "positive", now - 29 * day)
    correct(k3, "negative", now - 28 * day)
    k4 = make_case(ann, opened=now - 5 * day, status="closed", outcome="not_a_complaint")
    correct(k4, "neutral", now - 4 * day)
    make_case(ann, opened=now - 2 * day)
    for n in (6, 7):
        kase = make_case(ann, opened=now - n * day)
        correct(kase, "negative", now - n * day, from_review=True)
    make_case(ann, opened=now - 100 * day, status="contacted", first_contact_at=now - 99 * day)
    sol_case = make_case(sol, opened=now - 3 * day)
    correct(sol_case, "neutral", now - 3 * day)
    db.session.commit()
    return {"manager": manager, "ann": ann, "sol": sol, "admin": make_user("admin")}


def test_precision_and_recall_with_their_samples(dataset):
    ann = load_triage_quality(utcnow(), [dataset["ann"].id])
    assert ann.reviewed == 4  # k1-k4; k5 untouched, k6/k7 are misses, k8 too old
    assert (ann.caught, ann.false_alarms, ann.missed) == (3, 1, 2)
    assert ann.precision == pytest.approx(3 / 4)
    assert ann.recall == pytest.approx(3 / 5) and ann.recall_sample == 5
    everyone = load_triage_quality(utcnow())
    assert everyone.reviewed == 5 and everyone.false_alarms == 2  # Sol's relabelled case
    assert everyone.precision == pytest.approx(3 / 5)
    assert load_triage_quality(utcnow(), []).precision is None  # nothing to count: no figure


def test_the_dashboard_shows_them_for_the_managers_team(client, login, dataset):
    login(dataset["manager"])
    html = client.get("/performance/").get_data(as_text=True)
    assert 'id="triage-precision">75%<' in html
    assert "3 of 4 reviewed routed cases were a complaint (1 relabelled not negative)" in html
    assert 'id="triage-recall">60%<' in html
    assert "3 of 5 known complaints were routed (2 found on the" in html
