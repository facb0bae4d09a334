"""Logging out ends the session on the server, not only in the browser (issue 18, point 4).

An attacker who copied the session cookie or the remember-me cookie before the user logged
out must find both dead afterwards. "Log out everywhere" ends every device's session, for the
user and for an admin acting on them."""

from __future__ import annotations

from portal.auth import session as auth_session
from portal.extensions import db
from portal.models import LoginSession, User

from ..conftest import PASSWORD, submit


def _copy_cookies(source, target, names=("session", "remember_token")) -> None:
    """What a thief with the cookies does: the same values in another browser."""
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def _log_in(client, user, **extra):
    response = submit(client, "/login", {"email": user.email, "password": PASSWORD, **extra})
    assert response.status_code == 302
    return response


def test_a_session_cookie_copied_before_logout_opens_nothing_after(app, client, make_user):
    rep = make_user("rep")
    _log_in(client, rep)
    thief = app.test_client()
    _copy_cookies(client, thief, names=("session",))
    assert thief.get("/home").status_code == 200  # the copy works while the session lives
    submit(client, "/logout", {}, page="/home")
    response = thief.get("/home")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_remember_me_cookie_copied_before_logout_opens_nothing_after(app, client, make_user):
    rep = make_user("rep")
    _log_in(client, rep, remember="y")
    thief = app.test_client()
    _copy_cookies(client, thief, names=("remember_token",))
    assert thief.get("/home").status_code == 200  # a browser reopened: logged in again
    submit(client, "/logout", {}, page="/home")
    thief.delete_cookie("session")
    assert thief.get("/home").status_code == 302


def test_logging_out_ends_only_this_devices_session(app, client, make_user):
    rep = make_user("rep")
    phone = app.test_client()
    _log_in(client, rep)
    _log_in(phone, rep)
    assert auth_session.session_count(db.session.get(User, rep.id)) == 2
    submit(client, "/logout", {}, page="/home")
    assert client.get("/home").status_code == 302
    assert phone.get("/home").status_code == 200
    assert auth_session.session_count(db.session.get(User, rep.id)) == 1


def test_log_out_everywhere_ends_every_device_and_every_copied_cookie(app, client, make_user):
    rep = make_user("rep")
    phone, thief = app.test_client(), app.test_client()
    _log_in(client, rep, remember="y")
    _log_in(phone, rep)
    _copy_cookies(client, thief)
    assert "Log out everywhere" in client.get("/home").get_data(as_text=True)
    assert client.post("/logout/everywhere").status_code == 400  # CSRF needed
    response = submit(client, "/logout/everywhere", {}, page="/home")
    assert response.headers["Location"] == "/login"
    for browser in (client, phone, thief):
        assert browser.get("/home").status_code == 302
    thief.delete_cookie("session")  # only the remember-me cookie left
    assert thief.get("/home").status_code == 302
    assert db.session.query(LoginSession).count() == 0
    _log_in(client, rep)  # the password still works
    assert client.get("/home").status_code == 200


def test_an_admin_logs_a_user_out_everywhere(app, client, make_user):
    admin, rep = make_user("admin"), make_user("rep", name="Rita Rep")
    laptop = app.test_client()
    _log_in(laptop, rep, remember="y")
    _log_in(client, admin)
    page = client.get(f"/admin/users/{rep.id}/edit").get_data(as_text=True)
    assert "Logged in on 1 device." in page
    url = f"/admin/users/{rep.id}/logout-everywhere"
    assert client.post(url).status_code == 400  # CSRF needed
    response = submit(client, url, {}, page=f"/admin/users/{rep.id}/edit")
    assert response.headers["Location"] == f"/admin/users/{rep.id}/edit"
    page = client.get(f"/admin/users/{rep.id}/edit").get_data(as_text=True)
    assert "Rita Rep is logged out on every device." in page and "Logged in on 0 devices." in page
    assert client.get("/home").status_code == 200  # the admin's own session goes on
    laptop.delete_cookie("session")
    assert laptop.get("/home").status_code == 302


def test_a_rep_cannot_log_someone_else_out(app, client, make_user):
    rep, other = make_user("rep"), make_user("rep")
    victim = app.test_client()
    _log_in(victim, other)
    _log_in(client, rep)
    url = f"/admin/users/{other.id}/logout-everywhere"
    assert submit(client, url, {}, page="/home").status_code == 403
    assert victim.get("/home").status_code == 200


def test_the_database_holds_no_usable_session_secret(client, make_user):
    rep = make_user("rep")
    _log_in(client, rep)
    [row] = db.session.query(LoginSession).all()
    cookie_session = client.get_cookie("session").value
    assert row.secret_hash not in cookie_session
    assert len(row.secret_hash) == 64
