"""The suite's requests run as a real server runs them (issue 13, point 1): each in its own app
context, `g` and database session, torn down before the body is sent; the test's own session is
not the request's. A test client that shared one context across requests once hid a 500 that
every manager got on a real server."""

from __future__ import annotations

import pytest
from flask import g, has_app_context, jsonify, request

from portal.extensions import db
from portal.models import Team

from ..conftest import ServerLikeClient, per_worker_database_url, per_worker_redis_url


def _add_probe(app):
    """A page that reports what a request finds when it starts, then leaves traces behind."""

    def probe():
        found = {
            "g": sorted(vars(g)),
            "identity_map": sorted(type(o).__name__ for o in db.session.identity_map.values()),
            "teams": [t.name for t in db.session.scalars(db.select(Team).order_by(Team.name))],
        }
        g.left_by_an_earlier_request = True
        if request.args.get("read_only"):
            return jsonify(found)
        db.session.add(Team(name=f"Made by request {len(found['teams']) + 1}"))
        db.session.commit()
        return jsonify(found)

    def streamed():
        def body():
            # A WSGI server sends this after the view returned and its context was popped.
            yield f"context while sending: {has_app_context()}"

        return app.response_class(body(), mimetype="text/plain")

    app.add_url_rule("/_probe", "probe", probe)
    app.add_url_rule("/_streamed", "streamed", streamed)


def test_every_app_builds_the_server_like_client(app):
    assert isinstance(app.test_client(), ServerLikeClient)


def test_a_request_starts_with_nothing_left_by_the_one_before(app, client):
    _add_probe(app)
    first = client.get("/_probe").get_json()
    second = client.get("/_probe").get_json()
    assert "left_by_an_earlier_request" not in second["g"]
    # The first request's Team is in the database, not in a session the second one reuses.
    assert second["teams"] == ["Made by request 1"]
    assert "Team" not in second["identity_map"]
    assert first["identity_map"] == second["identity_map"] == []


def test_requests_do_not_run_in_the_tests_context(app, client):
    _add_probe(app)
    g.set_by_the_test = True
    db.session.add(Team(name="Uncommitted by the test"))
    db.session.flush()
    found = client.get("/_probe?read_only=1").get_json()
    assert "set_by_the_test" not in found["g"]
    assert found["teams"] == []  # the test's uncommitted row is not the request's to see
    db.session.rollback()


def test_the_test_sees_what_a_request_committed(app, client):
    _add_probe(app)
    team = Team(name="Before")
    db.session.add(team)
    db.session.commit()
    assert [t.name for t in db.session.scalars(db.select(Team))] == ["Before"]
    client.get("/_probe")
    names = sorted(t.name for t in db.session.scalars(db.select(Team)))
    assert names == ["Before", "Made by request 2"]


def test_a_body_is_read_after_the_request_is_torn_down(app, client):
    _add_probe(app)
    response = client.get("/_streamed")
    assert response.get_data(as_text=True) == "context while sending: False"


def test_each_xdist_worker_has_its_own_database_and_redis_database():
    pg = "postgresql://postgres@127.0.0.1:5432/aftersale_test"
    assert per_worker_database_url(pg, "") == pg  # a serial run uses the database given
    assert per_worker_database_url(pg, "gw1").endswith("/aftersale_test_gw1")
    redis = "redis://127.0.0.1:6379/15"
    assert per_worker_redis_url(redis, "") == redis
    assert per_worker_redis_url(redis, "gw0") == redis
    assert per_worker_redis_url(redis, "gw1") == "redis://127.0.0.1:6379/14"
    with pytest.raises(pytest.UsageError, match="no Redis database for xdist worker gw2"):
        per_worker_redis_url("redis://127.0.0.1:6379/1", "gw2")
