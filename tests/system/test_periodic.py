"""Periodic jobs: one run per time slot, however many workers schedule it; the chain goes on."""

from datetime import UTC, datetime

import pytest
from rq.registry import ScheduledJobRegistry

from portal import jobs
from portal.jobs import periodic, registry


def _scheduled_ids() -> list[str]:
    ids = []
    for name in jobs.QUEUE_NAMES:
        ids += ScheduledJobRegistry(queue=jobs.get_queue(name)).get_job_ids()
    return sorted(ids)


def test_every_worker_start_schedules_each_periodic_job_once(app):
    now = datetime(2026, 11, 27, 10, 0, 30, tzinfo=UTC)
    first = periodic.schedule_all(now)
    second = periodic.schedule_all(now)  # a second worker starting at the same time
    assert first == len(periodic.PERIODIC)
    assert second == 0
    slot = periodic.slot_of("dispatch-surveys", now) + 1
    assert f"periodic-dispatch-surveys-{slot}" in _scheduled_ids()
    assert len(_scheduled_ids()) == len(periodic.PERIODIC)


RUNS: list[str] = []


def failing_body() -> None:
    RUNS.append("ran")
    raise RuntimeError("the database was away")


def test_a_run_schedules_the_next_slot_before_working(app, monkeypatch):
    monkeypatch.setitem(registry.REGISTRY, "test_periodic.failing_body", failing_body)
    monkeypatch.setitem(
        periodic.PERIODIC,
        "dispatch-surveys",
        periodic.Periodic("dispatch-surveys", "test_periodic.failing_body", 60, "mail"),
    )
    RUNS.clear()
    with pytest.raises(RuntimeError):
        periodic.run_periodic("dispatch-surveys", 1000)
    assert RUNS == ["ran"]
    # The failing run still left the next slot scheduled: the chain is not broken.
    assert "periodic-dispatch-surveys-1001" in _scheduled_ids()


def test_tick_runs_every_periodic_job_now(app, runner, make_sale):
    result = runner.invoke(args=["portal", "tick"])
    assert result.exit_code == 0
    assert "dispatch-surveys:" in result.output
