"""Every CSV export read whole through a real server (werkzeug's, in a thread), as a manager's
browser downloads it: no app context pushed around the request, the request's session gone
before the body streams. The test client hides what breaks there (issue 13 point 1), so these
tests use urllib against 127.0.0.1.

They also open each file as a spreadsheet would, split on `,` (English locales) and on `;`
(Swedish and German), and check that no cell would run as a formula (issue 18 point 7)."""

from __future__ import annotations

import csv
import http.cookiejar
import io
import threading
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from portal.metrics.periods import period_of
from portal.metrics.rollup import rebuild
from portal.models import Case, Customer, utcnow
from portal.services.cases import labels

from ..cases.case_helpers import make_case
from ..conftest import PASSWORD, csrf_from
from ..csv_reading import assert_no_formula_cells, read_as_spreadsheet

# Names a customer can type on the public complaint form: each would be a formula somewhere.
HOSTILE = "Ann;=1+1;"
HOSTILE_COMMA = 'Bo,@SUM(A1),"=2+2"'
MARCH = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


class LiveServer:
    """The portal served by werkzeug on 127.0.0.1 (a free port) in a thread of its own."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class Browser:
    """A cookie-keeping HTTP client that logs in through the login form, CSRF token included."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str, str]:
        """Status, content type and the WHOLE body (read to the end of the stream)."""
        try:
            with self.opener.open(self.base_url + path, timeout=30) as response:
                return response.status, response.headers["Content-Type"], response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read().decode()

    def log_in(self, email: str) -> None:
        status, _, page = self.get("/login")
        assert status == 200
        form = urllib.parse.urlencode(
            {"csrf_token": csrf_from(page), "email": email, "password": PASSWORD}
        ).encode()
        with self.opener.open(self.base_url + "/login", data=form, timeout=30) as response:
            assert response.status == 200 and "/login" not in response.url, "login failed"


@pytest.fixture
def served_portal(app):
    """The app under test, served for real: its own Flask app over the same database."""
    served = create_app({key: app.config[key] for key in SERVED_KEYS})
    server = LiveServer(served)
    yield server
    server.stop()
    with served.app_context():
        for engine in db.engines.values():
            engine.dispose()


SERVED_KEYS = (
    "TESTING",
    "SQLALCHEMY_DATABASE_URI",
    "REDIS_URL",
    "SECRET_KEY",
    "MAIL_SERVER",
    "MAIL_DIR",
    "PORTAL_BASE_URL",
    "RATELIMIT_STORAGE_URI",
    "RQ_QUEUE_PREFIX",
    "SERVER_NAME",
)


@pytest.fixture
def north(make_team, make_user):
    """A manager's team with two reps, an admin, and cases with customer names that would run
    as formulas in a spreadsheet split on either separator."""
    manager = make_user("manager", name="Maja Manager")
    team = make_team("North", lead=manager)
    rep = make_user(team=team, name="Rita Rep")
    sly = make_user(team=team, name="-Sly;=HYPERLINK(x)")
    admin = make_user("admin", name="Ada Admin")
    hostile = make_case(rep, customer_name=HOSTILE, severity="critical")
    comma = make_case(sly, customer_name=HOSTILE_COMMA)
    labels.correct_label(
        hostile, manager, "positive", "-2 stars;@SUM(A1)", hostile.version, utcnow()
    )
    march = Case(
        source="complaint_form",
        customer=Customer(email="march@example.org", name="+46;=cmd|calc"),
        assigned_rep_id=rep.id,
        severity="critical",
        status="open",
        created_at=MARCH,
        first_contact_due=MARCH + timedelta(hours=2),
        resolve_due=MARCH + timedelta(days=2),
    )
    db.session.add(march)
    db.session.commit()
    rebuild(utcnow())
    return {
        "manager": manager,
        "admin": admin,
        "rep": rep,
        "sly": sly,
        "cases": [hostile, comma],
        "march": march,
    }


def read_export(browser: Browser, path: str) -> list[dict]:
    status, content_type, body = browser.get(path)
    assert status == 200, body[-2000:]
    assert content_type.startswith("text/csv")
    assert_no_formula_cells(body)
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_every_csv_export_streams_whole_through_a_real_server(served_portal, north, role):
    browser = Browser(served_portal.url)
    browser.log_in(north[role].email)
    hostile, comma = north["cases"]

    queue = read_export(browser, "/cases/export.csv?status=all")
    assert {int(r["case_id"]): r["customer"] for r in queue} == {
        hostile.id: "Ann;'=1+1;",
        comma.id: """Bo,'@SUM(A1),"'=2+2\"""",
        north["march"].id: "'+46;'=cmd|calc",
    }

    corrections = read_export(browser, "/cases/corrections.csv")
    assert [(int(r["case_id"]), r["corrected_label"]) for r in corrections] == [
        (hostile.id, "positive")
    ]
    assert corrections[0]["note"] == "'-2 stars;'@SUM(A1)"

    march = read_export(browser, "/performance/export/cases.csv?period=month&start=2026-03-01")
    assert [(int(r["case_id"]), r["rep"], r["team"]) for r in march] == [
        (north["march"].id, "Rita Rep", "North")
    ]

    now = read_export(browser, "/performance/export/cases.csv?period=month")
    assert sorted(int(r["case_id"]) for r in now) == sorted(c.id for c in north["cases"])
    assert {r["rep"] for r in now} == {"Rita Rep", "'-Sly;'=HYPERLINK(x)"}

    reps = read_export(browser, "/performance/export/reps.csv?period=month")
    this_month, march_month = period_of("month", utcnow()).label, period_of("month", MARCH).label
    sly = "'-Sly;'=HYPERLINK(x)"
    assert {(r["period"], r["rep"]) for r in reps} == {
        (march_month, "Rita Rep"),
        (this_month, "Rita Rep"),
        (this_month, sly),
    }
    assert all(int(r["sales_count"]) == 1 for r in reps if r["period"] == this_month)


def test_a_rep_downloads_their_own_queue_through_a_real_server(served_portal, north):
    browser = Browser(served_portal.url)
    browser.log_in(north["rep"].email)
    rows = read_export(browser, "/cases/export.csv?status=all")
    assert sorted(int(r["case_id"]) for r in rows) == sorted(
        [north["cases"][0].id, north["march"].id]
    )
    assert browser.get("/performance/export/cases.csv")[0] == 403


def test_the_spreadsheet_check_catches_a_formula_behind_a_semicolon():
    """The check the export tests rely on fails where a `;` spreadsheet would run a cell."""
    with pytest.raises(AssertionError, match="=1"):
        assert_no_formula_cells("case_id,customer\r\n1,Ann;=1+1;\r\n")
    assert read_as_spreadsheet("a,b;c\r\n", ";") == [["a,b", "c"]]
