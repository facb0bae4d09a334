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
