"""Fixtures shared by every test.

The suite runs twice (see Makefile `test`):
- on SQLite with jobs inline (no env vars), and
- on PostgreSQL with jobs through a real Redis and a real worker process, when
  TEST_DATABASE_URL and TEST_REDIS_URL are set.

The schema is built once per run by the Alembic migrations (so they are exercised on both
databases); every test then starts from empty tables and an empty Redis database.

Under pytest-xdist (`make test` passes -n), each worker process ("gw0", "gw1", ...) gets its own
PostgreSQL database (the name in TEST_DATABASE_URL + "_gw0"), its own Redis database (the number
in TEST_REDIS_URL for gw0, one less for gw1, and so on down) and its own queue prefix, so workers
never empty each other's tables or queues. The worker processes that `run_jobs` starts use the
same.

Every request goes through `ServerLikeClient`: its own app context, session and `g`, torn down
before the body is read, as under a real WSGI server.
"""

from __future__ import annotations

import contextvars
import email
import email.policy
import os
import re
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from portal import create_app
from portal.extensions import db
from portal.models import Customer, Sale, SurveyInvitation, Team, User, utcnow

ROOT = Path(__file__).resolve().parent.parent
# "gw0", "gw1"... in a pytest-xdist worker process; "" in a plain (serial) run.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# Cheap on purpose: scrypt costs ~0.1 s per password, and the suite makes thousands of users.
# Production keeps scrypt (Config.PASSWORD_HASH_METHOD; test_auth checks it).
TEST_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


def per_worker_database_url(url: str | None, worker: str = XDIST_WORKER) -> str | None:
    """This xdist worker's own database: "aftersale_test" becomes "aftersale_test_gw1"."""
    if not url or not worker:
        return url
    parsed = sa.engine.make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


def per_worker_redis_url(url: str | None, worker: str = XDIST_WORKER) -> str | None:
    """This xdist worker's own Redis database: gw0 keeps the number given, gw1 takes the one
    below it, and so on (CI's 15 gives 15, 14, ...), so the tests' FLUSHDB stays private."""
    if not url or not worker:
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = base - int(worker.removeprefix("gw"))
    if number < 0:
        raise pytest.UsageError(
            f"TEST_REDIS_URL={url} leaves no Redis database for xdist worker {worker}: "
            "use a higher database number or fewer workers (-n)."
        )
    return urlunsplit(parts._replace(path=f"/{number}"))


TEST_DATABASE_URL = per_worker_database_url(os.environ.get("TEST_DATABASE_URL"))
TEST_REDIS_URL = per_worker_redis_url(os.environ.get("TEST_REDIS_URL"))
RQ_QUEUE_PREFIX = f"aftersale-test-{XDIST_WORKER}" if XDIST_WORKER else "aftersale-test"


def pytest_report_header(config):
    database = TEST_DATABASE_URL or "SQLite (temporary file)"
    jobs = f"real Redis at {TEST_REDIS_URL} + worker process" if TEST_REDIS_URL else "inline"
    workers = (
        " (each xdist worker: its own database and Redis db)"
        if getattr(config.option, "numprocesses", None)
        else ""
    )
    return f"aftersale: database {database}; jobs {jobs}{workers}"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in item.keywords:
            # One worker runs the whole browser journey group (one Chromium, one live server)
            # under `--dist loadgroup`.
            item.add_marker(pytest.mark.xdist_group("browser"))
    if TEST_REDIS_URL:
        return
    skip = pytest.mark.skip(reason="needs TEST_REDIS_URL (real Redis and a worker)")
    for item in items:
        if "redis_only" in item.keywords:
            item.add_marker(skip)


# --- requests as a real server runs them --------------------------------------------------


class ServerLikeClient(FlaskClient):
    """A test client whose every request runs as under a WSGI server.

    The request runs in a fresh `contextvars.Context`, where no app or request context is
    pushed (the test's own, with its `db.session`, stays outside): Flask pushes the request's
    app context, `g` and session and tears them down when the view returns. `buffered=True`
    then reads the body after that teardown, as a server does while it sends a streamed
    response. Afterwards the test's own session is expired, so the test sees what the
    request committed (and only that: what the test left uncommitted, the request never saw).
    """

    def open(self, *args, buffered: bool = False, **kwargs):
        # `with client:` would keep the request's contexts alive after it: no server does.
        assert not self.preserve_context, "use the client without `with`: see ServerLikeClient"
        response = contextvars.Context().run(super().open, *args, buffered=True, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


# Every app built in the suite (also the ones a test builds for itself) uses it.
Flask.test_client_class = ServerLikeClient


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DATABASE_URL:
        _ensure_postgres_database(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _ensure_postgres_database(url: str) -> None:
    """Create the test database if it does not exist yet (CI starts from a bare server)."""
    target = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_database(database_url, tmp_path_factory) -> str:
    """Drop whatever a previous run left, then build the schema with the migrations."""
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("mail0")))
    with app.app_context():
        _drop_everything()
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return database_url


def _drop_everything() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        meta = sa.MetaData()
        meta.reflect(db.engine)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in reversed(meta.sorted_tables):
                conn.execute(sa.text(f'DROP TABLE "{table.name}"'))
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def _test_config(database_url: str, mail_dir: Path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url.replace("postgresql://", "postgresql+psycopg://"),
        "REDIS_URL": TEST_REDIS_URL,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "MAIL_SERVER": None,
        "MAIL_DIR": mail_dir,
        "ORGANISATION_DIR": mail_dir.parent / "organisation",
        "PORTAL_BASE_URL": "https://portal.example.test",
        # As in production: limits are counted in Redis when there is one (REDIS_URL).
        "RATELIMIT_STORAGE_URI": TEST_REDIS_URL or "memory://",
        "RQ_QUEUE_PREFIX": RQ_QUEUE_PREFIX,
        "SERVER_NAME": None,
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH_METHOD,
    }


@pytest.fixture
def app(migrated_database, tmp_path):
    app = create_app(_test_config(migrated_database, tmp_path / "mail"))
    # The test's own app context (for its factories and asserts on db.session); requests never
    # run in it (see ServerLikeClient).
    with app.app_context():
        if TEST_REDIS_URL:
            from portal.jobs import connection

            connection().flushdb()
        yield app
        db.session.remove()
        _empty_tables()
        for engine in db.engines.values():
            engine.dispose()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # A session left open in a transaction would make TRUNCATE wait for ever: fail
            # instead, naming the cause.
            conn.execute(sa.text("SET LOCAL lock_timeout = '20s'"))
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for name in tables:
                conn.execute(sa.text(f'DELETE FROM "{name}"'))  # noqa: S608  (our own table names)
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture
def client(app):
    """pytest-flask's `client` enters `with app.test_client()`, which keeps each request's
    contexts alive after it; this one does not."""
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- jobs ---------------------------------------------------------------------------------


@pytest.fixture
def run_jobs(app):
    """Finish every queued job. Inline, they already ran; with Redis, a real worker process
    (worker.py --burst) works the queues until they are empty."""

    def run(timeout: float = 60, scheduler: bool = False, worker_args: tuple = ()) -> None:
        if not TEST_REDIS_URL:
            return
        db.session.commit()
        env = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": TEST_REDIS_URL,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "PORTAL_BASE_URL": app.config["PORTAL_BASE_URL"],
            "RQ_QUEUE_PREFIX": app.config["RQ_QUEUE_PREFIX"],
            "MAIL_DIR": str(app.config["MAIL_DIR"]),
            "SMTP_HOST": app.config.get("MAIL_SERVER") or "",
            "SMTP_PORT": str(app.config.get("MAIL_PORT") or 25),
            "SMTP_STARTTLS": "true" if app.config.get("MAIL_USE_TLS") else "false",
        }
        done = subprocess.run(
            [
                sys.executable,
                str(ROOT / "worker.py"),
                "--burst",
                "--no-warm-up",  # a worker for a job or two: warming would cost more than it saves
                *([] if scheduler else ["--no-scheduler"]),
                *worker_args,
            ],
            env=env,
            timeout=timeout,
            capture_output=True,
            text=True,
        )
        # A failing job is the test's business; a crashing worker is not.
        assert done.returncode == 0, done.stderr[-3000:]
        print(done.stderr[-4000:])  # shown by pytest when the test fails
        db.session.expire_all()

    return run


# --- mail ---------------------------------------------------------------------------------


@pytest.fixture
def outbox(app):
    """The messages written to the mail folder so far, oldest first."""

    def read() -> list[EmailMessage]:
        folder = Path(app.config["MAIL_DIR"])
        if not folder.exists():
            return []
        paths = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths
        ]

    return read


def sent_invitation(sale: Sale) -> SurveyInvitation:
    """The post-sale survey of `sale`, sent yesterday and open for four weeks (not yet added to
    the session): what a customer answers from their email."""
    now = utcnow()
    return SurveyInvitation(
        kind="post_sale",
        customer=sale.customer,
        sale=sale,
        scheduled_for=now - timedelta(days=1),
        sent_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=27),
    )


def body_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


# --- factories ----------------------------------------------------------------------------


@pytest.fixture
def make_team(app):
    def make(name: str = "North", lead: User | None = None) -> Team:
        team = Team(name=name, lead=lead)
        db.session.add(team)
        db.session.commit()
        return team

    return make


@pytest.fixture
def make_user(app):
    counter = iter(range(1, 10_000))

    def make(role: str = "rep", team: Team | None = None, **fields) -> User:
        n = next(counter)
        user = User(
            email=fields.pop("email", f"{role}{n}@example.com"),
            name=fields.pop("name", f"{role.title()} {n}"),
            role=role,
            team=team,
            **fields,
        )
        user.set_password(PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_sale(app):
    counter = iter(range(1, 100_000))

    def make(rep: User | None = None, customer: Customer | None = None, **fields) -> Sale:
        n = next(counter)
        if customer is None:
            customer = Customer(email=f"customer{n}@example.org", name=f"Customer {n}")
        sale = Sale(
            order_ref=fields.pop("order_ref", f"ORD-{n:05d}"),
            customer=customer,
            rep=rep,
            amount=fields.pop("amount", Decimal("1250.00")),
            currency=fields.pop("currency", "SEK"),
            product=fields.pop("product", "Office chair"),
            sold_at=fields.pop("sold_at", utcnow()),
            **fields,
        )
        db.session.add(sale)
        db.session.commit()
        return sale

    return make


# --- browsing as a user -------------------------------------------------------------------


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


def submit(client, url: str, data: dict, follow_redirects: bool = False, page: str | None = None):
    """Open the form page like a browser (to get its CSRF token), then post it."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(
        url, data={"csrf_token": csrf_from(html), **data}, follow_redirects=follow_redirects
    )


@pytest.fixture
def login(client):
    def do(user_or_email, password: str = PASSWORD, **extra):
        email_address = getattr(user_or_email, "email", user_or_email)
        return submit(client, "/login", {"email": email_address, "password": password, **extra})

    return do


# --- a real SMTP server on loopback ---------------------------------------------------------


class SmtpServer:
    """aiosmtpd on 127.0.0.1: records every message; addresses starting with "bounce" are
    refused permanently (550), "later" temporarily (450)."""

    def __init__(self):
        import socket

        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.senders: list[str] = []  # the envelope sender (MAIL FROM) of each message
        self.connections = 0
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()

    def start(self):
        from aiosmtpd.controller import Controller

        # A stopped controller cannot start again: "back up" is a new server, same port.
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such user here"
        if address.startswith("later"):
            return "450 4.2.0 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(
                envelope.content, _class=EmailMessage, policy=email.policy.default
            )
        )
        self.recipients.append(list(envelope.rcpt_tos))
        self.senders.append(envelope.mail_from)
        return "250 Message accepted"

    def stop(self):
        self.controller.stop()


@pytest.fixture
def smtp_server(app):
    """Start a loopback SMTP server and point the app's mail at it."""
    server = SmtpServer()
    server.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=server.port,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_USERNAME=None,
    )
    yield server
    server.stop()
