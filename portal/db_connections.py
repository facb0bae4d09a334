"""How the app's database connections are set up and checked before each use.

PostgreSQL: a connection taken from the pool is checked without a round trip. An idle
connection has nothing to read; one the server ended (a restart, `pg_terminate_backend`, an
idle timeout, the backend killed) has its goodbye or end-of-file waiting on the socket. Such a
connection is dropped and the pool hands out a fresh one, so the request never sees it.
SQLAlchemy's `pool_pre_ping` found the same with a `SELECT 1` round trip on every checkout: a
fifth of the survey page's database waits (bench/survey_submit.py). What neither can see, a
peer gone without a word (a network cut), `pool_recycle` bounds (30 minutes, config.py).

SQLite: foreign keys enforced, readers and a writer overlapping (WAL), a lock waited for.
"""

from __future__ import annotations

import select

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError


def install(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "checkout", _check_alive)


def _tune_sqlite(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _check_alive(dbapi_connection, connection_record, connection_proxy) -> None:
    """Raising DisconnectionError makes the pool drop this connection and check out another
    (a new one if need be): the caller gets a working connection or the connect error."""
    if not is_alive(dbapi_connection):
        raise DisconnectionError("the server closed this connection")


def is_alive(dbapi_connection) -> bool:
    """A psycopg connection the pool holds idle: open, and nothing from the server waiting
    on its socket (anything there, a notice included, is reason enough for a fresh one)."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return False
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    except (OSError, ValueError, psycopg.Error):
        return False
