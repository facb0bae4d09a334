"""The admin's System status page, and rate limits whose storage is down (in both test runs;
the full Redis outage, queue included, is tests/test_redis_outage.py)."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.extensions import db

from ..conftest import PASSWORD, _test_config, csrf_from, submit


def test_the_status_page_says_where_limits_are_counted_and_what_waits(app, client, make_user):
    admin = make_user("admin")
    submit(client, "/login", {"email": admin.email, "password": PASSWORD})
    html = client.get("/admin/status").get_data(as_text=True)
    assert "System status" in html
    assert "Counted in " in html and "jobs waiting in the database" in html
    assert "Redis: " in html


@pytest.fixture
def dead_limit_storage(migrated_database, tmp_path):
    config = _test_config(migrated_database, tmp_path / "mail")
    config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"  # nothing listens there
    web = create_app(config)
    yield web
    with web.app_context():
        db.session.remove()
        db.engine.dispose()


def test_with_the_limit_storage_down_staff_log_in_and_limits_are_counted_in_memory(
    app, dead_limit_storage, make_user
):
    admin = make_user("admin")
    client = dead_limit_storage.test_client()
    page = client.get("/login").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "email": admin.email, "password": PASSWORD}
    assert client.post("/login", data=form).status_code == 302
    html = client.get("/admin/status").get_data(as_text=True)
    assert "redis://127.0.0.1:1/0 is unreachable" in html
    assert "counted in this process's memory" in html
