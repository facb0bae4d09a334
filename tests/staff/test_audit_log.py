"""The audit trail (issue 13 point 9): every administrative change leaves who, when, from
where, and what it was before and after; admins read, filter and export it; nobody edits it."""

from __future__ import annotations

import contextvars
import csv
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from portal.extensions import db
from portal.models import ApiKey, AuditEvent, Goal, Holiday, utcnow
from portal.services import audit, organisation
from portal.services.performance import goals
from portal.services.rules import RuleError
from portal.services.setup import ensure_sla_policies
from portal.services.sla import admin as sla_admin
from portal.services.staff import teams
from portal.services.webhooks import endpoints
from tests.conftest import submit


@pytest.fixture
def admin(login, make_user):
    user = make_user("admin", name="Ada Admin", email="ada@example.com")
    login(user)
    return user


def events(action: str | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def edit_user(client, user, **changes):
    data = {
        "name": user.name,
        "role": user.role,
        "team": str(user.team_id or ""),
        "away_until": "",
        "stand_in": "",
        **changes,
    }
    return submit(client, f"/admin/users/{user.id}/edit", data)


# --- what is recorded -----------------------------------------------------------------------


def test_a_role_team_and_absence_change_is_recorded_with_who_before_and_after(
    client, admin, make_user, make_team
):
    north = make_team("North")
    rep = make_user("rep", name="Rita Rep", email="rita@example.com")
    back = (utcnow() + timedelta(days=10)).date()

    assert edit_user(client, rep, role="manager", team=str(north.id)).status_code == 302
    assert (
        edit_user(client, rep, away_until=back.isoformat(), team=str(north.id)).status_code == 302
    )

    role, team, absence = events("user.role"), events("user.team"), events("user.absence")
    assert [(e.before, e.after) for e in role] == [({"role": "rep"}, {"role": "manager"})]
    assert [(e.before, e.after) for e in team] == [({"team_id": None}, {"team_id": north.id})]
    assert absence[0].before == {"away_until": None}
    assert absence[0].after["away_until"].startswith(back.isoformat())
    for event in role + team + absence:
        assert (event.actor_kind, event.actor_id, event.actor_email) == (
            "staff",
            admin.id,
            admin.email,
        )
        assert (event.target_type, event.target_id, event.target_label) == (
            "user",
            str(rep.id),
            "rita@example.com",
        )
        assert event.ip == "127.0.0.1"
    # Saving the form unchanged records nothing.
    edit_user(client, rep, role="manager", team=str(north.id), away_until=back.isoformat())
    assert len(events("user.role")) == 1 and len(events("user.absence")) == 1


def test_deactivation_and_reactivation_are_recorded(client, admin, make_user):
    rep = make_user("rep")
    submit(client, f"/admin/users/{rep.id}/deactivate", {}, page="/admin/users")
    submit(client, f"/admin/users/{rep.id}/reactivate", {}, page="/admin/users")

    (off,) = events("user.deactivated")
    (on,) = events("user.reactivated")
    assert (off.before, off.after["active"]) == ({"active": True}, False)
    assert on.after == {"active": True}
    assert off.actor_email == on.actor_email == admin.email


def test_api_key_creation_and_revocation_are_recorded_never_the_secret(client, admin):
    page = submit(
        client, "/admin/api-keys/new", {"name": "Webshop", "scopes": "write:sales"}
    ).get_data(as_text=True)
    key = db.session.scalar(sa.select(ApiKey))
    submit(client, f"/admin/api-keys/{key.id}/revoke", {}, page="/admin/api-keys")

    (created,) = events("api_key.created")
    (revoked,) = events("api_key.revoked")
    assert created.after == {"name": "Webshop", "prefix": key.prefix}
    assert created.target_label == "Webshop"
    assert revoked.before == {"revoked_at": None} and revoked.after["revoked_at"]
    secret = re.search(r"\bas_[\w-]{20,}", page).group(0)
    stored = str([(e.before, e.after, e.target_label) for e in events()])
    assert key.prefix in stored and secret not in stored


def test_sla_holiday_and_survey_policy_edits_are_recorded(app, admin):
    ensure_sla_policies()
    policy = sla_admin.policies()[0]
    settings = sla_admin.PolicySettings.of(policy)
    changed = sla_admin.PolicySettings(**{**vars(settings), "first_contact_amount": 7})
    sla_admin.update_policies({policy.severity: changed})
    holiday = sla_admin.add_holiday(date(2027, 12, 24), "Christmas Eve", None)
    sla_admin.delete_holiday(holiday)

    (sla,) = events("sla.policy_updated")
    assert sla.before == {"first_contact_amount": settings.first_contact_amount}
    assert sla.after == {"first_contact_amount": 7}
    assert sla.target_label == policy.severity
    added, deleted = events("holiday.added")[0], events("holiday.deleted")[0]
    assert added.after == {"day": "2027-12-24", "name": "Christmas Eve", "team_id": None}
    assert deleted.before == added.after and deleted.target_id == added.target_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Holiday)) == 0


def test_survey_policy_edit_through_the_page(client, admin):
    data = {
        "send_after_days": "7",
        "window_start_hour": "9",
        "window_end_hour": "18",
        "budget_days": "30",
        "reminder_after_days": "4",
        "link_expiry_days": "28",
    }
    assert submit(client, "/admin/surveys/policy", data).status_code == 302
    (event,) = events("survey_policy.updated")
    assert event.before == {"send_after_days": 3} and event.after == {"send_after_days": 7}
    assert event.actor_email == admin.email


def test_goal_deletion_is_recorded_with_the_goal_as_it_was(app, make_user, make_team):
    manager = make_user("manager")
    team = make_team("North", lead=manager)
    goal = Goal(
        team_id=team.id, metric="csat", target=0.9, period="month", period_start=date(2027, 1, 1)
    )
    db.session.add(goal)
    db.session.commit()

    assert goals.delete_goal(manager, goal.id)
    (event,) = events("goal.deleted")
    assert event.before["metric"] == "csat" and event.before["target"] == 0.9
    assert event.before["team_id"] == team.id and event.after is None
    assert (event.actor_id, event.actor_email) == (manager.id, manager.email)


def test_a_refused_change_records_nothing(app):
    teams.create_team("North", None)
    with pytest.raises(RuleError):
        teams.create_team("north", None)
    assert [e.action for e in events()] == ["team.created"]


def test_logins_and_failed_logins_are_recorded_with_the_address_tried(client, login, make_user):
    rep = make_user("rep", email="rita@example.com")
    login("nobody@example.com", "guess")
    login(rep, "wrong password")
    login(rep)

    failed = events("auth.login_failed")
    assert [e.after for e in failed] == [
        {"email": "nobody@example.com", "reason": "unknown address"},
        {"email": "rita@example.com", "reason": "wrong password"},
    ]
    assert [e.target_id for e in failed] == [None, str(rep.id)]
    assert {e.actor_kind for e in failed} == {"anonymous"} and failed[0].ip == "127.0.0.1"
    (ok,) = events("auth.login")
    assert (ok.actor_kind, ok.actor_id, ok.target_id) == ("staff", rep.id, str(rep.id))


def test_users_made_on_the_command_line_are_recorded_as_system(runner):
    # In a fresh context, as a real command runs: no request (pytest-flask pushes one).
    result = contextvars.Context().run(
        runner.invoke,
        args=["portal", "create-user", "--email", "cli@example.com", "--name", "Cli User"],
    )
    assert result.exit_code == 0, result.output
    (event,) = events("user.created")
    assert event.actor_kind == "system" and event.actor_email is None
    assert event.target_label == "cli@example.com" and event.after["role"] == "rep"


# --- never editable ----------------------------------------------------------------------------


def test_the_database_refuses_to_change_an_event(app):
    audit.record("team.created", target_type="team", target_id=1, after={"name": "North"})
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.update(AuditEvent).values(action="nothing.happened"))
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(sa.delete(AuditEvent))
        db.session.rollback()
    assert [e.action for e in events()] == ["team.created"]


def test_no_route_changes_or_removes_an_event(app):
    audit_rules = [r for r in app.url_map.iter_rules() if "/admin/audit" in r.rule]
    assert {r.endpoint for r in audit_rules} == {"admin.audit_log", "admin.audit_log_csv"}
    assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in audit_rules)


# --- the admin page ----------------------------------------------------------------------------


def test_admins_filter_the_log_by_who_what_target_and_day(client, admin, make_user):
    old = audit.record(
        "team.created", target_type="team", target_id=9, label="Old team", actor=audit.SYSTEM
    )
    old.at = utcnow() - timedelta(days=40)
    db.session.commit()
    rep = make_user("rep", email="rita@example.com")
    edit_user(client, rep, role="manager")
    submit(client, f"/admin/users/{rep.id}/deactivate", {}, page="/admin/users")

    def listed(query: str) -> list[str]:
        """The actions of the rows listed (the target's label after each)."""
        html = client.get(f"/admin/audit?{query}").get_data(as_text=True)
        return re.findall(r"<code>([^<]+)</code>", html)

    everything = listed("")
    assert {"user.role", "user.deactivated", "team.created", "auth.login"} <= set(everything)
    assert set(listed("action=user.")) == {"user.role", "user.deactivated"}
    assert listed("action=user.role") == ["user.role"]
    assert listed("actor=system") == ["team.created"]
    assert "team.created" not in listed("actor=ada@") and "user.role" in listed("actor=ada@")
    assert listed(f"target_type=team&target_id={old.target_id}") == ["team.created"]
    today = utcnow().date()
    recent = listed(f"since={(today - timedelta(days=1)).isoformat()}&until={today.isoformat()}")
    assert "user.role" in recent and "team.created" not in recent
    html = client.get(
        f"/admin/audit?since={today.isoformat()}&until={(today - timedelta(days=3)).isoformat()}"
    ).get_data(as_text=True)
    assert "Choose a day on or after the first day." in html
    page = client.get("/admin/audit?action=user.role").get_data(as_text=True)
    assert "Old team" not in page and "rita@example.com" in page
    assert re.search(r"audit-before\">rep<.*audit-after\">manager<", page, re.S)


def test_the_log_is_paged(client, admin):
    for n in range(55):
        audit.record("team.created", target_type="team", target_id=n, label=f"Team {n:02d}")
    db.session.commit()
    first = client.get("/admin/audit").get_data(as_text=True)
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "Team 54" in first and "Team 00" not in first
    assert "Team 00" in second and "Page 2 of 2" in second


def test_the_csv_export_follows_the_filter_and_runs_no_formula(client, login, make_user):
    admin = make_user("admin")
    login("=1+2@example.com", "guess")  # a login form takes any address
    login(admin)
    response = client.get("/admin/audit.csv?action=auth.login_failed")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == list(audit.CSV_HEADER)
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["action"] == "auth.login_failed" and row["actor"] == "anonymous"
    assert row["target"] == "'=1+2@example.com"
    assert '"reason": "unknown address"' in row["after"]


def test_organisation_and_webhook_changes_are_recorded(app, admin):
    """Admin > Organisation and Admin > Webhooks change what every customer sees and where
    case data goes: each change is in the trail, never a webhook's secret."""
    now = utcnow()
    organisation.save_settings({"name": "Nordhem AB", "brand_colour": "#1f4e5f"}, now)
    organisation.save_settings({"name": "Nordhem Möbler AB", "brand_colour": "#1f4e5f"}, now)
    first, renamed = events("organisation.updated")
    assert first.after["name"] == "Nordhem AB"
    assert renamed.before == {"name": "Nordhem AB"}
    assert renamed.after == {"name": "Nordhem Möbler AB"}

    app.config["WEBHOOKS_ALLOW_HTTP_LOOPBACK"] = True
    endpoint, secret = endpoints.create_endpoint(
        "CRM", "http://127.0.0.1:9/hook", ["case.opened"], admin
    )
    endpoints.disable(endpoint, "10 failures in a row", now)
    db.session.commit()
    endpoints.enable(endpoint)
    endpoints.delete(endpoint)
    actions = [e.action for e in events() if e.action.startswith("webhook.")]
    assert actions == ["webhook.created", "webhook.disabled", "webhook.enabled", "webhook.deleted"]
    assert secret not in str([(e.before, e.after) for e in events()])
