"""The migrations have one head, build the models' schema, and run down and up again."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from portal.models import search_indexes

from ..conftest import TEST_DATABASE_URL, _ensure_postgres_database, _test_config


def test_migrations_have_a_single_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several heads, merge them: {heads}"


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": search_indexes.include_object}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def _round_trip(url: str, mail_dir) -> None:
    app = create_app(_test_config(url, mail_dir))
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"users", "sales", "cases", "survey_responses"} <= tables
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "cases" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_migrations_run_down_and_up_on_sqlite(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'roundtrip.db'}", tmp_path)


def test_migrations_run_down_and_up_on_postgres(tmp_path):
    import pytest

    if not TEST_DATABASE_URL:
        pytest.skip("needs TEST_DATABASE_URL")
    url = sa.engine.make_url(TEST_DATABASE_URL)
    url = url.set(database=f"{url.database}_migrations")
    _ensure_postgres_database(url.render_as_string(hide_password=False))
    engine = sa.create_engine(url.set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    _round_trip(url.render_as_string(hide_password=False), tmp_path)


def test_contact_wanted_is_added_and_removed_in_place_keeping_the_timelines(tmp_path):
    """d7e3b1c9a4f6 on SQLite: a batch copy of `cases` would drop the old table, and with
    foreign keys on that deletes every timeline entry (ON DELETE CASCADE). Existing cases get
    contact_wanted true; down and up again, the timeline is still there."""
    app = create_app(_test_config(f"sqlite:///{tmp_path / 'cases.db'}", tmp_path))
    now = "2026-12-01 10:00:00"
    with app.app_context():
        upgrade(revision="c3a9e5d7f1b2")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO customers (id, email, name, locale, created_at) "
                    "VALUES (1, 'k@example.org', 'K', 'en', :now)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO cases (id, source, customer_id, status, severity, reopen_count,"
                    " created_at, updated_at, version, needs_review) VALUES (1, 'survey', 1,"
                    " 'open', 'normal', 0, :now, :now, 1, 0)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO case_events (case_id, actor_kind, kind, created_at) "
                    "VALUES (1, 'system', 'opened', :now)"
                ),
                {"now": now},
            )

        def state():
            with db.engine.connect() as conn:
                events = conn.execute(sa.text("SELECT count(*) FROM case_events")).scalar()
                keys = conn.execute(sa.text("PRAGMA foreign_key_list(cases)")).all()
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("cases")}
            return events, sorted(tuple(k[2:5]) for k in keys), "contact_wanted" in columns

        events, keys, _ = state()
        upgrade()
        assert state() == (events, keys, True) and events == 1
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT contact_wanted FROM cases")).scalar() == 1
        downgrade(revision="c3a9e5d7f1b2")
        assert state() == (1, keys, False)
        db.engine.dispose()
