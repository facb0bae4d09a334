"""Administration of staff accounts and teams, as an administrator (and others) meet it."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Team, User, utcnow
from tests.conftest import PASSWORD, body_text, submit

SET_PASSWORD_LINK = re.compile(r"https://portal\.example\.test/password/set/[\w.\-]+")
ADMIN_PAGES = [
    "/admin/users",
    "/admin/users/new",
    "/admin/users/{user_id}/edit",
    "/admin/teams",
    "/admin/teams/new",
    "/admin/teams/{team_id}/edit",
]
ADMIN_ACTIONS = ["deactivate", "reactivate", "send-password-link"]


@pytest.fixture
def admin(login, make_user):
    user = make_user("admin", name="Ada Admin", email="ada@example.com")
    login(user)
    return user


def user_named(name: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.name == name))


def links_in(outbox) -> list[str]:
    return [SET_PASSWORD_LINK.search(body_text(m)).group(0) for m in outbox()]


def options_of(html: str, select_name: str) -> list[str]:
    """The labels of a <select>'s options."""
    select = re.search(rf'<select[^>]*name="{select_name}".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


# --- who may use the admin pages ------------------------------------------------------------


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_reps_and_managers_get_403_on_every_admin_page(client, login, make_user, make_team, role):
    target, team = make_user("rep"), make_team()
    login(make_user(role))
    for page in ADMIN_PAGES:
        url = page.format(user_id=target.id, team_id=team.id)
        assert client.get(url).status_code == 403, url
    for action in ADMIN_ACTIONS:
        url = f"/admin/users/{target.id}/{action}"
        assert submit(client, url, {}, page="/home").status_code == 403, url
    assert (
        submit(
            client,
            "/admin/users/new",
            {"email": "x@example.com", "name": "X", "role": "admin"},
            page="/home",
        ).status_code
        == 403
    )
    assert user_named("X") is None
    assert db.session.get(User, target.id).active


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_state_changes_only_on_post(client, admin, make_user):
    rep = make_user("rep")
    for action in ADMIN_ACTIONS:
        assert client.get(f"/admin/users/{rep.id}/{action}").status_code == 405
    assert db.session.get(User, rep.id).active


def test_admin_sees_users_and_teams_in_the_navigation(client, admin):
    html = client.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/users" aria-current="page">Users</a>' in html
    assert 'href="/admin/teams"' in html
    assert "Ada Admin" in html and "(you)" in html


# --- creating users -------------------------------------------------------------------------


def test_creating_a_user_emails_a_link_that_opens_the_set_password_page(
    app, client, admin, make_team, run_jobs, outbox
):
    team = make_team("North")
    response = submit(
        client,
        "/admin/users/new",
        {"email": " Nina.New@Example.com ", "name": "Nina New", "role": "rep", "team": team.id},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert (
        "Nina New is added. A link to set a password is on its way to nina.new@example.com" in html
    )
    assert "Nina New" in html and "No password yet" in html

    user = user_named("Nina New")
    assert (user.email, user.role, user.team_id, user.password_hash) == (
        "nina.new@example.com",
        "rep",
        team.id,
        None,
    )
    run_jobs()
    [message] = outbox()
    assert message["To"] == "nina.new@example.com"
    [link] = links_in(outbox)
    assert link.startswith("https://portal.example.test/password/set/")

    newcomer = app.test_client()
    page = newcomer.get(urlsplit(link).path)
    assert page.status_code == 200
    assert "Set your password" in page.get_data(as_text=True)
    path = urlsplit(link).path
    submit(newcomer, path, {"password": "nina's own secret", "confirm": "nina's own secret"})
    assert (
        submit(
            newcomer, "/login", {"email": user.email, "password": "nina's own secret"}
        ).status_code
        == 302
    )


def test_a_duplicate_email_is_refused_with_a_clear_error(client, admin, make_user, outbox):
    make_user("rep", email="taken@example.com", name="First Owner")
    response = submit(
        client, "/admin/users/new", {"email": "Taken@Example.com", "name": "Second", "role": "rep"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "taken@example.com already has an account." in html
    assert 'aria-invalid="true"' in html
    assert user_named("Second") is None
    assert outbox() == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-address", "name": "N"}, "Enter a valid email address"),
        ({"email": "", "name": "N"}, "Enter an email address."),
        ({"email": "n@example.com", "name": "   "}, "Enter a name."),
        ({"email": "n@example.com", "name": "N", "role": "owner"}, "Not a valid choice"),
        ({"email": "n@example.com", "name": "N", "team": "999"}, "Not a valid choice"),
    ],
)
def test_create_user_form_explains_what_is_wrong(client, admin, fields, message):
    response = submit(client, "/admin/users/new", {"role": "rep", **fields})
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


# --- finding users --------------------------------------------------------------------------


def test_users_list_searches_by_name_or_email_and_filters(client, admin, make_user, make_team):
    north, south = make_team("North"), make_team("South")
    make_user("rep", team=north, name="Anna Andersson", email="anna@example.com")
    make_user("rep", team=south, name="Bertil Berg", email="bertil@sales.example.com")
    make_user("manager", team=north, name="Cecilia Chef", email="cecilia@example.com")
    make_user("rep", name="Dan Gone", email="dan@example.com", active=False)

    def names(query: str) -> set[str]:
        html = client.get(f"/admin/users?{query}").get_data(as_text=True)
        return set(re.findall(r'class="fw-semibold" href="/admin/users/\d+/edit">([^<]+)<', html))

    everyone = {"Ada Admin", "Anna Andersson", "Bertil Berg", "Cecilia Chef", "Dan Gone"}
    assert names("") == everyone
    assert names("q=anna") == {"Anna Andersson"}
    assert names("q=SALES.example") == {"Bertil Berg"}
    assert names("q=%25") == set()  # a % is a character to find, not a wildcard
    assert names("role=manager") == {"Cecilia Chef"}
    assert names(f"team={north.id}") == {"Anna Andersson", "Cecilia Chef"}
    assert names("team=none") == {"Ada Admin", "Dan Gone"}
    assert names("status=inactive") == {"Dan Gone"}
    assert names(f"role=rep&team={north.id}&status=active") == {"Anna Andersson"}
    assert names("role=nonsense") == everyone
    html = client.get("/admin/users?q=nobody-at-all").get_data(as_text=True)
    assert "No users match" in html


# --- editing users --------------------------------------------------------------------------


def test_editing_a_user_saves_role_team_absence_and_stand_in(client, admin, make_user, make_team):
    team = make_team("North")
    rep = make_user("rep", name="Rita Rep")
    stand_in = make_user("rep", name="Sven Stand-in")
    back_on = (utcnow() + timedelta(days=7)).date()
    response = submit(
        client,
        f"/admin/users/{rep.id}/edit",
        {
            "name": "Rita Repsson",
            "role": "rep",
            "team": team.id,
            "away_until": back_on.isoformat(),
            "stand_in": stand_in.id,
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Changes to Rita Repsson are saved." in html
    assert f'value="{back_on.isoformat()}"' in html
    db.session.expire_all()
    rep = db.session.get(User, rep.id)
    assert rep.name == "Rita Repsson" and rep.team_id == team.id
    assert rep.stand_in_id == stand_in.id
    assert rep.is_away(utcnow()) and not rep.is_away(utcnow() + timedelta(days=8))

    listing = client.get("/admin/users").get_data(as_text=True)
    assert "Away" in listing and "stand-in Sven Stand-in" in listing


def test_stand_in_is_chosen_among_active_reps_only(client, admin, make_user):
    rep = make_user("rep", name="Rita Rep")
    make_user("rep", name="Robin Active")
    manager = make_user("manager", name="Maja Manager")
    make_user("rep", name="Ivar Inactive", active=False)
    page = client.get(f"/admin/users/{rep.id}/edit").get_data(as_text=True)
    assert options_of(page, "stand_in") == ["No stand-in", "Robin Active"]

    response = submit(
        client,
        f"/admin/users/{rep.id}/edit",
        {"name": "Rita Rep", "role": "rep", "stand_in": manager.id},
    )
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.get(User, rep.id).stand_in_id is None


def test_away_until_must_be_in_the_future(client, admin, make_user):
    rep = make_user("rep")
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    response = submit(
        client,
        f"/admin/users/{rep.id}/edit",
        {"name": rep.name, "role": "rep", "away_until": yesterday},
    )
    assert "Choose a date after today, or leave it empty." in response.get_data(as_text=True)
    assert db.session.get(User, rep.id).away_until is None


def test_admin_cannot_remove_their_own_admin_role(client, admin):
    response = submit(client, f"/admin/users/{admin.id}/edit", {"name": admin.name, "role": "rep"})
    assert "You cannot remove your own admin role." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "admin"


def test_a_team_lead_stays_a_manager_until_the_team_has_another_lead(
    client, admin, make_user, make_team
):
    manager = make_user("manager", name="Maja Manager")
    make_team("North", lead=manager)
    response = submit(
        client, f"/admin/users/{manager.id}/edit", {"name": manager.name, "role": "rep"}
    )
    assert "Maja Manager leads North" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, manager.id).role == "manager"


# --- deactivating and reactivating ----------------------------------------------------------


def test_deactivating_a_user_logs_out_their_open_session(app, client, admin, make_user):
    rep = make_user("rep", name="Rita Rep")
    their_browser = app.test_client()
    assert (
        submit(their_browser, "/login", {"email": rep.email, "password": PASSWORD}).status_code
        == 302
    )
    assert their_browser.get("/home").status_code == 200

    response = submit(
        client,
        f"/admin/users/{rep.id}/deactivate",
        {},
        page=f"/admin/users/{rep.id}/edit",
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Rita Rep is deactivated and logged out everywhere." in html
    assert "Reactivate account" in html

    after = their_browser.get("/home")
    assert after.status_code == 302 and urlsplit(after.headers["Location"]).path == "/login"
    assert (
        submit(their_browser, "/login", {"email": rep.email, "password": PASSWORD}).status_code
        == 401
    )


def test_deactivating_a_rep_removes_them_as_stand_in(client, admin, make_user):
    leaving = make_user("rep", name="Lars Leaving")
    covered = make_user("rep", name="Cora Covered", stand_in=leaving)
    response = submit(
        client,
        f"/admin/users/{leaving.id}/deactivate",
        {},
        page=f"/admin/users/{leaving.id}/edit",
        follow_redirects=True,
    )
    assert "They are no longer the stand-in for Cora Covered." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, covered.id).stand_in_id is None


def test_admin_cannot_deactivate_themselves(client, admin):
    page = client.get(f"/admin/users/{admin.id}/edit").get_data(as_text=True)
    assert "You cannot deactivate your own account." in page
    assert "Deactivate account" not in page
    response = submit(
        client,
        f"/admin/users/{admin.id}/deactivate",
        {},
        page=f"/admin/users/{admin.id}/edit",
        follow_redirects=True,
    )
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).active
    assert client.get("/admin/users").status_code == 200  # still logged in


def test_a_reactivated_user_can_log_in_again(app, client, admin, make_user):
    rep = make_user("rep", name="Rita Rep", active=False)
    response = submit(
        client,
        f"/admin/users/{rep.id}/reactivate",
        {},
        page=f"/admin/users/{rep.id}/edit",
        follow_redirects=True,
    )
    assert "Rita Rep is active again and can log in." in response.get_data(as_text=True)
    their_browser = app.test_client()
    assert (
        submit(their_browser, "/login", {"email": rep.email, "password": PASSWORD}).status_code
        == 302
    )


# --- password links -------------------------------------------------------------------------


def test_send_password_link_again_emails_a_working_link(client, admin, make_user, run_jobs, outbox):
    rep = make_user("rep", name="Rita Rep", email="rita@example.com")
    response = submit(
        client,
        f"/admin/users/{rep.id}/send-password-link",
        {},
        page=f"/admin/users/{rep.id}/edit",
        follow_redirects=True,
    )
    assert "A link to set a password is on its way to rita@example.com." in response.get_data(
        as_text=True
    )
    run_jobs()
    [message] = outbox()
    assert message["To"] == "rita@example.com"
    assert message["Subject"] == "Reset your Aftersale password"  # she has a password already
    [link] = links_in(outbox)
    assert client.get(urlsplit(link).path).status_code == 200


def test_no_password_link_for_a_deactivated_user(client, admin, make_user, run_jobs, outbox):
    rep = make_user("rep", active=False)
    page = client.get(f"/admin/users/{rep.id}/edit").get_data(as_text=True)
    assert "Send password link again" not in page
    response = submit(
        client,
        f"/admin/users/{rep.id}/send-password-link",
        {},
        page=f"/admin/users/{rep.id}/edit",
        follow_redirects=True,
    )
    assert "Reactivate the account first" in response.get_data(as_text=True)
    run_jobs()
    assert outbox() == []


# --- teams ----------------------------------------------------------------------------------


def test_creating_and_editing_a_team(client, admin, make_user):
    lead = make_user("manager", name="Maja Manager")
    other_lead = make_user("manager", name="Mats Manager")
    response = submit(
        client, "/admin/teams/new", {"name": "  North  ", "lead": lead.id}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "Team North is added." in html
    assert "Maja Manager" in html
    team = db.session.scalar(sa.select(Team).where(Team.name == "North"))
    assert team.lead_id == lead.id

    response = submit(
        client,
        f"/admin/teams/{team.id}/edit",
        {"name": "North East", "lead": other_lead.id},
        follow_redirects=True,
    )
    assert "Team North East is saved." in response.get_data(as_text=True)
    db.session.expire_all()
    assert (team.name, team.lead_id) == ("North East", other_lead.id)


def test_team_names_are_unique_whatever_the_case(client, admin, make_team):
    make_team("North")
    south = make_team("South")
    response = submit(client, "/admin/teams/new", {"name": "north"})
    assert "There is already a team called north." in response.get_data(as_text=True)
    response = submit(client, f"/admin/teams/{south.id}/edit", {"name": "NORTH"})
    assert "There is already a team called NORTH." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Team.id))) == 2


def test_team_lead_is_chosen_among_managers(client, admin, make_user):
    rep = make_user("rep", name="Rita Rep")
    make_user("manager", name="Maja Manager")
    make_user("manager", name="Gone Manager", active=False)
    page = client.get("/admin/teams/new").get_data(as_text=True)
    assert options_of(page, "lead") == ["No lead yet", "Maja Manager"]
    response = submit(client, "/admin/teams/new", {"name": "North", "lead": rep.id})
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Team)) is None


def test_teams_list_shows_lead_and_members(client, admin, make_user, make_team):
    lead = make_user("manager", name="Maja Manager")
    north = make_team("North", lead=lead)
    make_user("rep", team=north)
    make_user("rep", team=north)
    make_user("rep", team=north, active=False)
    make_team("Empty")
    html = client.get("/admin/teams").get_data(as_text=True)
    assert "Maja Manager" in html and "No lead" in html
    assert re.search(r'data-label="Active members">2<', html)
    page = client.get(f"/admin/teams/{north.id}/edit").get_data(as_text=True)
    assert "Members" in page and "Deactivated" in page


def test_a_long_users_list_is_paged_and_pages_keep_the_filters(client, admin):
    db.session.add_all(
        User(email=f"rep{n:02d}@example.com", name=f"Rep {n:02d}", role="rep") for n in range(60)
    )
    db.session.commit()
    first = client.get("/admin/users?role=rep").get_data(as_text=True)
    assert "60 users found" in first and "Page 1 of 2" in first
    assert "Rep 49" in first and "Rep 50" not in first
    assert 'href="/admin/users?role=rep&amp;page=2"' in first
    second = client.get("/admin/users?role=rep&page=2").get_data(as_text=True)
    assert "Rep 50" in second and "Rep 59" in second and "Rep 49" not in second
    assert "ada@example.com" not in second  # the filter holds on page 2
